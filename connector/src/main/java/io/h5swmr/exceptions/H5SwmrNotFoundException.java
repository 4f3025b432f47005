package io.h5swmr.exceptions;

/**
 * A file, group, dataset or attribute that does not exist. A subtype of {@link H5SwmrDataException}
 * so writers can tell "absent, create it" from every other data error.
 */
public class H5SwmrNotFoundException extends H5SwmrDataException {
  private static final long serialVersionUID = 1L;

  public H5SwmrNotFoundException(String message) {
    super(message);
  }

  public H5SwmrNotFoundException(String message, Throwable cause) {
    super(message, cause);
  }
}
