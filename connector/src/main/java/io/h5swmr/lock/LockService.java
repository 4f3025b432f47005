package io.h5swmr.lock;

import io.h5swmr.exceptions.H5SwmrConfigException;
import io.h5swmr.exceptions.H5SwmrLockException;
import io.h5swmr.exceptions.H5SwmrLockTimeoutException;
import java.net.InetAddress;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Objects;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.ScheduledThreadPoolExecutor;
import java.util.concurrent.ThreadLocalRandom;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.LongAdder;
import java.util.function.Supplier;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import redis.clients.jedis.UnifiedJedis;
import redis.clients.jedis.exceptions.JedisConnectionException;
import redis.clients.jedis.exceptions.JedisException;

/**
 * Reader–writer leases kept in Redis: shared leases for readers, one exclusive lease with a fencing
 * token for the writer, writer preference without starving readers that queued behind a writer,
 * leases that heal when a holder dies, and loss detection for paused or cut-off holders. The
 * protocol lives in the Lua scripts (see {@link LockScripts} and docs/lock-service.md); the per-JVM
 * instances in {@link LockRegistry}, admin inspection in {@link LockInspector}, the post-restart
 * hold-back's client side in {@link HoldBack}, error texts in {@link LockErrors}.
 *
 * <p>Thread-safe. {@link #shared} gives one instance per JVM and settings (closed by a shutdown
 * hook; its {@link #close()} does nothing); {@link #open} gives a private instance the caller
 * closes. Closing a service releases the leases it still holds.
 */
public final class LockService implements AutoCloseable {
  private static final Logger LOG = LoggerFactory.getLogger(LockService.class);
  private static final long INITIAL_BACKOFF_NANOS = TimeUnit.MILLISECONDS.toNanos(20);
  private static final long MAX_BACKOFF_NANOS = TimeUnit.MILLISECONDS.toNanos(500);

  /**
   * How long an acquisition through Sentinel retries an unreachable master (a failover takes
   * seconds).
   */
  private static final long SENTINEL_FAILOVER_NANOS = TimeUnit.SECONDS.toNanos(60);

  private static final String HOST = hostName();
  private static final long PID = ProcessHandle.current().pid();

  private final LockSettings settings;
  private final RedisEndpoint endpoint;
  private final boolean sharedInstance;
  private final UnifiedJedis client;
  private final String channel;
  private final String hostPid;
  private final long ttlMillis;
  private final long waiterTtlMillis;
  private final LockInspector inspector;
  private final HoldBack holdBack;
  private final ScheduledThreadPoolExecutor watchdog;
  private final Set<RedisLease> active = ConcurrentHashMap.newKeySet();
  private final LongAdder acquisitions = new LongAdder();
  private final LongAdder totalWaitNanos = new LongAdder();
  private final LongAdder leasesLost = new LongAdder();
  private final LongAdder timeouts = new LongAdder();
  private volatile WakeupHub hub;
  private volatile boolean closed;

  LockService(LockSettings settings, boolean sharedInstance) {
    this.settings = Objects.requireNonNull(settings, "settings");
    this.endpoint = settings.endpoint();
    this.sharedInstance = sharedInstance;
    this.channel = settings.keyPrefix() + "events";
    this.hostPid = HOST + "|" + PID;
    this.ttlMillis = settings.leaseTtl().toMillis();
    this.waiterTtlMillis = Math.max(2000, Math.min(ttlMillis, 5000));
    try {
      this.client = endpoint.newClient(settings.connectTimeout());
    } catch (JedisException e) {
      throw LockErrors.connection(endpoint, "connect", e);
    }
    this.inspector = new LockInspector(client, settings.keyPrefix(), channel);
    this.holdBack = new HoldBack(endpoint, client, settings.leaseTtl(), settings.keyPrefix());
    AtomicInteger n = new AtomicInteger();
    this.watchdog =
        new ScheduledThreadPoolExecutor(
            2,
            r -> {
              Thread t = new Thread(r, "h5swmr-lease-watchdog-" + n.incrementAndGet());
              t.setDaemon(true);
              return t;
            });
    watchdog.setRemoveOnCancelPolicy(true);
    LOG.debug(
        "Opened lock service on {} (prefix {}, TTL {})",
        endpoint.redactedUrl(),
        settings.keyPrefix(),
        settings.leaseTtl());
  }

