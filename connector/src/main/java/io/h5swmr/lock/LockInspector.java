package io.h5swmr.lock;

import java.util.ArrayList;
import java.util.Comparator;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.function.Function;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import redis.clients.jedis.Connection;
import redis.clients.jedis.ConnectionPool;
import redis.clients.jedis.Jedis;
import redis.clients.jedis.RedisClusterClient;
import redis.clients.jedis.UnifiedJedis;
import redis.clients.jedis.params.ScanParams;
import redis.clients.jedis.resps.ScanResult;

/**
 * Admin inspection of the locks: snapshots of holders and waiters (inspect.lua), the listing of
 * every lock under a key prefix, and force-release. Redis errors propagate as Jedis exceptions;
 * {@link LockService} words them.
 */
final class LockInspector {
  private static final Logger LOG = LoggerFactory.getLogger(LockInspector.class);

  private final UnifiedJedis client;
  private final String prefix;
  private final String channel;

  LockInspector(UnifiedJedis client, String prefix, String channel) {
    this.client = client;
    this.prefix = prefix;
    this.channel = channel;
  }

  /** Every lock under the prefix that has holders or waiters, sorted by resource. */
  List<LockState> list() {
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
  }

  /** The state of one lock (holders and waiters may be empty). */
  LockState state(String resource) {
    LockState s = inspect(LockKeys.of(prefix, resource));
    return s != null ? s : new LockState(resource, List.of(), List.of());
  }

  /** For timeout messages: the holders, else the earlier waiters. */
  String holdersText(LockKeys keys) {
    LockState s = inspect(keys);
    return s == null || s.holders().isEmpty()
        ? "none (waiting behind earlier waiters: " + (s == null ? List.of() : s.waiters()) + ")"
        : s.holders().toString();
  }

  boolean forceRelease(String resource, String leaseId) {
    LockKeys keys = LockKeys.of(prefix, resource);
    boolean removed =
        ((Long) LockScripts.release(client, keys, List.of(leaseId, channel, keys.tag))) == 1L;
    LOG.debug(
        "Force-release of lease {} on '{}': {}",
        leaseId,
        resource,
        removed ? "removed" : "not found");
    return removed;
  }

  long forceReleaseAll(String resource) {
    LockKeys keys = LockKeys.of(prefix, resource);
    return (Long) LockScripts.releaseAll(client, keys, List.of(channel, keys.tag));
  }

  private List<String> scanInfoKeys() {
    ScanParams params =
        new ScanParams().match(globEscape(prefix) + "{*}" + LockKeys.INFO_SUFFIX).count(500);
    List<String> keys = new ArrayList<>();
    if (client instanceof RedisClusterClient cluster) {
      for (ConnectionPool pool : cluster.getClusterNodes().values()) {
        try (Connection c = pool.getResource();
            Jedis j = new Jedis(c)) {
          scanAll(cursor -> j.scan(cursor, params), keys);
        }
      }
    } else {
      scanAll(cursor -> client.scan(cursor, params), keys);
    }
    return keys;
  }

  private static void scanAll(Function<String, ScanResult<String>> scan, List<String> into) {
    String cursor = ScanParams.SCAN_POINTER_START;
    do {
      ScanResult<String> r = scan.apply(cursor);
      into.addAll(r.getResult());
      cursor = r.getCursor();
    } while (!"0".equals(cursor));
  }

  /** {@code s} with the glob characters of SCAN/KEYS patterns escaped. */
  static String globEscape(String s) {
    StringBuilder sb = new StringBuilder();
    for (char c : s.toCharArray()) {
      if (c == '*' || c == '?' || c == '[' || c == ']' || c == '\\') {
        sb.append('\\');
      }
      sb.append(c);
    }
    return sb.toString();
  }

  /**
   * Parses inspect.lua's reply; null when the lock has no info hash and its resource name is
   * unknown.
   */
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
      holders.add(
          holder(
              LeaseMode.EXCLUSIVE,
              writer.get("id"),
              info,
              now,
              Long.parseLong(writer.get("exp")),
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
      waiters.add(
          new LockState.Waiter(
              LeaseMode.fromCode(f[0]),
              e.getKey(),
              f[1],
              parseLong(f[2], -1),
              (long) Double.parseDouble(e.getValue()),
              now - since));
    }
    return new LockState(resource, holders, waiters);
  }

  private static LockState.Holder holder(
      LeaseMode mode, String id, Map<String, String> info, long now, long exp, long token) {
    String[] f = splitInfo(info.get(id));
    long since = parseLong(f[3], now);
    return new LockState.Holder(
        mode, id, f[1], parseLong(f[2], -1), since, now - since, exp - now, token);
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
    Map<String, String> m = new LinkedHashMap<>();
    for (int i = 0; i + 1 < flat.size(); i += 2) {
      m.put(String.valueOf(flat.get(i)), String.valueOf(flat.get(i + 1)));
    }
    return m;
  }
}
