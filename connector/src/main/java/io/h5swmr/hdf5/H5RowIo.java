package io.h5swmr.hdf5;

import hdf.hdf5lib.H5;
import hdf.hdf5lib.HDF5Constants;
import io.h5swmr.exceptions.H5SwmrDataException;
import java.lang.invoke.MethodHandles;
import java.lang.invoke.VarHandle;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.charset.CharacterCodingException;
import java.nio.charset.CodingErrorAction;
import java.nio.charset.StandardCharsets;
import java.util.List;
import org.bytedeco.hdf5.global.hdf5;
import org.bytedeco.javacpp.BytePointer;
import org.bytedeco.javacpp.DoublePointer;
import org.bytedeco.javacpp.FloatPointer;
import org.bytedeco.javacpp.IntPointer;
import org.bytedeco.javacpp.LongPointer;
import org.bytedeco.javacpp.ShortPointer;

/**
 * The bulk data movers behind {@link H5Dataset#read} and {@link H5Dataset#write}: one
 * H5Dread/H5Dwrite per call, straight into/out of the caller's Java arrays or native memory where
 * the memory element is a single column; through one packed buffer plus a strided Java copy where
 * several compound members move at once. All methods run under the native guard.
 *
 * <p>Reads take {@code pin}: whether the Java binding may hold the destination array in a JNI
 * critical region (no copy) during the call. Only where HDF5 cannot call back into Java meanwhile:
 * never for a file opened through our Java file driver ({@link H5File#mayPin()}), whose callbacks
 * run inside {@code H5Dread}/{@code H5Dwrite} whenever a chunk is read or written; a JVM that
 * enters Java code from inside a critical region can stall on the GC locker for good (seen: every
 * thread of a test JVM blocked). Unpinned, the binding copies the array.
 *
 * <p>Writes never pin. While one thread holds a critical region, a thread that must allocate waits
 * for it (the GC locker), and a commit's decoder thread allocates a block's arrays while the writer
 * writes the one before (measured on the 1 GiB write benchmark: 0.86-1.07x Spark's Parquet writer
 * pinned, 0.92-1.50x copied). Nor do they let the binding copy: its unpinned variant mallocs and
 * fills a fresh native copy of the whole array per call, page faults included. Writes copy the rows
 * into native memory the dataset handle keeps ({@link H5Spaces#scratch}) and hand that to the C
 * API.
 */
final class H5RowIo {
  private static final long DEFAULT = H5Calls.DEFAULT;
  private static final ByteOrder NATIVE = ByteOrder.nativeOrder();
  private static final VarHandle SHORTS =
      MethodHandles.byteArrayViewVarHandle(short[].class, NATIVE);
  private static final VarHandle INTS = MethodHandles.byteArrayViewVarHandle(int[].class, NATIVE);
  private static final VarHandle LONGS = MethodHandles.byteArrayViewVarHandle(long[].class, NATIVE);
  private static final VarHandle FLOATS =
      MethodHandles.byteArrayViewVarHandle(float[].class, NATIVE);
  private static final VarHandle DOUBLES =
      MethodHandles.byteArrayViewVarHandle(double[].class, NATIVE);

  private H5RowIo() {}

  // -------------------------------------------------------------------------------------------
  // reading

  /**
   * Reads {@code elements} dataset elements selected in {@code fileSpace} into the single
   * destination {@code dst}, whose memory layout is {@code layout} (one column at offset 0).
   */
  static void readOne(
      long did,
      long fileSpace,
      long elements,
      H5MemLayout layout,
      H5Column col,
      H5ColumnRead dst,
      H5Spaces spaces,
      boolean pin)
      throws Exception {
    long perValue = col.type().elementsPerValue();
    H5Type leaf = col.type().leaf();
    if (leaf.kind() != H5Type.Kind.STRING) {
      if (leavesUnwritten(did)) {
        clear(dst, elements * perValue);
      }
      if (dst.isNative()) {
        long ms = spaces.memory(elements, 0, elements);
        H5Calls.check(
            hdf5.H5Dread(
                did, layout.typeId(), ms, fileSpace, DEFAULT, NativeMemory.at(dst.address())),
            "H5Dread");
        return;
      }
      // Memory space over the whole destination array (in values), selecting the destination range.
      long extent = (dst.offset() + dst.capacity()) / perValue;
      long ms = spaces.memory(extent, dst.offset() / perValue, elements);
      readArray(did, layout.typeId(), ms, fileSpace, dst.array(), pin);
      return;
    }
    readPacked(did, fileSpace, elements, layout, List.of(col), List.of(dst), spaces, pin);
  }

