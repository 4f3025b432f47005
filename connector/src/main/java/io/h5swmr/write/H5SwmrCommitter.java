package io.h5swmr.write;

import io.h5swmr.exceptions.H5SwmrDataException;
import io.h5swmr.exceptions.H5SwmrException;
import io.h5swmr.hdf5.H5File;
import io.h5swmr.hdf5.journal.CommitHook;
import io.h5swmr.hdf5.journal.JournalFiles;
import io.h5swmr.hdf5.journal.JournalOverlay;
import io.h5swmr.hdf5.journal.JournalRecovery;
import io.h5swmr.hdf5.journal.JournalTransaction;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Arrays;
import java.util.List;
import java.util.Map;

/**
 * The dataset-level half of a commit, run on the driver while it holds the file's exclusive lease:
 * decides what the write does to the target dataset ({@link WriteMode#decide}), checks an append
 * against the dataset as it is now, and writes the staged blocks ({@link StagedBlockWriter}) and
 * the commit attributes. Everything about the file itself (OS write fence, recovery, the journaled
 * in-place session, copy-on-write of a new file, the commit point) is the {@link
 * JournalTransaction} it runs in (docs/journal.md). A 0-row append opens nothing for writing and
 * changes nothing on disk.
 *
 * <p>Every step is reported to the {@link CommitHook} the writer passed ({@link CommitHook#NONE} in
 * production).
 */
final class H5SwmrCommitter {
  /** Reported after HDF5 closed the file, before the commit proper. */
  static final String STEP_CLOSED = "closed";

  /** What a commit did. */
  static final class Result {
    final boolean skipped;
    final long rowsWritten;
    final long totalRows;
    final long bytesStaged;
    final long generation;
    final long writeNanos;

    /**
     * True when the file was changed in place under the journal (false: created copy-on-write, or
     * unchanged).
     */
    boolean inPlace;

    /**
     * Bytes below the old end of file the commit journaled (metadata, a partly filled last
     * chunk...).
     */
    long journaledBytes;

    /** fsync calls of the commit (files and directory). */
    int fsyncs;

    /** What recovery did before this commit. */
    JournalRecovery.Outcome recovery = JournalRecovery.Outcome.NONE;

    Result(
        boolean skipped,
        long rowsWritten,
        long totalRows,
        long bytesStaged,
        long generation,
        long writeNanos) {
      this.skipped = skipped;
      this.rowsWritten = rowsWritten;
      this.totalRows = totalRows;
      this.bytesStaged = bytesStaged;
      this.generation = generation;
      this.writeNanos = writeNanos;
    }
  }

  private final Path target;
  private final String dataset;
  private final WriteSchema schema;
  private final WriteMode mode;
  private final WriteSettings settings;
  private final StoredTypes staged;
  private final CommitHook hook;

  /**
   * @param staged the stored types the rows were checked against when staged ({@link
   *     StoredTypes#none} when the dataset did not exist then); an append re-checks them against
   *     the dataset as it is at the commit
   * @param hook told every commit step ({@link CommitHook#NONE} in production)
   */
  H5SwmrCommitter(
      Path target,
      String dataset,
      WriteSchema schema,
      WriteMode mode,
      WriteSettings settings,
      StoredTypes staged,
      CommitHook hook) {
    this.target = target;
    this.dataset = dataset;
    this.schema = schema;
    this.mode = mode;
    this.settings = settings;
    this.staged = staged;
    this.hook = hook;
  }

  /** Publishes the staged files (in the given order) under {@code fence}. */
  Result commit(JournalTransaction.Fence fence, List<H5SwmrWriterCommitMessage> messages) {
    return commit(fence, messages, Map.of());
  }

  /**
   * Publishes the staged files under {@code fence}, setting {@code commitMarks} as long attributes
   * of the dataset in the same atomic commit (the streaming sink records its query's last batch id
   * this way). When the dataset already holds every mark at a value at least the given one, this
   * commit is a replay of one already published and is skipped ({@link Result#skipped}): exactly
   * once across driver crashes (see docs/streaming.md).
   */
  Result commit(
      JournalTransaction.Fence fence,
      List<H5SwmrWriterCommitMessage> messages,
      Map<String, Long> commitMarks) {
    try (JournalTransaction tx = JournalTransaction.open(target, fence, hook)) {
      Result r;
      try {
        r = commitFenced(tx, messages, commitMarks);
      } catch (RuntimeException e) {
        throw diskFullOr(e);
      }
      r.recovery = tx.recovery();
      return r;
    }
  }

