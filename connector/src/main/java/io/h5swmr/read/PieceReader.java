package io.h5swmr.read;

import io.h5swmr.exceptions.H5SwmrDataException;
import io.h5swmr.exceptions.H5SwmrNotFoundException;
import io.h5swmr.hdf5.H5Codecs;
import io.h5swmr.hdf5.H5ColumnRead;
import io.h5swmr.hdf5.H5Dataset;
import io.h5swmr.hdf5.H5DatasetInfo;
import io.h5swmr.hdf5.H5File;
import io.h5swmr.lock.Lease;
import io.h5swmr.lock.LockService;
import java.util.ArrayList;
import java.util.List;
import java.util.function.Consumer;

/**
 * Reads one piece on an executor: takes the file's shared lease, opens the file, checks every
 * dataset is still the one planned (same object identity, at least the planned rows), reads the
 * piece's rows of each selected leaf with one hyperslab read per dataset, closes the file, checks
 * the lease survived and releases it. The returned arrays are consumed after the lease is gone.
 */
final class PieceReader {
  private PieceReader() {}

  /**
   * Where a leaf's values go: by default a pooled Java array ({@link #read}); the off-heap columnar
   * reader passes column-vector memory instead.
   */
  interface Destination {
    /**
     * The destination for {@code rows} rows of leaf {@code index}; records any array in {@code
     * arrays}.
     */
    H5ColumnRead of(int index, ReadColumn leaf, int rows, Object[] arrays);
  }

  static final Destination POOLED_ARRAYS =
      (index, leaf, rows, arrays) -> {
        Object a =
            ArrayPool.take(leaf.type.memKind(), Math.toIntExact((long) rows * leaf.valuesPerRow()));
        arrays[index] = a;
        return H5ColumnRead.into(a, 0, leaf.memberPath);
      };

  /**
   * Reads {@code piece} into pooled arrays.
   *
   * @param afterRead run with the lease after the piece's HDF5 reads, before the lease is checked
   *     (tests make the lease lapse there); null in production
   */
  static PieceData read(
      ReadPlan plan,
      H5SwmrInputPartition.Piece piece,
      ReadMetrics metrics,
      Consumer<Lease> afterRead) {
    return read(plan, piece, metrics, POOLED_ARRAYS, afterRead);
  }

  static PieceData read(
      ReadPlan plan,
      H5SwmrInputPartition.Piece piece,
      ReadMetrics metrics,
      Destination dest,
      Consumer<Lease> afterRead) {
    FileSnapshot f = piece.file;
    int rows = Math.toIntExact(piece.count);
    Object[] arrays = new Object[plan.leaves.size()];
    long bytes = 0;
    boolean ok = false;
    // No lease under option lock=none (plan.lock is null).
    Lease lease =
        plan.lock == null ? null : LockService.shared(plan.lock).acquireShared(f.lockResource);
    try {
      if (lease != null) {
        metrics.leases++;
        metrics.lockWaitNanos += lease.waitNanos();
      }
      if (plan.variableLength) {
        // Variable-length strings in the datasets: the whole open-read-close under the process-wide
        // native guard, not call by call. HDF5 shares one open dataset among every handle of a file
        // in a process, and the vlen type it caches there keeps the file handle of whichever handle
        // opened the dataset first; when that one closes while another still reads, the library
        // decodes the strings through a freed file structure and crashes the JVM (seen here as a
        // SIGSEGV in H5F_addr_decode, two tasks reading a compound with a vlen member; h5py issue
        // 2920 describes the same library bug). Also when this scan selects no string: its handle
        // must not be the first opener that closes under another scan's string read. A local file's
        // SWMR-read turn (H5File) is taken before the guard: its holder may need the guard.
        java.util.function.Supplier<Long> guarded =
            () ->
                io.h5swmr.hdf5.H5Native.exclusively(
                    () -> readPiece(f, plan, piece, rows, arrays, dest, metrics));
        bytes =
            io.h5swmr.config.LocalPaths.isRemote(f.file)
                ? guarded.get()
                : H5File.withSwmrTurn(f.file, guarded);
      } else {
        bytes = readPiece(f, plan, piece, rows, arrays, dest, metrics);
      }
      if (lease != null) {
        if (afterRead != null) {
          afterRead.accept(lease);
        }
        lease.checkValid();
      }
      ok = true;
    } finally {
      if (lease != null) {
        lease.close();
      }
      if (!ok) {
        ArrayPool.giveBack(arrays);
      }
    }
    metrics.bytes += bytes;
    metrics.rows += rows;
    return new PieceData(f.file, piece.start, rows, arrays);
  }

