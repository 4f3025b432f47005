package io.h5swmr.exceptions;

/**
 * A lease could not be acquired within the acquire timeout. The message names the resource, the
 * time waited and the holders at the time of giving up (kind, host, process id, since when).
 */
public class H5SwmrLockTimeoutException extends H5SwmrLockException {
  private static final long serialVersionUID = 1L;

  public H5SwmrLockTimeoutException(String message) {
    super(message);
  }
}
