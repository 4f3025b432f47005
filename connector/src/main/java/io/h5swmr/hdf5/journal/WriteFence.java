package io.h5swmr.hdf5.journal;

import io.h5swmr.exceptions.H5SwmrLockException;
import java.io.IOException;
import java.nio.channels.FileChannel;
import java.nio.channels.FileLock;
import java.nio.channels.OverlappingFileLockException;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.time.Duration;

/**
 * The operating-system half of fencing: an exclusive POSIX record lock (fcntl, which is what Java's
 * {@link FileLock} takes) on {@code .<name>.h5swmr-lock} beside the real target, held for a whole
 * write session (recovery, HDF5 writes, commit). A writer that lost its Redis lease while paused
 * (SIGSTOP, GC, partition) still holds it, so the next writer waits here instead of racing it; the
 * lock dies with the process, so a killed writer never blocks anyone. The lock file is never
 * deleted (deleting it would let two writers lock two different inodes).
 */
public final class WriteFence implements AutoCloseable {
  private static final long POLL_MILLIS = 20;

  private final Path lockFile;
  private final FileChannel channel;
  private final FileLock lock;

  private WriteFence(Path lockFile, FileChannel channel, FileLock lock) {
    this.lockFile = lockFile;
    this.channel = channel;
    this.lock = lock;
  }

  /**
   * Takes the lock for {@code realTarget}, waiting at most {@code timeout}; {@code whileWaiting}
   * runs between attempts (e.g. a check that this writer still holds its lease: it throws to give
   * up).
   *
   * @throws H5SwmrLockException when another process still holds the lock after {@code timeout}
   */
  public static WriteFence acquire(Path realTarget, Duration timeout, Runnable whileWaiting) {
    Path lf = JournalFiles.lock(realTarget);
    long deadline = System.nanoTime() + timeout.toNanos();
    FileChannel ch;
    try {
      ch =
          FileChannel.open(
              lf, StandardOpenOption.CREATE, StandardOpenOption.READ, StandardOpenOption.WRITE);
    } catch (IOException e) {
      throw new H5SwmrLockException(
          "Could not open the write-lock file "
              + lf
              + " (h5swmr needs to create and "
              + "lock it beside the target; check the directory's permissions): "
              + e);
    }
    try {
      while (true) {
        FileLock l = null;
        try {
          l = ch.tryLock(0, Long.MAX_VALUE, false);
        } catch (OverlappingFileLockException sameProcess) {
          // another writer in this JVM holds it: wait like any other
        }
        if (l != null) {
          return new WriteFence(lf, ch, l);
        }
        if (System.nanoTime() > deadline) {
          throw new H5SwmrLockException(
              "Another process still holds the write lock (fcntl) on "
                  + lf
                  + " after "
                  + timeout.toMillis()
                  + " ms: a writer whose lease expired is paused or hung (e.g. SIGSTOP, GC, "
                  + "a hung NFS mount) and may still be committing. Nothing was written; retry once it finished or "
                  + "was killed");
        }
        whileWaiting.run();
        Thread.sleep(POLL_MILLIS);
      }
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      closeQuietly(ch);
      throw new H5SwmrLockException("Interrupted while waiting for the write lock on " + lf);
    } catch (IOException e) {
      closeQuietly(ch);
      throw new H5SwmrLockException(
          "Could not lock "
              + lf
              + " (the filesystem must support POSIX fcntl locks; "
              + "on NFS run the lock manager): "
              + e);
    } catch (RuntimeException | Error e) {
      closeQuietly(ch);
      throw e;
    }
  }

  private static void closeQuietly(FileChannel ch) {
    try {
      ch.close();
    } catch (IOException ignored) {
      // nothing held
    }
  }

  public Path lockFile() {
    return lockFile;
  }

  /** Releases the lock. Idempotent. */
  @Override
  public void close() {
    try {
      if (lock.isValid()) {
        lock.release();
      }
    } catch (IOException ignored) {
      // closing the channel below releases it too
    }
    closeQuietly(channel);
  }
}
