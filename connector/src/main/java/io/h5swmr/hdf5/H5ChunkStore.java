package io.h5swmr.hdf5;

import hdf.hdf5lib.H5;
import hdf.hdf5lib.HDF5Constants;
import io.h5swmr.exceptions.H5SwmrDataException;
import java.util.ArrayDeque;
import java.util.Arrays;
import java.util.List;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.zip.Deflater;
import org.bytedeco.hdf5.global.hdf5;
import org.bytedeco.javacpp.BytePointer;

/**
 * Writes the whole chunks of a gzip dataset without the library's filter pipeline: their bytes are
 * shuffled and deflated in Java on every core (libdeflate where installed, else {@link Deflater}),
 * then stored one by one with {@code H5Dwrite_chunk}. HDF5 itself compresses chunk after chunk on
 * the writing thread, under the process-wide native guard and, during a commit, under the exclusive
 * writer lease. Taken only where the result is the same file HDF5 would write, but for the deflate
 * stream's bytes (any zlib stream at the dataset's level; every HDF5 reader decodes it): a chunked
 * dataset whose pipeline holds deflate and otherwise only shuffle and Fletcher32, in any order,
 * whose chunks span whole rows, written from a memory type equal to the stored one ({@code
 * H5Tequal}) with no variable-length, string or reference parts (the bytes written are the bytes
 * stored). Partial chunks at either end of a write go through {@code H5Dwrite} as before, which
 * merges them with what the chunk holds. The calling thread keeps the native guard while it waits:
 * no other thread's HDF5 call comes between.
 */
final class H5ChunkStore {

  private static final int THREADS = Math.max(1, Runtime.getRuntime().availableProcessors());
  private static final ExecutorService POOL =
      Executors.newFixedThreadPool(
          THREADS,
          r -> {
            Thread t = new Thread(r, "h5swmr-deflate");
            t.setDaemon(true);
            return t;
          });

  private final long chunkRows;
  private final long rowBytes;

  /** Elements per row (dimensions after the first): a memory dataspace counts rows times this. */
  private final long trailing;

  private final int rank;

  /** The pipeline in write order: {SHUFFLE, element size}, {DEFLATE, level} or {FLETCHER32}. */
  private final int[][] steps;

  /** Chunks this store wrote (written on the calling thread only). */
  private long stored;

  /**
   * Whether deflate goes through libdeflate ({@link H5Codecs#libdeflate()}), else {@link Deflater}.
   */
  private final boolean libdeflate;

  private H5ChunkStore(
      long chunkRows, long rowBytes, long trailing, int rank, int[][] steps, boolean libdeflate) {
    this.libdeflate = libdeflate;
    this.chunkRows = chunkRows;
    this.rowBytes = rowBytes;
    this.trailing = trailing;
    this.rank = rank;
    this.steps = steps;
  }

  /** Whole chunks this store has written with {@code H5Dwrite_chunk}. */
  long stored() {
    return stored;
  }

  /**
   * The store for writing dataset {@code did} from memory type {@code memType}, or null when this
   * path does not apply (see the class comment) or {@code codecs} turn it off (option {@code
   * parallelDeflate}). Native calls: caller holds the guard.
   */
  static H5ChunkStore plan(long did, H5DatasetInfo meta, long memType, H5Codecs codecs)
      throws Exception {
    if (!codecs.parallelDeflate() || meta.layout() != H5Layout.CHUNKED || meta.rank() == 0) {
      return null;
    }
    List<H5Filter> filters = meta.filters();
    boolean deflates = false;
    for (H5Filter f : filters) {
      int id = f.id();
      if (id != H5Filter.DEFLATE && id != H5Filter.SHUFFLE && id != H5Filter.FLETCHER32) {
        return null;
      }
      deflates |= id == H5Filter.DEFLATE;
    }
    if (!deflates) {
      return null; // nothing costly for the library to do
    }
    long[] chunk = meta.chunkDims();
    long[] dims = meta.dims();
    for (int i = 1; i < dims.length; i++) {
      if (chunk[i] != dims[i]) {
        return null; // chunks split rows: not a run of whole rows
      }
    }
    long fileType = H5.H5Dget_type(did);
    try {
      if (!H5.H5Tequal(memType, fileType)
          || H5.H5Tdetect_class(fileType, HDF5Constants.H5T_VLEN)
          || H5.H5Tdetect_class(fileType, HDF5Constants.H5T_STRING)
          || H5.H5Tdetect_class(fileType, HDF5Constants.H5T_REFERENCE)) {
        return null;
      }
      long typeSize = H5.H5Tget_size(fileType);
      long rowBytes = typeSize * meta.trailingElements();
      if (rowBytes <= 0 || chunk[0] * rowBytes > Integer.MAX_VALUE - 8) {
        return null;
      }
      int[][] steps = new int[filters.size()][];
      for (int i = 0; i < steps.length; i++) {
        H5Filter f = filters.get(i);
        int[] p = f.params();
        if (f.id() == H5Filter.SHUFFLE) {
          steps[i] = new int[] {H5Filter.SHUFFLE, p.length > 0 && p[0] > 0 ? p[0] : (int) typeSize};
        } else if (f.id() == H5Filter.DEFLATE) {
          int level = p.length > 0 ? p[0] : 6;
          if (level < 0 || level > 9) {
            return null;
          }
          steps[i] = new int[] {H5Filter.DEFLATE, level};
        } else {
          steps[i] = new int[] {H5Filter.FLETCHER32};
        }
      }
      return new H5ChunkStore(
          chunk[0], rowBytes, meta.trailingElements(), dims.length, steps, codecs.libdeflate());
    } finally {
      H5.H5Tclose(fileType);
    }
  }

