package io.h5swmr.hdf5;

import io.h5swmr.exceptions.H5SwmrDataException;
import java.io.IOException;
import java.nio.ByteBuffer;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.List;
import java.util.concurrent.CancellationException;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.atomic.AtomicInteger;

/**
 * Reads rows of a dataset from its stored chunks (or contiguous bytes) with positional I/O and
 * decodes them in Java into the caller's array: no native call and no native guard, so several
 * threads decode at once. Covers whole-element columns of integers (1-8 bytes, either byte order),
 * float32/float64, h5py booleans and arrays of these, stored contiguous or chunked with chunks
 * spanning every dimension after the first, through the filters of {@link H5ChunkFilters}.
 * Everything else (and any dataset {@link #obstacle} names) is read by the library.
 */
final class H5DirectRead {
  /**
   * Unfiltered bytes are read through a per-thread direct buffer in slices of at most this size.
   */
  private static final int SLICE_BYTES = 4 << 20;

  /**
   * Unfiltered reads of at least this size are memory-mapped (one copy instead of two) where the
   * source can.
   */
  private static final long MAP_MIN_BYTES = 1 << 20;

  private static final ThreadLocal<ByteBuffer[]> BUFFER =
      ThreadLocal.withInitial(() -> new ByteBuffer[1]);

  private H5DirectRead() {}