  /**
   * True when H5Dread may leave the destination of never-written rows as it was: fill time "never"
   * (netCDF-4's NC_NOFILL) or an undefined fill value, where the library skips storage that was
   * never allocated. h5py reads those rows into a zeroed buffer (0); a reused destination would
   * show an earlier read's values instead.
   */
  private static boolean leavesUnwritten(long did) throws Exception {
    try (H5Id dcpl = H5Id.plist(H5.H5Dget_create_plist(did))) {
      int[] status = new int[1];
      H5.H5Pget_fill_time(dcpl.id(), status);
      if (status[0] == HDF5Constants.H5D_FILL_TIME_NEVER) {
        return true;
      }
      H5.H5Pfill_value_defined(dcpl.id(), status);
      return status[0] == HDF5Constants.H5D_FILL_VALUE_UNDEFINED;
    }
  }

  /** Zeroes the {@code values} destination elements a read fills. */
  private static void clear(H5ColumnRead dst, long values) {
    if (dst.isNative()) {
      org.bytedeco.javacpp.Pointer.memset(
          NativeMemory.at(dst.address()), 0, values * dst.kind().bytes());
      return;
    }
    int from = dst.offset();
    int to = Math.toIntExact(from + values);
    Object a = dst.array();
    if (a instanceof double[]) {
      java.util.Arrays.fill((double[]) a, from, to, 0.0);
    } else if (a instanceof float[]) {
      java.util.Arrays.fill((float[]) a, from, to, 0f);
    } else if (a instanceof long[]) {
      java.util.Arrays.fill((long[]) a, from, to, 0L);
    } else if (a instanceof int[]) {
      java.util.Arrays.fill((int[]) a, from, to, 0);
    } else if (a instanceof short[]) {
      java.util.Arrays.fill((short[]) a, from, to, (short) 0);
    } else {
      java.util.Arrays.fill((byte[]) a, from, to, (byte) 0);
    }
  }

  private static void readArray(long did, long mt, long ms, long fs, Object a, boolean pin)
      throws Exception {
    if (a instanceof double[]) {
      H5.H5Dread_double(did, mt, ms, fs, DEFAULT, (double[]) a, pin);
    } else if (a instanceof float[]) {
      H5.H5Dread_float(did, mt, ms, fs, DEFAULT, (float[]) a, pin);
    } else if (a instanceof long[]) {
      H5.H5Dread_long(did, mt, ms, fs, DEFAULT, (long[]) a, pin);
    } else if (a instanceof int[]) {
      H5.H5Dread_int(did, mt, ms, fs, DEFAULT, (int[]) a, pin);
    } else if (a instanceof short[]) {
      H5.H5Dread_short(did, mt, ms, fs, DEFAULT, (short[]) a, pin);
    } else {
      H5.H5Dread(did, mt, ms, fs, DEFAULT, (byte[]) a, pin);
    }
  }

