package io.h5swmr.exceptions;

/**
 * Redis lock failures: unreachable/rejecting Redis, acquisition time-outs, lost leases, fenced
 * writers.
 */
public class H5SwmrLockException extends H5SwmrException {
  private static final long serialVersionUID = 1L;

  public H5SwmrLockException(String message) {
    super(message);
  }

  public H5SwmrLockException(String message, Throwable cause) {
    super(message, cause);
  }
}
