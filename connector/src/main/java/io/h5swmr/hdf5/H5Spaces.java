package io.h5swmr.hdf5;

import hdf.hdf5lib.H5;
import hdf.hdf5lib.HDF5Constants;
import org.bytedeco.javacpp.BytePointer;

/**
 * The dataspaces one open dataset reuses across reads and writes: its file dataspace (re-selected
 * per call) and the most recent memory dataspace, so a stream of equal-sized batch reads costs one
 * hyperslab selection and one H5Dread each. Invalidated when the dataset's extent changes. Used
 * under the native guard only.
 */
final class H5Spaces implements AutoCloseable {
  private H5Id file;
  private long[] dims;
  private H5Id memory;
  private long memExtent = -1;
  private long memOffset = -1;
  private long memCount = -1;
  private byte[] image;
  private BytePointer scratch;

  /** Current dimensions of dataset {@code did} (cached until {@link #invalidate()}). */
  long[] dims(long did) throws Exception {
    if (file == null) {
      file = H5Id.space(H5.H5Dget_space(did));
      int rank = H5.H5Sget_simple_extent_ndims(file.id());
      dims = new long[rank];
      if (rank > 0) {
        H5.H5Sget_simple_extent_dims(file.id(), dims, null);
      }
    }
    return dims;
  }

  /** The file dataspace with rows [start, start+count) selected over all other dimensions. */
  long selectRows(long did, long start, long count) throws Exception {
    long[] d = dims(did);
    if (d.length > 0) {
      long[] offset = new long[d.length];
      long[] counts = d.clone();
      offset[0] = start;
      counts[0] = count;
      H5.H5Sselect_hyperslab(file.id(), HDF5Constants.H5S_SELECT_SET, offset, null, counts, null);
    }
    return file.id();
  }

  /** A 1-D memory dataspace of {@code extent} elements with [offset, offset+count) selected. */
  long memory(long extent, long offset, long count) throws Exception {
    if (memory != null && extent == memExtent && offset == memOffset && count == memCount) {
      return memory.id();
    }
    if (memory != null) {
      memory.close();
      memory = null;
    }
    H5Id ms = H5Id.space(H5.H5Screate_simple(1, new long[] {extent}, null));
    if (offset != 0 || count != extent) {
      try {
        H5.H5Sselect_hyperslab(
            ms.id(),
            HDF5Constants.H5S_SELECT_SET,
            new long[] {offset},
            null,
            new long[] {count},
            null);
      } catch (Exception e) {
        ms.close();
        throw e;
      }
    }
    memory = ms;
    memExtent = extent;
    memOffset = offset;
    memCount = count;
    return ms.id();
  }

  /**
   * A Java array of at least {@code bytes} bytes for packing rows, kept for the next write of this
   * handle (contents undefined). A commit writes hundreds of 8 MiB blocks: a fresh array each time
   * costs the JVM a zeroed humongous allocation per block.
   */
  byte[] image(int bytes) {
    if (image == null || image.length < bytes) {
      image = null;
      image = new byte[bytes];
    }
    return image;
  }

  /**
   * Native memory of at least {@code bytes} bytes that H5Dwrite reads from, kept for the next write
   * of this handle and freed by {@link #close()} (contents undefined). Writing from Java arrays
   * costs a fresh native copy of the whole array per call in the binding (page faults on every
   * block of a bulk write); one reused buffer does not.
   */
  BytePointer scratch(long bytes) {
    if (scratch == null || scratch.capacity() < bytes) {
      if (scratch != null) {
        scratch.close();
        scratch = null;
      }
      scratch = new BytePointer(Math.max(1, bytes));
    }
    return scratch;
  }

  /** Forgets the file dataspace (after the extent changed). */
  void invalidate() {
    if (file != null) {
      file.close();
      file = null;
    }
  }

  @Override
  public void close() {
    invalidate();
    if (memory != null) {
      memory.close();
      memory = null;
    }
    image = null;
    if (scratch != null) {
      scratch.close();
      scratch = null;
    }
  }
}
