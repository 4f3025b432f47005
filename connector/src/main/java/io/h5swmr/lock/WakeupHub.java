package io.h5swmr.lock;

import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.Semaphore;
import java.util.concurrent.TimeUnit;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import redis.clients.jedis.JedisPubSub;
import redis.clients.jedis.UnifiedJedis;

/**
 * One pub/sub subscriber thread per {@link LockService}: the scripts PUBLISH a lock's hash tag on
 * the service channel whenever holders or waiters leave, and this hub wakes the local waiters of
 * that lock. Missed messages are covered by the waiters' bounded backoff; after a reconnect every
 * waiter is woken.
 */
final class WakeupHub implements AutoCloseable {
  private static final Logger LOG = LoggerFactory.getLogger(WakeupHub.class);

  private final UnifiedJedis client;
  private final String channel;
  private final ConcurrentHashMap<String, Set<Waiter>> waiters = new ConcurrentHashMap<>();
  private final Thread thread;
  private volatile JedisPubSub current;
  private volatile boolean closed;

  WakeupHub(UnifiedJedis client, String channel) {
    this.client = client;
    this.channel = channel;
    this.thread = new Thread(this::run, "h5swmr-lock-events");
    thread.setDaemon(true);
    thread.start();
  }

  Waiter register(String tag) {
    Waiter w = new Waiter(tag);
    waiters.compute(
        tag,
        (t, set) -> {
          Set<Waiter> s = set == null ? ConcurrentHashMap.newKeySet() : set;
          s.add(w);
          return s;
        });
    return w;
  }

  /**
   * Wakes the local waiters of one lock (pub/sub messages, and local releases without waiting for
   * them).
   */
  void wake(String tag) {
    Set<Waiter> set = waiters.get(tag);
    if (set != null) {
      set.forEach(Waiter::signal);
    }
  }

  private void wakeAll() {
    waiters.values().forEach(s -> s.forEach(Waiter::signal));
  }

  private void run() {
    long backoffMillis = 20;
    while (!closed) {
      JedisPubSub ps =
          new JedisPubSub() {
            @Override
            public void onMessage(String ch, String message) {
              wake(message);
            }

            @Override
            public void onSubscribe(String ch, int count) {
              LOG.debug("Subscribed to lock events on {}", ch);
              wakeAll();
            }
          };
      current = ps;
      try {
        client.subscribe(ps, channel);
        backoffMillis = 20;
      } catch (RuntimeException e) {
        if (closed) {
          break;
        }
        LOG.debug(
            "Lock event subscription on {} failed ({}); retrying in {} ms",
            channel,
            e.toString(),
            backoffMillis);
        wakeAll();
        try {
          Thread.sleep(backoffMillis);
        } catch (InterruptedException ie) {
          break;
        }
        backoffMillis = Math.min(1000, backoffMillis * 2);
      }
    }
  }

  @Override
  public void close() {
    closed = true;
    JedisPubSub ps = current;
    if (ps != null && ps.isSubscribed()) {
      try {
        ps.unsubscribe();
      } catch (RuntimeException e) {
        LOG.debug("Unsubscribe from {} failed: {}", channel, e.toString());
      }
    }
    thread.interrupt();
  }

  /** A local waiter for one lock; signalled on lock events. */
  final class Waiter implements AutoCloseable {
    private final String tag;
    private final Semaphore signals = new Semaphore(0);

    private Waiter(String tag) {
      this.tag = tag;
    }

    private void signal() {
      if (signals.availablePermits() == 0) {
        signals.release();
      }
    }

    /** Waits up to {@code nanos} for an event; true if one arrived. */
    boolean await(long nanos) throws InterruptedException {
      boolean got = signals.tryAcquire(nanos, TimeUnit.NANOSECONDS);
      signals.drainPermits();
      return got;
    }

    @Override
    public void close() {
      waiters.computeIfPresent(
          tag,
          (t, set) -> {
            set.remove(this);
            return set.isEmpty() ? null : set;
          });
    }
  }
}
