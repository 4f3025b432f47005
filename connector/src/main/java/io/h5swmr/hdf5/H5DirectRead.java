package io.h5swmr.hdf5;

import io.h5swmr.exceptions.H5SwmrDataException;
import java.io.IOException;
import java.nio.ByteBuffer;
import java.util.List;

/**
 * Reads rows of a dataset from its stored chunks (or contiguous bytes) with positional I/O and decodes them in
 * Java into the caller's array: no native call and no native guard, so several threads decode at once. Covers
 * whole-element columns of integers (1-8 bytes, either byte order), float32/float64, h5py booleans and arrays of
 * these, stored contiguous or chunked with chunks spanning every dimension after the first, through the filters
 * of {@link H5ChunkFilters}. Everything else (and any dataset {@link #obstacle} names) is read by the library.
 */
final class H5DirectRead {
  /** Unfiltered bytes are read through a per-thread direct buffer in slices of at most this size. */
  private static final int SLICE_BYTES = 4 << 20;
  /** Unfiltered reads of at least this size are memory-mapped (one copy instead of two) where the source can. */
  private static final long MAP_MIN_BYTES = 1 << 20;
  private static final ThreadLocal<ByteBuffer[]> BUFFER = ThreadLocal.withInitial(() -> new ByteBuffer[1]);

  private H5DirectRead() {}

  /** Why rows of {@code meta} cannot be read into {@code into} without the library; null when they can. */
  static String obstacle(H5DatasetInfo meta, H5ColumnRead into) {
    if (into.isNative() || !into.memberPath().isEmpty()) {
      return "destination is native memory or a compound member";
    }
    if (meta.rank() == 0) {
      return "scalar dataset";
    }
    H5Type t = meta.type();
    H5Type leaf = t.leaf();
    boolean numeric = (leaf.kind() == H5Type.Kind.INTEGER && (leaf.size() == 1 || leaf.size() == 2
        || leaf.size() == 4 || leaf.size() == 8)) || (leaf.kind() == H5Type.Kind.FLOAT
        && (leaf.size() == 4 || leaf.size() == 8)) || (leaf.kind() == H5Type.Kind.ENUM && leaf.isBoolean());
    if (!numeric || (t.kind() != H5Type.Kind.ARRAY && t != leaf)) {
      return "type " + t;
    }
    if (into.kind() != t.memKind()) {
      return "read as " + into.kind();
    }
    if (meta.layout() == H5Layout.CHUNKED) {
      long[] dims = meta.dims();
      long[] chunk = meta.chunkDims();
      for (int i = 1; i < dims.length; i++) {
        if (chunk[i] != dims[i]) {
          return "chunks " + java.util.Arrays.toString(chunk) + " do not span dimensions after the first";
        }
      }
      return H5ChunkFilters.supports(meta.filters()) ? null : "filters " + meta.filters();
    }
    return meta.layout() == H5Layout.CONTIGUOUS && meta.filters().isEmpty() ? null : "layout " + meta.layout();
  }

  /** Bytes of one row: element size × elements per row. */
  static long rowBytes(H5DatasetInfo meta) {
    return (long) meta.type().leaf().size() * meta.type().elementsPerValue() * meta.trailingElements();
  }