  /**
   * Rows [{@code start}, {@code start + count}) of the dataset, whose stored bytes {@code buf}
   * holds from offset 0: stores every chunk the write completes, and returns the rows it wrote from
   * {@code buf}, {@code {from, to}} (from == to when none), leaving [start, from) and [to, start +
   * count) to the caller. A chunk the write starts inside of and fills to its end is completed here
   * too, with the rows before {@code start} read back first (from the chunk cache, where the
   * previous write left them): a bulk append of blocks that do not end on chunk boundaries then has
   * every chunk but its last compressed here, not one chunk per block by the library.
   */
  long[] writeWholeChunks(
      long did, long memType, long start, long count, BytePointer buf, String where)
      throws Exception {
    long head = start / chunkRows * chunkRows;
    long from =
        head < start && start + count >= head + chunkRows
            ? head
            : (start + chunkRows - 1) / chunkRows * chunkRows;
    long to = (start + count) / chunkRows * chunkRows;
    if (to <= from) {
      return new long[] {start, start};
    }
    int chunkBytes = (int) (chunkRows * rowBytes);
    byte[] merged = from < start ? headChunk(did, memType, from, start, buf, chunkBytes) : null;
    long base = buf.address();
    // Chunks are compressed ahead of the one being stored, at most two per core at a time (bounded
    // memory).
    int window = 2 * THREADS;
    ArrayDeque<Future<byte[]>> ahead = new ArrayDeque<>();
    long next = from;
    long[] offset = new long[rank];
    try (BytePointer out = new BytePointer(chunkBytes + chunkBytes / 8 + 1024L)) {
      for (long row = from; row < to; row += chunkRows) {
        while (next < to && ahead.size() < window) {
          long at = (next - start) * rowBytes;
          ahead.add(
              POOL.submit(
                  next < start ? () -> encode(merged) : () -> encode(copy(base + at, chunkBytes))));
          next += chunkRows;
        }
        byte[] z = get(ahead.poll(), where);
        BytePointer target = out.capacity() >= z.length ? out : new BytePointer(z.length);
        try {
          target.position(0).put(z, 0, z.length);
          offset[0] = row;
          H5Calls.check(
              hdf5.H5Dwrite_chunk(did, H5Calls.DEFAULT, 0, offset, z.length, target),
              "H5Dwrite_chunk");
        } finally {
          if (target != out) {
            target.close();
          }
        }
        stored++;
      }
    } finally {
      // A failed write leaves tasks that may still read buf, which the caller reuses once this
      // returns.
      for (Future<byte[]> f : ahead) {
        awaitQuietly(f);
      }
    }
    return new long[] {Math.max(from, start), to};
  }