  /**
   * Reads all {@code columns} in one H5Dread into a packed buffer of {@code layout}, then copies
   * each column out to its destination. Variable-length strings are read into native memory and
   * reclaimed afterwards.
   */
  static void readPacked(
      long did,
      long fileSpace,
      long elements,
      H5MemLayout layout,
      List<H5Column> columns,
      List<H5ColumnRead> dsts,
      H5Spaces spaces,
      boolean pin)
      throws Exception {
    int stride = layout.elementSize();
    int bytes = packedBytes(elements, stride);
    byte[] image = new byte[bytes];
    long ms = spaces.memory(elements, 0, elements);
    if (!layout.hasVlen()) {
      H5.H5Dread(did, layout.typeId(), ms, fileSpace, DEFAULT, image, pin);
      scatterAll(image, elements, layout, columns, dsts);
      return;
    }
    try (BytePointer buf = new BytePointer(bytes)) {
      buf.zero();
      H5Calls.check(hdf5.H5Dread(did, layout.typeId(), ms, fileSpace, DEFAULT, buf), "H5Dread");
      try {
        buf.get(image, 0, bytes);
        scatterAll(image, elements, layout, columns, dsts);
      } finally {
        H5Calls.check(hdf5.H5Treclaim(layout.typeId(), ms, DEFAULT, buf), "H5Treclaim");
      }
    }
  }

  private static int packedBytes(long elements, int stride) {
    long bytes = elements * stride;
    if (bytes > Integer.MAX_VALUE - 8) {
      throw new H5SwmrDataException(
          elements
              + " elements of "
              + stride
              + " bytes need a "
              + (bytes >> 20)
              + " MiB packed buffer, more than one Java array holds; move fewer rows per call");
    }
    return (int) bytes;
  }

  private static void scatterAll(
      byte[] image,
      long elements,
      H5MemLayout layout,
      List<H5Column> columns,
      List<H5ColumnRead> dsts) {
    for (int c = 0; c < columns.size(); c++) {
      scatter(
          image,
          (int) elements,
          layout.elementSize(),
          layout.offset(c),
          columns.get(c),
          dsts.get(c));
    }
  }

  /** Copies one column out of the packed image: {@code n} elements, {@code stride} bytes apart. */
  private static void scatter(
      byte[] src, int n, int stride, int off, H5Column col, H5ColumnRead dst) {
    H5Type leaf = col.type().leaf();
    int k = (int) col.type().elementsPerValue();
    int total = n * k;
    if (leaf.kind() == H5Type.Kind.STRING) {
      Object[] out = (Object[]) dst.array();
      boolean bytes = dst.kind() == H5MemKind.UTF8;
      int o = dst.offset();
      int es = H5Types.leafMemSize(leaf);
      for (int e = 0; e < n; e++) {
        int p = e * stride + off;
        for (int j = 0; j < k; j++, p += es) {
          byte[] b =
              leaf.isVariableLength()
                  ? NativeMemory.cBytes((long) LONGS.get(src, p))
                  : H5Strings.fixedBytes(src, p, es, leaf.pad());
          out[o++] = bytes || b == null ? b : utf8(b, leaf, col, e);
        }
      }
      return;
    }
    H5MemKind kind = dst.kind();
    Object target =
        dst.isNative()
            ? java.lang.reflect.Array.newInstance(kind.arrayClass().getComponentType(), total)
            : dst.array();
    int o = dst.isNative() ? 0 : dst.offset();
    int es = kind.bytes();
    switch (kind) {
      case BYTE:
        {
          byte[] t = (byte[]) target;
          for (int e = 0; e < n; e++) {
            for (int j = 0, p = e * stride + off; j < k; j++, p += es) {
              t[o++] = src[p];
            }
          }
          break;
        }
      case SHORT:
        {
          short[] t = (short[]) target;
          for (int e = 0; e < n; e++) {
            for (int j = 0, p = e * stride + off; j < k; j++, p += es) {
              t[o++] = (short) SHORTS.get(src, p);
            }
          }
          break;
        }
      case INT:
        {
          int[] t = (int[]) target;
          for (int e = 0; e < n; e++) {
            for (int j = 0, p = e * stride + off; j < k; j++, p += es) {
              t[o++] = (int) INTS.get(src, p);
            }
          }
          break;
        }
      case LONG:
        {
          long[] t = (long[]) target;
          for (int e = 0; e < n; e++) {
            for (int j = 0, p = e * stride + off; j < k; j++, p += es) {
              t[o++] = (long) LONGS.get(src, p);
            }
          }
          break;
        }
      case FLOAT:
        {
          float[] t = (float[]) target;
          for (int e = 0; e < n; e++) {
            for (int j = 0, p = e * stride + off; j < k; j++, p += es) {
              t[o++] = (float) FLOATS.get(src, p);
            }
          }
          break;
        }
      default:
        {
          double[] t = (double[]) target;
          for (int e = 0; e < n; e++) {
            for (int j = 0, p = e * stride + off; j < k; j++, p += es) {
              t[o++] = (double) DOUBLES.get(src, p);
            }
          }
          break;
        }
    }
    if (dst.isNative()) {
      NativeMemory.copyTo(dst.address(), target);
    }
  }

