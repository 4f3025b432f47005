package io.h5swmr.hdf5;

import org.bytedeco.hdf5.global.hdf5;
import org.bytedeco.javacpp.SizeTPointer;

/** The size of a datatype as HDF5 stores it in a dataset's object header (its datatype message). */
public final class H5TypeSize {
  /**
   * HDF5's limit on one object header message: 64 KiB. A dataset whose datatype message is larger
   * (a compound of thousands of members) cannot be created: H5Dcreate fails deep inside the
   * library.
   */
  public static final long MAX_MESSAGE_BYTES = 65_535;

  private H5TypeSize() {}

  /**
   * Bytes of {@code t}'s encoded description (H5Tencode: the datatype message plus a 2-byte
   * header).
   */
  public static long encodedBytes(H5Type t) {
    return H5Calls.run(
        "could not measure the HDF5 datatype of " + t.kind(),
        () -> {
          long tid = H5Types.createFileType(t);
          try (SizeTPointer n = new SizeTPointer(1)) {
            n.put(0L);
            H5Calls.check(hdf5.H5Tencode(tid, null, n), "H5Tencode");
            return n.get();
          } finally {
            hdf5.H5Tclose(tid);
          }
        });
  }
}
