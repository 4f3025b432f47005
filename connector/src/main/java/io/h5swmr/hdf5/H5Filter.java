package io.h5swmr.hdf5;

import java.io.Serializable;
import java.util.Arrays;
import java.util.Objects;

/**
 * One filter in a chunked dataset's pipeline: HDF5 filter id, its name and its client parameters.
 */
public final class H5Filter implements Serializable {
  private static final long serialVersionUID = 1L;

  /** HDF5 filter id of deflate (gzip). */
  public static final int DEFLATE = 1;

  /** HDF5 filter id of the byte shuffle. */
  public static final int SHUFFLE = 2;

  /** HDF5 filter id of the Fletcher32 checksum. */
  public static final int FLETCHER32 = 3;

  /** HDF5 filter id of szip. */
  public static final int SZIP = 4;

  private final int id;
  private final String name;
  private final int[] params;

  public H5Filter(int id, String name, int[] params) {
    this.id = id;
    this.name = Objects.requireNonNull(name, "name");
    this.params = params.clone();
  }

  public int id() {
    return id;
  }

  /** The name stored with the filter, or a well-known name ("deflate", "shuffle", ...). */
  public String name() {
    return name;
  }

  public int[] params() {
    return params.clone();
  }

  /** The deflate level 1–9 for a deflate filter, else -1. */
  public int deflateLevel() {
    return id == DEFLATE && params.length > 0 ? params[0] : -1;
  }

  @Override
  public boolean equals(Object o) {
    return o instanceof H5Filter
        && ((H5Filter) o).id == id
        && ((H5Filter) o).name.equals(name)
        && Arrays.equals(((H5Filter) o).params, params);
  }

  @Override
  public int hashCode() {
    return 31 * Objects.hash(id, name) + Arrays.hashCode(params);
  }

  @Override
  public String toString() {
    return name + Arrays.toString(params);
  }
}