  /**
   * The stored bytes of a string value as text: strict UTF-8 (ASCII is a subset). Bytes that are
   * not UTF-8 (Latin-1 text older tools stored in "ASCII" strings, binary data) fail the read
   * instead of being replaced by U+FFFD.
   */
  static String utf8(byte[] b, H5Type leaf, H5Column col, int row) {
    boolean ascii = true;
    for (byte x : b) {
      ascii &= x >= 0;
    }
    if (ascii) {
      return new String(b, StandardCharsets.US_ASCII);
    }
    try {
      return StandardCharsets.UTF_8
          .newDecoder()
          .onMalformedInput(CodingErrorAction.REPORT)
          .onUnmappableCharacter(CodingErrorAction.REPORT)
          .decode(ByteBuffer.wrap(b))
          .toString();
    } catch (CharacterCodingException e) {
      StringBuilder hex = new StringBuilder();
      for (int i = 0; i < Math.min(b.length, 32); i++) {
        hex.append(String.format("%02x", b[i] & 0xFF));
      }
      throw new H5SwmrDataException(
          "column '"
              + col.displayName()
              + "' ("
              + leaf
              + "), value "
              + row
              + " of the rows read: the stored bytes (hex "
              + hex
              + (b.length > 32 ? "..." : "")
              + ") are not valid "
              + "UTF-8, so they cannot be a Spark string without replacing some of them, which h5swmr never does "
              + "(h5py returns these bytes as they are). Leave this column out of the selection, or convert the "
              + "strings (e.g. from Latin-1) with h5py");
    }
  }

  // -------------------------------------------------------------------------------------------
  // writing

  /**
   * Writes {@code elements} dataset elements from one primitive source array (one column at offset
   * 0).
   */
  static void writeOne(
      long did,
      long fileSpace,
      long elements,
      H5MemLayout layout,
      H5Column col,
      H5ColumnWrite src,
      String where,
      H5Spaces spaces,
      Rows rows)
      throws Exception {
    if (col.type().leaf().kind() == H5Type.Kind.STRING) {
      writePacked(
          did, fileSpace, elements, layout, List.of(col), List.of(src), where, spaces, rows);
      return;
    }
    long values = elements * col.type().elementsPerValue();
    int n = Math.toIntExact(values);
    Object a = src.array();
    int from = src.offset();
    BytePointer buf = spaces.scratch(values * src.kind().bytes());
    if (a instanceof double[]) {
      new DoublePointer(buf).put((double[]) a, from, n);
    } else if (a instanceof float[]) {
      new FloatPointer(buf).put((float[]) a, from, n);
    } else if (a instanceof long[]) {
      new LongPointer(buf).put((long[]) a, from, n);
    } else if (a instanceof int[]) {
      new IntPointer(buf).put((int[]) a, from, n);
    } else if (a instanceof short[]) {
      new ShortPointer(buf).put((short[]) a, from, n);
    } else {
      buf.put((byte[]) a, from, n);
    }
    store(did, fileSpace, elements, layout.typeId(), buf, rows, spaces, where);
  }

