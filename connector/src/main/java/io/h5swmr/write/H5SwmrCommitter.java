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
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Map;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The commit protocol, run on the driver while it holds the file's exclusive lease.
 *
 * <p>Copy-on-write: the target is copied to a temporary file in the same directory
 * ({@code .<name>.h5swmr-commit-<token>}), the staged blocks are appended to (or, for overwrite, replace the
 * dataset in) the copy, the fencing token, committed row count and generation are written as dataset
 * attributes, the copy is flushed, closed and fsynced, the lease is verified once more, and the copy is renamed
 * atomically over the target (then the directory is fsynced). Until that rename the target is never opened for
 * writing, so a crash or a lost lease at any earlier point leaves it exactly as last committed; the orphan copy
 * is deleted by the next writer ({@link #cleanOrphans}) under its exclusive lease, which also fences a paused
 * writer: its copy is gone, so its rename fails.
 */
final class H5SwmrCommitter {
  private static final Logger LOG = LoggerFactory.getLogger(H5SwmrCommitter.class);
  /** Test-only: name of the commit step at which to print {@code H5SWMR-PAUSE <step>} and block forever. */
  static final String PAUSE_PROPERTY = "h5swmr.test.commitPause";
  static final String COMMIT_INFIX = ".h5swmr-commit-";
  static final String STAGING_SUFFIX = ".h5swmr-staging";

  /** The lease the commit runs under: its fencing token and a check that it is still held. */
  interface Fence {
    long token();

    /** Throws an {@link H5SwmrException} when the lease was lost or another writer holds the file. */
    void verify();
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

  H5SwmrCommitter(Path target, String dataset, WriteSchema schema, Mode mode, WriteSettings settings) {
    this.target = target;
    this.dataset = dataset;
    this.schema = schema;
    this.mode = mode;
    this.settings = settings;
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
    Path dir = target.toAbsolutePath().getParent();
    String prefix = "." + target.getFileName() + COMMIT_INFIX;
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
    H5TargetDataset.Existing existing = H5TargetDataset.inspect(target, dataset);
    if (existing.datasetExists && !commitMarks.isEmpty() && alreadyMarked(commitMarks)) {
      return new Result(true, 0, existing.dims.length == 0 ? 1 : existing.dims[0], 0, -1, 0, 0);
    }
    if (existing.datasetExists && (mode == Mode.ERROR_IF_EXISTS || mode == Mode.IGNORE)) {
      if (mode == Mode.IGNORE) {
        return new Result(true, 0, existing.dims.length == 0 ? 1 : existing.dims[0], 0, -1, 0, 0);
      }
      throw H5SwmrBatchWrite.alreadyExists(target, dataset);
    }
    boolean appendToExisting = existing.datasetExists && mode == Mode.APPEND;
    WriteSchema effective = appendToExisting ? WriteCompatibility.effectiveSchema(existing, schema) : schema;
    if (appendToExisting) {
      WriteCompatibility.checkAppend(target, dataset, existing, effective, null);
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
    Path copy = commitCopy(target, fence.token());
    long t0 = System.nanoTime();
    long copyNanos = 0;
    boolean renamed = false;
    try {
      if (existing.fileExists) {
        Files.copy(target, copy, StandardCopyOption.COPY_ATTRIBUTES);
        copyNanos = System.nanoTime() - t0;
      }
      pause("copied");
      long generation;
      long totalRows;
      try (H5TargetDataset out = H5TargetDataset.open(copy, dataset, !existing.fileExists)) {
        generation = (existing.datasetExists ? out.previousGeneration() : 0) + 1;
        if (appendToExisting) {
          out.openExisting(layout);
          totalRows = writeBlocks(out, layout, messages);
        } else {
          if (existing.datasetExists) {
            out.deleteDataset();
          }
          long chunkRows = settings.chunkRows != null ? settings.chunkRows
              : layout.defaultChunkRows(settings.chunkTargetBytes);
          out.create(layout, Math.max(1, chunkRows), settings.gzip, settings.gzipLevel, settings.shuffle);
          out.markCreated(fence.token());
          totalRows = writeBlocks(out, layout, messages);
        }
        out.writeCommitAttributes(fence.token(), generation);
        out.writeLongAttributes(commitMarks);
      }
      try (FileChannel ch = FileChannel.open(copy, StandardOpenOption.WRITE)) {
        ch.force(true);
      }
      long writeNanos = System.nanoTime() - t0 - copyNanos;
      pause("before-rename");
      fence.verify();
      try {
        Files.move(copy, target, StandardCopyOption.ATOMIC_MOVE, StandardCopyOption.REPLACE_EXISTING);
      } catch (NoSuchFileException e) {
        throw new io.h5swmr.exceptions.H5SwmrLockException("Commit to " + target + " was fenced: its copy "
            + copy + " was removed by a newer writer (this writer's lease had expired); nothing was published");
      } catch (AtomicMoveNotSupportedException e) {
        throw new H5SwmrException("The filesystem of " + target + " cannot rename atomically; h5swmr needs "
            + "atomic rename within the target's directory", e);
      }
      renamed = true;
      fsyncDirectory(target.toAbsolutePath().getParent());
      pause("renamed");
      return new Result(false, rowsToWrite, totalRows, staged, generation, copyNanos, writeNanos);
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

  /** Whether the target dataset holds every mark at a value at least the given one. */
  private boolean alreadyMarked(Map<String, Long> marks) {
    Map<String, Object> attrs;
    try (io.h5swmr.hdf5.H5File f = io.h5swmr.hdf5.H5File.openReadOnly(target.toString())) {
      attrs = f.attributes(dataset);
    }
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

  /**
   * Appends every staged block in order. A second thread reads, verifies and packs the next blocks (Java work)
   * while this one writes the current block (HDF5 work), two blocks in flight at most.
   */
  private long writeBlocks(H5TargetDataset out, WriteLayout layout, List<H5SwmrWriterCommitMessage> messages) {
    java.util.concurrent.BlockingQueue<Object> queue = new java.util.concurrent.ArrayBlockingQueue<>(2);
    Thread decoder = new Thread(() -> {
      try {
        for (H5SwmrWriterCommitMessage m : messages) {
          if (m.rows() == 0) {
            continue;
          }
          try (StagingCodec.Reader r = new StagingCodec.Reader(Path.of(m.stagingFile()), schema.leaves(),
              m.checksum())) {
            StagingCodec.Block b;
            while ((b = r.next()) != null) {
              if (b.rows > 0) {
                WriteLayout.Buffer buf = layout.encode(b);
                try {
                  queue.put(new Encoded(b.rows, buf));
                } catch (InterruptedException e) {
                  buf.close();
                  return;
                }
              }
            }
          } catch (IOException e) {
            throw new H5SwmrException("Could not read staging file " + m.stagingFile() + ": " + e, e);
          }
        }
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

  /** Test-only: called with the name of every commit step as it is reached (in-process tests). */
  static volatile java.util.function.Consumer<String> testHook;

  /**
   * Test-only crash point: calls {@link #testHook}; when the system property names {@code step}, announces it
   * and blocks forever (a child process is then killed there).
   */
  static void pause(String step) {
    java.util.function.Consumer<String> hook = testHook;
    if (hook != null) {
      hook.accept(step);
    }
    if (step.equals(System.getProperty(PAUSE_PROPERTY))) {
      System.out.println("H5SWMR-PAUSE " + step);
      System.out.flush();
      Object never = new Object();
      synchronized (never) {
        while (true) {
          try {
            never.wait();
          } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new H5SwmrException("commit paused at '" + step + "' was interrupted");
          }
        }
      }
    }
  }
}
