package io.h5swmr.hdf5;

import java.lang.invoke.MethodHandles;
import java.lang.invoke.VarHandle;
import java.nio.ByteOrder;

/**
 * Fixed-width integers at a byte offset of a Java array, in a stated byte order: the headers and checksums of
 * filtered chunks (HDF Group LZ4, bitshuffle, Fletcher32) through the methods, the inner loops of the filters
 * (shuffle, bitshuffle) through the little-endian views themselves. Callers check bounds first; an offset past the
 * array throws {@link IndexOutOfBoundsException}.
 */
final class H5Bytes {
  static final VarHandle LONG_LE = MethodHandles.byteArrayViewVarHandle(long[].class, ByteOrder.LITTLE_ENDIAN);
  static final VarHandle INT_LE = MethodHandles.byteArrayViewVarHandle(int[].class, ByteOrder.LITTLE_ENDIAN);
  static final VarHandle SHORT_LE = MethodHandles.byteArrayViewVarHandle(short[].class, ByteOrder.LITTLE_ENDIAN);
  private static final VarHandle LONG_BE = MethodHandles.byteArrayViewVarHandle(long[].class, ByteOrder.BIG_ENDIAN);
  private static final VarHandle INT_BE = MethodHandles.byteArrayViewVarHandle(int[].class, ByteOrder.BIG_ENDIAN);

  private H5Bytes() {}

  static long longBE(byte[] b, int at) {
    return (long) LONG_BE.get(b, at);
  }

  static int intBE(byte[] b, int at) {
    return (int) INT_BE.get(b, at);
  }

  static int intLE(byte[] b, int at) {
    return (int) INT_LE.get(b, at);
  }
}
