package io.h5swmr.write;

import java.io.IOException;
import java.nio.channels.FileChannel;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;

/**
 * Starts the disk writes of a bulk commit while the commit is still writing: each time another
 * {@link #EVERY_BYTES} have been written to the file, a background thread fsyncs it (on its own
 * descriptor; fsync flushes the file, whichever descriptor wrote). The commit's own final fsync,
 * which stays where the protocol puts it, then finds little left to write: the disk works while the
 * commit thread packs and writes the next blocks instead of after them.
 *
 * <p>Only an optimisation, with one duty: an fsync that fails may drop the failed pages' dirty
 * state, so a later fsync can succeed although data were lost. A failure here is kept and rethrown
 * by {@link #finish()}, which the commit calls before its own fsync, so the commit fails instead of
 * publishing.
 */
final class BackgroundFlush implements AutoCloseable {
  /**
   * Flush after this many bytes written (a commit writes blocks of {@link
   * H5SwmrBatchWrite#BLOCK_BYTES}).
   */
  static final long EVERY_BYTES = 64L << 20;

  private final Path file;
  private final Object lock = new Object();
  private Thread thread;
  private long written;
  private long requested;
  private boolean closing;
  private IOException failure;
  private int flushes;

  private BackgroundFlush(Path file) {
    this.file = file;
  }

  /** A flusher for {@code file}; its thread starts with the first flush due. */
  static BackgroundFlush of(Path file) {
    return new BackgroundFlush(file);
  }

  /** Counts {@code bytes} more written to the file; wakes the thread when another flush is due. */
  void wrote(long bytes) {
    synchronized (lock) {
      written += bytes;
      if (written - requested < EVERY_BYTES || closing) {
        return;
      }
      requested = written;
      if (thread == null) {
        thread = new Thread(this::run, "h5swmr-commit-flush");
        thread.setDaemon(true);
        thread.start();
      }
      lock.notifyAll();
    }
  }

  private void run() {
    try (FileChannel ch = FileChannel.open(file, StandardOpenOption.WRITE)) {
      long flushed = 0;
      while (true) {
        synchronized (lock) {
          while (requested == flushed && !closing) {
            lock.wait();
          }
          if (closing) {
            return;
          }
          flushed = requested;
        }
        ch.force(false);
        synchronized (lock) {
          flushes++;
        }
      }
    } catch (IOException e) {
      synchronized (lock) {
        failure = e;
      }
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
    }
  }

  /**
   * Stops the thread after the flush in progress and throws what a background flush failed with
   * (then the data may not be on disk whatever the final fsync says: the commit must fail).
   */
  void finish() throws IOException {
    stop();
    synchronized (lock) {
      if (failure != null) {
        throw new IOException("background fsync of " + file + " failed: " + failure, failure);
      }
    }
  }

  private void stop() {
    Thread t;
    synchronized (lock) {
      closing = true;
      lock.notifyAll();
      t = thread;
    }
    if (t != null) {
      boolean interrupted = false;
      while (true) {
        try {
          t.join();
          break;
        } catch (InterruptedException e) {
          interrupted = true;
        }
      }
      if (interrupted) {
        Thread.currentThread().interrupt();
      }
    }
  }

  /** Background fsyncs completed so far. */
  int flushes() {
    synchronized (lock) {
      return flushes;
    }
  }

  /**
   * Stops the thread (the commit failed or finished); failures are then the commit's own business.
   */
  @Override
  public void close() {
    stop();
  }
}
