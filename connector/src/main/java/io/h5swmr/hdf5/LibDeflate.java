package io.h5swmr.hdf5;

import com.sun.jna.Memory;
import com.sun.jna.Native;
import com.sun.jna.NativeLibrary;
import com.sun.jna.Pointer;
import java.lang.ref.Cleaner;

/**
 * Inflates and deflates zlib streams (HDF5's deflate filter) with the system's libdeflate, which
 * decodes them about 1.6 times as fast as zlib (the library behind Java's {@code Inflater} and
 * HDF5's own filter) and encodes them faster too. Linux distributions install it with libtiff
 * (Debian/Ubuntu {@code libdeflate0}, RHEL {@code libdeflate}); where it is absent, or option
 * {@code libdeflate} is {@code false} ({@link H5Codecs}: its default is the JVM property {@code
 * h5swmr.libdeflate}), {@link H5ChunkFilters} and {@link H5ChunkStore} use {@code Inflater} and
 * {@code Deflater}. Called through JNA's direct mapping: one native call per chunk, outside the
 * HDF5 guard (libdeflate keeps no global state; each thread has a decompressor and compressors of
 * its own).
 */
final class LibDeflate {
  private static final int SUCCESS = 0;
  private static final int INSUFFICIENT_SPACE = 3;
  private static final long KEEP_BYTES = 16L << 20;
  private static final Cleaner CLEANER = Cleaner.create();
  private static final String UNAVAILABLE;
  private static final ThreadLocal<LibDeflate> PER_THREAD =
      ThreadLocal.withInitial(LibDeflate::new);

  static {
    String why = null;
    try {
      Native.register(LibDeflate.class, NativeLibrary.getInstance("deflate"));
    } catch (LinkageError e) { // not found; JNA missing or of another version than its native part
      why = "the system library libdeflate was not found (" + e.getMessage() + ")";
    }
    UNAVAILABLE = why;
  }

  private final Pointer decompressor;
  private final Memory actual = new Memory(8);
  private final Pointer[] compressors = new Pointer[13];
  private Memory in;
  private Memory out;

  private LibDeflate() {
    Pointer d = libdeflate_alloc_decompressor();
    if (d == null) {
      throw new OutOfMemoryError("libdeflate_alloc_decompressor returned NULL");
    }
    decompressor = d;
    CLEANER.register(this, () -> libdeflate_free_decompressor(d));
  }

  /** Null when libdeflate is used, else why not. */
  static String unavailable() {
    return UNAVAILABLE;
  }

  /**
   * Decodes the zlib stream {@code src[0, len)}. With {@code exact >= 0} the stream must hold
   * exactly that many bytes; with {@code exact < 0} the size is unknown and the output grows as
   * needed.
   *
   * @return the decoded bytes, or null when the stream is corrupt or its size differs from {@code
   *     exact} (the caller then decodes it with {@code Inflater}, whose message says what is wrong)
   */
  static byte[] inflate(byte[] src, int len, int exact) {
    return PER_THREAD.get().decode(src, len, exact);
  }

  /**
   * Decodes the zlib stream between {@code src}'s position and limit into {@code dst} from its
   * position, which must have room for exactly {@code exact} bytes; both buffers direct. Returns
   * false, leaving {@code dst}'s position, when the stream is corrupt or does not hold exactly
   * {@code exact} bytes; else advances it.
   */
  static boolean inflate(java.nio.ByteBuffer src, java.nio.ByteBuffer dst, int exact) {
    return PER_THREAD.get().decode(src, dst, exact);
  }

