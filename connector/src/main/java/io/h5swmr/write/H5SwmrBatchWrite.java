package io.h5swmr.write;

import io.h5swmr.config.H5SwmrOptions;
import io.h5swmr.config.LocalPaths;
import io.h5swmr.exceptions.H5SwmrConfigException;
import io.h5swmr.hdf5.journal.CommitHook;
import io.h5swmr.hdf5.journal.JournalTransaction;
import io.h5swmr.lock.Lease;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.Paths;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.List;
import java.util.Map;
import org.apache.spark.sql.connector.write.BatchWrite;
import org.apache.spark.sql.connector.write.DataWriterFactory;
import org.apache.spark.sql.connector.write.PhysicalWriteInfo;
import org.apache.spark.sql.connector.write.WriterCommitMessage;
import org.apache.spark.sql.types.StructType;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Driver side of one write. Construction is the pre-flight (before any task runs): options, types,
 * target directory and file permissions, and, under a shared lease, the target itself (existence
 * for errorifexists/ignore, compatibility for append); then the staging directory is created and
 * checked. {@link #commit} publishes the staged files under the exclusive lease with {@link
 * H5SwmrCommitter}; {@link #abort} deletes them.
 */
final class H5SwmrBatchWrite implements BatchWrite {
  private static final Logger LOG = LoggerFactory.getLogger(H5SwmrBatchWrite.class);

  /**
   * Rows are staged in blocks of about this many bytes; each becomes one hyperslab write at commit.
   */
  static final long BLOCK_BYTES = 8L << 20;

  private final Path target;
  private final String dataset;
  private final WriteSchema schema;
  private final WriteMode mode;
  private final CommitHook hook;
  private final H5SwmrOptions options;
  private final WriteLocks locks;
  private final boolean skip;
  private final Path stagingRoot;
  private final StagingArea staging;
  private final StoredTypes stored;
  private final Cadence rescan;
  private Cadence orphanCleaning = Cadence.always();
  private H5SwmrCommitter.Result lastResult;

  /**
   * @param hook told every commit step ({@link CommitHook#NONE} in production)
   */
  H5SwmrBatchWrite(
      String queryId,
      StructType inputSchema,
      H5SwmrOptions options,
      WriteMode mode,
      CommitHook hook) {
    this(queryId, inputSchema, options, mode, Cadence.always(), hook);
  }

  /**
   * @param rescan when the native-writer checks scan this host's processes: before staging and at
   *     the commit for Spark writes (refuse before tasks run); for {@link H5SwmrAppender}, which
   *     commits right after staging in the same process, only at commits and at most once per
   *     interval (measured: each scan was about a quarter to a third of a small append's time)
   * @param hook told every commit step ({@link CommitHook#NONE} in production)
   */
  H5SwmrBatchWrite(
      String queryId,
      StructType inputSchema,
      H5SwmrOptions options,
      WriteMode mode,
      Cadence rescan,
      CommitHook hook) {
    this.options = options;
    this.mode = mode;
    this.hook = hook;
    this.rescan = rescan;
    this.target = targetPath(options.singlePath());
    this.dataset = datasetOf(options);
    WriteChecks.uniqueColumns(inputSchema);
    this.schema = WriteSchema.of(inputSchema, options.indexColumn());
    WriteChecks.chunkRowsFit(options.chunkRows(), schema);
    WriteChecks.targetIsNotADirectory(target, options.singlePath());
    checkTargetWritable(target);
    NativeWriterCheck.requireLockService(options);
    this.locks = WriteLocks.of(options, target);
    H5TargetDataset.Existing existing;
    try (Lease lease = locks.shared()) {
      NativeWriterCheck.beforeStaging(target, options, rescan);
      WriteChecks.parentsAreGroups(target, dataset, options.dataset());
      existing = H5TargetDataset.inspect(target, dataset);
    }
    WriteMode.Action action = mode.decide(existing.datasetExists);
    if (action == WriteMode.Action.REFUSE) {
      throw WriteMode.alreadyExists(target, dataset);
    }
    this.skip = action == WriteMode.Action.SKIP;
    if (action != WriteMode.Action.SKIP && action != WriteMode.Action.APPEND) {
      WriteChecks.typeFitsObjectHeader(schema, dataset);
    }
    String where = "dataset " + dataset + " of " + target;
    if (action == WriteMode.Action.APPEND) {
      WriteSchema effective = WriteCompatibility.effectiveSchema(existing, schema);
      WriteCompatibility.checkAppend(target, dataset, existing, effective, null);
      this.stored = StoredTypes.of(where, existing, effective);
    } else {
      this.stored = StoredTypes.none(where, schema);
    }
    this.stagingRoot =
        options.stagingDir() != null
            ? Paths.get(options.stagingDir())
                .toAbsolutePath()
                .resolve(target.getFileName() + StagingArea.STAGING_SUFFIX)
            : StagingArea.defaultRoot(target);
    this.staging =
        skip ? null : StagingArea.create(stagingRoot, queryId, options.lockTtl().toMillis() / 3);
  }

  /**
   * For a write that commits many times ({@link H5SwmrAppender}): removes what interrupted writes
   * left beside the target (which lists the target's directory, costly in a directory of many
   * files) at the first commit and then at most once per {@code interval}, instead of at every
   * commit. Leftovers are only disk space: no reader or writer ever uses them.
   */
  void cleanOrphansAtMostEvery(java.time.Duration interval) {
    orphanCleaning = Cadence.atMostEvery(interval);
  }

  /**
   * The target as a local path; accepts plain paths and {@code file:} URIs (as the catalog stores
   * them).
   */
  static Path targetPath(String p) {
    return LocalPaths.toPath(p).toAbsolutePath().normalize();
  }

  static String datasetOf(H5SwmrOptions o) {
    if (!o.datasets().isEmpty()) {
      throw new H5SwmrConfigException(
          "Option 'datasets' is for reading column datasets; writes take one "
              + "'dataset' path (several columns become one compound dataset), got datasets="
              + o.datasets());
    }
    String d = o.dataset();
    if (d == null) {
      throw new H5SwmrConfigException(
          "Writes need option 'dataset': the path of the dataset to create or append "
              + "to inside the file, e.g. .option(\"dataset\", \"/results/table\")");
    }
    return WriteChecks.datasetPath(d);
  }

  private static void checkTargetWritable(Path target) {
    Path dir = target.getParent();
    if (dir == null || !Files.isDirectory(dir)) {
      throw new H5SwmrConfigException(
          "Target directory "
              + dir
              + " does not exist: create it first (the "
              + "target file "
              + target.getFileName()
              + " itself is created when absent)");
    }
    if (!Files.isWritable(dir)) {
      throw new H5SwmrConfigException(
          "Target "
              + target
              + " is not writable: its directory "
              + dir
              + " does not allow creating files, which every commit needs (it keeps a journal and a lock file beside the "
              + "target, and creates a new target as a copy renamed into place)");
    }
    if (Files.exists(target) && !Files.isWritable(target)) {
      throw new H5SwmrConfigException(
          "Target "
              + target
              + " is not writable (file permissions): make it "
              + "writable or choose another path");
    }
  }

  /** True when the mode is ignore and the dataset exists: nothing is written. */
  boolean skip() {
    return skip;
  }

  WriteSchema schema() {
    return schema;
  }

  @Override
  public DataWriterFactory createBatchWriterFactory(PhysicalWriteInfo info) {
    return new H5SwmrDataWriterFactory(schema, staging.dir().toString(), BLOCK_BYTES, stored);
  }

  @Override
  public boolean useCommitCoordinator() {
    return true;
  }

  @Override
  public void commit(WriterCommitMessage[] messages) {
    commit(messages, Map.of());
  }

  /**
   * Commits under the exclusive lease with {@code commitMarks} written in the same commit (see
   * {@link H5SwmrCommitter#commit(JournalTransaction.Fence, List, Map)}); returns false when the
   * marks were already there, i.e. a replay that wrote nothing.
   */
  boolean commit(WriterCommitMessage[] messages, Map<String, Long> commitMarks) {
    List<H5SwmrWriterCommitMessage> staged = new ArrayList<>();
    for (WriterCommitMessage m : messages) {
      if (m != null) {
        staged.add((H5SwmrWriterCommitMessage) m);
      }
    }
    staged.sort(Comparator.comparingInt(H5SwmrWriterCommitMessage::partitionId));
    try {
      return commitStaged(staged, commitMarks);
    } finally {
      staging.close();
    }
  }

  /**
   * For {@link H5SwmrAppender}, which stages and commits one block after another through one write:
   * commits the block {@code message} staged and deletes its file, keeping the staging directory
   * (and its heartbeat) for the next block; {@link #discard()} ends the write. The commit re-checks
   * the dataset under the exclusive lease, so a dataset another writer replaced since this write
   * inspected it is refused ({@link StoredTypes.ChangedSinceStaging}), never written with stale
   * value checks.
   */
  void commitOneOfMany(H5SwmrWriterCommitMessage message) {
    commitOneOfMany(message, null);
  }

  /**
   * As {@link #commitOneOfMany(H5SwmrWriterCommitMessage)}, under {@code held}, an exclusive lease
   * on the target the caller keeps between commits (an append session; it stays open), or, when
   * null, under a lease taken and released for this commit. The commit checks a held lease exactly
   * as a fresh one: before the write fence and again before the commit point.
   */
  void commitOneOfMany(H5SwmrWriterCommitMessage message, Lease held) {
    try {
      if (held == null) {
        commitStaged(List.of(message), Map.of());
      } else {
        commitUnder(held, 0, List.of(message), Map.of());
      }
    } finally {
      try {
        Files.deleteIfExists(Path.of(message.stagingFile()));
      } catch (java.io.IOException e) {
        LOG.warn(
            "h5swmr: could not delete staging file {} (the staging directory is removed when the appender "
                + "closes): {}",
            message.stagingFile(),
            e.toString());
      }
    }
  }

  private boolean commitStaged(
      List<H5SwmrWriterCommitMessage> staged, Map<String, Long> commitMarks) {
    long t0 = System.nanoTime();
    try (Lease lease = locks.exclusive()) {
      return commitUnder(lease, System.nanoTime() - t0, staged, commitMarks);
    }
  }

  /** The commit proper, under the exclusive {@code lease} (not released here). */
  private boolean commitUnder(
      Lease lease,
      long lockWait,
      List<H5SwmrWriterCommitMessage> staged,
      Map<String, Long> commitMarks) {
    JournalTransaction.Fence fence = locks.fence(lease);
    NativeWriterCheck.beforeCommit(target, options, rescan);
    if (orphanCleaning.due()) {
      StagingArea.removeLeftovers(
          target, stagingRoot, staging.dir(), 4 * options.lockTtl().toMillis());
      orphanCleaning.done();
    }
    long c0 = System.nanoTime();
    lastResult =
        new H5SwmrCommitter(target, dataset, schema, mode, WriteSettings.of(options), stored, hook)
            .commit(fence, staged, commitMarks);
    long commitNanos = System.nanoTime() - c0;
    if (lastResult.skipped && !commitMarks.isEmpty()) {
      LOG.info(
          "h5swmr: {} {} already holds {}: replayed streaming batch skipped, nothing written",
          target,
          dataset,
          commitMarks);
    } else if (lastResult.skipped) {
      LOG.info(
          "h5swmr: {} {} appeared before the commit and the mode is ignore: nothing written",
          target,
          dataset);
    } else {
      LOG.info(
          "h5swmr commit {} {} ({}): {} rows from {} staged files ({} bytes staged), dataset now {} rows, "
              + "generation {}, fencing token {}; lock wait {} ms, commit {} ms (write {} ms), {}, "
              + "{} bytes journaled, {} fsyncs",
          target,
          dataset,
          mode.label(),
          lastResult.rowsWritten,
          staged.size(),
          lastResult.bytesStaged,
          lastResult.totalRows,
          lastResult.generation,
          lease.token(),
          lockWait / 1_000_000,
          commitNanos / 1_000_000,
          lastResult.writeNanos / 1_000_000,
          lastResult.inPlace ? "in place" : "new file or unchanged",
          lastResult.journaledBytes,
          lastResult.fsyncs);
    }
    return !lastResult.skipped;
  }

  @Override
  public void abort(WriterCommitMessage[] messages) {
    if (staging != null) {
      staging.close();
    }
    LOG.info(
        "h5swmr: write to {} {} aborted; staging files deleted, target untouched", target, dataset);
  }

  /** Deletes the staging directory of a write that never reached commit or abort (e.g. skipped). */
  void discard() {
    if (staging != null) {
      staging.close();
    }
  }

  /** The lock service and resource of the target. */
  WriteLocks locks() {
    return locks;
  }

  /** The result of the last commit (tests, metrics), or null. */
  H5SwmrCommitter.Result lastResult() {
    return lastResult;
  }
}