  /**
   * Why rows of {@code meta} cannot be read into {@code into} without the library; null when they
   * can.
   */
  static String obstacle(H5DatasetInfo meta, H5ColumnRead into) {
    if (into.isNative() || !into.memberPath().isEmpty()) {
      return "destination is native memory or a compound member";
    }
    if (meta.rank() == 0) {
      return "scalar dataset";
    }
    H5Type t = meta.type();
    H5Type leaf = t.leaf();
    boolean numeric =
        (leaf.kind() == H5Type.Kind.INTEGER
                && (leaf.size() == 1 || leaf.size() == 2 || leaf.size() == 4 || leaf.size() == 8))
            || (leaf.kind() == H5Type.Kind.FLOAT && (leaf.size() == 4 || leaf.size() == 8))
            || (leaf.kind() == H5Type.Kind.ENUM && leaf.isBoolean());
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
          return "chunks "
              + java.util.Arrays.toString(chunk)
              + " do not span dimensions after the first";
        }
      }
      return H5ChunkFilters.supports(meta.filters()) ? null : "filters " + meta.filters();
    }
    return meta.layout() == H5Layout.CONTIGUOUS && meta.filters().isEmpty()
        ? null
        : "layout " + meta.layout();
  }

  /** Bytes of one row: element size × elements per row. */
  static long rowBytes(H5DatasetInfo meta) {
    return (long) meta.type().leaf().size()
        * meta.type().elementsPerValue()
        * meta.trailingElements();
  }

  /**
   * Reads rows {@code [start, start + count)} from {@code blocks} (covering them, in row order)
   * into {@code into}. {@code where} prefixes error messages. A source that {@link
   * H5ByteSource#prefersFewLargeReads prefers few large reads} is read in coalesced runs ({@link
   * #MAX_GAP}, {@link #MAX_RUN}), each fetched while the one before is decoded; others chunk by
   * chunk. Deflate as {@link H5Codecs#DEFAULT} says.
   */
  static void read(
      H5ByteSource src,
      H5DatasetInfo meta,
      List<H5StoredBlock> blocks,
      long start,
      long count,
      H5ColumnRead into,
      String where) {
    read(src, meta, blocks, start, count, into, where, H5Codecs.DEFAULT.libdeflate());
  }

  /**
   * {@link #read(H5ByteSource, H5DatasetInfo, List, long, long, H5ColumnRead, String)}; {@code
   * libdeflate}: whether deflate goes through libdeflate ({@link H5Codecs#libdeflate()}), else
   * {@code Inflater}.
   */
  static void read(
      H5ByteSource src,
      H5DatasetInfo meta,
      List<H5StoredBlock> blocks,
      long start,
      long count,
      H5ColumnRead into,
      String where,
      boolean libdeflate) {
    List<Piece> pieces = pieces(meta, blocks, start, count, into, where);
    if (src.prefersFewLargeReads()) {
      readCoalesced(src, meta, pieces, into, where, libdeflate);
      return;
    }
    H5Type leaf = meta.type().leaf();
    int typeSize = Math.toIntExact(leaf.size());
    for (Piece p : pieces) {
      try {
        if (!p.filtered) {
          readPlain(src, p.block.address() + p.skip, p.bytes, leaf, into, p.dstOff, typeSize);
        } else if (H5ChunkFilters.deflateOnly(meta.filters(), p.block.filterMask(), libdeflate)) {
          ByteBuffer stored = H5ChunkFilters.storedBuffer(Math.toIntExact(p.block.storedBytes()));
          src.readFully(p.block.address(), stored);
          decodeDeflate(stored.flip(), p, meta, into, libdeflate);
        } else {
          int len = Math.toIntExact(p.block.storedBytes());
          byte[] stored = H5ChunkFilters.storedArray(len);
          src.readFully(p.block.address(), ByteBuffer.wrap(stored, 0, len));
          decodeFiltered(stored, len, p, meta, into, libdeflate);
        }
      } catch (IOException e) {
        throw new H5SwmrDataException(
            p.at + "could not read the stored bytes: " + e.getMessage(), e);
      }
    }
  }

  /**
   * The rows one block gives a read: {@code bytes} from byte {@code skip} of its raw (unfiltered)
   * bytes.
   */
  private static final class Piece {
    final H5StoredBlock block;
    final boolean filtered;
    final long skip;
    final long bytes;

    /** Index in {@code into}'s array of the first value. */
    final int dstOff;

    /** Error message prefix naming the chunk. */
    final String at;

    Piece(H5StoredBlock block, boolean filtered, long skip, long bytes, int dstOff, String at) {
      this.block = block;
      this.filtered = filtered;
      this.skip = skip;
      this.bytes = bytes;
      this.dstOff = dstOff;
      this.at = at;
    }
  }

  private static List<Piece> pieces(
      H5DatasetInfo meta,
      List<H5StoredBlock> blocks,
      long start,
      long count,
      H5ColumnRead into,
      String where) {
    long rowBytes = rowBytes(meta);
    long valuesPerRow = meta.type().elementsPerValue() * meta.trailingElements();
    long end = start + count;
    List<Piece> out = new ArrayList<>(blocks.size());
    for (H5StoredBlock b : blocks) {
      long from = Math.max(start, b.firstRow());
      long to = Math.min(end, b.firstRow() + b.rows());
      if (from >= to) {
        continue;
      }
      boolean filtered = false;
      for (int i = 0; i < meta.filters().size(); i++) {
        filtered |= (b.filterMask() & (1 << i)) == 0;
      }
      out.add(
          new Piece(
              b,
              filtered,
              (from - b.firstRow()) * rowBytes,
              (to - from) * rowBytes,
              Math.toIntExact(into.offset() + (from - start) * valuesPerRow),
              where
                  + "chunk at rows ["
                  + b.firstRow()
                  + ", "
                  + (b.firstRow() + b.rows())
                  + ") (file offset "
                  + b.address()
                  + "): "));
    }
    return out;
  }

  /**
   * {@link #decodeFiltered} for a {@link H5ChunkFilters#deflateOnly} chunk whose stored bytes are
   * in a {@link H5ChunkFilters#storedBuffer} ({@code stored}, position to limit).
   */
  private static void decodeDeflate(
      ByteBuffer stored, Piece p, H5DatasetInfo meta, H5ColumnRead into, boolean libdeflate) {
    H5Type leaf = meta.type().leaf();
    ByteBuffer raw =
        H5ChunkFilters.undoDeflate(
            stored,
            meta.filters(),
            p.block.filterMask(),
            Math.toIntExact(p.block.rows() * rowBytes(meta)),
            Math.toIntExact(leaf.size()));
    if (raw == null) { // corrupt, or another size: the general path's error says which
      byte[] copy = new byte[stored.remaining()];
      stored.get(copy);
      decodeFiltered(copy, copy.length, p, meta, into, libdeflate);
      return;
    }
    int skip = Math.toIntExact(p.skip);
    int bytes = Math.toIntExact(p.bytes);
    convert(
        raw.limit(skip + bytes).position(skip).slice().order(leaf.byteOrder()),
        leaf,
        into.kind(),
        into.array(),
        p.dstOff,
        Math.toIntExact(bytes / leaf.size()));
  }

  /**
   * Undoes the filters of {@code p}'s chunk ({@code stored[0, len)}: its stored bytes) and converts
   * its rows read.
   */
  private static void decodeFiltered(
      byte[] stored, int len, Piece p, H5DatasetInfo meta, H5ColumnRead into, boolean libdeflate) {
    H5Type leaf = meta.type().leaf();
    int typeSize = Math.toIntExact(leaf.size());
    byte[] raw =
        H5ChunkFilters.undoInScratch(
            stored,
            len,
            meta.filters(),
            p.block.filterMask(),
            Math.toIntExact(p.block.rows() * rowBytes(meta)),
            typeSize,
            p.at,
            libdeflate);
    ByteBuffer view =
        ByteBuffer.wrap(raw, Math.toIntExact(p.skip), Math.toIntExact(p.bytes))
            .slice()
            .order(leaf.byteOrder());
    convert(view, leaf, into.kind(), into.array(), p.dstOff, Math.toIntExact(p.bytes / typeSize));
  }

  // ------------------------------------------------------------------------------------------
  // coalesced reads

  /**
   * Coalesced reads: byte ranges at most this far apart are fetched as one (reading the gap costs
   * less than another request's latency).
   */
  static final int MAX_GAP = 1 << 20;

  /**
   * Coalesced reads: a run fetches at most this many bytes (a filtered chunk larger than this is a
   * run of its own); a read holds at most two runs, the one decoded and the one fetched.
   */
  static final int MAX_RUN = 16 << 20;

  /**
   * Fetches of the run after the one being decoded: at most one per read call, so at most one
   * thread per task reading; idle threads end after a minute.
   */
  private static final ExecutorService PREFETCH = prefetchPool();

  private static ExecutorService prefetchPool() {
    AtomicInteger n = new AtomicInteger();
    return Executors.newCachedThreadPool(
        r -> {
          Thread t = new Thread(r, "h5swmr-prefetch-" + n.incrementAndGet());
          t.setDaemon(true);
          return t;
        });
  }

  /**
   * Bytes {@code [pos, pos + len)} of a file a piece needs: a filtered chunk's stored bytes, or
   * (part of) the rows of an unfiltered one, whose first value goes to {@code dstOff}.
   */
  private static final class Range {
    final Piece piece;
    final long pos;
    final int len;
    final int dstOff;

    Range(Piece piece, long pos, int len, int dstOff) {
      this.piece = piece;
      this.pos = pos;
      this.len = len;
      this.dstOff = dstOff;
    }
  }

  /**
   * Ranges fetched with one read: {@code [start, start + length)} holds {@code ranges} (in file
   * order).
   */
  private static final class Run {
    final long start;
    final int length;
    final List<Range> ranges;

    Run(long start, int length, List<Range> ranges) {
      this.start = start;
      this.length = length;
      this.ranges = ranges;
    }

    /** Error message prefix naming the run's chunk (as the chunk-by-chunk path does) or chunks. */
    String at(String where) {
      Piece first = ranges.get(0).piece;
      if (ranges.stream().allMatch(r -> r.piece == first)) {
        return first.at;
      }
      long lo = ranges.stream().mapToLong(r -> r.piece.block.firstRow()).min().getAsLong();
      long hi =
          ranges.stream()
              .mapToLong(r -> r.piece.block.firstRow() + r.piece.block.rows())
              .max()
              .getAsLong();
      return where
          + ranges.size()
          + " chunks at rows ["
          + lo
          + ", "
          + hi
          + ") (file bytes ["
          + start
          + ", "
          + (start + length)
          + "), read at once): ";
    }
  }

  /**
   * The runs that fetch {@code pieces}: their ranges in file order, neighbours merged while the gap
   * is at most {@link #MAX_GAP} and the run at most {@link #MAX_RUN} bytes; unfiltered ranges
   * longer than that are split.
   */
  private static List<Run> runs(List<Piece> pieces, int typeSize) {
    List<Range> ranges = new ArrayList<>(pieces.size());
    int part = MAX_RUN / typeSize * typeSize;
    for (Piece p : pieces) {
      if (p.filtered) {
        ranges.add(
            new Range(p, p.block.address(), Math.toIntExact(p.block.storedBytes()), p.dstOff));
        continue;
      }
      for (long done = 0; done < p.bytes; done += part) {
        ranges.add(
            new Range(
                p,
                p.block.address() + p.skip + done,
                (int) Math.min(part, p.bytes - done),
                Math.toIntExact(p.dstOff + done / typeSize)));
      }
    }
    ranges.sort(Comparator.comparingLong(r -> r.pos));
    List<Run> runs = new ArrayList<>();
    for (int i = 0; i < ranges.size(); ) {
      long runStart = ranges.get(i).pos;
      long runEnd = runStart + ranges.get(i).len;
      int j = i + 1;
      for (; j < ranges.size(); j++) {
        Range r = ranges.get(j);
        long end = Math.max(runEnd, r.pos + r.len);
        if (r.pos - runEnd > MAX_GAP || end - runStart > MAX_RUN) {
          break;
        }
        runEnd = end;
      }
      runs.add(new Run(runStart, Math.toIntExact(runEnd - runStart), ranges.subList(i, j)));
      i = j;
    }
    return runs;
  }

  /**
   * Reads {@code pieces} run by run: the first run on this thread, each next one on {@link
   * #PREFETCH} while this thread decodes the one before. Returns (or throws) only once no fetch of
   * this call is in flight.
   */
  private static void readCoalesced(
      H5ByteSource src,
      H5DatasetInfo meta,
      List<Piece> pieces,
      H5ColumnRead into,
      String where,
      boolean libdeflate) {
    H5Type leaf = meta.type().leaf();
    int typeSize = Math.toIntExact(leaf.size());
    List<Run> runs = runs(pieces, typeSize);
    if (runs.isEmpty()) {
      return; // no rows, or rows of no bytes
    }
    byte[] bytes;
    try {
      bytes = fetch(src, runs.get(0));
    } catch (IOException e) {
      throw new H5SwmrDataException(
          runs.get(0).at(where) + "could not read the stored bytes: " + e.getMessage(), e);
    }
    Future<byte[]> next = null;
    try {
      for (int k = 0; k < runs.size(); k++) {
        if (next != null) {
          Future<byte[]> f = next;
          next = null;
          bytes = fetched(f, runs.get(k), where);
        }
        if (k + 1 < runs.size()) {
          Run r = runs.get(k + 1);
          next = PREFETCH.submit(() -> fetch(src, r));
        }
        Run run = runs.get(k);
        for (Range r : run.ranges) {
          int off = (int) (r.pos - run.start);
          if (!r.piece.filtered) {
            convert(
                ByteBuffer.wrap(bytes, off, r.len).slice().order(leaf.byteOrder()),
                leaf,
                into.kind(),
                into.array(),
                r.dstOff,
                r.len / typeSize);
          } else if (H5ChunkFilters.deflateOnly(
              meta.filters(), r.piece.block.filterMask(), libdeflate)) {
            decodeDeflate(
                H5ChunkFilters.storedBuffer(r.len).put(bytes, off, r.len).flip(),
                r.piece,
                meta,
                into,
                libdeflate);
          } else if (off == 0) {
            decodeFiltered(bytes, r.len, r.piece, meta, into, libdeflate);
          } else {
            byte[] stored = H5ChunkFilters.storedArray(r.len);
            System.arraycopy(bytes, off, stored, 0, r.len);
            decodeFiltered(stored, r.len, r.piece, meta, into, libdeflate);
          }
        }
        bytes = null; // not held while the next run is awaited
      }
    } catch (RuntimeException | Error e) {
      if (next != null) { // decoding failed: the fetch in flight ends before the error is reported
        awaitQuietly(next);
      }
      throw e;
    }
  }

  private static byte[] fetch(H5ByteSource src, Run run) throws IOException {
    byte[] bytes = new byte[run.length];
    src.readFully(run.start, ByteBuffer.wrap(bytes));
    return bytes;
  }

  /**
   * The bytes {@code f} fetched for {@code run}, once it is done (an interrupt is kept for later).
   */
  private static byte[] fetched(Future<byte[]> f, Run run, String where) {
    awaitQuietly(f);
    try {
      return f.get();
    } catch (InterruptedException e) {
      throw new IllegalStateException("get() of a done future waited", e);
    } catch (ExecutionException e) {
      Throwable c = e.getCause();
      if (c instanceof Error) {
        throw (Error) c;
      }
      throw new H5SwmrDataException(
          run.at(where)
              + "could not read the stored bytes: "
              + (c instanceof IOException ? c.getMessage() : c.toString()),
          c);
    }
  }

  /**
   * Waits until {@code f} is done, whatever its outcome, without giving up on an interrupt (kept
   * for later).
   */
  private static void awaitQuietly(Future<?> f) {
    boolean interrupted = false;
    while (!f.isDone()) {
      try {
        f.get();
      } catch (InterruptedException e) {
        interrupted = true;
      } catch (ExecutionException | CancellationException e) {
        break;
      }
    }
    if (interrupted) {
      Thread.currentThread().interrupt();
    }
  }

  private static void readPlain(
      H5ByteSource src,
      long pos,
      long bytes,
      H5Type leaf,
      H5ColumnRead into,
      int dstOff,
      int typeSize)
      throws IOException {
    if (bytes >= MAP_MIN_BYTES) {
      ByteBuffer mapped = src.map(pos, bytes);
      if (mapped != null) {
        try {
          convert(
              mapped.order(leaf.byteOrder()),
              leaf,
              into.kind(),
              into.array(),
              dstOff,
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

  /**
   * Copies {@code n} values of file type {@code leaf} from {@code src} into {@code dst} of {@code
   * kind}.
   */
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
