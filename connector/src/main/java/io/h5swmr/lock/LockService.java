package io.h5swmr.lock;

import io.h5swmr.exceptions.H5SwmrConfigException;
import io.h5swmr.exceptions.H5SwmrLockException;
import io.h5swmr.exceptions.H5SwmrLockTimeoutException;
import java.net.InetAddress;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.ScheduledThreadPoolExecutor;
import java.util.concurrent.ThreadLocalRandom;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.LongAdder;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import redis.clients.jedis.Connection;
import redis.clients.jedis.ConnectionPool;
import redis.clients.jedis.Jedis;
import redis.clients.jedis.RedisClusterClient;
import redis.clients.jedis.UnifiedJedis;
import redis.clients.jedis.exceptions.JedisAccessControlException;
import redis.clients.jedis.exceptions.JedisException;
import redis.clients.jedis.params.ScanParams;
import redis.clients.jedis.resps.ScanResult;

/**
 * Reader–writer leases kept in Redis: shared leases for readers, one exclusive lease with a fencing token for the
 * writer, writer preference without starving readers that queued behind a writer, leases that heal when a holder
 * dies, and loss detection for paused or cut-off holders. See {@link LockScripts} for the data model.
 *
 * <p>Thread-safe. {@link #shared} gives one instance per JVM and settings (closed by a shutdown hook; its
 * {@link #close()} does nothing); {@link #open} gives a private instance the caller closes. Closing a service
 * releases the leases it still holds.
 */
public final class LockService implements AutoCloseable {
  private static final Logger LOG = LoggerFactory.getLogger(LockService.class);
  private static final ConcurrentHashMap<LockSettings, LockService> SHARED = new ConcurrentHashMap<>();
  private static final long INITIAL_BACKOFF_NANOS = TimeUnit.MILLISECONDS.toNanos(20);
  private static final long MAX_BACKOFF_NANOS = TimeUnit.MILLISECONDS.toNanos(500);
  private static final String HOST = hostName();
  private static final long PID = ProcessHandle.current().pid();

  static {
    Runtime.getRuntime().addShutdownHook(new Thread(() -> {
      for (LockService s : SHARED.values()) {
        s.shutdown();
      }
    }, "h5swmr-lock-shutdown"));
  }

  private final LockSettings settings;
  private final RedisEndpoint endpoint;
  private final boolean sharedInstance;
  private final UnifiedJedis client;
  private final String channel;
  private final String hostPid;
  private final long ttlMillis;
  private final long waiterTtlMillis;
  private final ScheduledThreadPoolExecutor watchdog;
  private final Set<RedisLease> active = ConcurrentHashMap.newKeySet();
  private final LongAdder acquisitions = new LongAdder();
  private final LongAdder totalWaitNanos = new LongAdder();
  private final LongAdder leasesLost = new LongAdder();
  private final LongAdder timeouts = new LongAdder();
  private volatile WakeupHub hub;
  private volatile boolean closed;

