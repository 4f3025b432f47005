package io.h5swmr.write;

import io.h5swmr.exceptions.H5SwmrLeaseLostException;
import io.h5swmr.lock.Lease;
import java.time.Duration;
import java.util.concurrent.ScheduledFuture;
import java.util.concurrent.ScheduledThreadPoolExecutor;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;

/**
 * The exclusive lease of an {@link H5SwmrAppender}'s append session, kept between appends (renewed
 * by the lock service's watchdog as every lease) so that a run of appends pays for one acquisition
 * instead of one per append. It is kept only while nobody else wants the file:
 *
 * <ul>
 *   <li>after every commit the session asks the lock service whether a reader or writer queues for
 *       the file ({@link WriteLocks#othersWaiting}); if one does, the lease is released at once,
 *       and the next append queues behind it like any writer (writer preference and the queue order
 *       of the lock are untouched: a reader that queued first gets in first);
 *   <li>an idle session (between appends) asks the same every {@link #IDLE_POLL} from a timer
 *       thread and releases the lease as soon as someone queues, or once {@code linger} has passed
 *       since its last append: a reader arriving between appends waits about one poll, one arriving
 *       during an append that commit plus one poll.
 * </ul>
 *
 * <p>Only the lease is kept: the write fence, recovery and the HDF5 file are taken, run and opened
 * by every commit as before, and every commit checks the kept lease exactly as a fresh one (locally
 * and in Redis, before the write fence and again before the commit point), so a session whose lease
 * was lost while it was paused is fenced at its next commit. A lease found lost when an append
 * starts is refused with {@link H5SwmrLeaseLostException} (nothing written); the append after it
 * takes a new lease.
 *
 * <p>Thread-safe (the appender's thread and the timer).
 */
final class AppendLease implements AutoCloseable {
  private static final AtomicInteger THREADS = new AtomicInteger();

  /** Releases idle sessions' leases: one daemon thread for every appender of the JVM. */
  private static final ScheduledThreadPoolExecutor TIMER = timer();

  /**
   * How often an idle session asks whether someone queues for the file (one Redis call): the
   * longest a reader arriving between appends waits for it.
   */
  static final Duration IDLE_POLL = Duration.ofMillis(10);

  private final WriteLocks locks;
  private final String target;
  private Duration linger;
  private Lease held;
  private ScheduledFuture<?> release;
  private long idleSince;
  private boolean inUse;
  private long acquisitions;

  /**
   * @param linger how long an idle session keeps the lease after an append ({@link Duration#ZERO}:
   *     released after every append)
   */
  AppendLease(WriteLocks locks, String target, Duration linger) {
    this.locks = locks;
    this.target = target;
    this.linger = linger;
  }

  private static ScheduledThreadPoolExecutor timer() {
    ScheduledThreadPoolExecutor t =
        new ScheduledThreadPoolExecutor(
            1,
            r -> {
              Thread th = new Thread(r, "h5swmr-append-linger-" + THREADS.incrementAndGet());
              th.setDaemon(true);
              return th;
            });
    t.setRemoveOnCancelPolicy(true);
    return t;
  }

  /**
   * The lease for the next commit: the kept one, or a new exclusive lease (waiting in the lock's
   * queue as any writer) when none is kept. Null when the session keeps no lease ({@code linger}
   * zero): the commit then takes and releases its own.
   *
   * @throws H5SwmrLeaseLostException when the kept lease was lost since the last append (nothing is
   *     written; the next call takes a new lease)
   */
  Lease take(long committedRows) {
    synchronized (this) {
      cancelRelease();
      if (held != null && !held.isValid()) {
        Lease lost = held;
        held = null;
        String why;
        try {
          lost.checkValid();
          why = "it is no longer valid";
        } catch (H5SwmrLeaseLostException e) {
          why = e.getMessage();
        }
        lost.close();
        throw lostBetweenAppends(committedRows, why, null);
      }
      if (linger.isZero()) {
        releaseNow(); // a session turned off: the commit takes its own lease
        return null;
      }
      inUse = true;
      if (held != null) {
        return held;
      }
    }
    // Acquired outside the monitor: the timer thread, which releases idle sessions of every
    // appender of the JVM, must never wait for this session's turn in the lock's queue.
    Lease fresh;
    try {
      fresh = locks.exclusive();
    } catch (RuntimeException | Error e) {
      synchronized (this) {
        inUse = false;
      }
      throw e;
    }
    synchronized (this) {
      held = fresh;
      acquisitions++;
      return fresh;
    }
  }

