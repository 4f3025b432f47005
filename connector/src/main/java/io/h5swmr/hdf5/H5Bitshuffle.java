package io.h5swmr.hdf5;

import static io.h5swmr.hdf5.H5Bytes.INT_LE;
import static io.h5swmr.hdf5.H5Bytes.LONG_LE;
import static io.h5swmr.hdf5.H5Bytes.LOW0;
import static io.h5swmr.hdf5.H5Bytes.LOW1;
import static io.h5swmr.hdf5.H5Bytes.LOW2;
import static io.h5swmr.hdf5.H5Bytes.LOW3;
import static io.h5swmr.hdf5.H5Bytes.LOW4;
import static io.h5swmr.hdf5.H5Bytes.LOW5;
import static io.h5swmr.hdf5.H5Bytes.SHORT_LE;

import io.h5swmr.exceptions.H5SwmrDataException;
import java.util.Arrays;

/**
 * The bitshuffle HDF5 filter (registered id 32008, as the bitshuffle project, hdf5plugin and
 * Dectris detectors write it) undone in Java, with its optional LZ4 or Zstandard compression.
 *
 * <p>Format, from the filter's parameters {@code (major, minor, elem_size, block_size,
 * compression[, level])}: without compression the chunk is the bit-transposed data; with it, the
 * chunk starts with the raw size in bytes (uint64, big-endian) and the block size in bytes (uint32,
 * big-endian), then each block as its compressed size (uint32, big-endian) and bytes. Data is cut
 * into blocks of {@code block_size} elements (0: 8192 bytes' worth, a multiple of 8, at least 128),
 * then one last block of the remaining elements rounded down to a multiple of 8; the last {@code n
 * % 8} elements are stored as they are. Within a block of {@code n} elements of {@code s} bytes the
 * {@code 8 s} bit planes are stored one after the other, plane {@code 8 j + k} holding bit {@code
 * k} of byte {@code j} of every element, element 0 in the lowest bit of the plane's first byte.
 */
final class H5Bitshuffle {
  static final int COMPRESS_NONE = 0;
  static final int COMPRESS_LZ4 = 2;
  static final int COMPRESS_ZSTD = 3;
  private static final int TARGET_BLOCK_BYTES = 8192;
  private static final int MIN_BLOCK_ELEMENTS = 128;

  private H5Bitshuffle() {}

  /** The compression the filter parameters name ({@link #COMPRESS_NONE} when absent). */
  static int compression(int[] params) {
    return params.length > 4 ? params[4] : COMPRESS_NONE;
  }

  /**
   * Elements per block when the parameters leave it to the filter (stable across bitshuffle
   * versions).
   */
  static int defaultBlockElements(int elementSize) {
    int n = TARGET_BLOCK_BYTES / elementSize;
    n -= n % 8;
    return Math.max(n, MIN_BLOCK_ELEMENTS);
  }

  /**
   * The raw bytes of a chunk stored as {@code in[0, len)}.
   *
   * @param typeSize the dataset's element size, used when the parameters do not give one
   */
  static byte[] decode(
      byte[] in, int len, int[] params, int typeSize, int chunkBytes, String where) {
    byte[][] out = new byte[1][];
    decode(in, len, params, typeSize, chunkBytes, where, n -> out[0] = new byte[n]);
    return out[0];
  }