  /** The JVM-wide service for these settings, created on first use; cheap afterwards. */
  public static LockService shared(LockSettings settings) {
    return LockRegistry.get(settings);
  }

  /** A private service; the caller must {@link #close()} it. */
  public static LockService open(LockSettings settings) {
    return new LockService(settings, false);
  }

  public LockSettings settings() {
    return settings;
  }

  public Lease acquireShared(String resource) {
    return acquire(resource, LeaseMode.SHARED, settings.acquireTimeout());
  }

  public Lease acquireShared(String resource, Duration timeout) {
    return acquire(resource, LeaseMode.SHARED, timeout);
  }

  public Lease acquireExclusive(String resource) {
    return acquire(resource, LeaseMode.EXCLUSIVE, settings.acquireTimeout());
  }

  public Lease acquireExclusive(String resource, Duration timeout) {
    return acquire(resource, LeaseMode.EXCLUSIVE, timeout);
  }

  /**
   * Acquires a lease, waiting up to {@code timeout} (zero: one attempt, no queueing).
   *
   * @throws H5SwmrLockTimeoutException when the time is up, naming the holders
   * @throws H5SwmrLockException when Redis cannot be reached or the thread is interrupted (flag
   *     restored)
   */
  public Lease acquire(String resource, LeaseMode mode, Duration timeout) {
    checkOpen();
    if (resource == null || resource.isEmpty()) {
      throw new H5SwmrConfigException("Lock resource name must not be empty");
    }
    Objects.requireNonNull(mode, "mode");
    if (timeout == null || timeout.isNegative()) {
      throw new H5SwmrConfigException(
          "Lock acquire timeout must be zero or positive, got: " + timeout);
    }
    LockKeys keys = LockKeys.of(settings.keyPrefix(), resource);
    String id =
        Long.toString(PID, 36) + "-" + Long.toHexString(ThreadLocalRandom.current().nextLong());
    long start = System.nanoTime();
    long timeoutNanos = timeout.toNanos();
    WakeupHub.Waiter waiter = null;
    long backoff = INITIAL_BACKOFF_NANOS;
    boolean reached = false;
    long heldBackMillis = 0;
    String heldBackCause = "";
    try {
      while (true) {
        long callStart = System.nanoTime();
        List<?> result = null;
        try {
          result =
              (List<?>)
                  LockScripts.acquire(
                      client,
                      keys,
                      freshKey(keys),
                      incarnationKey(keys),
                      List.of(
                          mode.code(),
                          id,
                          Long.toString(ttlMillis),
                          Long.toString(waiterTtlMillis),
                          hostPid,
                          resource,
                          channel,
                          keys.tag,
                          timeoutNanos > 0 ? "1" : "0",
                          holdBack.durableArg()));
          reached = true;
        } catch (JedisException e) {
          // A connection broken in the middle of a call (e.g. Redis restarted) means the server was
          // reached: keep trying within the timeout, as after any earlier successful call. Only a
          // server never reached fails fast.
          if (brokenMidCall(e)) {
            reached = true;
          }
          // a Sentinel master that cannot be reached may be failing over: keep trying for a while
          boolean failover =
              endpoint.kind == RedisEndpoint.Kind.SENTINEL
                  && e instanceof JedisConnectionException
                  && callStart - start < Math.min(timeoutNanos, SENTINEL_FAILOVER_NANOS);
          if ((!reached && !failover) || callStart - start >= timeoutNanos) {
            cancelQuietly(keys, id);
            throw LockErrors.connection(
                endpoint, "acquire a " + mode + " lease on '" + resource + "'", e);
          }
          LOG.debug("Acquire attempt for {} failed, retrying: {}", resource, e.toString());
        }
        if (result != null && ((Long) result.get(0)) == 1L) {
          return granted(
              keys,
              mode,
              id,
              Long.parseLong((String) result.get(1)),
              System.nanoTime() - start,
              callStart);
        }
        heldBackMillis = result != null && result.size() > 3 ? (Long) result.get(2) : 0;
        if (heldBackMillis > 0) {
          heldBackCause = String.valueOf(result.get(3));
          if (holdBack.heldBack(resource, heldBackMillis, heldBackCause)) {
            continue; // the server turned out to fsync every write: the reloaded state is complete
          }
        }
        long remaining = timeoutNanos - (System.nanoTime() - start);
        if (remaining <= 0) {
          cancelQuietly(keys, id);
          timeouts.increment();
          throw LockErrors.timeout(
              endpoint,
              resource,
              mode,
              System.nanoTime() - start,
              holdersText(keys),
              holdBack.timeoutNote(heldBackMillis, heldBackCause));
        }
        if (waiter == null) {
          waiter = hub().register(keys.tag);
        }
        long jitter = ThreadLocalRandom.current().nextLong(backoff / 4 + 1);
        boolean woken = waiter.await(Math.min(backoff + jitter, remaining));
        backoff = woken ? INITIAL_BACKOFF_NANOS : Math.min(MAX_BACKOFF_NANOS, backoff * 2);
      }
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      cancelQuietly(keys, id);
      throw LockErrors.interrupted(resource, mode, System.nanoTime() - start, e);
    } finally {
      if (waiter != null) {
        waiter.close();
      }
    }
  }

