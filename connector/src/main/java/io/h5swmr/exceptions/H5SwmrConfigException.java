package io.h5swmr.exceptions;

/** A bad option value, URL or user-given schema: raised on the driver before any task runs. */
public class H5SwmrConfigException extends H5SwmrException {
  private static final long serialVersionUID = 1L;

  public H5SwmrConfigException(String message) {
    super(message);
  }

  public H5SwmrConfigException(String message, Throwable cause) {
    super(message, cause);
  }
}