  private LockService(LockSettings settings, boolean sharedInstance) {
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
      throw connectionError("connect", e);
    }
    AtomicInteger n = new AtomicInteger();
    this.watchdog = new ScheduledThreadPoolExecutor(2, r -> {
      Thread t = new Thread(r, "h5swmr-lease-watchdog-" + n.incrementAndGet());
      t.setDaemon(true);
      return t;
    });
    watchdog.setRemoveOnCancelPolicy(true);
    LOG.debug("Opened lock service on {} (prefix {}, TTL {})", endpoint.redactedUrl(), settings.keyPrefix(),
        settings.leaseTtl());
  }

  /** The JVM-wide service for these settings, created on first use; cheap afterwards. */
  public static LockService shared(LockSettings settings) {
    LockService s = SHARED.get(settings);
    if (s != null && !s.closed) {
      return s;
    }
    return SHARED.compute(settings, (k, old) -> old != null && !old.closed ? old : new LockService(k, true));
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
   * @throws H5SwmrLockException when Redis cannot be reached or the thread is interrupted (flag restored)
   */
  public Lease acquire(String resource, LeaseMode mode, Duration timeout) {
    checkOpen();
    if (resource == null || resource.isEmpty()) {
      throw new H5SwmrConfigException("Lock resource name must not be empty");
    }
    Objects.requireNonNull(mode, "mode");
    if (timeout == null || timeout.isNegative()) {
      throw new H5SwmrConfigException("Lock acquire timeout must be zero or positive, got: " + timeout);
    }
    LockKeys keys = LockKeys.of(settings.keyPrefix(), resource);
    String id = Long.toString(PID, 36) + "-" + Long.toHexString(ThreadLocalRandom.current().nextLong());
    long start = System.nanoTime();
    long timeoutNanos = timeout.toNanos();
    List<String> args = List.of(mode.code(), id, Long.toString(ttlMillis), Long.toString(waiterTtlMillis), hostPid,
        resource, channel, keys.tag, timeoutNanos > 0 ? "1" : "0");
    WakeupHub.Waiter waiter = null;
    long backoff = INITIAL_BACKOFF_NANOS;
    boolean reached = false;
    long heldBackMillis = 0;
    try {
      while (true) {
        long callStart = System.nanoTime();
        List<?> result = null;
        try {
          result = (List<?>) LockScripts.acquire(client, keys, args);
          reached = true;
        } catch (JedisException e) {
          if (!reached || callStart - start >= timeoutNanos) {
            cancelQuietly(keys, id);
            throw connectionError("acquire a " + mode + " lease on '" + resource + "'", e);
          }
          LOG.debug("Acquire attempt for {} failed, retrying: {}", resource, e.toString());
        }
        if (result != null && ((Long) result.get(0)) == 1L) {
          return granted(keys, mode, id, Long.parseLong((String) result.get(1)), System.nanoTime() - start,
              callStart);
        }
        if (result != null && result.size() > 2 && ((Long) result.get(2)) > 0) {
          heldBackMillis = (Long) result.get(2);
          LOG.debug("Redis restarted recently: grants on '{}' held back {} more ms", resource, heldBackMillis);
        }
        long remaining = timeoutNanos - (System.nanoTime() - start);
        if (remaining <= 0) {
          cancelQuietly(keys, id);
          timeouts.increment();
          throw timeoutError(keys, mode, System.nanoTime() - start, heldBackMillis);
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
      throw new H5SwmrLockException("Interrupted after " + TimeUnit.NANOSECONDS.toMillis(System.nanoTime() - start)
          + " ms while waiting for a " + mode + " lease on '" + resource + "'", e);
    } finally {
      if (waiter != null) {
        waiter.close();
      }
    }
  }

  private Lease granted(LockKeys keys, LeaseMode mode, String id, long token, long waitNanos, long callStart) {
    RedisLease lease = new RedisLease(this, keys, mode, id, token, waitNanos, callStart,
        TimeUnit.MILLISECONDS.toNanos(ttlMillis));
    active.add(lease);
    acquisitions.increment();
    totalWaitNanos.add(waitNanos);
    long period = Math.max(50, ttlMillis / 3);
    lease.setRenewal(watchdog.scheduleWithFixedDelay(lease::renew, period, period, TimeUnit.MILLISECONDS));
    if (LOG.isDebugEnabled()) {
      LOG.debug("Acquired {} after {} ms{}", lease.describe(), waitNanos / 1_000_000,
          mode == LeaseMode.EXCLUSIVE ? " (token " + token + ")" : "");
    }
    return lease;
  }

  boolean renewInRedis(RedisLease lease) {
    Object r = LockScripts.renew(client, lease.keys, List.of(lease.mode().code(), lease.id(),
        Long.toString(ttlMillis), channel, lease.keys.tag));
    return ((Long) r) == 1L;
  }

  void leaseLost(RedisLease lease) {
    leasesLost.increment();
    active.remove(lease);
  }

  void release(RedisLease lease, boolean alreadyLost) {
    active.remove(lease);
    try {
      LockScripts.release(client, lease.keys, List.of(lease.id(), channel, lease.keys.tag));
      WakeupHub h = hub;
      if (h != null) {
        h.wake(lease.keys.tag); // local waiters need not wait for the pub/sub round trip
      }
      LOG.debug("Released {} after {} ms", lease.describe(), lease.holdNanos() / 1_000_000);
    } catch (RuntimeException e) {
      // the lease expires by itself within its TTL
      LOG.debug("Release of {} failed{}: {}", lease.describe(), alreadyLost ? " (already lost)" : "", e.toString());
    }
  }

  private void cancelQuietly(LockKeys keys, String id) {
    try {
      LockScripts.release(client, keys, List.of(id, channel, keys.tag));
    } catch (RuntimeException e) {
      LOG.debug("Could not deregister waiter {} on '{}': {}", id, keys.resource, e.toString());
    }
  }

  /** True if {@code token} is the fencing token of the current, unexpired exclusive lease (one Redis call). */
  public boolean isExclusiveHolder(String resource, long token) {
    checkOpen();
    LockKeys keys = LockKeys.of(settings.keyPrefix(), resource);
    try {
      return ((Long) LockScripts.isHolder(client, keys, List.of(Long.toString(token)))) == 1L;
    } catch (JedisException e) {
      throw connectionError("check the exclusive holder of '" + resource + "'", e);
    }
  }

  /** Connects and authenticates. @throws H5SwmrLockException naming host:port, never the password */
  public void ping() {
    checkOpen();
    try {
      client.ping();
    } catch (JedisException e) {
      throw connectionError("ping", e);
    }
  }

  /** Every lock under the key prefix that has holders or waiters, sorted by resource. */
  public List<LockState> list() {
    checkOpen();
    try {
      List<LockState> out = new ArrayList<>();
      for (String infoKey : scanInfoKeys()) {
        String base = infoKey.substring(0, infoKey.length() - LockKeys.INFO_SUFFIX.length());
        LockState s = inspect(LockKeys.ofBase(base));
        if (s != null && (!s.holders().isEmpty() || !s.waiters().isEmpty())) {
          out.add(s);
        }
      }
      out.sort(Comparator.comparing(LockState::resource));
      return out;
    } catch (JedisException e) {
      throw connectionError("list locks", e);
    }
  }

  /** The state of one lock (holders and waiters may be empty). */
  public LockState state(String resource) {
    checkOpen();
    try {
      LockState s = inspect(LockKeys.of(settings.keyPrefix(), resource));
      return s != null ? s : new LockState(resource, List.of(), List.of());
    } catch (JedisException e) {
      throw connectionError("read the lock state of '" + resource + "'", e);
    }
  }

  private List<String> scanInfoKeys() {
    String pattern = globEscape(settings.keyPrefix()) + "{*}" + LockKeys.INFO_SUFFIX;
    ScanParams params = new ScanParams().match(pattern).count(500);
    List<String> keys = new ArrayList<>();
    if (client instanceof RedisClusterClient) {
      for (ConnectionPool pool : ((RedisClusterClient) client).getClusterNodes().values()) {
        try (Connection c = pool.getResource(); Jedis j = new Jedis(c)) {
          String cursor = ScanParams.SCAN_POINTER_START;
          do {
            ScanResult<String> r = j.scan(cursor, params);
            keys.addAll(r.getResult());
            cursor = r.getCursor();
          } while (!"0".equals(cursor));
        }
      }
      return keys;
    }
    String cursor = ScanParams.SCAN_POINTER_START;
    do {
      ScanResult<String> r = client.scan(cursor, params);
      keys.addAll(r.getResult());
      cursor = r.getCursor();
    } while (!"0".equals(cursor));
    return keys;
  }

  private static String globEscape(String s) {
    StringBuilder sb = new StringBuilder();
    for (char c : s.toCharArray()) {
      if (c == '*' || c == '?' || c == '[' || c == ']' || c == '\\') {
        sb.append('\\');
      }
      sb.append(c);
    }
    return sb.toString();
  }

  private LockState inspect(LockKeys keys) {
    List<?> r = (List<?>) LockScripts.inspect(client, keys);
    long now = Long.parseLong((String) r.get(0));
    Map<String, String> info = pairs((List<?>) r.get(5));
    String resource = info.getOrDefault("resource", keys.resource);
    if (resource == null) {
      return null;
    }
    List<LockState.Holder> holders = new ArrayList<>();
    Map<String, String> writer = pairs((List<?>) r.get(2));
    if (writer.containsKey("id") && Long.parseLong(writer.get("exp")) > now) {
      holders.add(holder(LeaseMode.EXCLUSIVE, writer.get("id"), info, now, Long.parseLong(writer.get("exp")),
          Long.parseLong(writer.get("token"))));
    }
    for (Map.Entry<String, String> e : pairs((List<?>) r.get(1)).entrySet()) {
      long exp = (long) Double.parseDouble(e.getValue());
      if (exp > now) {
        holders.add(holder(LeaseMode.SHARED, e.getKey(), info, now, exp, 0));
      }
    }
    Map<String, String> waiterExp = pairs((List<?>) r.get(4));
    List<LockState.Waiter> waiters = new ArrayList<>();
    for (Map.Entry<String, String> e : pairs((List<?>) r.get(3)).entrySet()) {
      String exp = waiterExp.get(e.getKey());
      if (exp == null || (long) Double.parseDouble(exp) <= now) {
        continue;
      }
      String[] f = splitInfo(info.get(e.getKey()));
      long since = parseLong(f[3], now);
      waiters.add(new LockState.Waiter(LeaseMode.fromCode(f[0]), e.getKey(), f[1], parseLong(f[2], -1),
          (long) Double.parseDouble(e.getValue()), now - since));
    }
    return new LockState(resource, holders, waiters);
  }

  private static LockState.Holder holder(LeaseMode mode, String id, Map<String, String> info, long now, long exp,
      long token) {
    String[] f = splitInfo(info.get(id));
    long since = parseLong(f[3], now);
    return new LockState.Holder(mode, id, f[1], parseLong(f[2], -1), since, now - since, exp - now, token);
  }

  private static String[] splitInfo(String s) {
    String[] f = s == null ? new String[0] : s.split("\\|", -1);
    return f.length == 4 ? f : new String[] {"S", "?", "-1", ""};
  }

  private static long parseLong(String s, long dflt) {
    try {
      return Long.parseLong(s);
    } catch (NumberFormatException e) {
      return dflt;
    }
  }

  private static Map<String, String> pairs(List<?> flat) {
    Map<String, String> m = new java.util.LinkedHashMap<>();
    for (int i = 0; i + 1 < flat.size(); i += 2) {
      m.put(String.valueOf(flat.get(i)), String.valueOf(flat.get(i + 1)));
    }
    return m;
  }

  /** Admin: removes the holder or waiter {@code leaseId} of {@code resource}; true if a lease was removed. */
  public boolean forceRelease(String resource, String leaseId) {
    checkOpen();
    LockKeys keys = LockKeys.of(settings.keyPrefix(), resource);
    try {
      boolean removed = ((Long) LockScripts.release(client, keys, List.of(leaseId, channel, keys.tag))) == 1L;
      LOG.debug("Force-release of lease {} on '{}': {}", leaseId, resource, removed ? "removed" : "not found");
      return removed;
    } catch (JedisException e) {
      throw connectionError("force-release lease " + leaseId + " on '" + resource + "'", e);
    }
  }

  /** Admin: removes every holder and waiter of {@code resource} (the fencing token is kept); returns how many. */
  public long forceReleaseAll(String resource) {
    checkOpen();
    LockKeys keys = LockKeys.of(settings.keyPrefix(), resource);
    try {
      return (Long) LockScripts.releaseAll(client, keys, List.of(channel, keys.tag));
    } catch (JedisException e) {
      throw connectionError("force-release all leases on '" + resource + "'", e);
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

  private void checkOpen() {
    if (closed) {
      throw new H5SwmrLockException("Lock service on " + endpoint.redactedUrl() + " is closed");
    }
  }

  private H5SwmrLockTimeoutException timeoutError(LockKeys keys, LeaseMode mode, long waitedNanos,
      long heldBackMillis) {
    String holders;
    try {
      LockState s = inspect(keys);
      holders = s == null || s.holders().isEmpty() ? "none (waiting behind earlier waiters: "
          + (s == null ? List.of() : s.waiters()) + ")" : s.holders().toString();
    } catch (RuntimeException e) {
      holders = "unknown (" + e.getClass().getSimpleName() + ": " + endpoint.redact(e.getMessage()) + ")";
    }
    return new H5SwmrLockTimeoutException("Timed out after " + TimeUnit.NANOSECONDS.toMillis(waitedNanos)
        + " ms waiting for a " + mode + " lease on '" + keys.resource + "' (Redis " + endpoint.hostsText()
        + "); current holders: " + holders + (heldBackMillis > 0 ? "; Redis restarted recently and holds grants "
        + "back for one lease TTL (" + heldBackMillis + " ms left at the last attempt)" : ""));
  }

  H5SwmrLockException connectionError(String action, RuntimeException e) {
    Throwable root = e;
    while (root.getCause() != null && root.getCause() != root) {
      root = root.getCause();
    }
    String what = e instanceof JedisAccessControlException
        ? "rejected the credentials" + (endpoint.user != null ? " of user '" + endpoint.user + "'" : "")
        : "failed";
    if (root == e && e.getSuppressed().length > 0) {
      root = e.getSuppressed()[0]; // Jedis attaches the per-address connect failures as suppressed exceptions
      while (root.getCause() != null && root.getCause() != root) {
        root = root.getCause();
      }
    }
    String causeText = e.getClass().getSimpleName() + ": " + endpoint.redact(e.getMessage())
        + (root != e ? " (caused by " + root.getClass().getName() + ": " + endpoint.redact(root.getMessage()) + ")"
        : "");
    return new H5SwmrLockException("Cannot " + action + ": Redis at " + endpoint.hostsText() + " ("
        + endpoint.redactedUrl() + ") " + what + " - " + causeText, e);
  }

  /**
   * Releases the leases still held and closes the connections. On a {@link #shared} instance this does nothing:
   * shared services live until JVM exit.
   */
  @Override
  public void close() {
    if (sharedInstance) {
      LOG.debug("close() on the shared lock service for {} ignored", endpoint.redactedUrl());
      return;
    }
    shutdown();
  }

  private synchronized void shutdown() {
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
    SHARED.remove(settings, this);
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
