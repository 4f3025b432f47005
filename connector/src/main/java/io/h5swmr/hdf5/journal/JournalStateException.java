package io.h5swmr.hdf5.journal;

import io.h5swmr.exceptions.H5SwmrException;

/**
 * A journal beside a file cannot be used with the file as it is: it was written for another state
 * of it (the file was replaced, regenerated or restored after the writer died), it was damaged
 * after its commit was made durable, or it is a version 1 journal that does not say which state it
 * applies to. Neither file was changed; the message names both and what the user can do.
 */
public class JournalStateException extends H5SwmrException {
  private static final long serialVersionUID = 1L;

  public JournalStateException(String message) {
    super(message);
  }
}