  /**
   * A connection that was open and then broke (the server closed it or reset it, e.g. Redis
   * restarted), as opposed to a server never reached (refused, unknown host, no route, connect
   * timeout). Only positive evidence of a broken open connection counts; anything else is treated
   * as not reaching the server.
   */
  static boolean brokenMidCall(Throwable e) {
    if (!(e instanceof JedisConnectionException)) {
      return false;
    }
    boolean broken = false;
    java.util.ArrayDeque<Throwable> todo = new java.util.ArrayDeque<>();
    java.util.Set<Throwable> seen =
        java.util.Collections.newSetFromMap(new java.util.IdentityHashMap<>());
    todo.add(e);
    while (!todo.isEmpty()) {
      Throwable t = todo.poll();
      if (!seen.add(t)) {
        continue;
      }
      if (t instanceof java.net.ConnectException
          || t instanceof java.net.UnknownHostException
          || t instanceof java.net.SocketTimeoutException
          || t instanceof java.net.NoRouteToHostException) {
        return false;
      }
      String msg = String.valueOf(t.getMessage());
      if (msg.contains("Failed to connect") || msg.contains("Connection refused")) {
        return false;
      }
      if (msg.contains("Unexpected end of stream")
          || msg.contains("Connection reset")
          || msg.contains("Broken pipe")
          || (t instanceof java.net.SocketException && !msg.contains("connect"))) {
        broken = true;
      }
      if (t.getCause() != null) {
        todo.add(t.getCause());
      }
      todo.addAll(java.util.Arrays.asList(t.getSuppressed()));
    }
    return broken;
  }

  private Lease granted(
      LockKeys keys, LeaseMode mode, String id, long token, long waitNanos, long callStart) {
    RedisLease lease =
        new RedisLease(
            this,
            keys,
            mode,
            id,
            token,
            waitNanos,
            callStart,
            TimeUnit.MILLISECONDS.toNanos(ttlMillis));
    active.add(lease);
    acquisitions.increment();
    totalWaitNanos.add(waitNanos);
    long period = Math.max(50, ttlMillis / 3);
    lease.setRenewal(
        watchdog.scheduleWithFixedDelay(lease::renew, period, period, TimeUnit.MILLISECONDS));
    if (LOG.isDebugEnabled()) {
      LOG.debug(
          "Acquired {} after {} ms{}",
          lease.describe(),
          waitNanos / 1_000_000,
          mode == LeaseMode.EXCLUSIVE ? " (token " + token + ")" : "");
    }
    return lease;
  }

  boolean renewInRedis(RedisLease lease) {
    Object r =
        LockScripts.renew(
            client,
            lease.keys,
            List.of(
                lease.mode().code(),
                lease.id(),
                Long.toString(ttlMillis),
                channel,
                lease.keys.tag));
    return ((Long) r) == 1L;
  }

