package io.h5swmr.exceptions;

/**
 * Root of h5swmr's unchecked exception family. Every error the connector raises on purpose is one
 * of these; messages name the option, column, path or type that was wrong and, where it helps, what
 * would be valid.
 */
public class H5SwmrException extends RuntimeException {
  private static final long serialVersionUID = 1L;

  public H5SwmrException(String message) {
    super(message);
  }

  public H5SwmrException(String message, Throwable cause) {
    super(message, cause);
  }
}