  /**
   * {@link #decode(byte[], int, int[], int, int, String)} into the array {@code alloc} gives for
   * the raw size (at least that long); returns the raw size.
   */
  static int decode(
      byte[] in,
      int len,
      int[] params,
      int typeSize,
      int chunkBytes,
      String where,
      java.util.function.IntFunction<byte[]> alloc) {
    int elem = params.length > 2 && params[2] > 0 ? params[2] : typeSize;
    int compression = compression(params);
    long total;
    int blockElements;
    int at;
    if (compression != COMPRESS_NONE
        && len == chunkBytes
        && (len < 12 || H5Bytes.longBE(in, 0) != chunkBytes)) {
      // A writer whose bitshuffle was built without this codec stores the chunk bit-transposed
      // only, without the header, and its own readers decode it so (seen: Debian's bitshuffle 0.5
      // plugin asked for Zstandard). The compressed form starts with the raw size: a chunk of
      // exactly the raw size that does not is the plain form.
      compression = COMPRESS_NONE;
    }
    if (compression == COMPRESS_NONE) {
      total = len;
      blockElements = params.length > 3 ? params[3] : 0;
      at = 0;
    } else {
      if (len < 12) {
        throw corrupt(where, "chunk of " + len + " bytes is shorter than its 12-byte header");
      }
      total = H5Bytes.longBE(in, 0);
      long blockBytes = H5Bytes.intBE(in, 8) & 0xFFFF_FFFFL;
      if (blockBytes % elem != 0) {
        throw corrupt(
            where,
            "block size "
                + blockBytes
                + " bytes is not a whole number of "
                + elem
                + "-byte elements");
      }
      blockElements = (int) Math.min(Integer.MAX_VALUE, blockBytes / elem);
      at = 12;
    }
    if (elem <= 0
        || total < 0
        || total > Integer.MAX_VALUE - 8
        || total % elem != 0
        || total < chunkBytes) {
      throw corrupt(
          where,
          "raw size "
              + total
              + " bytes does not hold the chunk's "
              + chunkBytes
              + " bytes in whole "
              + elem
              + "-byte elements");
    }
    if (blockElements == 0) {
      blockElements = defaultBlockElements(elem);
    }
    if (blockElements < 0 || blockElements % 8 != 0) {
      throw corrupt(
          where, "block of " + blockElements + " elements is not a positive multiple of 8");
    }
    int size = (int) (total / elem);
    byte[] out = alloc.apply((int) total);
    int full = size / blockElements;
    int last = size % blockElements;
    last -= last % 8;
    int largest = full > 0 ? blockElements : last;
    byte[] plain = compression == COMPRESS_NONE ? null : new byte[largest * elem];
    int outAt = 0;
    for (int b = 0; b <= full; b++) {
      int n = b < full ? blockElements : last;
      if (n == 0) {
        break;
      }
      int bytes = n * elem;
      byte[] src;
      int srcAt;
      if (compression == COMPRESS_NONE) {
        if (at + bytes > len) {
          throw corrupt(where, "chunk ends inside block " + b);
        }
        src = in;
        srcAt = at;
        at += bytes;
      } else {
        if (at + 4 > len) {
          throw corrupt(where, "chunk ends before the size of block " + b);
        }
        long comp = H5Bytes.intBE(in, at) & 0xFFFF_FFFFL;
        at += 4;
        if (comp > len - at) {
          throw corrupt(
              where,
              "block " + b + " claims " + comp + " compressed bytes, " + (len - at) + " remain");
        }
        if (compression == COMPRESS_LZ4) {
          H5BlockCodecs.lz4Block(in, at, (int) comp, plain, bytes, where);
        } else if (compression == COMPRESS_ZSTD) {
          H5BlockCodecs.zstdFrame(in, at, (int) comp, plain, bytes, where);
        } else {
          throw corrupt(where, "unknown bitshuffle compression " + compression);
        }
        at += (int) comp;
        src = plain;
        srcAt = 0;
      }
      untranspose(src, srcAt, n, elem, out, outAt);
      outAt += bytes;
    }
    int leftover = (size % 8) * elem;
    if (at + leftover > len) {
      throw corrupt(where, "chunk ends inside its " + leftover + " trailing bytes");
    }
    System.arraycopy(in, at, out, outAt, leftover);
    return (int) total;
  }

