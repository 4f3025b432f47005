package io.h5swmr.write;

import io.h5swmr.exceptions.H5SwmrDataException;
import io.h5swmr.exceptions.H5SwmrException;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.channels.FileChannel;
import java.nio.file.AtomicMoveNotSupportedException;
import java.nio.file.DirectoryStream;
import java.nio.file.Files;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.nio.file.StandardOpenOption;
import java.time.Duration;
import hdf.hdf5lib.HDF5Constants;
import io.h5swmr.hdf5.driver.H5StorageDriver;
import io.h5swmr.hdf5.journal.CommitHook;
import io.h5swmr.hdf5.journal.JournalFiles;
import io.h5swmr.hdf5.journal.JournalRecovery;
import io.h5swmr.hdf5.journal.JournalSession;
import io.h5swmr.hdf5.journal.LocalDisk;
import io.h5swmr.hdf5.journal.WriteFence;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Map;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The commit protocol, run on the driver while it holds the file's exclusive lease.
 *
 * <p>An existing file is changed <b>in place</b> under the redo journal (docs/journal.md): the writer takes the
 * OS write fence ({@link WriteFence}, an fcntl lock beside the real file) for its whole session, recovers what an
 * interrupted writer left ({@link JournalRecovery}), opens the file through the h5swmr storage driver over a
 * {@link JournalSession} (bytes below the committed end of file are journaled, new bytes go straight to the
 * file), writes the staged blocks and commit attributes, closes HDF5, and commits the session: fsync, lease check,
 * COMMIT record + fsync of journal and directory (the commit point), apply in place, fsync, delete the journal.
 * The file keeps its inode, owner, permissions, hard links and symlinks (the real file is written). A 0-row append
 * opens nothing for writing and changes nothing on disk.
 *
 * <p>A file that does not exist yet is built copy-on-write in {@code .<name>.h5swmr-commit-<token>} beside it,
 * fsynced and renamed into place (there is no inode to preserve), still under the write fence.
 *
 * <p>Test hooks: every step is reported to {@link CommitHook#current()}, which does nothing unless a test
 * installed a hook; production code never blocks there.
 */
final class H5SwmrCommitter {
  private static final Logger LOG = LoggerFactory.getLogger(H5SwmrCommitter.class);
  static final String COMMIT_INFIX = ".h5swmr-commit-";
  static final String STAGING_SUFFIX = ".h5swmr-staging";

  /** The lease the commit runs under: its fencing token and a check that it is still held. */
  interface Fence {
    long token();

    /** Throws an {@link H5SwmrException} when the lease was lost or another writer holds the file. */
    void verify();

    /** How long to wait for the OS write fence a paused (zombie) writer of the file may still hold. */
    default Duration osLockWait() {
      return Duration.ofMinutes(2);
    }
  }

  /** How existing data is treated. */
  enum Mode {
    APPEND, OVERWRITE, ERROR_IF_EXISTS, IGNORE
  }

  /** What a commit did. */
  static final class Result {
    final boolean skipped;
    final long rowsWritten;
    final long totalRows;
    final long bytesStaged;
    final long generation;
    final long copyNanos;
    final long writeNanos;
    /** True when the file was changed in place under the journal (false: created copy-on-write, or unchanged). */
    boolean inPlace;
    /** Bytes below the old end of file the commit journaled (metadata, a partly filled last chunk...). */
    long journaledBytes;
    /** fsync calls of the commit (files and directory). */
    int fsyncs;
    /** What recovery did before this commit. */
    JournalRecovery.Outcome recovery = JournalRecovery.Outcome.NONE;

    Result(boolean skipped, long rowsWritten, long totalRows, long bytesStaged, long generation, long copyNanos,
        long writeNanos) {
      this.skipped = skipped;
      this.rowsWritten = rowsWritten;
      this.totalRows = totalRows;
      this.bytesStaged = bytesStaged;
      this.generation = generation;
      this.copyNanos = copyNanos;
      this.writeNanos = writeNanos;
    }
  }

  private final Path target;
  private final String dataset;
  private final WriteSchema schema;
  private final Mode mode;
  private final WriteSettings settings;
  private final StoredTypes staged;

  /**
   * @param staged the stored types the rows were checked against when staged ({@link StoredTypes#none} when the
   *     dataset did not exist then); an append re-checks them against the dataset as it is at the commit
   */
  H5SwmrCommitter(Path target, String dataset, WriteSchema schema, Mode mode, WriteSettings settings,
      StoredTypes staged) {
    this.target = target;
    this.dataset = dataset;
    this.schema = schema;
    this.mode = mode;
    this.settings = settings;
    this.staged = staged;
  }

  /** Temp-copy path of a commit under {@code token}. */
  static Path commitCopy(Path target, long token) {
    return target.resolveSibling("." + target.getFileName() + COMMIT_INFIX + token);
  }

  /** The default staging root beside the target. */
  static Path defaultStagingRoot(Path target) {
    return target.resolveSibling("." + target.getFileName() + STAGING_SUFFIX);
  }

  /**
   * Deletes what interrupted commits left: commit copies of the target, and staging directories under
   * {@code stagingRoot} whose driver is gone (a dead process on this host, or a heartbeat older than
   * {@code staleAfterMillis}). Call
   * only under the exclusive lease. Returns the paths removed.
   */
  static List<Path> cleanOrphans(Path target, Path stagingRoot, Path keep, long staleAfterMillis) {
    List<Path> removed = new ArrayList<>();
    Path real = JournalFiles.realTarget(target);
    Path dir = real.getParent();
    String prefix = "." + real.getFileName() + COMMIT_INFIX;
    try (DirectoryStream<Path> ds = Files.newDirectoryStream(dir, p -> p.getFileName().toString()
        .startsWith(prefix))) {
      for (Path p : ds) {
        if (Files.deleteIfExists(p)) {
          removed.add(p);
        }
      }
    } catch (IOException e) {
      throw new UncheckedIOException("could not list " + dir + " for interrupted commits", e);
    }
    if (stagingRoot != null && Files.isDirectory(stagingRoot)) {
      try (DirectoryStream<Path> ds = Files.newDirectoryStream(stagingRoot)) {
        for (Path q : ds) {
          if (keep != null && q.equals(keep)) {
            continue;
          }
          if (StagingArea.isOrphan(q, staleAfterMillis)) {
            StagingArea.deleteTree(q);
            removed.add(q);
          }
        }
      } catch (IOException e) {
        throw new UncheckedIOException("could not list staging directory " + stagingRoot, e);
      }
    }
    if (!removed.isEmpty()) {
      LOG.warn("h5swmr: removed leftovers of interrupted writes to {}: {}", target, removed);
    }
    return removed;
  }

  /** Publishes the staged files (in the given order) under {@code fence}. */
  Result commit(Fence fence, List<H5SwmrWriterCommitMessage> messages) {
    return commit(fence, messages, Map.of());
  }

  /**
   * Publishes the staged files under {@code fence}, setting {@code commitMarks} as long attributes of the dataset
   * in the same atomic commit (the streaming sink records its query's last batch id this way). When the dataset
   * already holds every mark at a value at least the given one, this commit is a replay of one already published
   * and is skipped ({@link Result#skipped}): exactly once across driver crashes (see docs/streaming.md).
   */
  Result commit(Fence fence, List<H5SwmrWriterCommitMessage> messages, Map<String, Long> commitMarks) {
    pause("locked");
    fence.verify();
    Path real = JournalFiles.realTarget(target);
    try (WriteFence os = WriteFence.acquire(real, fence.osLockWait(), fence::verify)) {
      pause("fenced");
      JournalRecovery.Outcome recovered;
      try {
        recovered = JournalRecovery.recover(LocalDisk.INSTANCE, real);
      } catch (IOException e) {
        throw new H5SwmrException("Could not recover the interrupted commit of " + target + " (journal "
            + JournalFiles.journal(real) + "): " + e + "; nothing was written", e);
      }
      Result r;
      try {
        r = commitFenced(fence, real, messages, commitMarks);
      } catch (RuntimeException e) {
        throw diskFullOr(e);
      }
      r.recovery = recovered;
      return r;
    }
  }

  private Result commitFenced(Fence fence, Path real, List<H5SwmrWriterCommitMessage> messages,
      Map<String, Long> commitMarks) {
    H5TargetDataset.Existing existing = H5TargetDataset.inspect(real, dataset);
    if (existing.datasetExists && !commitMarks.isEmpty() && alreadyMarked(existing.info.attributes(), commitMarks)) {
      return new Result(true, 0, existing.rows(), 0, -1, 0, 0);
    }
    if (existing.datasetExists && (mode == Mode.ERROR_IF_EXISTS || mode == Mode.IGNORE)) {
      if (mode == Mode.IGNORE) {
        return new Result(true, 0, existing.rows(), 0, -1, 0, 0);
      }
      throw H5SwmrBatchWrite.alreadyExists(target, dataset);
    }
    boolean appendToExisting = existing.datasetExists && mode == Mode.APPEND;
    WriteSchema effective = appendToExisting ? WriteCompatibility.effectiveSchema(existing, schema) : schema;
    if (appendToExisting) {
      WriteCompatibility.checkAppend(target, dataset, existing, effective, null);
      staged.requireStagedChecksHold(StoredTypes.of("dataset " + dataset + " of " + target, existing, effective),
          effective.leaves());
    }
    int[][] leafDims = leafDims(messages, appendToExisting ? existing : null, effective);
    WriteLayout layout = new WriteLayout(effective, leafDims);
    if (appendToExisting) {
      WriteCompatibility.checkAppend(target, dataset, existing, effective, layout);
    }
    long staged = 0;
    long rowsToWrite = 0;
    for (H5SwmrWriterCommitMessage m : messages) {
      staged += m.bytes();
      rowsToWrite += m.rows();
      if (!Files.exists(Path.of(m.stagingFile()))) {
        throw new H5SwmrException("Staging file " + m.stagingFile() + " written by task " + m.partitionId()
            + " is not visible on the driver: option 'stagingDir' must name a directory on a filesystem the "
            + "driver and every executor share (e.g. NFS or a cluster filesystem)");
      }
    }
    if (appendToExisting && rowsToWrite == 0) {
      // Nothing to append: the file is not even opened for writing.
      long rows = existing.rows();
      return new Result(false, 0, rows, staged, currentGeneration(real), 0, 0);
    }
    if (!existing.fileExists) {
      return createNewFile(fence, real, layout, messages, staged, rowsToWrite, commitMarks);
    }
    long t0 = System.nanoTime();
    JournalSession session;
    try {
      session = JournalSession.begin(LocalDisk.INSTANCE, real, fence.token());
    } catch (IOException e) {
      throw new H5SwmrException("Could not start the journal " + JournalFiles.journal(real) + " for " + target
          + ": " + e + " (the directory must be writable); nothing was written", e);
    }
    try (JournalSession s = session; BackgroundFlush flush = BackgroundFlush.of(real)) {
      long generation;
      long totalRows;
      try (io.h5swmr.hdf5.H5File file = io.h5swmr.hdf5.H5File.openReadWrite(real.toString(), s.opener());
          H5TargetDataset out = H5TargetDataset.on(file, dataset).codecs(settings.codecs)) {
        generation = (existing.datasetExists ? out.previousGeneration() : 0) + 1;
        totalRows = writeDataset(out, fence, layout, messages, existing.datasetExists, appendToExisting, flush);
        out.writeCommitAttributes(fence.token(), generation);
        out.writeLongAttributes(commitMarks);
      }
      pause("closed");
      long writeNanos = System.nanoTime() - t0;
      flush.finish();
      s.commit(fence::verify, CommitHook.current());
      Result r = new Result(false, rowsToWrite, totalRows, staged, generation, 0, writeNanos);
      r.inPlace = true;
      r.journaledBytes = s.journaledBytes();
      r.fsyncs = s.fsyncs();
      return r;
    } catch (IOException e) {
      throw new H5SwmrException("Commit to " + target + " failed: " + e, e);
    }
  }

  /** Creates or replaces the dataset (or opens it for appending) and writes every staged block. */
  private long writeDataset(H5TargetDataset out, Fence fence, WriteLayout layout,
      List<H5SwmrWriterCommitMessage> messages, boolean datasetExists, boolean appendToExisting,
      BackgroundFlush flush) {
    if (appendToExisting) {
      out.openExisting(layout);
      return writeBlocks(out, layout, messages, flush);
    }
    if (datasetExists) {
      out.deleteDataset();
    }
    long chunkRows = settings.chunkRows != null ? settings.chunkRows
        : layout.defaultChunkRows(settings.chunkTargetBytes);
    out.create(layout, Math.max(1, chunkRows), settings.gzip, settings.gzipLevel, settings.shuffle);
    out.markCreated(fence.token());
    return writeBlocks(out, layout, messages, flush);
  }

  /** The generation attribute of the dataset as committed now (0 when absent). */
  private long currentGeneration(Path real) {
    try (io.h5swmr.hdf5.H5File h = io.h5swmr.hdf5.H5File.openReadOnly(real.toString())) {
      Object g = h.attributes(dataset).get(H5TargetDataset.ATTR_GENERATION);
      return g instanceof Number ? ((Number) g).longValue() : 0;
    }
  }

  /** A new file: built beside the target, fsynced, renamed into place (copy-on-write; nothing to preserve). */
  private Result createNewFile(Fence fence, Path real, WriteLayout layout, List<H5SwmrWriterCommitMessage> messages,
      long staged, long rowsToWrite, Map<String, Long> commitMarks) {
    Path copy = commitCopy(real, fence.token());
    long t0 = System.nanoTime();
    boolean renamed = false;
    try (BackgroundFlush flush = BackgroundFlush.of(copy)) {
      Files.deleteIfExists(copy);
      long totalRows;
      try (H5TargetDataset out = H5TargetDataset.open(copy, dataset, true).codecs(settings.codecs)) {
        totalRows = writeDataset(out, fence, layout, messages, false, false, flush);
        out.writeCommitAttributes(fence.token(), 1);
        out.writeLongAttributes(commitMarks);
      }
      pause("closed");
      flush.finish();
      try (FileChannel ch = FileChannel.open(copy, StandardOpenOption.WRITE)) {
        ch.force(true);
      }
      long writeNanos = System.nanoTime() - t0;
      pause("before-rename");
      fence.verify();
      try {
        Files.move(copy, real, StandardCopyOption.ATOMIC_MOVE);
      } catch (AtomicMoveNotSupportedException e) {
        throw new H5SwmrException("The filesystem of " + target + " cannot rename atomically; h5swmr needs "
            + "atomic rename within the target's directory to create a file", e);
      }
      renamed = true;
      fsyncDirectory(real.toAbsolutePath().getParent());
      pause("renamed");
      Result r = new Result(false, rowsToWrite, totalRows, staged, 1, 0, writeNanos);
      r.fsyncs = 2;
      return r;
    } catch (java.nio.file.FileAlreadyExistsException e) {
      throw new H5SwmrException("Commit to " + target + " failed: the file appeared while this writer created it "
          + "(it is written by something that does not take h5swmr's lease); nothing was published", e);
    } catch (IOException e) {
      throw new H5SwmrException("Commit to " + target + " failed: " + e, e);
    } finally {
      if (!renamed) {
        try {
          Files.deleteIfExists(copy);
        } catch (IOException e) {
          LOG.warn("h5swmr: could not delete commit copy {} (the next writer will): {}", copy, e.toString());
        }
      }
    }
  }

  /**
   * A commit that ran out of disk space says so, first, naming the target and its filesystem (HDF5's own text
   * buries errno 28 in a long error stack, or names only the hidden commit copy); other failures pass unchanged.
   */
  private RuntimeException diskFullOr(RuntimeException e) {
    if (mentionsDiskFull(e, 0)) {
      Path dir = JournalFiles.realTarget(target).toAbsolutePath().getParent();
      return new H5SwmrException("Commit to " + target + " failed: No space left on device on the filesystem of "
          + dir + " (the commit needs room there for the new rows and, in place, its journal); nothing was "
          + "published and the file is as it was: free space there and write again", e);
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

  /** One encoded block travelling from the decoding thread to the writing thread. */
  private static final class Encoded {
    final int rows;
    final WriteLayout.Buffer buffer;

    Encoded(int rows, WriteLayout.Buffer buffer) {
      this.rows = rows;
      this.buffer = buffer;
    }
  }

  private static final Object END = new Object();

  /** What each decoded block is handed to, in order. */
  private interface BlockSink {
    void accept(Encoded block) throws InterruptedException;
  }

  /** Reads, verifies and packs every staged block in order, handing each to {@code sink}. */
  private void decode(WriteLayout layout, List<H5SwmrWriterCommitMessage> messages, BlockSink sink)
      throws InterruptedException {
    for (H5SwmrWriterCommitMessage m : messages) {
      if (m.rows() == 0) {
        continue;
      }
      Path file = Path.of(m.stagingFile());
      try (StagingCodec.Reader r = new StagingCodec.Reader(file, m.bytes(), schema.leaves(), m.checksum());
          StagingPages pages = StagingPages.of(file, settings.releaseStagingPages)) {
        StagingCodec.Block b;
        while ((b = r.next()) != null) {
          pages.readUpTo(r.bytesRead());
          if (b.rows > 0) {
            WriteLayout.Buffer buf = layout.encode(b);
            try {
              sink.accept(new Encoded(b.rows, buf));
            } catch (InterruptedException e) {
              buf.close();
              throw e;
            }
          }
        }
      } catch (IOException e) {
        throw new H5SwmrException("Could not read staging file " + m.stagingFile() + ": " + e, e);
      }
      releaseStaged(m);
    }
  }

  /**
   * Deletes a staging file as soon as its blocks are decoded, not at the end of the write: the page cache it held
   * is then free for the target's own writes while the commit goes on, instead of the commit needing as much new
   * memory again (on VMs that hand freed memory back to the host, such as this project's, each new page costs a
   * fault on the host too). The staged rows are not needed again: a commit that fails is never retried with the
   * same staging files (Spark aborts the write; the appender stages again).
   */
  private static void releaseStaged(H5SwmrWriterCommitMessage m) {
    try {
      Files.deleteIfExists(Path.of(m.stagingFile()));
    } catch (IOException e) {
      LOG.debug("h5swmr: could not delete staging file {} yet (deleted with its directory): {}", m.stagingFile(),
          e.toString());
    }
  }

  /**
   * Appends every staged block in order. For more than one block's worth, a second thread reads, verifies and
   * packs the next blocks (Java work) while this one writes the current block (HDF5 work), two blocks in flight at
   * most; a smaller commit (an appender's block) decodes inline, as starting a thread costs more than it overlaps.
   */
  private long writeBlocks(H5TargetDataset out, WriteLayout layout, List<H5SwmrWriterCommitMessage> messages,
      BackgroundFlush flush) {
    long staged = 0;
    for (H5SwmrWriterCommitMessage m : messages) {
      staged += m.bytes();
    }
    if (staged <= H5SwmrBatchWrite.BLOCK_BYTES) {
      boolean[] first = {true};
      try {
        decode(layout, messages, e -> {
          try {
            out.appendEncoded(e.rows, e.buffer);
          } finally {
            e.buffer.close();
          }
          if (first[0]) {
            first[0] = false;
            pause("wrote-first-block");
          }
        });
      } catch (InterruptedException e) {
        Thread.currentThread().interrupt();
        throw new H5SwmrException("Commit to " + target + " was interrupted");
      }
      return out.rows();
    }
    long rowBytes = layout.rowBytes();
    java.util.concurrent.BlockingQueue<Object> queue = new java.util.concurrent.ArrayBlockingQueue<>(2);
    Thread decoder = new Thread(() -> {
      try {
        decode(layout, messages, queue::put);
        queue.put(END);
      } catch (InterruptedException e) {
        Thread.currentThread().interrupt();
      } catch (RuntimeException | Error e) {
        for (Object o = queue.poll(); o != null; o = queue.poll()) {
          if (o instanceof Encoded) {
            ((Encoded) o).buffer.close();
          }
        }
        queue.offer(e);
      }
    }, "h5swmr-commit-decoder");
    decoder.setDaemon(true);
    decoder.start();
    boolean first = true;
    try {
      while (true) {
        Object o = queue.take();
        if (o == END) {
          break;
        }
        if (o instanceof RuntimeException) {
          throw (RuntimeException) o;
        }
        if (o instanceof Error) {
          throw (Error) o;
        }
        Encoded e = (Encoded) o;
        try {
          out.appendEncoded(e.rows, e.buffer);
        } finally {
          e.buffer.close();
        }
        flush.wrote(e.rows * rowBytes);
        if (first) {
          first = false;
          pause("wrote-first-block");
        }
      }
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      throw new H5SwmrException("Commit to " + target + " was interrupted");
    } finally {
      decoder.interrupt();
      try {
        decoder.join();
      } catch (InterruptedException e) {
        Thread.currentThread().interrupt();
      }
      for (Object o : queue) {
        if (o instanceof Encoded) {
          ((Encoded) o).buffer.close();
        }
      }
    }
    return out.rows();
  }

  /** Array lengths per leaf, agreed by every task that saw rows (and by the existing dataset). */
  private int[][] leafDims(List<H5SwmrWriterCommitMessage> messages, H5TargetDataset.Existing existing,
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
        int[] fromFile = existing == null ? null : WriteCompatibility.existingLeafDims(existing, schema, i);
        if (fromFile != null) {
          dims[i] = fromFile;
        } else if (leaves.get(i).arrayDepth == 0) {
          dims[i] = new int[0];
        } else {
          throw new H5SwmrDataException("Column '" + leaves.get(i).path + "' is an array but the DataFrame has no "
              + "rows, so its fixed length is unknown: cannot create the dataset " + dataset + " from zero rows");
        }
      }
    }
    return dims;
  }

  private static void fsyncDirectory(Path dir) {
    try (FileChannel ch = FileChannel.open(dir, StandardOpenOption.READ)) {
      ch.force(true);
    } catch (IOException e) {
      // Some filesystems refuse to open directories; the rename itself is still atomic.
      LOG.debug("h5swmr: could not fsync directory {}: {}", dir, e.toString());
    }
  }

  /** Reports {@code step} to the installed {@link CommitHook} (a no-op unless a test installed one). */
  static void pause(String step) {
    CommitHook.current().reached(step);
  }
}