  /**
   * Rows [start, start + count) of the dataset a write covers, and the store for its whole chunks
   * (or null).
   */
  record Rows(long start, long count, H5ChunkStore chunks) {}

  /**
   * Writes {@code elements} elements of {@code memType} from {@code buf} to the rows {@code rows}
   * names (selected in {@code fileSpace}): with a chunk store, the whole chunks through it and the
   * partial ones at either end with H5Dwrite; else all with one H5Dwrite.
   */
  private static void store(
      long did,
      long fileSpace,
      long elements,
      long memType,
      BytePointer buf,
      Rows rows,
      H5Spaces spaces,
      String where)
      throws Exception {
    if (rows.chunks() == null) {
      long ms = spaces.memory(elements, 0, elements);
      H5Calls.check(hdf5.H5Dwrite(did, memType, ms, fileSpace, DEFAULT, buf), "H5Dwrite");
      return;
    }
    long[] whole =
        rows.chunks().writeWholeChunks(did, memType, rows.start(), rows.count(), buf, where);
    long end = rows.start() + rows.count();
    long perRow = elements / rows.count();
    for (long[] part : new long[][] {{rows.start(), whole[0]}, {whole[1], end}}) {
      if (part[1] > part[0]) {
        long fs = spaces.selectRows(did, part[0], part[1] - part[0]);
        long ms =
            spaces.memory(
                elements, (part[0] - rows.start()) * perRow, (part[1] - part[0]) * perRow);
        H5Calls.check(hdf5.H5Dwrite(did, memType, ms, fs, DEFAULT, buf), "H5Dwrite");
      }
    }
  }

  /**
   * Packs all {@code columns} into one interleaved buffer of {@code layout} and writes it with one
   * H5Dwrite. Variable-length strings are staged as NUL-terminated UTF-8 in one native block that
   * outlives the write.
   */
  static void writePacked(
      long did,
      long fileSpace,
      long elements,
      H5MemLayout layout,
      List<H5Column> columns,
      List<H5ColumnWrite> srcs,
      String where,
      H5Spaces spaces,
      Rows rows)
      throws Exception {
    int stride = layout.elementSize();
    int bytes = packedBytes(elements, stride);
    // The packed memory type has no gaps, so packing sets every byte: a reused image holds nothing
    // stale.
    byte[] image = spaces.image(bytes);
    // Variable-length strings: encode all into one blob, copy it to native memory once, then point
    // at it.
    StringBlob blob = new StringBlob();
    long[][] stringOffsets = new long[columns.size()][];
    for (int c = 0; c < columns.size(); c++) {
      if (isVlen(columns.get(c))) {
        stringOffsets[c] =
            blob.add(
                (Object[]) srcs.get(c).array(),
                srcs.get(c).offset(),
                Math.toIntExact(elements * columns.get(c).type().elementsPerValue()));
      }
    }
    try (BytePointer strings = new BytePointer(Math.max(1, blob.size()))) {
      strings.put(blob.bytes(), 0, blob.size());
      for (int c = 0; c < columns.size(); c++) {
        gather(
            image,
            (int) elements,
            stride,
            layout.offset(c),
            columns.get(c),
            srcs.get(c),
            stringOffsets[c],
            strings.address(),
            where);
      }
      BytePointer buf = spaces.scratch(bytes);
      buf.put(image, 0, bytes);
      store(did, fileSpace, elements, layout.typeId(), buf, rows, spaces, where);
    }
  }

  /**
   * NUL-terminated UTF-8 strings packed back to back, each remembered by its offset (-1 for null).
   */
  private static final class StringBlob {
    private byte[] bytes = new byte[256];
    private int size;