  /**
   * After the commit under {@code lease} ({@link #take}'s) failed with {@code e}: the lease is
   * released (the next append takes a new one). Returns the exception to throw: one that says the
   * session lost its lease when that is why the commit was fenced, else {@code e}.
   */
  synchronized RuntimeException failed(Lease lease, long committedRows, RuntimeException e) {
    inUse = false;
    if (lease == null || lease != held) {
      return e;
    }
    held = null;
    boolean lost;
    try {
      lost = !locks.stillHolds(lease);
    } catch (RuntimeException unreachable) {
      lost = false;
    }
    lease.close();
    if (lost && e instanceof io.h5swmr.exceptions.H5SwmrLockException) {
      return lostBetweenAppends(committedRows, e.getMessage(), e);
    }
    return e;
  }

  /**
   * After a successful commit: the lease is released at once when someone queues for the file, else
   * {@code linger} from now unless another append takes it first.
   */
  synchronized void committed(Lease lease) {
    inUse = false;
    if (lease == null || lease != held) {
      return;
    }
    boolean waiting;
    try {
      waiting = locks.othersWaiting();
    } catch (RuntimeException e) {
      waiting = true; // cannot tell: do not keep others out
    }
    if (waiting) {
      releaseNow();
    } else {
      idleSince = System.nanoTime();
      long poll = Math.max(1, Math.min(linger.toNanos(), IDLE_POLL.toNanos()));
      release = TIMER.scheduleWithFixedDelay(this::idleTick, poll, poll, TimeUnit.NANOSECONDS);
    }
  }

  /**
   * Timer tick of an idle session: releases the lease once the linger is over or as soon as someone
   * queues for the file.
   */
  private synchronized void idleTick() {
    if (inUse || held == null) {
      return;
    }
    boolean over = System.nanoTime() - idleSince >= linger.toNanos();
    boolean waiting;
    try {
      waiting = over || locks.othersWaiting();
    } catch (RuntimeException e) {
      waiting = true; // cannot tell: do not keep others out
    }
    if (waiting) {
      releaseNow();
    }
  }

  private void releaseNow() {
    cancelRelease();
    Lease l = held;
    held = null;
    if (l != null) {
      l.close();
    }
  }

  private void cancelRelease() {
    if (release != null) {
      release.cancel(false);
      release = null;
    }
  }

  /** From the next append on, keep the lease {@code linger} after an append. */
  synchronized void linger(Duration linger) {
    this.linger = linger;
  }

  /** True while the session keeps an exclusive lease between appends (tests). */
  synchronized boolean holding() {
    return held != null;
  }

  /** Exclusive leases this session has taken so far (tests, the benchmark). */
  synchronized long acquisitions() {
    return acquisitions;
  }

  private H5SwmrLeaseLostException lostBetweenAppends(long rows, String why, Throwable cause) {
    H5SwmrLeaseLostException e =
        new H5SwmrLeaseLostException(
            "The append session on "
                + target
                + " lost the exclusive lease it kept between appends ("
                + why
                + "): this append was refused and nothing of it was written; the file holds what the "
                + "last committed append left"
                + (rows >= 0 ? " (" + rows + " rows)" : "")
                + ". The next append takes a new lease");
    if (cause != null) {
      e.initCause(cause);
    }
    return e;
  }

  /** Releases the kept lease. Idempotent. */
  @Override
  public synchronized void close() {
    inUse = false;
    releaseNow();
  }
}