  /**
   * Undoes the bit transpose of one block of {@code n} (a multiple of 8) elements of {@code elem}
   * bytes stored at {@code src[srcAt]}, writing the elements to {@code out[outAt]}.
   *
   * <p>The block is a bit matrix of {@code 8 elem} rows (the planes) by {@code n} columns (the
   * elements), and the elements are its transpose. It is transposed in tiles of 64 elements, 8
   * bytes of each plane read as a little-endian long (bit {@code b} of plane {@code p}'s long is
   * bit {@code p} of the tile's element {@code b}), by slices of {@code w} = 8, 4, 2 or 1 element
   * bytes: the {@code 8 w} longs of the slice's planes become the tile's 64 slices of {@code w}
   * bytes one after the other, stored as whole longs straight into {@code out} when the slice is
   * the whole element, else slice by slice into each element. Input and output stream through the
   * block in order; a last tile of fewer than 64 elements is read zero-padded and written in part.
   */
  static void untranspose(byte[] src, int srcAt, int n, int elem, byte[] out, int outAt) {
    int rowBytes = n / 8;
    long[] wide = null; // a slice of 4 or 8 bytes between its two halves of stages
    byte[] pad = null; // a last partial tile's plane bytes, each plane padded to 8
    byte[] tile = null; // the transposed tile, when it does not go straight into out
    int j = 0;
    while (j < elem) {
      int rest = elem - j;
      int lw = rest >= 8 ? 3 : rest >= 4 ? 2 : rest >= 2 ? 1 : 0; // log2 of the slice's bytes
      int w = 1 << lw;
      int s = 3 + lw; // the slice has 2^s planes
      int planes = srcAt + 8 * j * rowBytes; // plane 8 j, the slice's first
      for (int t = 0; t < rowBytes; t += 8) {
        int have =
            Math.min(
                8, rowBytes - t); // bytes of each plane in this tile: elements 8 t .. 8 (t + have)
        int base = outAt + 8 * t * elem + j; // byte j of element 8 t
        byte[] from = src;
        int at = planes + t;
        int stride = rowBytes;
        if (have < 8) {
          if (pad == null) {
            pad = new byte[8 * 64];
          }
          for (int p = 0; p < 8 * w; p++) {
            System.arraycopy(src, at + p * rowBytes, pad, 8 * p, have);
            Arrays.fill(pad, 8 * p + have, 8 * p + 8, (byte) 0);
          }
          from = pad;
          at = 0;
          stride = 8;
        }
        boolean direct = w == elem && have == 8;
        if (!direct && tile == null) {
          tile = new byte[8 * 64];
        }
        byte[] to = direct ? out : tile;
        int toAt = direct ? base : 0;
        if (s == 3) {
          transpose8(from, at, stride, to, toAt);
        } else if (s == 4) {
          transpose16(from, at, stride, to, toAt);
        } else {
          if (wide == null) {
            wide = new long[64];
          }
          gather(from, at, stride, s, wide);
          scatter(wide, s, to, toAt);
        }
        if (direct) {
          continue;
        }
        int count = 8 * have;
        if (w == elem) {
          System.arraycopy(tile, 0, out, base, count * elem);
        } else if (lw == 3) {
          for (int e = 0; e < count; e++) {
            LONG_LE.set(out, base + e * elem, (long) LONG_LE.get(tile, 8 * e));
          }
        } else if (lw == 2) {
          for (int e = 0; e < count; e++) {
            INT_LE.set(out, base + e * elem, (int) INT_LE.get(tile, 4 * e));
          }
        } else if (lw == 1) {
          for (int e = 0; e < count; e++) {
            SHORT_LE.set(out, base + e * elem, (short) SHORT_LE.get(tile, 2 * e));
          }
        } else {
          for (int e = 0; e < count; e++) {
            out[base + e * elem] = tile[e];
          }
        }
      }
      j += w;
    }
  }

  /*
   * The transpose of a slice's 2^s longs (s = 3..6), their bits numbered 64 long + bit: bit (p, b), plane p of
   * element b, goes to 2^s b + p, where each element's 2^s bits lie together, 64 / 2^s elements to a long. It is
   * a permutation of the 6 + s bits of the bit number, done by exchange stages: stage (r, c) swaps bit r of the
   * long index with bit c of the bit index, swapping bits 2^c apart between the longs i and i + 2^r. The stages
   * (i, i) for i < s, as in a 64 x 64 transpose, and, when s < 6, (i, s + i) after (i, i) for i <= 5 - s leave
   * the result's long q in long l, where bit r of l is bit 2 s + r - 6 of q when r <= 5 - s, else bit r + s - 6.
   * Stages on different bits commute: for s = 5 and 6 gather does those of long bits 0-2 on each 8 longs as it
   * reads them and scatter those of long bits 3-5 on each 8 or 4 longs 8 apart, storing them where they belong.
   */

