package io.h5swmr.exceptions;

/**
 * Another process (a native HDF5 writer, not an h5swmr writer) has the file open for writing in a
 * way that rules out what was asked: a read of a file a non-SWMR writer is changing, or any h5swmr
 * write while a native writer is alive. Nothing was changed; the message names the file, what was
 * seen and what to do.
 */
public class H5SwmrFileInUseException extends H5SwmrDataException {
  private static final long serialVersionUID = 1L;

  public H5SwmrFileInUseException(String message) {
    super(message);
  }
}
