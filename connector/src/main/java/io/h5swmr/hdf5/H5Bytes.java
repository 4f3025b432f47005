package io.h5swmr.hdf5;

import java.lang.invoke.MethodHandles;
import java.lang.invoke.VarHandle;
import java.nio.ByteOrder;

/**
 * Fixed-width integers at a byte offset of a Java array, in a stated byte order: the headers and
 * checksums of filtered chunks (HDF Group LZ4, bitshuffle, Fletcher32) through the methods, the
 * inner loops of the filters (shuffle, bitshuffle) through the little-endian views themselves.
 * Callers check bounds first; an offset past the array throws {@link IndexOutOfBoundsException}.
 */
final class H5Bytes {
  static final VarHandle LONG_LE =
      MethodHandles.byteArrayViewVarHandle(long[].class, ByteOrder.LITTLE_ENDIAN);
  static final VarHandle INT_LE =
      MethodHandles.byteArrayViewVarHandle(int[].class, ByteOrder.LITTLE_ENDIAN);
  static final VarHandle SHORT_LE =
      MethodHandles.byteArrayViewVarHandle(short[].class, ByteOrder.LITTLE_ENDIAN);

  /**
   * {@link #LONG_LE} over a {@link java.nio.ByteBuffer} (heap or direct), at an absolute byte
   * index.
   */
  static final VarHandle LONG_LE_BUFFER =
      MethodHandles.byteBufferViewVarHandle(long[].class, ByteOrder.LITTLE_ENDIAN);

  /**
   * {@code LOWc}: the bits of a long whose position has bit {@code c} clear. Swapping the blocks
   * they select between pairs of longs transposes bits (c = 0-2) or bytes (c = 3-5) of eight longs
   * as 8 x 8 matrices: the bitshuffle and shuffle filters' inner loops.
   */
  static final long LOW0 = 0x5555_5555_5555_5555L;

  static final long LOW1 = 0x3333_3333_3333_3333L;
  static final long LOW2 = 0x0F0F_0F0F_0F0F_0F0FL;
  static final long LOW3 = 0x00FF_00FF_00FF_00FFL;
  static final long LOW4 = 0x0000_FFFF_0000_FFFFL;
  static final long LOW5 = 0x0000_0000_FFFF_FFFFL;
  private static final VarHandle LONG_BE =
      MethodHandles.byteArrayViewVarHandle(long[].class, ByteOrder.BIG_ENDIAN);
  private static final VarHandle INT_BE =
      MethodHandles.byteArrayViewVarHandle(int[].class, ByteOrder.BIG_ENDIAN);

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