  /**
   * The transpose of a 1-byte slice: the 8 longs at {@code src[at + p rowBytes]}, planes 0-7,
   * become the tile's 64 bytes at {@code dst[dstAt]}.
   */
  private static void transpose8(byte[] src, int at, int rowBytes, byte[] dst, int dstAt) {
    long x0 = (long) LONG_LE.get(src, at);
    long x1 = (long) LONG_LE.get(src, at + rowBytes);
    long x2 = (long) LONG_LE.get(src, at + 2 * rowBytes);
    long x3 = (long) LONG_LE.get(src, at + 3 * rowBytes);
    long x4 = (long) LONG_LE.get(src, at + 4 * rowBytes);
    long x5 = (long) LONG_LE.get(src, at + 5 * rowBytes);
    long x6 = (long) LONG_LE.get(src, at + 6 * rowBytes);
    long x7 = (long) LONG_LE.get(src, at + 7 * rowBytes);
    long t;
    // long bit 0 <-> bit bit 0
    t = ((x0 >>> 1) ^ x1) & LOW0;
    x0 ^= t << 1;
    x1 ^= t;
    t = ((x2 >>> 1) ^ x3) & LOW0;
    x2 ^= t << 1;
    x3 ^= t;
    t = ((x4 >>> 1) ^ x5) & LOW0;
    x4 ^= t << 1;
    x5 ^= t;
    t = ((x6 >>> 1) ^ x7) & LOW0;
    x6 ^= t << 1;
    x7 ^= t;
    // long bit 1 <-> bit bit 1
    t = ((x0 >>> 2) ^ x2) & LOW1;
    x0 ^= t << 2;
    x2 ^= t;
    t = ((x1 >>> 2) ^ x3) & LOW1;
    x1 ^= t << 2;
    x3 ^= t;
    t = ((x4 >>> 2) ^ x6) & LOW1;
    x4 ^= t << 2;
    x6 ^= t;
    t = ((x5 >>> 2) ^ x7) & LOW1;
    x5 ^= t << 2;
    x7 ^= t;
    // long bit 2 <-> bit bit 2
    t = ((x0 >>> 4) ^ x4) & LOW2;
    x0 ^= t << 4;
    x4 ^= t;
    t = ((x1 >>> 4) ^ x5) & LOW2;
    x1 ^= t << 4;
    x5 ^= t;
    t = ((x2 >>> 4) ^ x6) & LOW2;
    x2 ^= t << 4;
    x6 ^= t;
    t = ((x3 >>> 4) ^ x7) & LOW2;
    x3 ^= t << 4;
    x7 ^= t;
    // long bit 0 <-> bit bit 3
    t = ((x0 >>> 8) ^ x1) & LOW3;
    x0 ^= t << 8;
    x1 ^= t;
    t = ((x2 >>> 8) ^ x3) & LOW3;
    x2 ^= t << 8;
    x3 ^= t;
    t = ((x4 >>> 8) ^ x5) & LOW3;
    x4 ^= t << 8;
    x5 ^= t;
    t = ((x6 >>> 8) ^ x7) & LOW3;
    x6 ^= t << 8;
    x7 ^= t;
    // long bit 1 <-> bit bit 4
    t = ((x0 >>> 16) ^ x2) & LOW4;
    x0 ^= t << 16;
    x2 ^= t;
    t = ((x1 >>> 16) ^ x3) & LOW4;
    x1 ^= t << 16;
    x3 ^= t;
    t = ((x4 >>> 16) ^ x6) & LOW4;
    x4 ^= t << 16;
    x6 ^= t;
    t = ((x5 >>> 16) ^ x7) & LOW4;
    x5 ^= t << 16;
    x7 ^= t;
    // long bit 2 <-> bit bit 5
    t = ((x0 >>> 32) ^ x4) & LOW5;
    x0 ^= t << 32;
    x4 ^= t;
    t = ((x1 >>> 32) ^ x5) & LOW5;
    x1 ^= t << 32;
    x5 ^= t;
    t = ((x2 >>> 32) ^ x6) & LOW5;
    x2 ^= t << 32;
    x6 ^= t;
    t = ((x3 >>> 32) ^ x7) & LOW5;
    x3 ^= t << 32;
    x7 ^= t;
    LONG_LE.set(dst, dstAt, x0);
    LONG_LE.set(dst, dstAt + 8, x1);
    LONG_LE.set(dst, dstAt + 16, x2);
    LONG_LE.set(dst, dstAt + 24, x3);
    LONG_LE.set(dst, dstAt + 32, x4);
    LONG_LE.set(dst, dstAt + 40, x5);
    LONG_LE.set(dst, dstAt + 48, x6);
    LONG_LE.set(dst, dstAt + 56, x7);
  }

