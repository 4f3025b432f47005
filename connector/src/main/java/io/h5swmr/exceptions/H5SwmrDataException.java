package io.h5swmr.exceptions;

/**
 * HDF5 file and data errors: missing or corrupt files, missing datasets, unsupported or
 * incompatible types, data that cannot be written (nulls, ragged arrays) and datasets modified
 * during a scan.
 */
public class H5SwmrDataException extends H5SwmrException {
  private static final long serialVersionUID = 1L;

  public H5SwmrDataException(String message) {
    super(message);
  }

  public H5SwmrDataException(String message, Throwable cause) {
    super(message, cause);
  }
}