  void leaseLost(RedisLease lease) {
    leasesLost.increment();
    active.remove(lease);
  }

  void release(RedisLease lease, boolean alreadyLost) {
    active.remove(lease);
    List<String> args = List.of(lease.id(), channel, lease.keys.tag);
    try {
      try {
        LockScripts.release(client, lease.keys, args);
      } catch (JedisConnectionException e) {
        // a pooled connection broken by a Redis restart or failover: the pool has dropped it, one
        // retry
        LockScripts.release(client, lease.keys, args);
      }
      WakeupHub h = hub;
      if (h != null) {
        h.wake(lease.keys.tag); // local waiters need not wait for the pub/sub round trip
      }
      LOG.debug("Released {} after {} ms", lease.describe(), lease.holdNanos() / 1_000_000);
    } catch (RuntimeException e) {
      // the lease expires by itself within its TTL
      LOG.debug(
          "Release of {} failed{}: {}",
          lease.describe(),
          alreadyLost ? " (already lost)" : "",
          e.toString());
    }
  }

  private void cancelQuietly(LockKeys keys, String id) {
    try {
      LockScripts.release(client, keys, List.of(id, channel, keys.tag));
    } catch (RuntimeException e) {
      LOG.debug("Could not deregister waiter {} on '{}': {}", id, keys.resource, e.toString());
    }
  }

  private String holdersText(LockKeys keys) {
    try {
      return inspector.holdersText(keys);
    } catch (RuntimeException e) {
      return "unknown ("
          + e.getClass().getSimpleName()
          + ": "
          + endpoint.redact(e.getMessage())
          + ")";
    }
  }

  /**
   * Declares that this Redis server was just started empty, so no lease can have been lost with a
   * previous incarnation of it: acquisitions then skip the hold-back of one lease TTL that
   * otherwise follows a (re)start. For whoever starts a brand-new Redis for h5swmr (the examples,
   * an operator via {@code LockAdmin mark-fresh}). Does nothing and returns false when the server
   * holds any key other than the waiter entries of held-back acquisitions (a lease, a fencing
   * token: something was granted on this data). Not available on Redis Cluster.
   */
  public boolean declareFreshServer() {
    checkOpen();
    if (endpoint.kind == RedisEndpoint.Kind.CLUSTER) {
      throw new H5SwmrLockException(
          "Declaring a fresh server is not supported on Redis Cluster ("
              + endpoint.redactedUrl()
              + "): every lock waits one lease TTL after a cluster node starts");
    }
    return call(
        "declare the server fresh",
        () ->
            ((Long)
                    LockScripts.declareFresh(
                        client,
                        settings.keyPrefix() + "fresh-server",
                        LockInspector.globEscape(settings.keyPrefix())))
                == 1L);
  }

  /**
   * Standalone and Sentinel: the server-wide fresh marker. Cluster: a per-lock key nobody sets
   * (same slot).
   */
  private String freshKey(LockKeys keys) {
    return endpoint.kind == RedisEndpoint.Kind.CLUSTER
        ? keys.all.get(8) + ":fresh"
        : settings.keyPrefix() + "fresh-server";
  }

  /** Standalone and Sentinel: the server-wide incarnation marker. Cluster: per lock (same slot). */
  private String incarnationKey(LockKeys keys) {
    return endpoint.kind == RedisEndpoint.Kind.CLUSTER
        ? keys.all.get(8) + ":incarnation"
        : settings.keyPrefix() + "incarnation";
  }

  /**
   * True if {@code token} is the fencing token of the current, unexpired exclusive lease (one Redis
   * call).
   */
  public boolean isExclusiveHolder(String resource, long token) {
    checkOpen();
    LockKeys keys = LockKeys.of(settings.keyPrefix(), resource);
    return call(
        "check the exclusive holder of '" + resource + "'",
        () -> ((Long) LockScripts.isHolder(client, keys, List.of(Long.toString(token)))) == 1L);
  }