  /**
   * The transpose of a 2-byte slice: the 16 longs at {@code src[at + p rowBytes]}, planes 0-15,
   * become the tile's 64 slices of 2 bytes at {@code dst[dstAt]}; long l holds the result's long 4
   * (l & 3) + (l >> 2).
   */
  private static void transpose16(byte[] src, int at, int rowBytes, byte[] dst, int dstAt) {
    long x0 = (long) LONG_LE.get(src, at);
    long x1 = (long) LONG_LE.get(src, at + rowBytes);
    long x2 = (long) LONG_LE.get(src, at + 2 * rowBytes);
    long x3 = (long) LONG_LE.get(src, at + 3 * rowBytes);
    long x4 = (long) LONG_LE.get(src, at + 4 * rowBytes);
    long x5 = (long) LONG_LE.get(src, at + 5 * rowBytes);
    long x6 = (long) LONG_LE.get(src, at + 6 * rowBytes);
    long x7 = (long) LONG_LE.get(src, at + 7 * rowBytes);
    long x8 = (long) LONG_LE.get(src, at + 8 * rowBytes);
    long x9 = (long) LONG_LE.get(src, at + 9 * rowBytes);
    long x10 = (long) LONG_LE.get(src, at + 10 * rowBytes);
    long x11 = (long) LONG_LE.get(src, at + 11 * rowBytes);
    long x12 = (long) LONG_LE.get(src, at + 12 * rowBytes);
    long x13 = (long) LONG_LE.get(src, at + 13 * rowBytes);
    long x14 = (long) LONG_LE.get(src, at + 14 * rowBytes);
    long x15 = (long) LONG_LE.get(src, at + 15 * rowBytes);
    long t;
    // long bit 0 <-> bit bit 0
    t = ((x0 >>> 1) ^ x1) & LOW0;
    x0 ^= t << 1;
    x1 ^= t;
    t = ((x2 >>> 1) ^ x3) & LOW0;
    x2 ^= t << 1;
    x3 ^= t;
    t = ((x4 >>> 1) ^ x5) & LOW0;
    x4 ^= t << 1;
    x5 ^= t;
    t = ((x6 >>> 1) ^ x7) & LOW0;
    x6 ^= t << 1;
    x7 ^= t;
    t = ((x8 >>> 1) ^ x9) & LOW0;
    x8 ^= t << 1;
    x9 ^= t;
    t = ((x10 >>> 1) ^ x11) & LOW0;
    x10 ^= t << 1;
    x11 ^= t;
    t = ((x12 >>> 1) ^ x13) & LOW0;
    x12 ^= t << 1;
    x13 ^= t;
    t = ((x14 >>> 1) ^ x15) & LOW0;
    x14 ^= t << 1;
    x15 ^= t;
    // long bit 1 <-> bit bit 1
    t = ((x0 >>> 2) ^ x2) & LOW1;
    x0 ^= t << 2;
    x2 ^= t;
    t = ((x1 >>> 2) ^ x3) & LOW1;
    x1 ^= t << 2;
    x3 ^= t;
    t = ((x4 >>> 2) ^ x6) & LOW1;
    x4 ^= t << 2;
    x6 ^= t;
    t = ((x5 >>> 2) ^ x7) & LOW1;
    x5 ^= t << 2;
    x7 ^= t;
    t = ((x8 >>> 2) ^ x10) & LOW1;
    x8 ^= t << 2;
    x10 ^= t;
    t = ((x9 >>> 2) ^ x11) & LOW1;
    x9 ^= t << 2;
    x11 ^= t;
    t = ((x12 >>> 2) ^ x14) & LOW1;
    x12 ^= t << 2;
    x14 ^= t;
    t = ((x13 >>> 2) ^ x15) & LOW1;
    x13 ^= t << 2;
    x15 ^= t;
    // long bit 2 <-> bit bit 2
    t = ((x0 >>> 4) ^ x4) & LOW2;
    x0 ^= t << 4;
    x4 ^= t;
    t = ((x1 >>> 4) ^ x5) & LOW2;
    x1 ^= t << 4;
    x5 ^= t;
    t = ((x2 >>> 4) ^ x6) & LOW2;
    x2 ^= t << 4;
    x6 ^= t;
    t = ((x3 >>> 4) ^ x7) & LOW2;
    x3 ^= t << 4;
    x7 ^= t;
    t = ((x8 >>> 4) ^ x12) & LOW2;
    x8 ^= t << 4;
    x12 ^= t;
    t = ((x9 >>> 4) ^ x13) & LOW2;
    x9 ^= t << 4;
    x13 ^= t;
    t = ((x10 >>> 4) ^ x14) & LOW2;
    x10 ^= t << 4;
    x14 ^= t;
    t = ((x11 >>> 4) ^ x15) & LOW2;
    x11 ^= t << 4;
    x15 ^= t;
    // long bit 3 <-> bit bit 3
    t = ((x0 >>> 8) ^ x8) & LOW3;
    x0 ^= t << 8;
    x8 ^= t;
    t = ((x1 >>> 8) ^ x9) & LOW3;
    x1 ^= t << 8;
    x9 ^= t;
    t = ((x2 >>> 8) ^ x10) & LOW3;
    x2 ^= t << 8;
    x10 ^= t;
    t = ((x3 >>> 8) ^ x11) & LOW3;
    x3 ^= t << 8;
    x11 ^= t;
    t = ((x4 >>> 8) ^ x12) & LOW3;
    x4 ^= t << 8;
    x12 ^= t;
    t = ((x5 >>> 8) ^ x13) & LOW3;
    x5 ^= t << 8;
    x13 ^= t;
    t = ((x6 >>> 8) ^ x14) & LOW3;
    x6 ^= t << 8;
    x14 ^= t;
    t = ((x7 >>> 8) ^ x15) & LOW3;
    x7 ^= t << 8;
    x15 ^= t;
    // long bit 0 <-> bit bit 4
    t = ((x0 >>> 16) ^ x1) & LOW4;
    x0 ^= t << 16;
    x1 ^= t;
    t = ((x2 >>> 16) ^ x3) & LOW4;
    x2 ^= t << 16;
    x3 ^= t;
    t = ((x4 >>> 16) ^ x5) & LOW4;
    x4 ^= t << 16;
    x5 ^= t;
    t = ((x6 >>> 16) ^ x7) & LOW4;
    x6 ^= t << 16;
    x7 ^= t;
    t = ((x8 >>> 16) ^ x9) & LOW4;
    x8 ^= t << 16;
    x9 ^= t;
    t = ((x10 >>> 16) ^ x11) & LOW4;
    x10 ^= t << 16;
    x11 ^= t;
    t = ((x12 >>> 16) ^ x13) & LOW4;
    x12 ^= t << 16;
    x13 ^= t;
    t = ((x14 >>> 16) ^ x15) & LOW4;
    x14 ^= t << 16;
    x15 ^= t;
    // long bit 1 <-> bit bit 5
    t = ((x0 >>> 32) ^ x2) & LOW5;
    x0 ^= t << 32;
    x2 ^= t;
    t = ((x1 >>> 32) ^ x3) & LOW5;
    x1 ^= t << 32;
    x3 ^= t;
    t = ((x4 >>> 32) ^ x6) & LOW5;
    x4 ^= t << 32;
    x6 ^= t;
    t = ((x5 >>> 32) ^ x7) & LOW5;
    x5 ^= t << 32;
    x7 ^= t;
    t = ((x8 >>> 32) ^ x10) & LOW5;
    x8 ^= t << 32;
    x10 ^= t;
    t = ((x9 >>> 32) ^ x11) & LOW5;
    x9 ^= t << 32;
    x11 ^= t;
    t = ((x12 >>> 32) ^ x14) & LOW5;
    x12 ^= t << 32;
    x14 ^= t;
    t = ((x13 >>> 32) ^ x15) & LOW5;
    x13 ^= t << 32;
    x15 ^= t;
    LONG_LE.set(dst, dstAt, x0);
    LONG_LE.set(dst, dstAt + 8, x4);
    LONG_LE.set(dst, dstAt + 16, x8);
    LONG_LE.set(dst, dstAt + 24, x12);
    LONG_LE.set(dst, dstAt + 32, x1);
    LONG_LE.set(dst, dstAt + 40, x5);
    LONG_LE.set(dst, dstAt + 48, x9);
    LONG_LE.set(dst, dstAt + 56, x13);
    LONG_LE.set(dst, dstAt + 64, x2);
    LONG_LE.set(dst, dstAt + 72, x6);
    LONG_LE.set(dst, dstAt + 80, x10);
    LONG_LE.set(dst, dstAt + 88, x14);
    LONG_LE.set(dst, dstAt + 96, x3);
    LONG_LE.set(dst, dstAt + 104, x7);
    LONG_LE.set(dst, dstAt + 112, x11);
    LONG_LE.set(dst, dstAt + 120, x15);
  }