  private boolean decode(java.nio.ByteBuffer src, java.nio.ByteBuffer dst, int exact) {
    if (dst.remaining() < exact) {
      throw new IllegalArgumentException(
          "room for " + dst.remaining() + " bytes, " + exact + " wanted");
    }
    Pointer in = Native.getDirectBufferPointer(src).share(src.position());
    Pointer out = Native.getDirectBufferPointer(dst).share(dst.position());
    int r = libdeflate_zlib_decompress(decompressor, in, src.remaining(), out, exact, actual);
    java.lang.ref.Reference.reachabilityFence(src);
    java.lang.ref.Reference.reachabilityFence(dst);
    if (r != SUCCESS || actual.getLong(0) != exact) {
      return false;
    }
    dst.position(dst.position() + exact);
    return true;
  }

  private byte[] decode(byte[] src, int len, int exact) {
    try {
      if (in == null || in.size() < len) {
        in = new Memory(Math.max(len, 1 << 16));
      }
      in.write(0, src, 0, len);
      long avail = exact >= 0 ? exact : Math.max(1 << 16, 4L * len);
      while (true) {
        if (out == null || out.size() < avail) {
          out = new Memory(Math.max(avail, 1 << 16));
        }
        int r = libdeflate_zlib_decompress(decompressor, in, len, out, avail, actual);
        if (r == SUCCESS) {
          long n = actual.getLong(0);
          if (exact >= 0 && n != exact) {
            return null;
          }
          byte[] result = new byte[(int) n];
          out.read(0, result, 0, (int) n);
          return result;
        }
        if (r != INSUFFICIENT_SPACE || exact >= 0 || avail >= Integer.MAX_VALUE - 8) {
          return null; // BAD_DATA, SHORT_OUTPUT, or more than the chunk can hold
        }
        avail = Math.min(Integer.MAX_VALUE - 8, avail * 2);
      }
    } finally {
      release();
    }
  }

  /**
   * {@code src[0, len)} as a zlib stream at {@code level} (0-12; zlib's 1-9 mean the same here), or
   * null when libdeflate has no compressor for that level.
   */
  static byte[] deflate(byte[] src, int len, int level) {
    return PER_THREAD.get().encode(src, len, level);
  }

  private byte[] encode(byte[] src, int len, int level) {
    if (level < 0 || level >= compressors.length) {
      return null;
    }
    if (compressors[level] == null) {
      Pointer c = libdeflate_alloc_compressor(level);
      if (c == null) {
        return null;
      }
      compressors[level] = c;
      CLEANER.register(this, () -> libdeflate_free_compressor(c));
    }
    Pointer c = compressors[level];
    long bound = libdeflate_zlib_compress_bound(c, len);
    try {
      if (in == null || in.size() < len) {
        in = new Memory(Math.max(len, 1 << 16));
      }
      in.write(0, src, 0, len);
      if (out == null || out.size() < bound) {
        out = new Memory(Math.max(bound, 1 << 16));
      }
      long n = libdeflate_zlib_compress(c, in, len, out, bound);
      if (n <= 0) {
        return null; // cannot happen with the bound's room; the caller then uses Deflater
      }
      byte[] result = new byte[(int) n];
      out.read(0, result, 0, (int) n);
      return result;
    } finally {
      release();
    }
  }

  /**
   * Buffers for chunks of usual sizes stay with the thread; a huge chunk's are not kept off-heap.
   */
  private void release() {
    if (in != null && in.size() > KEEP_BYTES) {
      in.close();
      in = null;
    }
    if (out != null && out.size() > KEEP_BYTES) {
      out.close();
      out = null;
    }
  }

  private static native Pointer libdeflate_alloc_compressor(int level);

  private static native void libdeflate_free_compressor(Pointer c);

  private static native long libdeflate_zlib_compress_bound(Pointer c, long inBytes);

  private static native long libdeflate_zlib_compress(
      Pointer c, Pointer in, long inBytes, Pointer out, long avail);

  private static native Pointer libdeflate_alloc_decompressor();

  private static native void libdeflate_free_decompressor(Pointer d);

  private static native int libdeflate_zlib_decompress(
      Pointer d, Pointer in, long inBytes, Pointer out, long outAvail, Pointer actualOut);
}