  /**
   * The chunk starting at row {@code chunk}: its rows before {@code start} as the dataset holds
   * them (read with the memory type, equal to the stored one), then the first rows of {@code buf}.
   */
  private byte[] headChunk(
      long did, long memType, long chunk, long start, BytePointer buf, int chunkBytes)
      throws Exception {
    long before = start - chunk;
    byte[] merged = new byte[chunkBytes];
    long fs = H5.H5Dget_space(did);
    try (BytePointer old = new BytePointer(before * rowBytes)) {
      long[] at = new long[rank];
      long[] n = new long[rank];
      H5.H5Sget_simple_extent_dims(fs, n, null);
      at[0] = chunk;
      n[0] = before;
      H5.H5Sselect_hyperslab(fs, HDF5Constants.H5S_SELECT_SET, at, null, n, null);
      long ms = H5.H5Screate_simple(1, new long[] {before * trailing}, null);
      try {
        H5Calls.check(hdf5.H5Dread(did, memType, ms, fs, H5Calls.DEFAULT, old), "H5Dread");
      } finally {
        H5.H5Sclose(ms);
      }
      old.get(merged, 0, (int) (before * rowBytes));
    } finally {
      H5.H5Sclose(fs);
    }
    new BytePointer(NativeMemory.at(buf.address()))
        .get(merged, (int) (before * rowBytes), (int) (chunkBytes - before * rowBytes));
    return merged;
  }

  private static byte[] copy(long address, int bytes) {
    byte[] data = new byte[bytes];
    new BytePointer(NativeMemory.at(address)).get(data);
    return data;
  }

  private static byte[] get(Future<byte[]> f, String where) throws InterruptedException {
    try {
      return f.get();
    } catch (ExecutionException e) {
      throw new H5SwmrDataException(
          where + "could not compress a chunk: " + e.getCause(), e.getCause());
    }
  }

  private static void awaitQuietly(Future<byte[]> f) {
    boolean interrupted = false;
    while (true) {
      try {
        f.get();
        break;
      } catch (InterruptedException e) {
        interrupted = true;
      } catch (ExecutionException | java.util.concurrent.CancellationException e) {
        break;
      }
    }
    if (interrupted) {
      Thread.currentThread().interrupt();
    }
  }

  /**
   * One chunk's stored bytes: the pipeline applied in order to its raw bytes, as HDF5's filters
   * would.
   */
  private byte[] encode(byte[] raw) {
    byte[] data = raw;
    for (int[] step : steps) {
      switch (step[0]) {
        case H5Filter.SHUFFLE:
          data = step[1] > 1 ? shuffle(data, data.length, step[1]) : data;
          break;
        case H5Filter.DEFLATE:
          // Guarded (H5Codecs.libdeflate() holds only where present): without JNA, touching
          // LibDeflate would fail the commit instead of using Deflater.
          byte[] z = libdeflate ? LibDeflate.deflate(data, data.length, step[1]) : null;
          data = z != null ? z : deflate(data, data.length, step[1]);
          break;
        default: // Fletcher32: the checksum appended, little-endian, as the library's filter stores
          // it
          byte[] sum = Arrays.copyOf(data, data.length + 4);
          int f = H5ChunkFilters.fletcher32(data, data.length);
          for (int k = 0; k < 4; k++) {
            sum[data.length + k] = (byte) (f >>> (8 * k));
          }
          data = sum;
      }
    }
    return data;
  }

  /**
   * HDF5's byte shuffle: byte b of every element together, elements in order; trailing bytes stay
   * at the end. Eight elements at a time: their bytes are read from one short stretch of the input
   * and each plane gets them as one 8-byte store.
   */
  static byte[] shuffle(byte[] in, int len, int size) {
    int n = len / size;
    byte[] out = new byte[len];
    int e = 0;
    for (; e + 8 <= n; e += 8) {
      int at = e * size;
      for (int b = 0; b < size; b++) {
        long v = 0;
        for (int k = 0, i = at + b; k < 8; k++, i += size) {
          v |= (in[i] & 0xFFL) << (8 * k);
        }
        H5Bytes.LONG_LE.set(out, b * n + e, v);
      }
    }
    for (; e < n; e++) {
      for (int b = 0; b < size; b++) {
        out[b * n + e] = in[e * size + b];
      }
    }
    System.arraycopy(in, n * size, out, n * size, len - n * size);
    return out;
  }

  private static byte[] deflate(byte[] data, int len, int level) {
    Deflater d = new Deflater(level);
    try {
      d.setInput(data, 0, len);
      d.finish();
      byte[] out = new byte[len + len / 1000 + 64];
      int n = 0;
      while (!d.finished()) {
        if (n == out.length) {
          out = Arrays.copyOf(out, out.length * 2);
        }
        n += d.deflate(out, n, out.length - n);
      }
      return Arrays.copyOf(out, n);
    } finally {
      d.end();
    }
  }
}