  /**
   * Reads the {@code 2^s} longs at {@code src[at + p rowBytes]} ({@code s} = 5 or 6) into {@code
   * a}, with the stages of long bits 0-2.
   */
  private static void gather(byte[] src, int at, int rowBytes, int s, long[] a) {
    for (int g = 0; g < 1 << s; g += 8, at += 8 * rowBytes) {
      long x0 = (long) LONG_LE.get(src, at);
      long x1 = (long) LONG_LE.get(src, at + rowBytes);
      long x2 = (long) LONG_LE.get(src, at + 2 * rowBytes);
      long x3 = (long) LONG_LE.get(src, at + 3 * rowBytes);
      long x4 = (long) LONG_LE.get(src, at + 4 * rowBytes);
      long x5 = (long) LONG_LE.get(src, at + 5 * rowBytes);
      long x6 = (long) LONG_LE.get(src, at + 6 * rowBytes);
      long x7 = (long) LONG_LE.get(src, at + 7 * rowBytes);
      long t;
      // long bit 0 <-> bit bit 0
      t = ((x0 >>> 1) ^ x1) & LOW0;
      x0 ^= t << 1;
      x1 ^= t;
      t = ((x2 >>> 1) ^ x3) & LOW0;
      x2 ^= t << 1;
      x3 ^= t;
      t = ((x4 >>> 1) ^ x5) & LOW0;
      x4 ^= t << 1;
      x5 ^= t;
      t = ((x6 >>> 1) ^ x7) & LOW0;
      x6 ^= t << 1;
      x7 ^= t;
      // long bit 1 <-> bit bit 1
      t = ((x0 >>> 2) ^ x2) & LOW1;
      x0 ^= t << 2;
      x2 ^= t;
      t = ((x1 >>> 2) ^ x3) & LOW1;
      x1 ^= t << 2;
      x3 ^= t;
      t = ((x4 >>> 2) ^ x6) & LOW1;
      x4 ^= t << 2;
      x6 ^= t;
      t = ((x5 >>> 2) ^ x7) & LOW1;
      x5 ^= t << 2;
      x7 ^= t;
      // long bit 2 <-> bit bit 2
      t = ((x0 >>> 4) ^ x4) & LOW2;
      x0 ^= t << 4;
      x4 ^= t;
      t = ((x1 >>> 4) ^ x5) & LOW2;
      x1 ^= t << 4;
      x5 ^= t;
      t = ((x2 >>> 4) ^ x6) & LOW2;
      x2 ^= t << 4;
      x6 ^= t;
      t = ((x3 >>> 4) ^ x7) & LOW2;
      x3 ^= t << 4;
      x7 ^= t;
      if (s == 5) {
        // long bit 0 <-> bit bit 5
        t = ((x0 >>> 32) ^ x1) & LOW5;
        x0 ^= t << 32;
        x1 ^= t;
        t = ((x2 >>> 32) ^ x3) & LOW5;
        x2 ^= t << 32;
        x3 ^= t;
        t = ((x4 >>> 32) ^ x5) & LOW5;
        x4 ^= t << 32;
        x5 ^= t;
        t = ((x6 >>> 32) ^ x7) & LOW5;
        x6 ^= t << 32;
        x7 ^= t;
      }
      a[g] = x0;
      a[g + 1] = x1;
      a[g + 2] = x2;
      a[g + 3] = x3;
      a[g + 4] = x4;
      a[g + 5] = x5;
      a[g + 6] = x6;
      a[g + 7] = x7;
    }
  }