  /**
   * Opens the planned file, checks it is the planned one, reads every dataset's leaves, closes it.
   */
  private static long readPiece(
      FileSnapshot f,
      ReadPlan plan,
      H5SwmrInputPartition.Piece piece,
      int rows,
      Object[] arrays,
      Destination dest,
      ReadMetrics metrics) {
    long bytes = 0;
    try (H5File h = openPlanned(f, plan)) {
      checkSameObject(h, f);
      FileIdentity.requireSame(h, f);
      for (int d = 0; d < f.datasets.size(); d++) {
        bytes += readDataset(h, plan, piece, d, rows, arrays, dest, metrics);
      }
    }
    return bytes;
  }

  /**
   * Verifies dataset {@code d} is still the planned one and reads its selected leaves; returns
   * bytes read.
   */
  private static long readDataset(
      H5File h,
      ReadPlan plan,
      H5SwmrInputPartition.Piece piece,
      int d,
      int rows,
      Object[] arrays,
      Destination dest,
      ReadMetrics metrics) {
    FileSnapshot f = piece.file;
    H5Dataset ds;
    try {
      ds = h.openDataset(f.datasets.get(d));
    } catch (H5SwmrNotFoundException e) {
      throw modified(f, d, "it no longer exists", e);
    }
    try (H5Dataset open = ds) {
      if (plan.libdeflate != null) {
        open.codecs(H5Codecs.DEFAULT.withLibdeflate(plan.libdeflate));
      }
      H5DatasetInfo info = open.info();
      if (!info.identity().equals(f.objectIds.get(d))) {
        throw modified(
            f,
            d,
            "it was replaced (object " + f.objectIds.get(d) + " is now " + info.identity() + ")",
            null);
      }
      if (info.rows() < f.extent) {
        throw modified(f, d, "it shrank from " + f.extent + " to " + info.rows() + " rows", null);
      }
      long bytes = 0;
      List<H5ColumnRead> into = new ArrayList<>();
      for (int i = 0; i < plan.leaves.size(); i++) {
        ReadColumn leaf = plan.leaves.get(i);
        if (leaf.dataset != d) {
          continue;
        }
        into.add(dest.of(i, leaf, rows, arrays));
        bytes += leaf.rowBytes() * rows;
      }
      if (!into.isEmpty() && rows > 0) {
        if (into.size() == 1 && plan.direct && open.readDirect(piece.start, rows, into.get(0))) {
          metrics.directRows += rows;
        } else {
          open.read(piece.start, rows, into);
        }
      }
      return bytes;
    }
  }

  /**
   * Opens the planned file; a remote file deleted since planning is a modification like a deleted
   * dataset.
   */
  private static H5File openPlanned(FileSnapshot f, ReadPlan plan) {
    try {
      return ReadFiles.open(f.file, plan.hadoop);
    } catch (io.h5swmr.exceptions.H5SwmrException e) {
      if (plan.hadoop != null
          && io.h5swmr.config.LocalPaths.isRemote(f.file)
          && !ReadFiles.remoteExists(f.file, plan.hadoop)) {
        throw modified(f, 0, "the file was deleted", e);
      }
      throw e;
    }
  }

  /**
   * A remote file is one version of an object (no in-place appends): its length and modification
   * time must be the planned ones, or it was replaced (or rewritten) since planning.
   */
  private static void checkSameObject(H5File h, FileSnapshot f) {
    if (h.remoteLength() < 0) {
      return;
    }
    if (h.remoteLength() != f.fileSize || h.remoteModificationTime() != f.modifiedMillis) {
      throw modified(
          f,
          0,
          "the file was replaced (length "
              + f.fileSize
              + " bytes, modified at "
              + f.modifiedMillis
              + " ms, is now "
              + h.remoteLength()
              + " bytes, modified at "
              + h.remoteModificationTime()
              + " ms)",
          null);
    }
  }

  private static H5SwmrDataException modified(FileSnapshot f, int d, String what, Throwable cause) {
    String msg =
        "Dataset '"
            + f.datasets.get(d)
            + "' in file "
            + f.file
            + " was modified during the scan: "
            + what
            + " after the scan was planned with "
            + f.extent
            + " rows; it is not read mixed with older data. Rerun "
            + "the query to read the new contents; if the dataset is overwritten continuously, append instead of "
            + "overwriting (appends never invalidate a scan), or retry the query a bounded number of times "
            + "(README: Troubleshooting)";
    return cause == null ? new H5SwmrDataException(msg) : new H5SwmrDataException(msg, cause);
  }
}
