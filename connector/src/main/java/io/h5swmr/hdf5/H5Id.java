package io.h5swmr.hdf5;

import hdf.hdf5lib.H5;

/**
 * One open HDF5 identifier (hid_t) of a known kind, closed exactly once by {@link #close()} under
 * the native guard. Every identifier this package opens lives in one of these, inside
 * try-with-resources or owned by a longer-lived {@link H5File}/{@link H5Dataset}.
 */
final class H5Id implements AutoCloseable {
  /** What the identifier refers to; decides the close call. */
  enum Kind {
    FILE,
    GROUP,
    DATASET,
    SPACE,
    TYPE,
    PLIST,
    ATTRIBUTE,
    OBJECT
  }

  private final Kind kind;
  private long id;

  private H5Id(Kind kind, long id) {
    this.kind = kind;
    this.id = id;
  }

  /**
   * Wraps {@code id}; a negative id (a failed call) is rejected by the caller's check before it
   * gets here.
   */
  static H5Id of(Kind kind, long id) {
    if (id < 0) {
      throw new IllegalArgumentException("invalid HDF5 " + kind + " id " + id);
    }
    return new H5Id(kind, id);
  }

  static H5Id file(long id) {
    return of(Kind.FILE, id);
  }

  static H5Id group(long id) {
    return of(Kind.GROUP, id);
  }

  static H5Id dataset(long id) {
    return of(Kind.DATASET, id);
  }

  static H5Id space(long id) {
    return of(Kind.SPACE, id);
  }

  static H5Id type(long id) {
    return of(Kind.TYPE, id);
  }

  static H5Id plist(long id) {
    return of(Kind.PLIST, id);
  }

  static H5Id attribute(long id) {
    return of(Kind.ATTRIBUTE, id);
  }

  static H5Id object(long id) {
    return of(Kind.OBJECT, id);
  }

  /** The raw hid_t; only valid until {@link #close()}. */
  long id() {
    if (id < 0) {
      throw new IllegalStateException("HDF5 " + kind + " id already closed");
    }
    return id;
  }

  boolean isOpen() {
    return id >= 0;
  }

  /** Closes the identifier; idempotent. */
  @Override
  public void close() {
    if (id < 0) {
      return;
    }
    long toClose = id;
    id = -1;
    H5Calls.run(
        "close " + kind.name().toLowerCase() + " id",
        () -> {
          switch (kind) {
            case FILE:
              H5.H5Fclose(toClose);
              break;
            case GROUP:
              H5.H5Gclose(toClose);
              break;
            case DATASET:
              H5.H5Dclose(toClose);
              break;
            case SPACE:
              H5.H5Sclose(toClose);
              break;
            case TYPE:
              H5.H5Tclose(toClose);
              break;
            case PLIST:
              H5.H5Pclose(toClose);
              break;
            case ATTRIBUTE:
              H5.H5Aclose(toClose);
              break;
            default:
              H5.H5Oclose(toClose);
              break;
          }
          return null;
        });
  }

  @Override
  public String toString() {
    return kind + "#" + id;
  }
}
