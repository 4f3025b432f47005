package io.h5swmr.hdf5;

import io.h5swmr.exceptions.H5SwmrDataException;

/**
 * The bitshuffle HDF5 filter (registered id 32008, as the bitshuffle project, hdf5plugin and Dectris detectors
 * write it) undone in Java, with its optional LZ4 or Zstandard compression.
 *
 * <p>Format, from the filter's parameters {@code (major, minor, elem_size, block_size, compression[, level])}:
 * without compression the chunk is the bit-transposed data; with it, the chunk starts with the raw size in bytes
 * (uint64, big-endian) and the block size in bytes (uint32, big-endian), then each block as its compressed size
 * (uint32, big-endian) and bytes. Data is cut into blocks of {@code block_size} elements (0: 8192 bytes' worth,
 * a multiple of 8, at least 128), then one last block of the remaining elements rounded down to a multiple of 8;
 * the last {@code n % 8} elements are stored as they are. Within a block of {@code n} elements of {@code s} bytes
 * the {@code 8 s} bit planes are stored one after the other, plane {@code 8 j + k} holding bit {@code k} of byte
 * {@code j} of every element, element 0 in the lowest bit of the plane's first byte.
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

  /** Elements per block when the parameters leave it to the filter (stable across bitshuffle versions). */
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
  static byte[] decode(byte[] in, int len, int[] params, int typeSize, int chunkBytes, String where) {
    int elem = params.length > 2 && params[2] > 0 ? params[2] : typeSize;
    int compression = compression(params);
    long total;
    int blockElements;
    int at;
    if (compression != COMPRESS_NONE && len == chunkBytes && (len < 12 || H5Bytes.longBE(in, 0) != chunkBytes)) {
      // A writer whose bitshuffle was built without this codec stores the chunk bit-transposed only, without the
      // header, and its own readers decode it so (seen: Debian's bitshuffle 0.5 plugin asked for Zstandard). The
      // compressed form starts with the raw size: a chunk of exactly the raw size that does not is the plain form.
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
        throw corrupt(where, "block size " + blockBytes + " bytes is not a whole number of " + elem + "-byte elements");
      }
      blockElements = (int) Math.min(Integer.MAX_VALUE, blockBytes / elem);
      at = 12;
    }
    if (elem <= 0 || total < 0 || total > Integer.MAX_VALUE - 8 || total % elem != 0 || total < chunkBytes) {
      throw corrupt(where, "raw size " + total + " bytes does not hold the chunk's " + chunkBytes + " bytes in whole "
          + elem + "-byte elements");
    }
    if (blockElements == 0) {
      blockElements = defaultBlockElements(elem);
    }
    if (blockElements < 0 || blockElements % 8 != 0) {
      throw corrupt(where, "block of " + blockElements + " elements is not a positive multiple of 8");
    }
    int size = (int) (total / elem);
    byte[] out = new byte[(int) total];
    int full = size / blockElements;
    int last = size % blockElements;
    last -= last % 8;
    int largest = full > 0 ? blockElements : last;
    byte[] plain = compression == COMPRESS_NONE ? null : new byte[largest * elem];
    byte[] planes = new byte[largest * elem];
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
          throw corrupt(where, "block " + b + " claims " + comp + " compressed bytes, " + (len - at) + " remain");
        }
        if (compression == COMPRESS_LZ4) {
          H5ChunkFilters.Codecs.lz4Block(in, at, (int) comp, plain, bytes, where);
        } else if (compression == COMPRESS_ZSTD) {
          H5ChunkFilters.Codecs.zstdFrame(in, at, (int) comp, plain, bytes, where);
        } else {
          throw corrupt(where, "unknown bitshuffle compression " + compression);
        }
        at += (int) comp;
        src = plain;
        srcAt = 0;
      }
      untranspose(src, srcAt, n, elem, planes, out, outAt);
      outAt += bytes;
    }
    int leftover = (size % 8) * elem;
    if (at + leftover > len) {
      throw corrupt(where, "chunk ends inside its " + leftover + " trailing bytes");
    }
    System.arraycopy(in, at, out, outAt, leftover);
    return out;
  }

  /**
   * Undoes the bit transpose of one block of {@code n} (a multiple of 8) elements of {@code elem} bytes stored at
   * {@code src[srcAt]}, writing the elements to {@code out[outAt]}. First the plane bytes are regrouped: for each
   * group of 8 elements, the 8 bytes holding bits 0-7 of element byte j of those elements become adjacent; then
   * each such 8x8 bit matrix is transposed back into byte j of the 8 elements. {@code tmp} holds
   * {@code n * elem} bytes.
   */
  static void untranspose(byte[] src, int srcAt, int n, int elem, byte[] tmp, byte[] out, int outAt) {
    int rowBytes = n / 8;
    // Bytes of plane (8 j + k), group i  ->  tmp[i * 8 elem + 8 j + k].
    for (int j = 0; j < elem; j++) {
      for (int k = 0; k < 8; k++) {
        int from = srcAt + (j * 8 + k) * rowBytes;
        int to = j * 8 + k;
        for (int i = 0; i < rowBytes; i++, to += 8 * elem) {
          tmp[to] = src[from + i];
        }
      }
    }
    // Each 8 bytes = the 8 bits planes of element byte j for 8 elements: transpose the 8x8 bit matrix.
    int nbyte = n * elem;
    for (int j = 0; j < 8 * elem; j += 8) {
      for (int i = 0; i + 8 * elem <= nbyte; i += 8 * elem) {
        long x = H5Bytes.longLE(tmp, i + j);
        long t = (x ^ (x >>> 7)) & 0x00AA00AA00AA00AAL;
        x = x ^ t ^ (t << 7);
        t = (x ^ (x >>> 14)) & 0x0000CCCC0000CCCCL;
        x = x ^ t ^ (t << 14);
        t = (x ^ (x >>> 28)) & 0x00000000F0F0F0F0L;
        x = x ^ t ^ (t << 28);
        int base = outAt + i + j / 8;
        for (int k = 0; k < 8; k++) {
          out[base + k * elem] = (byte) x;
          x >>>= 8;
        }
      }
    }
  }

  private static H5SwmrDataException corrupt(String where, String what) {
    return new H5SwmrDataException(where + "corrupt bitshuffle chunk: " + what);
  }
}