  /**
   * True when some holder-to-be queues for {@code resource}: a reader or a writer registered as a
   * waiter and not yet granted (one Redis call, no script). A holder that keeps its lease between
   * uses (an append session) asks this to yield the lease, so that writer preference never starves
   * the ones waiting. A waiter that died stays counted until its entry expires (a few seconds): the
   * holder then yields once for nothing.
   */
  public boolean hasWaiters(String resource) {
    checkOpen();
    LockKeys keys = LockKeys.of(settings.keyPrefix(), resource);
    return call("read the waiters of '" + resource + "'", () -> client.zcard(keys.all.get(2)) > 0);
  }

  /**
   * Connects and authenticates. @throws H5SwmrLockException naming host:port, never the password
   */
  public void ping() {
    checkOpen();
    call("ping", client::ping);
  }

  /** Every lock under the key prefix that has holders or waiters, sorted by resource. */
  public List<LockState> list() {
    checkOpen();
    return call("list locks", inspector::list);
  }

  /** The state of one lock (holders and waiters may be empty). */
  public LockState state(String resource) {
    checkOpen();
    return call("read the lock state of '" + resource + "'", () -> inspector.state(resource));
  }

  /**
   * Admin: removes the holder or waiter {@code leaseId} of {@code resource}; true if a lease was
   * removed.
   */
  public boolean forceRelease(String resource, String leaseId) {
    checkOpen();
    return call(
        "force-release lease " + leaseId + " on '" + resource + "'",
        () -> inspector.forceRelease(resource, leaseId));
  }

  /**
   * Admin: removes every holder and waiter of {@code resource} (the fencing token is kept); returns
   * how many.
   */
  public long forceReleaseAll(String resource) {
    checkOpen();
    return call(
        "force-release all leases on '" + resource + "'",
        () -> inspector.forceReleaseAll(resource));
  }

  private <T> T call(String action, Supplier<T> redisCall) {
    try {
      return redisCall.get();
    } catch (JedisException e) {
      throw LockErrors.connection(endpoint, action, e);
    }
  }

  /** Leases granted by this service so far. */
  public long acquisitions() {
    return acquisitions.sum();
  }

  /** Total nanoseconds spent waiting by the granted acquisitions. */
  public long totalWaitNanos() {
    return totalWaitNanos.sum();
  }

  /** Leases of this service found lost by the watchdog. */
  public long leasesLost() {
    return leasesLost.sum();
  }

  /** Acquisitions that timed out. */
  public long timeouts() {
    return timeouts.sum();
  }

  /** Leases currently held through this service. */
  public int activeLeases() {
    return active.size();
  }

  /** The hold-back state of this service (tests read its INFO notice). */
  HoldBack holdBack() {
    return holdBack;
  }

  private WakeupHub hub() {
    WakeupHub h = hub;
    if (h == null) {
      synchronized (this) {
        checkOpen();
        h = hub;
        if (h == null) {
          h = new WakeupHub(client, channel);
          hub = h;
        }
      }
    }
    return h;
  }

  boolean isClosed() {
    return closed;
  }

  private void checkOpen() {
    if (closed) {
      throw LockErrors.closed(endpoint);
    }
  }

  /**
   * Releases the leases still held and closes the connections. On a {@link #shared} instance this
   * does nothing: shared services live until JVM exit.
   */
  @Override
  public void close() {
    if (sharedInstance) {
      LOG.debug("close() on the shared lock service for {} ignored", endpoint.redactedUrl());
      return;
    }
    shutdown();
  }

  synchronized void shutdown() {
    if (closed) {
      return;
    }
    for (RedisLease l : new ArrayList<>(active)) {
      l.close();
    }
    closed = true;
    if (hub != null) {
      hub.close();
    }
    watchdog.shutdownNow();
    client.close();
    LockRegistry.remove(settings, this);
    LOG.debug("Closed lock service on {}", endpoint.redactedUrl());
  }

  @Override
  public String toString() {
    return "LockService{" + endpoint.redactedUrl() + ", prefix=" + settings.keyPrefix() + "}";
  }

  private static String hostName() {
    try {
      return InetAddress.getLocalHost().getHostName().replace('|', '_');
    } catch (Exception e) {
      String h = System.getenv("HOSTNAME");
      return h != null ? h.replace('|', '_') : "unknown-host";
    }
  }
}
