package io.h5swmr.lock;

import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.List;
import java.util.Locale;
import java.util.concurrent.atomic.AtomicInteger;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import redis.clients.jedis.Protocol;
import redis.clients.jedis.UnifiedJedis;

/**
 * The client side of the post-(re)start hold-back (see acquire.lua): whether this server is known
 * to fsync every write (then a restart that reloaded the lock state needs no wait), and the one
 * WARN message per service that says grants are held back, why, for how long and how to skip it.
 */
final class HoldBack {
  private static final Logger LOG = LoggerFactory.getLogger(LockService.class);

  /** Cause codes returned by acquire.lua. */
  static final String EMPTY = "empty";

  static final String RESTORED = "restored";

  private final RedisEndpoint endpoint;
  private final UnifiedJedis client;
  private final Duration ttl;
  private final String prefix;
  private final AtomicInteger notices = new AtomicInteger();
  private volatile String durableArg = "0";
  private volatile boolean durabilityChecked;
  private volatile String lastNotice = "";

  HoldBack(RedisEndpoint endpoint, UnifiedJedis client, Duration ttl, String prefix) {
    this.endpoint = endpoint;
    this.client = client;
    this.ttl = ttl;
    this.prefix = prefix;
  }

  /**
   * ARGV[10] of acquire.lua: "1" once this server was seen running appendonly yes + appendfsync
   * always.
   */
  String durableArg() {
    return durableArg;
  }

  /**
   * Handles a held-back reply. Returns true if the caller should retry at once: the state was
   * restored and this call has just found that the server fsyncs every write (checked once per
   * service).
   */
  boolean heldBack(String resource, long heldBackMillis, String cause) {
    if (RESTORED.equals(cause) && !durabilityChecked) {
      durabilityChecked = true;
      if (fsyncsEveryWrite()) {
        durableArg = "1";
        return true;
      }
    }
    if (notices.getAndIncrement() == 0) {
      lastNotice = notice(resource, heldBackMillis, cause);
      LOG.warn(
          lastNotice); // WARN: shown at Spark's default log level, so a newcomer's first wait is
      // explained
    } else {
      LOG.debug("Grants on '{}' held back {} more ms ({})", resource, heldBackMillis, cause);
    }
    return false;
  }

  /** Appended to a timeout message when the last attempt was held back. */
  String timeoutNote(long heldBackMillis, String cause) {
    return heldBackMillis <= 0
        ? ""
        : "Redis restarted recently and holds grants back for one lease TTL + 1 s ("
            + heldBackMillis
            + " ms left at the last attempt; "
            + why(cause)
            + "); "
            + skip();
  }

  /** How many times grants were found held back (the first one was logged at WARN). */
  int notices() {
    return notices.get();
  }

  /** The INFO message logged, or "" if none was. */
  String lastNotice() {
    return lastNotice;
  }

  private String notice(String resource, long heldBackMillis, String cause) {
    return "Lock service: Redis at "
        + endpoint.hostsText()
        + " was (re)started less than one lease TTL ago ("
        + ttl.toMillis()
        + " ms), and "
        + why(cause)
        + ". So that holders from before the start see their leases "
        + "lost before anybody else is let in, no lease is granted until the server has been up for TTL + 1 s ("
        + heldBackMillis
        + " ms from now; first seen on '"
        + resource
        + "'). "
        + skip()
        + ". (Logged once.)";
  }

  private static String why(String cause) {
    return RESTORED.equals(cause)
        ? "its lock state was reloaded from disk by a server not running appendonly yes + appendfsync always, "
            + "so grants made just before it stopped may be missing"
        : "it holds no lock state at all: either it is new, or it restarted and lost every lease it held";
  }

  private String skip() {
    return "To skip the wait on a Redis you have just started empty, run: java -cp <h5swmr jars> "
        + "io.h5swmr.lock.LockAdmin mark-fresh --url "
        + endpoint.redactedUrl()
        + (LockSettings.DEFAULT_KEY_PREFIX.equals(prefix) ? "" : " --prefix " + prefix)
        + " (or LockService.declareFreshServer()); a server with appendonly yes + appendfsync always needs no "
        + "wait after a restart";
  }

  /**
   * CONFIG GET appendonly/appendfsync; false when not allowed (ACL, renamed command) or on Redis
   * Cluster.
   */
  private boolean fsyncsEveryWrite() {
    if (endpoint.kind == RedisEndpoint.Kind.CLUSTER) {
      return false;
    }
    try {
      String aof = configValue("appendonly");
      String fsync = configValue("appendfsync");
      boolean durable = "yes".equalsIgnoreCase(aof) && "always".equalsIgnoreCase(fsync);
      LOG.debug("Redis at {}: appendonly {}, appendfsync {}", endpoint.hostsText(), aof, fsync);
      return durable;
    } catch (RuntimeException e) {
      LOG.debug(
          "Cannot read the persistence settings of Redis at {} (assuming not durable): {}",
          endpoint.hostsText(),
          endpoint.redact(e.getMessage()));
      return false;
    }
  }

  private String configValue(String name) {
    Object reply = client.sendCommand(Protocol.Command.CONFIG, "GET", name);
    if (reply instanceof List<?> l && l.size() >= 2) {
      return text(l.get(1)).toLowerCase(Locale.ROOT);
    }
    if (reply instanceof java.util.Map<?, ?> m && m.size() == 1) {
      return text(m.values().iterator().next()).toLowerCase(Locale.ROOT);
    }
    return "";
  }

  private static String text(Object o) {
    return o instanceof byte[] b ? new String(b, StandardCharsets.UTF_8) : String.valueOf(o);
  }
}
