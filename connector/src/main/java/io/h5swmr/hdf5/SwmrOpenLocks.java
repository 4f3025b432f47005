package io.h5swmr.hdf5;

import io.h5swmr.exceptions.H5SwmrDataException;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.Paths;
import java.nio.file.attribute.BasicFileAttributes;
import java.util.HashMap;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import java.util.function.Supplier;

/**
 * At most one open handle per file in SWMR-read mode in this process at a time (issue 23). HDF5
 * shares one file structure, with its metadata cache and each dataset's chunk index, among all
 * handles of a file in a process. When one handle refreshes a dataset ({@code H5Drefresh}, as every
 * SWMR-read open does) while another handle has it open, the other handle's chunk index lookups see
 * chunks a native SWMR writer flushed long ago as not allocated: the library reads them as fill
 * values (0) and the direct path falls back to the library. Measured with two tasks of one scan
 * reading a file an h5py SWMR writer appended to: 190 of 283 piece reads with two handles open
 * found flushed chunks missing, 1 of 121 with one handle (its neighbour was closing); h5py in one
 * process, one handle at a time, read 12,060 times without one. So SWMR-read handles of one file
 * take turns here, from open to close; other files, and files no SWMR writer has open, are not
 * affected.
 *
 * <p>A holder is a thread (re-entrant: a thread may open the file again while holding it) but may
 * be released from any thread (a handle closed elsewhere). Waiting is bounded: after {@link
 * #WAIT_SECONDS} the open fails with a retryable error naming the file.
 */
final class SwmrOpenLocks {
  static final long WAIT_SECONDS = 600;

  /** One file's turn: the thread holding it and how many opens it holds. */
  private static final class Turn {
    Thread owner;
    int holds;
  }

  private static final Map<Object, Turn> TURNS = new HashMap<>();

  private SwmrOpenLocks() {}

  /**
   * The identity of local file {@code path} (device and inode where the file system gives them).
   */
  static Object key(String path) {
    Path p = Paths.get(path);
    try {
      Object k = Files.readAttributes(p, BasicFileAttributes.class).fileKey();
      return k != null ? k : p.toRealPath().toString();
    } catch (IOException e) {
      return p.toAbsolutePath().normalize().toString();
    }
  }

  /**
   * Takes the turn of file {@code key} for the calling thread, waiting while another thread has it
   * open in SWMR-read mode. Must not be called holding the native guard unless this thread already
   * holds the turn ({@link #holding}): the holder may need the guard to finish.
   */
  static void acquire(Object key, String file) {
    long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(WAIT_SECONDS);
    Thread me = Thread.currentThread();
    synchronized (TURNS) {
      Turn t = TURNS.computeIfAbsent(key, k -> new Turn());
      if (t.owner != null && t.owner != me && H5Native.heldByCurrentThread()) {
        throw busy(file, "this thread holds the native HDF5 guard");
      }
      while (t.owner != null && t.owner != me) {
        long left = deadline - System.nanoTime();
        if (left <= 0) {
          throw busy(file, "it stayed open for " + WAIT_SECONDS + " s");
        }
        try {
          TimeUnit.NANOSECONDS.timedWait(TURNS, left);
        } catch (InterruptedException e) {
          Thread.currentThread().interrupt();
          throw busy(file, "the wait was interrupted");
        }
        t = TURNS.computeIfAbsent(key, k -> new Turn());
      }
      t.owner = me;
      t.holds++;
    }
  }

  /** Gives back one hold of file {@code key} (from any thread). */
  static void release(Object key) {
    synchronized (TURNS) {
      Turn t = TURNS.get(key);
      if (t != null && --t.holds <= 0) {
        TURNS.remove(key);
        TURNS.notifyAll();
      }
    }
  }

  /**
   * Runs {@code block} holding the turn of local file {@code path}, so that opens inside it (also
   * under the native guard, see {@link H5Native#exclusively}) do not wait.
   */
  static <T> T holding(String path, Supplier<T> block) {
    Object key = key(path);
    acquire(key, path);
    try {
      return block.get();
    } finally {
      release(key);
    }
  }

  private static H5SwmrDataException busy(String file, String why) {
    return new H5SwmrDataException(
        "HDF5 file '"
            + file
            + "' is open by a native SWMR writer and another reader in "
            + "this process has it open in SWMR-read mode (HDF5 shares one metadata cache among a process's handles "
            + "of a file, so they take turns); could not wait for it: "
            + why
            + ". Retry the read");
  }
}
