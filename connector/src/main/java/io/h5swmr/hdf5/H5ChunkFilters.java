package io.h5swmr.hdf5;

import static io.h5swmr.hdf5.H5Bytes.LONG_LE;
import static io.h5swmr.hdf5.H5Bytes.LONG_LE_BUFFER;
import static io.h5swmr.hdf5.H5Bytes.LOW3;
import static io.h5swmr.hdf5.H5Bytes.LOW4;
import static io.h5swmr.hdf5.H5Bytes.LOW5;

import io.h5swmr.exceptions.H5SwmrDataException;
import java.nio.ByteBuffer;
import java.util.Arrays;
import java.util.List;
import java.util.function.IntFunction;
import java.util.zip.DataFormatException;
import java.util.zip.Inflater;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * HDF5's filter pipeline undone in Java, for chunks read without the native library: deflate
 * ({@link LibDeflate} where the system has it, else {@link Inflater}), shuffle, Fletcher32
 * (checked, then stripped), and where Spark's classpath provides the codec (it bundles lz4-java and
 * zstd-jni) the registered LZ4 (32004) and Zstandard (32015) filters, and bitshuffle (32008) plain
 * or with LZ4 or Zstandard inside (the detectors' format; {@link H5Bitshuffle}). Filters are undone
 * in reverse pipeline order; a filter whose bit is set in the chunk's filter mask was skipped when
 * the chunk was written and is skipped here too. Pure computation: no native HDF5 call, no lock.
 * Readers decode into buffers and arrays each thread keeps ({@link #undoDeflate}, {@link
 * #undoInScratch}), not new ones per chunk.
 */
public final class H5ChunkFilters {
  /** Registered HDF5 filter id of LZ4 (the HDF Group's plugin format). */
  public static final int LZ4 = 32004;

  /** Registered HDF5 filter id of Zstandard. */
  public static final int ZSTD = 32015;

  /**
   * Registered HDF5 filter id of bitshuffle (optionally with LZ4 or Zstandard inside; see {@link
   * H5Bitshuffle}).
   */
  public static final int BITSHUFFLE = 32008;

  private static final Logger LOG = LoggerFactory.getLogger(H5ChunkFilters.class);
  private static final ThreadLocal<Inflater> INFLATER = ThreadLocal.withInitial(Inflater::new);

  /** Whether this JVM can call libdeflate (JNA present and the library found); checked once. */
  static final boolean LIBDEFLATE_PRESENT = libDeflatePresent();

  /**
   * Chunks up to this size reuse a thread's buffers in {@link #undoDeflate}; larger ones get
   * buffers of their own.
   */
  private static final int KEEP_BYTES = 16 << 20;

  /**
   * Per thread: the direct buffers of {@link #storedBuffer} and of the inflated bytes, and the
   * unshuffled array, of {@link #undoDeflate}; the two arrays {@link #undoInScratch} decodes into;
   * the {@link #storedArray}.
   */
  private static final ThreadLocal<Object[]> SCRATCH = ThreadLocal.withInitial(() -> new Object[6]);

  private H5ChunkFilters() {}

  /** True when every filter of {@code pipeline} can be undone here. */
  public static boolean supports(List<H5Filter> pipeline) {
    for (H5Filter f : pipeline) {
      switch (f.id()) {
        case H5Filter.DEFLATE:
        case H5Filter.SHUFFLE:
        case H5Filter.FLETCHER32:
          break;
        case LZ4:
          if (!H5BlockCodecs.LZ4_PRESENT) {
            return false;
          }
          break;
        case ZSTD:
          if (!H5BlockCodecs.ZSTD_PRESENT) {
            return false;
          }
          break;
        case BITSHUFFLE:
          int c = H5Bitshuffle.compression(f.params());
          if (!(c == H5Bitshuffle.COMPRESS_NONE
              || (c == H5Bitshuffle.COMPRESS_LZ4 && H5BlockCodecs.LZ4_PRESENT)
              || (c == H5Bitshuffle.COMPRESS_ZSTD && H5BlockCodecs.ZSTD_PRESENT))) {
            return false;
          }
          break;
        default:
          return false;
      }
    }
    return true;
  }

  /**
   * Undoes the pipeline on {@code stored} (the chunk as stored in the file) and returns the chunk's
   * {@code chunkBytes} raw bytes in a new array: {@link #undoInScratch}, copied out.
   *
   * @param typeSize element size, the shuffle default when the filter has no parameter
   * @param where names file, dataset and chunk in error messages
   * @throws H5SwmrDataException on a failed checksum or corrupt compressed data
   */
  static byte[] undo(
      byte[] stored,
      List<H5Filter> pipeline,
      int mask,
      int chunkBytes,
      int typeSize,
      String where) {
    return undo(stored, pipeline, mask, chunkBytes, typeSize, where, H5Codecs.DEFAULT.libdeflate());
  }

  /** {@link #undo}, deflate through libdeflate or not ({@link H5Codecs#libdeflate()}). */
  static byte[] undo(
      byte[] stored,
      List<H5Filter> pipeline,
      int mask,
      int chunkBytes,
      int typeSize,
      String where,
      boolean libdeflate) {
    return Arrays.copyOf(
        undoInScratch(
            stored, stored.length, pipeline, mask, chunkBytes, typeSize, where, libdeflate),
        chunkBytes);
  }

  /**
   * {@link #undo} of the stored bytes {@code stored[0, storedLen)} into arrays this thread keeps
   * (chunks up to 16 MiB) instead of new ones per filter: the result may be longer than {@code
   * chunkBytes} and is valid until this thread's next call (or {@code stored} itself when no filter
   * applied). For readers that convert the rows at once.
   */
  static byte[] undoInScratch(
      byte[] stored,
      int storedLen,
      List<H5Filter> pipeline,
      int mask,
      int chunkBytes,
      int typeSize,
      String where,
      boolean libdeflate) {
    byte[] data = stored;
    int len = storedLen;
    for (int i = pipeline.size() - 1; i >= 0; i--) {
      if ((mask & (1 << i)) != 0) {
        continue;
      }
      H5Filter f = pipeline.get(i);
      int[] p = f.params();
      byte[] input = data;
      byte[][] output = new byte[1][];
      // Each decoder asks for the array it writes once it knows the size: a kept one that is not
      // its input.
      IntFunction<byte[]> alloc = n -> output[0] = keptArray(SCRATCH.get()[3] == input ? 4 : 3, n);
      switch (f.id()) {
        case H5Filter.FLETCHER32:
          len = checkFletcher32(data, len, where);
          break;
        case H5Filter.SHUFFLE:
          int elem = shuffleSize(f, typeSize);
          if (elem > 1 && len >= elem) {
            unshuffle(ByteBuffer.wrap(data), len, elem, alloc.apply(len));
            data = output[0];
          }
          break;
        case H5Filter.DEFLATE:
          data = inflate(data, len, decodedSize(pipeline, mask, i, chunkBytes), where, libdeflate);
          len = data.length;
          break;
        case LZ4:
          len = H5BlockCodecs.lz4(data, len, where, alloc);
          data = output[0];
          break;
        case ZSTD:
          int size = decodedSize(pipeline, mask, i, chunkBytes);
          len = H5BlockCodecs.zstd(data, len, size >= 0 ? size : chunkBytes, where, alloc);
          data = output[0];
          break;
        case BITSHUFFLE:
          len = H5Bitshuffle.decode(data, len, p, typeSize, chunkBytes, where, alloc);
          data = output[0];
          break;
        default:
          throw new H5SwmrDataException(where + "filter " + f + " cannot be decoded in Java");
      }
    }
    if (len < chunkBytes) {
      throw new H5SwmrDataException(
          where + "decoded chunk holds " + len + " bytes, expected " + chunkBytes);
    }
    return data;
  }

  /**
   * The element size shuffle filter {@code f} shuffled: its parameter, else the dataset's {@code
   * typeSize}.
   */
  private static int shuffleSize(H5Filter f, int typeSize) {
    int[] p = f.params();
    return p.length > 0 && p[0] > 0 ? p[0] : typeSize;
  }

  /**
   * This thread's heap array in {@link #SCRATCH} slot {@code slot}, at least {@code n} bytes long;
   * a new one when it is shorter, kept in the slot unless above 16 MiB.
   */
  private static byte[] keptArray(int slot, int n) {
    Object[] s = SCRATCH.get();
    byte[] a = (byte[]) s[slot];
    if (a == null || a.length < n) {
      a = new byte[n];
      if (n <= KEEP_BYTES) {
        s[slot] = a;
      }
    }
    return a;
  }

  /**
   * A heap array of this thread's of at least {@code n} bytes for a chunk's stored bytes ({@link
   * #undoInScratch}).
   */
  static byte[] storedArray(int n) {
    return keptArray(5, n);
  }

  /**
   * Whether chunks of {@code pipeline} under filter mask {@code mask} can be decoded by {@link
   * #undoDeflate}: libdeflate is in use and the filters applied are deflate, optionally after
   * shuffle, optionally followed by Fletcher32 (what h5py's {@code compression='gzip'} writes with
   * or without {@code shuffle=True} and {@code fletcher32=True}).
   */
  static boolean deflateOnly(List<H5Filter> pipeline, int mask, boolean libdeflate) {
    if (!libdeflate) {
      return false;
    }
    boolean shuffle = false;
    boolean deflate = false;
    boolean sum = false;
    for (int i = 0; i < pipeline.size(); i++) {
      if ((mask & (1 << i)) != 0) {
        continue;
      }
      int id = pipeline.get(i).id();
      if (id == H5Filter.SHUFFLE && !shuffle && !deflate) {
        shuffle = true;
      } else if (id == H5Filter.DEFLATE && !deflate) {
        deflate = true;
      } else if (id == H5Filter.FLETCHER32 && deflate && !sum) {
        sum = true;
      } else {
        return false; // another filter, one twice, or out of that order
      }
    }
    return deflate;
  }

  /**
   * A direct buffer for a chunk's {@code len} stored bytes (position 0, limit {@code len}), this
   * thread's until its next call, for {@link #undoDeflate}.
   */
  static ByteBuffer storedBuffer(int len) {
    return scratchBuffer(0, len);
  }

  /**
   * {@link #undo} for a {@link #deflateOnly} pipeline without a copy or an allocation per chunk:
   * the stored bytes are {@code stored}'s (a {@link #storedBuffer}) from its position to its limit,
   * inflated by libdeflate straight into a buffer of this thread's and unshuffled into another.
   * Returns a buffer whose bytes 0 to {@code chunkBytes} are the chunk's raw bytes, valid until
   * this thread's next call; or null when a checksum does not match or the data do not inflate to
   * exactly {@code chunkBytes} bytes (then {@link #undo} on the same bytes says what is wrong).
   * {@code stored}'s position and limit are left as they were.
   */
  static ByteBuffer undoDeflate(
      ByteBuffer stored, List<H5Filter> pipeline, int mask, int chunkBytes, int typeSize) {
    int size = 1;
    boolean sum = false;
    for (int i = 0; i < pipeline.size(); i++) {
      H5Filter f = pipeline.get(i);
      if ((mask & (1 << i)) == 0 && f.id() == H5Filter.SHUFFLE) {
        size = shuffleSize(f, typeSize);
      }
      sum |= (mask & (1 << i)) == 0 && f.id() == H5Filter.FLETCHER32;
    }
    ByteBuffer z = stored;
    if (sum) { // verified on the stored bytes, then left out of what is inflated
      int n = stored.remaining() - 4;
      if (n < 0 || !fletcher32Matches(stored, stored.position(), n)) {
        return null;
      }
      z = stored.duplicate().limit(stored.position() + n);
    }
    ByteBuffer raw = scratchBuffer(1, chunkBytes);
    if (!LibDeflate.inflate(z, raw, chunkBytes)) {
      return null;
    }
    if (size <= 1 || chunkBytes < size) {
      return raw.clear();
    }
    byte[] plain = keptArray(2, chunkBytes);
    unshuffle(raw, chunkBytes, size, plain);
    return ByteBuffer.wrap(plain);
  }

  /**
   * This thread's direct buffer {@code slot} with room for {@code len} bytes, cleared, limit {@code
   * len}.
   */
  private static ByteBuffer scratchBuffer(int slot, int len) {
    Object[] s = SCRATCH.get();
    ByteBuffer b = (ByteBuffer) s[slot];
    if (b == null || b.capacity() < len) {
      b = ByteBuffer.allocateDirect(Math.max(len, 64 << 10));
      if (len <= KEEP_BYTES) {
        s[slot] = b;
      }
    }
    return b.clear().limit(len);
  }

  /**
   * The size filter {@code i} received when the chunk was written, which its decoder must give
   * back: the raw chunk plus 4 bytes per Fletcher32 applied before it (HDF5 lets a checksum come
   * first in the pipeline), or -1 when a filter before it changed the size in a way only its
   * decoding tells (LZ4, bitshuffle, ...).
   */
  static int decodedSize(List<H5Filter> pipeline, int mask, int i, int chunkBytes) {
    long size = chunkBytes;
    for (int j = 0; j < i; j++) {
      if ((mask & (1 << j)) != 0) {
        continue;
      }
      int id = pipeline.get(j).id();
      if (id == H5Filter.FLETCHER32) {
        size += 4;
      } else if (id != H5Filter.SHUFFLE) {
        return -1;
      }
    }
    return size <= Integer.MAX_VALUE - 8 ? (int) size : -1;
  }

  /**
   * Inflates the zlib stream {@code in[0, len)}: to exactly {@code exact} bytes, or with {@code
   * exact < 0} to whatever size it holds.
   */
  static byte[] inflate(byte[] in, int len, int exact, String where, boolean libdeflate) {
    if (libdeflate) {
      byte[] out = LibDeflate.inflate(in, len, exact);
      if (out != null) {
        return out;
      } // corrupt or of another size: Inflater says how
    }
    Inflater inf = INFLATER.get();
    inf.reset();
    inf.setInput(in, 0, len);
    byte[] out = new byte[exact >= 0 ? exact : Math.max(1 << 16, 4 * len)];
    int n = 0;
    try {
      while (!inf.finished()) {
        if (n == out.length) {
          if (exact >= 0) {
            // A full buffer: the stream may still hold its end marker and checksum, but no more
            // data.
            if (inf.inflate(new byte[1]) > 0) {
              throw new H5SwmrDataException(
                  where
                      + "deflate data inflates to more than "
                      + exact
                      + " bytes, expected "
                      + exact);
            }
            break;
          }
          if (out.length >= Integer.MAX_VALUE - 8) {
            throw new H5SwmrDataException(
                where + "deflate data inflates to more than " + out.length + " bytes");
          }
          out = Arrays.copyOf(out, (int) Math.min(Integer.MAX_VALUE - 8, 2L * out.length));
        }
        int k = inf.inflate(out, n, out.length - n);
        if (k == 0 && (inf.needsInput() || inf.needsDictionary())) {
          break;
        }
        n += k;
      }
    } catch (DataFormatException e) {
      throw new H5SwmrDataException(where + "corrupt deflate data: " + e.getMessage(), e);
    }
    if (exact >= 0 && n != exact) {
      throw new H5SwmrDataException(
          where + "deflate data inflated to " + n + " bytes, expected " + exact);
    }
    return n == out.length ? out : Arrays.copyOf(out, n);
  }

  /**
   * What inflates deflate chunks read in Java by default ({@link H5Codecs#DEFAULT}): libdeflate or
   * Inflater.
   */
  public static String inflater() {
    return H5Codecs.DEFAULT.libdeflate() ? "libdeflate" : "java.util.zip.Inflater";
  }

  private static boolean libDeflatePresent() {
    String why;
    try {
      why = LibDeflate.unavailable();
    } catch (LinkageError e) { // JNA not on the classpath
      why = "JNA is not on the classpath (" + e + ")";
    }
    if (why == null) {
      LOG.debug("Deflate chunks read in Java are inflated with libdeflate");
    } else {
      LOG.debug("Deflate chunks read in Java are inflated with java.util.zip.Inflater: {}", why);
    }
    return why == null;
  }

  /**
   * Reverses HDF5's byte shuffle of {@code size}-byte elements; trailing bytes of a partial element
   * stay put.
   */
  static byte[] unshuffle(byte[] in, int len, int size) {
    if (size <= 1 || len < size) {
      return in;
    }
    byte[] out = new byte[len];
    unshuffle(ByteBuffer.wrap(in), len, size, out);
    return out;
  }

  /**
   * Reverses HDF5's byte shuffle of {@code size}-byte elements ({@code size >= 2}, {@code len >=
   * size}): bytes 0 to {@code len} of {@code in} (absolute indexes) into {@code out[0, len)}.
   */
  static void unshuffle(ByteBuffer in, int len, int size, byte[] out) {
    int n = len / size;
    int done = size == 2 || size == 4 || size == 8 ? unshuffleByEights(in, n, size, out) : 0;
    for (int b = 0; b < size; b++) {
      int from = b * n;
      for (int i = done, to = done * size + b; i < n; i++, to += size) {
        out[to] = in.get(from + i);
      }
    }
    in.get(n * size, out, n * size, len - n * size);
  }

  /**
   * Unshuffles the first {@code n - n % 8} of {@code n} elements of {@code size} = 2, 4 or 8 bytes,
   * eight at a time: the eight bytes each plane holds for them are read as one little-endian long,
   * the longs (planes 0 to {@code size - 1}, then zeros) are transposed as an 8 x 8 byte matrix,
   * and long {@code j} then holds element {@code j}'s bytes. Returns the elements done.
   */
  private static int unshuffleByEights(ByteBuffer in, int n, int size, byte[] out) {
    int whole = n - n % 8;
    for (int i = 0; i < whole; i += 8) {
      long x0 = (long) LONG_LE_BUFFER.get(in, i);
      long x1 = (long) LONG_LE_BUFFER.get(in, n + i);
      long x2 = 0;
      long x3 = 0;
      long x4 = 0;
      long x5 = 0;
      long x6 = 0;
      long x7 = 0;
      if (size >= 4) {
        x2 = (long) LONG_LE_BUFFER.get(in, 2 * n + i);
        x3 = (long) LONG_LE_BUFFER.get(in, 3 * n + i);
        if (size == 8) {
          x4 = (long) LONG_LE_BUFFER.get(in, 4 * n + i);
          x5 = (long) LONG_LE_BUFFER.get(in, 5 * n + i);
          x6 = (long) LONG_LE_BUFFER.get(in, 6 * n + i);
          x7 = (long) LONG_LE_BUFFER.get(in, 7 * n + i);
        }
      }
      // swap the off-diagonal 1-byte, then 2-byte, then 4-byte blocks of each pair of rows
      long t = ((x0 >>> 8) ^ x1) & LOW3;
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
      int at = i * size;
      if (size == 8) {
        LONG_LE.set(out, at, x0);
        LONG_LE.set(out, at + 8, x1);
        LONG_LE.set(out, at + 16, x2);
        LONG_LE.set(out, at + 24, x3);
        LONG_LE.set(out, at + 32, x4);
        LONG_LE.set(out, at + 40, x5);
        LONG_LE.set(out, at + 48, x6);
        LONG_LE.set(out, at + 56, x7);
      } else if (size == 4) {
        LONG_LE.set(out, at, (x0 & LOW5) | (x1 << 32));
        LONG_LE.set(out, at + 8, (x2 & LOW5) | (x3 << 32));
        LONG_LE.set(out, at + 16, (x4 & LOW5) | (x5 << 32));
        LONG_LE.set(out, at + 24, (x6 & LOW5) | (x7 << 32));
      } else {
        LONG_LE.set(
            out, at, (x0 & 0xFFFFL) | ((x1 & 0xFFFFL) << 16) | ((x2 & 0xFFFFL) << 32) | (x3 << 48));
        LONG_LE.set(
            out,
            at + 8,
            (x4 & 0xFFFFL) | ((x5 & 0xFFFFL) << 16) | ((x6 & 0xFFFFL) << 32) | (x7 << 48));
      }
    }
    return whole;
  }

  /** Verifies the trailing checksum; returns the length without it. */
  private static int checkFletcher32(byte[] data, int len, String where) {
    if (len < 4) {
      throw new H5SwmrDataException(
          where + "chunk of " + len + " bytes is too short for its Fletcher32 checksum");
    }
    int n = len - 4;
    if (!fletcher32Matches(ByteBuffer.wrap(data), 0, n)) {
      throw new H5SwmrDataException(
          where
              + "Fletcher32 checksum mismatch (stored 0x"
              + Integer.toHexString(H5Bytes.intLE(data, n))
              + ", computed 0x"
              + Integer.toHexString(fletcher32(data, n))
              + "): the chunk is corrupt");
    }
    return n;
  }

  /**
   * Whether bytes {@code [from + n, from + n + 4)} of {@code data} (absolute indexes) hold the
   * Fletcher32 of bytes {@code [from, from + n)}, little-endian as HDF5 stores it, or with the
   * bytes of each 16-bit half swapped (files of HDF5 1.6.0-1.6.2, which HDF5 also accepts).
   */
  private static boolean fletcher32Matches(ByteBuffer data, int from, int n) {
    int at = from + n;
    int stored =
        (data.get(at) & 0xFF)
            | (data.get(at + 1) & 0xFF) << 8
            | (data.get(at + 2) & 0xFF) << 16
            | (data.get(at + 3) & 0xFF) << 24;
    int sum = fletcher32(data, from, n);
    int swapped = ((sum & 0x00FF00FF) << 8) | ((sum >>> 8) & 0x00FF00FF);
    return stored == sum || stored == swapped;
  }

  /** HDF5's Fletcher32 over {@code len} bytes, taken as big-endian 16-bit words. */
  static int fletcher32(byte[] data, int len) {
    return fletcher32(ByteBuffer.wrap(data), 0, len);
  }

  /**
   * {@link #fletcher32(byte[], int)} of bytes {@code [from, from + len)} of {@code data} (absolute
   * indexes).
   */
  static int fletcher32(ByteBuffer data, int from, int len) {
    long sum1 = 0;
    long sum2 = 0;
    int words = len / 2;
    int i = from;
    while (words > 0) {
      int t = Math.min(words, 360);
      words -= t;
      for (int k = 0; k < t; k++, i += 2) {
        sum1 += ((data.get(i) & 0xFF) << 8) | (data.get(i + 1) & 0xFF);
        sum2 += sum1;
      }
      sum1 = (sum1 & 0xFFFF) + (sum1 >>> 16);
      sum2 = (sum2 & 0xFFFF) + (sum2 >>> 16);
    }
    if ((len & 1) != 0) {
      sum1 += (data.get(from + len - 1) & 0xFF) << 8;
      sum2 += sum1;
      sum1 = (sum1 & 0xFFFF) + (sum1 >>> 16);
      sum2 = (sum2 & 0xFFFF) + (sum2 >>> 16);
    }
    sum1 = (sum1 & 0xFFFF) + (sum1 >>> 16);
    sum2 = (sum2 & 0xFFFF) + (sum2 >>> 16);
    return (int) ((sum2 << 16) | sum1);
  }
}