  /**
   * Reads rows {@code [start, start + count)} from {@code blocks} (covering them, in row order) into
   * {@code into}. {@code where} prefixes error messages.
   */
  static void read(H5ByteSource src, H5DatasetInfo meta, List<H5StoredBlock> blocks, long start, long count,
      H5ColumnRead into, String where) {
    long rowBytes = rowBytes(meta);
    long valuesPerRow = meta.type().elementsPerValue() * meta.trailingElements();
    H5Type leaf = meta.type().leaf();
    int typeSize = Math.toIntExact(meta.type().leaf().size());
    long end = start + count;
    for (H5StoredBlock b : blocks) {
      long from = Math.max(start, b.firstRow());
      long to = Math.min(end, b.firstRow() + b.rows());
      if (from >= to) {
        continue;
      }
      int dstOff = Math.toIntExact(into.offset() + (from - start) * valuesPerRow);
      long skip = (from - b.firstRow()) * rowBytes;
      long bytes = (to - from) * rowBytes;
      boolean filtered = false;
      for (int i = 0; i < meta.filters().size(); i++) {
        filtered |= (b.filterMask() & (1 << i)) == 0;
      }
      String at = where + "chunk at rows [" + b.firstRow() + ", " + (b.firstRow() + b.rows()) + ") (file offset "
          + b.address() + "): ";
      try {
        if (!filtered) {
          readPlain(src, b.address() + skip, bytes, leaf, into, dstOff, typeSize);
        } else {
          byte[] stored = new byte[Math.toIntExact(b.storedBytes())];
          src.readFully(b.address(), ByteBuffer.wrap(stored));
          byte[] raw = H5ChunkFilters.undo(stored, meta.filters(), b.filterMask(),
              Math.toIntExact(b.rows() * rowBytes), typeSize, at);
          ByteBuffer view = ByteBuffer.wrap(raw, Math.toIntExact(skip), Math.toIntExact(bytes))
              .slice().order(leaf.byteOrder());
          convert(view, leaf, into.kind(), into.array(), dstOff, Math.toIntExact(bytes / typeSize));
        }
      } catch (IOException e) {
        throw new H5SwmrDataException(at + "could not read the stored bytes: " + e.getMessage(), e);
      }
    }
  }

  private static void readPlain(H5ByteSource src, long pos, long bytes, H5Type leaf,
      H5ColumnRead into, int dstOff, int typeSize) throws IOException {
    if (bytes >= MAP_MIN_BYTES) {
      ByteBuffer mapped = src.map(pos, bytes);
      if (mapped != null) {
        try {
          convert(mapped.order(leaf.byteOrder()), leaf, into.kind(), into.array(), dstOff,
              Math.toIntExact(bytes / typeSize));
          return;
        } finally {
          src.unmap(mapped);
        }
      }
    }
    ByteBuffer[] holder = BUFFER.get();
    int slice = (int) Math.min(bytes, SLICE_BYTES / typeSize * typeSize);
    if (holder[0] == null || holder[0].capacity() < slice) {
      holder[0] = ByteBuffer.allocateDirect(Math.max(slice, 64 << 10));
    }
    ByteBuffer buf = holder[0];
    long done = 0;
    int off = dstOff;
    while (done < bytes) {
      int n = (int) Math.min(slice, bytes - done);
      buf.clear().limit(n);
      src.readFully(pos + done, buf);
      buf.flip();
      convert(buf.order(leaf.byteOrder()), leaf, into.kind(), into.array(), off, n / typeSize);
      off += n / typeSize;
      done += n;
    }
  }

  /** Copies {@code n} values of file type {@code leaf} from {@code src} into {@code dst} of {@code kind}. */
  static void convert(ByteBuffer src, H5Type leaf, H5MemKind kind, Object dst, int off, int n) {
    boolean unsigned = leaf.kind() == H5Type.Kind.INTEGER && !leaf.isSigned();
    switch (kind) {
      case DOUBLE:
        src.asDoubleBuffer().get((double[]) dst, off, n);
        return;
      case FLOAT:
        src.asFloatBuffer().get((float[]) dst, off, n);
        return;
      case LONG:
        if (leaf.size() == 8) {
          src.asLongBuffer().get((long[]) dst, off, n);
        } else {
          long[] d = (long[]) dst;
          for (int i = 0; i < n; i++) {
            d[off + i] = src.getInt(i * 4) & 0xFFFFFFFFL;
          }
        }
        return;
      case INT:
        if (!unsigned) {
          src.asIntBuffer().get((int[]) dst, off, n);
        } else {
          int[] d = (int[]) dst;
          for (int i = 0; i < n; i++) {
            d[off + i] = src.getShort(i * 2) & 0xFFFF;
          }
        }
        return;
      case SHORT:
        if (!unsigned) {
          src.asShortBuffer().get((short[]) dst, off, n);
        } else {
          short[] d = (short[]) dst;
          for (int i = 0; i < n; i++) {
            d[off + i] = (short) (src.get(i) & 0xFF);
          }
        }
        return;
      case BYTE:
        src.duplicate().get((byte[]) dst, off, n);
        return;
      default:
        throw new IllegalArgumentException("no direct conversion into " + kind);
    }
  }
}
