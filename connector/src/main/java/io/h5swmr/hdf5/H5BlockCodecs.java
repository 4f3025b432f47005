package io.h5swmr.hdf5;

import io.h5swmr.exceptions.H5SwmrDataException;
import java.util.function.IntFunction;

/**
 * The optional LZ4 and Zstandard codecs, touched only when their classes are on the classpath:
 * whole chunks of the LZ4 (32004) and Zstandard (32015) filters for {@link H5ChunkFilters}, and the
 * blocks inside a bitshuffle chunk for {@link H5Bitshuffle}. Neither of those calls the other for
 * them.
 */
final class H5BlockCodecs {
  static final boolean LZ4_PRESENT = present("net.jpountz.lz4.LZ4Factory");
  static final boolean ZSTD_PRESENT = present("com.github.luben.zstd.Zstd");

  private H5BlockCodecs() {}

  private static boolean present(String cls) {
    try {
      Class.forName(cls, false, H5BlockCodecs.class.getClassLoader());
      return true;
    } catch (ClassNotFoundException | LinkageError e) {
      return false;
    }
  }

  /**
   * The HDF Group LZ4 filter format: total raw size (int64, big-endian), block size (int32), then
   * per block its compressed size (int32) and bytes; a block whose compressed size equals its raw
   * size is stored raw.
   */
  static int lz4(byte[] in, int len, String where, IntFunction<byte[]> alloc) {
    if (len < 12) {
      throw new H5SwmrDataException(
          where + "corrupt LZ4 chunk: " + len + " bytes, shorter than its 12-byte header");
    }
    long total = H5Bytes.longBE(in, 0);
    int block = H5Bytes.intBE(in, 8);
    if (total < 0 || total > Integer.MAX_VALUE - 8 || block <= 0) {
      throw new H5SwmrDataException(
          where + "corrupt LZ4 chunk header (size " + total + ", block " + block + ")");
    }
    byte[] out = alloc.apply((int) total);
    net.jpountz.lz4.LZ4FastDecompressor d =
        net.jpountz.lz4.LZ4Factory.fastestInstance().fastDecompressor();
    int at = 12;
    int done = 0;
    try {
      while (done < total) {
        int raw = (int) Math.min(block, total - done);
        int comp = at + 4 <= len ? H5Bytes.intBE(in, at) : -1;
        at += 4;
        if (comp < 0 || comp > len - at) {
          throw new H5SwmrDataException(
              where
                  + "corrupt LZ4 chunk: the block at byte "
                  + (at - 4)
                  + " does not fit in the chunk's "
                  + len
                  + " bytes");
        }
        if (comp == raw) {
          System.arraycopy(in, at, out, done, raw);
        } else if (d.decompress(in, at, out, done, raw) != comp) {
          throw new H5SwmrDataException(where + "corrupt LZ4 block at byte " + at);
        }
        at += comp;
        done += raw;
      }
      return (int) total;
    } catch (net.jpountz.lz4.LZ4Exception e) {
      throw new H5SwmrDataException(where + "corrupt LZ4 chunk: " + e, e);
    }
  }

  /**
   * One raw LZ4 block {@code in[at, at + len)} that must decode to exactly {@code out[0,
   * expected)}.
   */
  static void lz4Block(byte[] in, int at, int len, byte[] out, int expected, String where) {
    int got;
    try {
      got =
          net.jpountz.lz4.LZ4Factory.fastestInstance()
              .safeDecompressor()
              .decompress(in, at, len, out, 0, expected);
    } catch (net.jpountz.lz4.LZ4Exception e) {
      throw new H5SwmrDataException(where + "corrupt LZ4 block: " + e.getMessage(), e);
    }
    if (got != expected) {
      throw new H5SwmrDataException(
          where + "LZ4 block decoded to " + got + " bytes, expected " + expected);
    }
  }

  /**
   * One Zstandard frame {@code in[at, at + len)} that must decode to exactly {@code out[0,
   * expected)}.
   */
  static void zstdFrame(byte[] in, int at, int len, byte[] out, int expected, String where) {
    long got;
    try {
      got = com.github.luben.zstd.Zstd.decompressByteArray(out, 0, expected, in, at, len);
    } catch (RuntimeException e) { // ZstdException in newer zstd-jni versions
      throw new H5SwmrDataException(where + "corrupt Zstandard block: " + e.getMessage(), e);
    }
    if (com.github.luben.zstd.Zstd.isError(got) || got != expected) {
      throw new H5SwmrDataException(
          where
              + "Zstandard block decoded to "
              + (com.github.luben.zstd.Zstd.isError(got)
                  ? com.github.luben.zstd.Zstd.getErrorName(got)
                  : got + " bytes")
              + ", expected "
              + expected
              + " bytes");
    }
  }

  /**
   * One Zstandard frame {@code in[0, len)} of at most {@code expected} bytes into the array {@code
   * alloc} gives for {@code expected}; returns the bytes it held.
   */
  static int zstd(byte[] in, int len, int expected, String where, IntFunction<byte[]> alloc) {
    // The chunk's raw size is known; a frame larger than that fails as "destination buffer too
    // small".
    int n = expected;
    byte[] out = alloc.apply(n);
    long got;
    try {
      got = com.github.luben.zstd.Zstd.decompressByteArray(out, 0, n, in, 0, len);
    } catch (RuntimeException e) { // ZstdException in newer zstd-jni versions
      throw new H5SwmrDataException(where + "corrupt Zstandard chunk: " + e.getMessage(), e);
    }
    if (com.github.luben.zstd.Zstd.isError(got)) {
      throw new H5SwmrDataException(
          where + "corrupt Zstandard chunk: " + com.github.luben.zstd.Zstd.getErrorName(got));
    }
    return (int) got;
  }
}
