package io.h5swmr.hdf5.journal;

import io.h5swmr.exceptions.H5SwmrException;
import io.h5swmr.hdf5.H5File;
import java.io.IOException;
import java.nio.channels.FileChannel;
import java.nio.file.AtomicMoveNotSupportedException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.nio.file.StandardOpenOption;
import java.time.Duration;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The one way a writer changes a target file: every h5swmr writer (Spark batch commit, {@code
 * H5SwmrAppender}, streaming sink) goes through here. The caller holds the file's exclusive lease
 * ({@link Fence}); then
 *
 * <pre>{@code
 * try (JournalTransaction tx = JournalTransaction.open(target, fence, hook)) { // fence + recovery
 *   if (exists) {
 *     try (H5File f = tx.openInPlace()) { ...write... }  // journaled write session
 *     tx.commit();                                        // durable commit point, applied in place
 *   } else {
 *     try (H5File f = tx.createNewFile()) { ...write... } // copy-on-write beside the target
 *     tx.syncNewFile();
 *     tx.publishNewFile();                                // atomic rename into place
 *   }
 * } // anything not committed or published is undone; the write fence is released
 * }</pre>
 *
 * <p>{@link #open} reports {@link #STEP_LOCKED}, checks the lease, takes the OS {@link WriteFence}
 * (waiting for a paused writer that may still hold it), reports {@link #STEP_FENCED} and runs
 * {@link JournalRecovery}. An existing file is changed in place under a {@link JournalSession}
 * (docs/journal.md): the file keeps its inode, owner, permissions and links. A file that does not
 * exist yet is built in {@code .<name>.h5swmr-commit-<token>} beside it, fsynced and renamed into
 * place (there is no inode to preserve).
 *
 * <p>Every step is reported to the {@link CommitHook} the caller passes ({@link CommitHook#NONE} in
 * production; tests pass one to kill, stop or observe the writer there). Not thread-safe: one
 * transaction per commit.
 */
public final class JournalTransaction implements AutoCloseable {
  private static final Logger LOG = LoggerFactory.getLogger(JournalTransaction.class);

  /** Steps of the transaction reported to the hook (the session's own follow {@link #commit}). */
  public static final String STEP_LOCKED = "locked";

  public static final String STEP_FENCED = "fenced";
  public static final String STEP_BEFORE_RENAME = "before-rename";
  public static final String STEP_RENAMED = "renamed";

  /** Infix of a new file's copy-on-write path: {@code .<name>.h5swmr-commit-<token>}. */
  public static final String COMMIT_INFIX = ".h5swmr-commit-";

  /** The lease a transaction runs under: its fencing token and a check that it is still held. */
  public interface Fence {
    long token();

    /**
     * Throws an {@link H5SwmrException} when the lease was lost or another writer holds the file.
     */
    void verify();

    /**
     * How long to wait for the OS write fence a paused (zombie) writer of the file may still hold.
     */
    default Duration osLockWait() {
      return Duration.ofMinutes(2);
    }
  }

  private final Path target;
  private final Path real;
  private final Fence fence;
  private final CommitHook hook;
  private final WriteFence os;
  private JournalRecovery.Outcome recovery = JournalRecovery.Outcome.NONE;
  private JournalSession session;
  private Path copy;
  private boolean published;

  private JournalTransaction(Path target, Path real, Fence fence, CommitHook hook, WriteFence os) {
    this.target = target;
    this.real = real;
    this.fence = fence;
    this.hook = hook;
    this.os = os;
  }

  /**
   * Starts a transaction on {@code target} under {@code fence}: lease check, OS write fence,
   * recovery of what an interrupted writer left.
   *
   * @param hook told every step ({@link CommitHook#NONE} in production)
   * @throws H5SwmrException when the lease is lost, the write fence cannot be taken, or recovery
   *     fails (then nothing was written)
   */
  public static JournalTransaction open(Path target, Fence fence, CommitHook hook) {
    hook.reached(STEP_LOCKED);
    fence.verify();
    Path real = JournalFiles.realTarget(target);
    WriteFence os = WriteFence.acquire(real, fence.osLockWait(), fence::verify);
    JournalTransaction tx = new JournalTransaction(target, real, fence, hook, os);
    try {
      hook.reached(STEP_FENCED);
      tx.recovery = JournalRecovery.recover(LocalDisk.INSTANCE, real);
      return tx;
    } catch (IOException e) {
      os.close();
      throw new H5SwmrException(
          "Could not recover the interrupted commit of "
              + target
              + " (journal "
              + JournalFiles.journal(real)
              + "): "
              + e
              + "; nothing was written",
          e);
    } catch (RuntimeException | Error e) {
      os.close();
      throw e;
    }
  }

  /** The file the target really names (symlinks resolved): what is written. */
  public Path realTarget() {
    return real;
  }

  /** What recovery did before this transaction. */
  public JournalRecovery.Outcome recovery() {
    return recovery;
  }

  /** The fencing token of this transaction's lease. */
  public long token() {
    return fence.token();
  }

  /** Reports a writer's own step (e.g. "closed") to the transaction's hook. */
  public void reached(String step) {
    hook.reached(step);
  }

  // ---------------------------------------------------------------------------------------- in
  // place (journaled)

  /**
   * Opens the existing target read-write through a new journal session: bytes below the committed
   * end of file are journaled, new bytes go straight to the file. Close the returned file, then
   * {@link #commit}.
   */
  public H5File openInPlace() {
    if (session != null || copy != null) {
      throw new IllegalStateException("this transaction on " + target + " already writes");
    }
    try {
      session = JournalSession.begin(LocalDisk.INSTANCE, real, fence.token());
    } catch (IOException e) {
      throw new H5SwmrException(
          "Could not start the journal "
              + JournalFiles.journal(real)
              + " for "
              + target
              + ": "
              + e
              + " (the directory must be writable); nothing was written",
          e);
    }
    return H5File.openReadWrite(real.toString(), session.opener());
  }

  /**
   * Commits the in-place session (see {@link JournalSession#commit}): the lease is checked before
   * the commit point; its steps are reported to the hook. Returns false when the session changed
   * nothing.
   */
  public boolean commit() throws IOException {
    requireSession();
    return session.commit(fence::verify, hook);
  }

  /** Bytes below the old end of file the in-place session journaled (0 for a new file). */
  public long journaledBytes() {
    return session == null ? 0 : session.journaledBytes();
  }

  /** fsync calls of the commit (files and directory). */
  public int fsyncs() {
    return session != null ? session.fsyncs() : published ? 2 : 0;
  }

  /** True when the target was changed in place under the journal. */
  public boolean inPlace() {
    return session != null;
  }

  private void requireSession() {
    if (session == null) {
      throw new IllegalStateException("no in-place session on " + target);
    }
  }

  // ---------------------------------------------------------------------------------- new file
  // (copy-on-write)

  /**
   * Where a new target is built under {@code token}: {@code .<name>.h5swmr-commit-<token>} beside
   * it.
   */
  public static Path commitCopy(Path target, long token) {
    return target.resolveSibling("." + target.getFileName() + COMMIT_INFIX + token);
  }

  /** The copy a new file is built in (see {@link #createNewFile}). */
  public Path newFileCopy() {
    return commitCopy(real, fence.token());
  }

  /**
   * Creates the new target's copy beside it (replacing a stale one of the same token). Close the
   * returned file, then {@link #syncNewFile()} and {@link #publishNewFile()}; a copy never
   * published is deleted at close.
   */
  public H5File createNewFile() throws IOException {
    if (session != null || copy != null) {
      throw new IllegalStateException("this transaction on " + target + " already writes");
    }
    copy = newFileCopy();
    Files.deleteIfExists(copy);
    return H5File.create(copy.toString());
  }

  /** Makes the new file's copy durable (fsync). */
  public void syncNewFile() throws IOException {
    requireCopy();
    try (FileChannel ch = FileChannel.open(copy, StandardOpenOption.WRITE)) {
      ch.force(true);
    }
  }

  /**
   * Publishes the new file: reports {@link #STEP_BEFORE_RENAME}, checks the lease, renames the copy
   * into place atomically, fsyncs the directory, reports {@link #STEP_RENAMED}.
   */
  public void publishNewFile() throws IOException {
    requireCopy();
    hook.reached(STEP_BEFORE_RENAME);
    fence.verify();
    try {
      Files.move(copy, real, StandardCopyOption.ATOMIC_MOVE);
    } catch (AtomicMoveNotSupportedException e) {
      throw new H5SwmrException(
          "The filesystem of "
              + target
              + " cannot rename atomically; h5swmr needs "
              + "atomic rename within the target's directory to create a file",
          e);
    }
    published = true;
    fsyncDirectory(real.toAbsolutePath().getParent());
    hook.reached(STEP_RENAMED);
  }

  private void requireCopy() {
    if (copy == null) {
      throw new IllegalStateException("no new file is being built for " + target);
    }
  }

  private static void fsyncDirectory(Path dir) {
    try (FileChannel ch = FileChannel.open(dir, StandardOpenOption.READ)) {
      ch.force(true);
    } catch (IOException e) {
      // Some filesystems refuse to open directories; the rename itself is still atomic.
      LOG.debug("h5swmr: could not fsync directory {}: {}", dir, e.toString());
    }
  }

  // ----------------------------------------------------------------------------------------------------- end

  /**
   * Ends the transaction: an in-place session not committed is rolled back (the file is as last
   * committed), a new file's copy not published is deleted, and the write fence is released.
   *
   * @throws H5SwmrException when rolling back fails
   */
  @Override
  public void close() {
    try {
      if (session != null) {
        session.close();
      }
    } catch (IOException e) {
      throw new H5SwmrException("Commit to " + target + " failed: " + e, e);
    } finally {
      try {
        if (copy != null && !published) {
          try {
            Files.deleteIfExists(copy);
          } catch (IOException e) {
            LOG.warn(
                "h5swmr: could not delete commit copy {} (the next writer will): {}",
                copy,
                e.toString());
          }
        }
      } finally {
        os.close();
      }
    }
  }

  @Override
  public String toString() {
    return "JournalTransaction{"
        + real
        + ", token "
        + fence.token()
        + (session != null ? ", in place" : copy != null ? ", new file" : "")
        + "}";
  }
}