  /**
   * Finishes {@link #gather}'s transpose with the stages of long bits 3-5 and stores the result to
   * {@code dst[dstAt]}, long {@code q} at {@code dstAt + 8 q}.
   */
  private static void scatter(long[] a, int s, byte[] dst, int dstAt) {
    long t;
    if (s == 6) {
      for (int i = 0; i < 8; i++) { // long i + 8 m is the result's long i + 8 m
        long x0 = a[i];
        long x1 = a[i + 8];
        long x2 = a[i + 16];
        long x3 = a[i + 24];
        long x4 = a[i + 32];
        long x5 = a[i + 40];
        long x6 = a[i + 48];
        long x7 = a[i + 56];
        // long bit 3 <-> bit bit 3
        t = ((x0 >>> 8) ^ x1) & LOW3;
        x0 ^= t << 8;
        x1 ^= t;
        t = ((x2 >>> 8) ^ x3) & LOW3;
        x2 ^= t << 8;
        x3 ^= t;
        t = ((x4 >>> 8) ^ x5) & LOW3;
        x4 ^= t << 8;
        x5 ^= t;
        t = ((x6 >>> 8) ^ x7) & LOW3;
        x6 ^= t << 8;
        x7 ^= t;
        // long bit 4 <-> bit bit 4
        t = ((x0 >>> 16) ^ x2) & LOW4;
        x0 ^= t << 16;
        x2 ^= t;
        t = ((x1 >>> 16) ^ x3) & LOW4;
        x1 ^= t << 16;
        x3 ^= t;
        t = ((x4 >>> 16) ^ x6) & LOW4;
        x4 ^= t << 16;
        x6 ^= t;
        t = ((x5 >>> 16) ^ x7) & LOW4;
        x5 ^= t << 16;
        x7 ^= t;
        // long bit 5 <-> bit bit 5
        t = ((x0 >>> 32) ^ x4) & LOW5;
        x0 ^= t << 32;
        x4 ^= t;
        t = ((x1 >>> 32) ^ x5) & LOW5;
        x1 ^= t << 32;
        x5 ^= t;
        t = ((x2 >>> 32) ^ x6) & LOW5;
        x2 ^= t << 32;
        x6 ^= t;
        t = ((x3 >>> 32) ^ x7) & LOW5;
        x3 ^= t << 32;
        x7 ^= t;
        int at = dstAt + 8 * i;
        LONG_LE.set(dst, at, x0);
        LONG_LE.set(dst, at + 64, x1);
        LONG_LE.set(dst, at + 128, x2);
        LONG_LE.set(dst, at + 192, x3);
        LONG_LE.set(dst, at + 256, x4);
        LONG_LE.set(dst, at + 320, x5);
        LONG_LE.set(dst, at + 384, x6);
        LONG_LE.set(dst, at + 448, x7);
      }
    } else {
      for (int i = 0; i < 8; i++) { // long i + 8 m is the result's long (i >> 1) + 16 (i & 1) + 4 m
        long x0 = a[i];
        long x1 = a[i + 8];
        long x2 = a[i + 16];
        long x3 = a[i + 24];
        // long bit 3 <-> bit bit 3
        t = ((x0 >>> 8) ^ x1) & LOW3;
        x0 ^= t << 8;
        x1 ^= t;
        t = ((x2 >>> 8) ^ x3) & LOW3;
        x2 ^= t << 8;
        x3 ^= t;
        // long bit 4 <-> bit bit 4
        t = ((x0 >>> 16) ^ x2) & LOW4;
        x0 ^= t << 16;
        x2 ^= t;
        t = ((x1 >>> 16) ^ x3) & LOW4;
        x1 ^= t << 16;
        x3 ^= t;
        int at = dstAt + 8 * ((i >> 1) + 16 * (i & 1));
        LONG_LE.set(dst, at, x0);
        LONG_LE.set(dst, at + 32, x1);
        LONG_LE.set(dst, at + 64, x2);
        LONG_LE.set(dst, at + 96, x3);
      }
    }
  }

  private static H5SwmrDataException corrupt(String where, String what) {
    return new H5SwmrDataException(where + "corrupt bitshuffle chunk: " + what);
  }
}
