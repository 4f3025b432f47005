package io.h5swmr.exceptions;

/**
 * A lease was lost while its holder still relied on it: the watchdog found it gone from Redis, or
 * it could not be renewed within its TTL (for example because the process was paused or Redis was
 * unreachable). The message names the resource, the lease mode, the lease id and why it was lost.
 */
public class H5SwmrLeaseLostException extends H5SwmrLockException {
  private static final long serialVersionUID = 1L;

  public H5SwmrLeaseLostException(String message) {
    super(message);
  }
}