  private Result commitFenced(
      JournalTransaction tx,
      List<H5SwmrWriterCommitMessage> messages,
      Map<String, Long> commitMarks) {
    Path real = tx.realTarget();
    H5TargetDataset.Existing existing = H5TargetDataset.inspect(real, dataset);
    if (existing.datasetExists
        && !commitMarks.isEmpty()
        && alreadyMarked(existing.info.attributes(), commitMarks)) {
      return new Result(true, 0, existing.rows(), 0, -1, 0);
    }
    WriteMode.Action action = mode.decide(existing.datasetExists);
    if (action == WriteMode.Action.SKIP) {
      return new Result(true, 0, existing.rows(), 0, -1, 0);
    }
    if (action == WriteMode.Action.REFUSE) {
      throw WriteMode.alreadyExists(target, dataset);
    }
    boolean appendToExisting = action == WriteMode.Action.APPEND;
    WriteSchema effective =
        appendToExisting ? WriteCompatibility.effectiveSchema(existing, schema) : schema;
    if (appendToExisting) {
      WriteCompatibility.checkAppend(target, dataset, existing, effective, null);
      staged.requireStagedChecksHold(
          StoredTypes.of("dataset " + dataset + " of " + target, existing, effective),
          effective.leaves());
    }
    int[][] leafDims = leafDims(messages, appendToExisting ? existing : null, effective);
    WriteLayout layout = new WriteLayout(effective, leafDims);
    if (appendToExisting) {
      WriteCompatibility.checkAppend(target, dataset, existing, effective, layout);
    }
    long bytesStaged = 0;
    long rowsToWrite = 0;
    for (H5SwmrWriterCommitMessage m : messages) {
      bytesStaged += m.bytes();
      rowsToWrite += m.rows();
      if (!Files.exists(Path.of(m.stagingFile()))) {
        throw new H5SwmrException(
            "Staging file "
                + m.stagingFile()
                + " written by task "
                + m.partitionId()
                + " is not visible on the driver: option 'stagingDir' must name a directory on a filesystem the "
                + "driver and every executor share (e.g. NFS or a cluster filesystem)");
      }
    }
    if (appendToExisting && rowsToWrite == 0) {
      // Nothing to append: the file is not even opened for writing.
      return new Result(false, 0, existing.rows(), bytesStaged, currentGeneration(real), 0);
    }
    StagedBlockWriter blocks =
        new StagedBlockWriter(target, schema, layout, hook, settings.releaseStagingPages);
    long t0 = System.nanoTime();
    try {
      if (!existing.fileExists) {
        return createNewFile(
            tx, blocks, layout, messages, bytesStaged, rowsToWrite, commitMarks, t0);
      }
      long generation;
      long totalRows;
      try (BackgroundFlush flush = BackgroundFlush.of(real)) {
        try (H5File file = tx.openInPlace();
            H5TargetDataset out = H5TargetDataset.on(file, dataset).codecs(settings.codecs)) {
          generation = (existing.datasetExists ? out.previousGeneration() : 0) + 1;
          totalRows =
              writeDataset(
                  out,
                  tx.token(),
                  blocks,
                  layout,
                  messages,
                  existing.datasetExists,
                  appendToExisting,
                  flush);
          out.writeCommitAttributes(tx.token(), generation);
          out.writeLongAttributes(commitMarks);
        }
        hook.reached(STEP_CLOSED);
        long writeNanos = System.nanoTime() - t0;
        flush.finish();
        tx.commit();
        Result r = new Result(false, rowsToWrite, totalRows, bytesStaged, generation, writeNanos);
        r.inPlace = true;
        r.journaledBytes = tx.journaledBytes();
        r.fsyncs = tx.fsyncs();
        return r;
      }
    } catch (IOException e) {
      throw new H5SwmrException("Commit to " + target + " failed: " + e, e);
    }
  }

  /**
   * A new file: built beside the target, fsynced, renamed into place (copy-on-write; nothing to
   * preserve).
   */
  private Result createNewFile(
      JournalTransaction tx,
      StagedBlockWriter blocks,
      WriteLayout layout,
      List<H5SwmrWriterCommitMessage> messages,
      long bytesStaged,
      long rowsToWrite,
      Map<String, Long> commitMarks,
      long t0) {
    try (BackgroundFlush flush = BackgroundFlush.of(tx.newFileCopy())) {
      long totalRows;
      try (H5File file = tx.createNewFile();
          H5TargetDataset out = H5TargetDataset.on(file, dataset).codecs(settings.codecs)) {
        totalRows = writeDataset(out, tx.token(), blocks, layout, messages, false, false, flush);
        out.writeCommitAttributes(tx.token(), 1);
        out.writeLongAttributes(commitMarks);
      }
      hook.reached(STEP_CLOSED);
      flush.finish();
      tx.syncNewFile();
      long writeNanos = System.nanoTime() - t0;
      tx.publishNewFile();
      Result r = new Result(false, rowsToWrite, totalRows, bytesStaged, 1, writeNanos);
      r.fsyncs = tx.fsyncs();
      return r;
    } catch (java.nio.file.FileAlreadyExistsException e) {
      throw new H5SwmrException(
          "Commit to "
              + target
              + " failed: the file appeared while this writer created it "
              + "(it is written by something that does not take h5swmr's lease); nothing was published",
          e);
    } catch (IOException e) {
      throw new H5SwmrException("Commit to " + target + " failed: " + e, e);
    }
  }

