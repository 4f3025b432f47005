package io.h5swmr.lock;

import io.h5swmr.exceptions.H5SwmrLeaseLostException;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.ScheduledFuture;
import java.util.function.Consumer;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * A lease held in Redis. Its local validity deadline is the start of the last successful grant or
 * renewal call plus the TTL minus a small drift allowance, measured with {@link System#nanoTime()}:
 * Redis set the expiry after that call started, so the lease can never be believed valid locally
 * after Redis has let it expire.
 */
final class RedisLease implements Lease {
  private static final Logger LOG = LoggerFactory.getLogger(RedisLease.class);

  private final LockService service;
  final LockKeys keys;
  private final LeaseMode mode;
  private final String id;
  private final long token;
  private final long waitNanos;
  private final long acquiredAtEpochMillis;
  private final long grantedNanos;
  private final long validNanos;
  private final List<Consumer<String>> callbacks = new ArrayList<>();
  private volatile long validUntilNanos;
  private volatile String lostReason;
  private volatile boolean closed;
  private volatile long releasedNanos;
  private ScheduledFuture<?> renewal;

  RedisLease(
      LockService service,
      LockKeys keys,
      LeaseMode mode,
      String id,
      long token,
      long waitNanos,
      long callStartNanos,
      long ttlNanos) {
    this.service = service;
    this.keys = keys;
    this.mode = mode;
    this.id = id;
    this.token = token;
    this.waitNanos = waitNanos;
    this.acquiredAtEpochMillis = System.currentTimeMillis();
    this.grantedNanos = System.nanoTime();
    this.validNanos = ttlNanos - Math.min(ttlNanos / 20, 500_000_000L);
    this.validUntilNanos = callStartNanos + validNanos;
  }

  synchronized void setRenewal(ScheduledFuture<?> f) {
    this.renewal = f;
  }

  @Override
  public String resource() {
    return keys.resource;
  }

  @Override
  public LeaseMode mode() {
    return mode;
  }

  @Override
  public String id() {
    return id;
  }

  @Override
  public long token() {
    return token;
  }

  @Override
  public boolean isValid() {
    return !closed && lostReason == null && System.nanoTime() - validUntilNanos < 0;
  }

  @Override
  public void checkValid() {
    if (isValid()) {
      return;
    }
    String why;
    if (lostReason != null) {
      why = lostReason;
    } else if (closed) {
      why = "it was released";
    } else {
      why = expiredReason(System.nanoTime());
    }
    throw new H5SwmrLeaseLostException(describe() + " is no longer valid: " + why);
  }

  private String expiredReason(long now) {
    return "no successful renewal within the lease TTL (deadline passed "
        + (now - validUntilNanos) / 1_000_000
        + " ms ago; the process may have been paused or Redis unreachable)";
  }

  String describe() {
    return mode + " lease " + id + " on '" + keys.resource + "'";
  }

  @Override
  public void onLost(Consumer<String> callback) {
    String reason;
    synchronized (this) {
      reason = lostReason;
      if (reason == null) {
        callbacks.add(callback);
        return;
      }
    }
    callback.accept(reason);
  }

  @Override
  public long waitNanos() {
    return waitNanos;
  }

  @Override
  public long acquiredAtEpochMillis() {
    return acquiredAtEpochMillis;
  }

  @Override
  public long holdNanos() {
    long end = closed ? releasedNanos : System.nanoTime();
    return end - grantedNanos;
  }

  /**
   * Watchdog tick: renews, or marks the lease lost when it is gone or its local deadline has
   * passed.
   */
  void renew() {
    if (closed || lostReason != null) {
      return;
    }
    long start = System.nanoTime();
    if (start - validUntilNanos >= 0) {
      markLost(expiredReason(start));
      return;
    }
    try {
      if (service.renewInRedis(this)) {
        validUntilNanos = start + validNanos;
      } else if (!closed) {
        markLost(
            "the lease is no longer in Redis (it expired, Redis lost its state, or it was force-released)");
      }
    } catch (RuntimeException e) {
      long now = System.nanoTime();
      LOG.debug("Renewal of {} failed: {}", describe(), e.toString());
      if (now - validUntilNanos >= 0) {
        markLost("could not renew it before the TTL ran out: " + e.getMessage());
      }
    }
  }

  void markLost(String reason) {
    List<Consumer<String>> toRun;
    synchronized (this) {
      if (closed || lostReason != null) {
        return;
      }
      lostReason = reason;
      toRun = new ArrayList<>(callbacks);
      callbacks.clear();
      if (renewal != null) {
        renewal.cancel(false);
      }
    }
    LOG.debug("Lost {}: {}", describe(), reason);
    service.leaseLost(this);
    for (Consumer<String> c : toRun) {
      try {
        c.accept(reason);
      } catch (RuntimeException e) {
        LOG.warn("Lease-loss callback of {} failed", describe(), e);
      }
    }
  }

  @Override
  public void close() {
    synchronized (this) {
      if (closed) {
        return;
      }
      closed = true;
      releasedNanos = System.nanoTime();
      if (renewal != null) {
        renewal.cancel(false);
      }
    }
    service.release(this, lostReason != null);
  }

  @Override
  public String toString() {
    return describe()
        + (mode == LeaseMode.EXCLUSIVE ? " token " + token : "")
        + (isValid() ? "" : " (invalid)");
  }
}