    /**
     * Adds {@code n} values of a {@code String[]} or {@code byte[][]} (UTF-8) from {@code from}.
     */
    long[] add(Object[] values, int from, int n) {
      long[] offsets = new long[n];
      for (int i = 0; i < n; i++) {
        Object v = values[from + i];
        if (v == null) {
          offsets[i] = -1;
          continue;
        }
        byte[] b = v instanceof byte[] ? (byte[]) v : ((String) v).getBytes(StandardCharsets.UTF_8);
        if (size + b.length + 1 > bytes.length) {
          bytes = java.util.Arrays.copyOf(bytes, Math.max(bytes.length * 2, size + b.length + 1));
        }
        System.arraycopy(b, 0, bytes, size, b.length);
        offsets[i] = size;
        size += b.length;
        bytes[size++] = 0;
      }
      return offsets;
    }

    byte[] bytes() {
      return bytes;
    }

    int size() {
      return size;
    }
  }

  private static boolean isVlen(H5Column c) {
    H5Type leaf = c.type().leaf();
    return leaf.kind() == H5Type.Kind.STRING && leaf.isVariableLength();
  }

  /**
   * Copies one column into the packed image; vlen strings become {@code stringsBase + offset}
   * pointers.
   */
  private static void gather(
      byte[] image,
      int n,
      int stride,
      int off,
      H5Column col,
      H5ColumnWrite src,
      long[] stringOffsets,
      long stringsBase,
      String where) {
    H5Type leaf = col.type().leaf();
    int k = (int) col.type().elementsPerValue();
    int i = src.offset();
    if (leaf.kind() == H5Type.Kind.STRING) {
      Object[] in = (Object[]) src.array();
      int es = H5Types.leafMemSize(leaf);
      int v = 0;
      for (int e = 0; e < n; e++) {
        int p = e * stride + off;
        for (int j = 0; j < k; j++, p += es, i++, v++) {
          if (leaf.isVariableLength()) {
            long so = stringOffsets[v];
            LONGS.set(image, p, so < 0 ? 0L : stringsBase + so);
          } else {
            byte[] b =
                in[i] == null || in[i] instanceof byte[]
                    ? (byte[]) in[i]
                    : ((String) in[i]).getBytes(StandardCharsets.UTF_8);
            if (!H5Strings.encodeFixed(b, image, p, es, leaf.pad())) {
              throw H5Strings.tooLong(
                  where + "column '" + col.displayName() + "', source element " + i + ": ", b, es);
            }
          }
        }
      }
      return;
    }
    Object a = src.array();
    int es = src.kind().bytes();
    switch (src.kind()) {
      case BYTE:
        {
          byte[] t = (byte[]) a;
          for (int e = 0; e < n; e++) {
            for (int j = 0, p = e * stride + off; j < k; j++, p += es) {
              image[p] = t[i++];
            }
          }
          break;
        }
      case SHORT:
        {
          short[] t = (short[]) a;
          for (int e = 0; e < n; e++) {
            for (int j = 0, p = e * stride + off; j < k; j++, p += es) {
              SHORTS.set(image, p, t[i++]);
            }
          }
          break;
        }
      case INT:
        {
          int[] t = (int[]) a;
          for (int e = 0; e < n; e++) {
            for (int j = 0, p = e * stride + off; j < k; j++, p += es) {
              INTS.set(image, p, t[i++]);
            }
          }
          break;
        }
      case LONG:
        {
          long[] t = (long[]) a;
          for (int e = 0; e < n; e++) {
            for (int j = 0, p = e * stride + off; j < k; j++, p += es) {
              LONGS.set(image, p, t[i++]);
            }
          }
          break;
        }
      case FLOAT:
        {
          float[] t = (float[]) a;
          for (int e = 0; e < n; e++) {
            for (int j = 0, p = e * stride + off; j < k; j++, p += es) {
              FLOATS.set(image, p, t[i++]);
            }
          }
          break;
        }
      default:
        {
          double[] t = (double[]) a;
          for (int e = 0; e < n; e++) {
            for (int j = 0, p = e * stride + off; j < k; j++, p += es) {
              DOUBLES.set(image, p, t[i++]);
            }
          }
          break;
        }
    }
  }
}