  /** Creates or replaces the dataset (or opens it for appending) and writes every staged block. */
  private long writeDataset(
      H5TargetDataset out,
      long token,
      StagedBlockWriter blocks,
      WriteLayout layout,
      List<H5SwmrWriterCommitMessage> messages,
      boolean datasetExists,
      boolean appendToExisting,
      BackgroundFlush flush) {
    if (appendToExisting) {
      out.openExisting(layout);
      return blocks.writeAll(out, messages, flush);
    }
    if (datasetExists) {
      out.deleteDataset();
    }
    long chunkRows =
        settings.chunkRows != null
            ? settings.chunkRows
            : layout.defaultChunkRows(settings.chunkTargetBytes);
    out.create(layout, Math.max(1, chunkRows), settings.gzip, settings.gzipLevel, settings.shuffle);
    out.markCreated(token);
    return blocks.writeAll(out, messages, flush);
  }

  /** The generation attribute of the dataset as committed now (0 when absent). */
  private long currentGeneration(Path real) {
    try (H5File h = H5File.openReadOnly(real.toString(), JournalOverlay.COMMITTED)) {
      Object g = h.attributes(dataset).get(H5TargetDataset.ATTR_GENERATION);
      return g instanceof Number ? ((Number) g).longValue() : 0;
    }
  }

  /**
   * A commit that ran out of disk space says so, first, naming the target and its filesystem
   * (HDF5's own text buries errno 28 in a long error stack, or names only the hidden commit copy);
   * other failures pass unchanged.
   */
  private RuntimeException diskFullOr(RuntimeException e) {
    if (mentionsDiskFull(e, 0)) {
      Path dir = JournalFiles.realTarget(target).toAbsolutePath().getParent();
      return new H5SwmrException(
          "Commit to "
              + target
              + " failed: No space left on device on the filesystem of "
              + dir
              + " (the commit needs room there for the new rows and, in place, its journal); nothing was "
              + "published and the file is as it was: free space there and write again",
          e);
    }
    return e;
  }

  private static boolean mentionsDiskFull(Throwable t, int depth) {
    if (t == null || depth > 8) {
      return false;
    }
    String m = t.getMessage();
    if (m != null && (m.contains("No space left on device") || m.contains("errno = 28"))) {
      return true;
    }
    for (Throwable s : t.getSuppressed()) {
      if (mentionsDiskFull(s, depth + 1)) {
        return true;
      }
    }
    return t.getCause() != t && mentionsDiskFull(t.getCause(), depth + 1);
  }

  /** Whether the target dataset holds every mark at a value at least the given one. */
  private static boolean alreadyMarked(Map<String, Object> attrs, Map<String, Long> marks) {
    for (Map.Entry<String, Long> m : marks.entrySet()) {
      Object v = attrs.get(m.getKey());
      if (!(v instanceof Long) || (Long) v < m.getValue()) {
        return false;
      }
    }
    return true;
  }

  /** Array lengths per leaf, agreed by every task that saw rows (and by the existing dataset). */
  private int[][] leafDims(
      List<H5SwmrWriterCommitMessage> messages,
      H5TargetDataset.Existing existing,
      WriteSchema schema) {
    List<WriteSchema.Node> leaves = schema.leaves();
    int[][] dims = new int[leaves.size()][];
    for (int i = 0; i < leaves.size(); i++) {
      for (H5SwmrWriterCommitMessage m : messages) {
        int[] d = m.leafDims(i);
        if (d == null) {
          continue;
        }
        if (dims[i] == null) {
          dims[i] = d;
        } else if (!Arrays.equals(dims[i], d)) {
          throw WriteLayout.raggedAcross(leaves.get(i).path, dims[i], d);
        }
      }
      if (dims[i] == null) {
        int[] fromFile =
            existing == null ? null : WriteCompatibility.existingLeafDims(existing, schema, i);
        if (fromFile != null) {
          dims[i] = fromFile;
        } else if (leaves.get(i).arrayDepth == 0) {
          dims[i] = new int[0];
        } else {
          throw new H5SwmrDataException(
              "Column '"
                  + leaves.get(i).path
                  + "' is an array but the DataFrame has no "
                  + "rows, so its fixed length is unknown: cannot create the dataset "
                  + dataset
                  + " from zero rows");
        }
      }
    }
    return dims;
  }
}
