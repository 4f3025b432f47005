package io.h5swmr.lock;

import java.nio.charset.StandardCharsets;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.util.List;
import redis.clients.jedis.UnifiedJedis;
import redis.clients.jedis.exceptions.JedisNoScriptException;

/**
 * The Lua scripts of the lock. Each acquire, renew and release is one script call (EVALSHA, falling back to EVAL
 * on NOSCRIPT, e.g. after a Redis restart or failover). Keys, in order (see {@link LockKeys}): 1 readers ZSET (lease
 * id → expiry ms), 2 writer HASH (id, exp, token), 3 waiters ZSET (id → ticket), 4 writer-waiters ZSET (id →
 * ticket), 5 waiter-expiry ZSET (id → expiry ms), 6 info HASH (resource, id → "mode|host|pid|since"), 7 last token,
 * 8 ticket sequence, 9 epoch marker (present while the server has been up for at least one TTL). Times come from the Redis server clock ({@code TIME}); expired entries are purged by every
 * script, and every key expires with its longest-lived entry, so nothing can stay stuck.
 */
final class LockScripts {

  private static final String COMMON = String.join("\n",
      "local function clock()",
      "  local t = redis.call('TIME')",
      "  return tonumber(t[1]) * 1000 + math.floor(tonumber(t[2]) / 1000), tonumber(t[1]) * 1000000 + tonumber(t[2])",
      "end",
      "local function purge(now)",
      "  local changed = false",
      "  local dead = redis.call('ZRANGEBYSCORE', KEYS[1], '-inf', now)",
      "  if #dead > 0 then",
      "    redis.call('ZREMRANGEBYSCORE', KEYS[1], '-inf', now)",
      "    for i = 1, #dead do redis.call('HDEL', KEYS[6], dead[i]) end",
      "    changed = true",
      "  end",
      "  local w = redis.call('HMGET', KEYS[2], 'id', 'exp')",
      "  if w[2] and tonumber(w[2]) <= now then",
      "    redis.call('DEL', KEYS[2])",
      "    if w[1] then redis.call('HDEL', KEYS[6], w[1]) end",
      "    changed = true",
      "  end",
      "  local gone = redis.call('ZRANGEBYSCORE', KEYS[5], '-inf', now)",
      "  if #gone > 0 then",
      "    redis.call('ZREMRANGEBYSCORE', KEYS[5], '-inf', now)",
      "    for i = 1, #gone do",
      "      redis.call('ZREM', KEYS[3], gone[i]); redis.call('ZREM', KEYS[4], gone[i]); "
          + "redis.call('HDEL', KEYS[6], gone[i])",
      "    end",
      "    changed = true",
      "  end",
      "  return changed",
      "end",
      // every key lives exactly as long as its longest-lived entry (+1 s); the token outlives them by 30 days
      "local function touch()",
      "  local last = 0",
      "  local r = redis.call('ZRANGE', KEYS[1], -1, -1, 'WITHSCORES')",
      "  if #r > 0 then last = tonumber(r[2]); redis.call('PEXPIREAT', KEYS[1], last + 1000) end",
      "  local w = redis.call('HGET', KEYS[2], 'exp')",
      "  if w then w = tonumber(w); redis.call('PEXPIREAT', KEYS[2], w + 1000); last = math.max(last, w) end",
      "  local q = redis.call('ZRANGE', KEYS[5], -1, -1, 'WITHSCORES')",
      "  if #q > 0 then",
      "    local e = tonumber(q[2]); last = math.max(last, e)",
      "    for i = 3, 5 do redis.call('PEXPIREAT', KEYS[i], e + 1000) end",
      "    redis.call('PEXPIREAT', KEYS[8], e + 1000)",
      "  end",
      "  if last > 0 then redis.call('PEXPIREAT', KEYS[6], last + 1000) else redis.call('DEL', KEYS[6]) end",
      "end",
      "");

  /**
   * ARGV: mode (S/X), id, ttl ms, waiter ttl ms, "host|pid", resource, channel, tag, register (1/0). Returns {1, token}
   * when granted, {0, ticket, ms held back after a Redis restart} otherwise. After a restart (no {@code :epoch} key
   * and a server uptime below the TTL + 1 s) nothing is granted until the uptime reaches it, so holders from before
   * the restart have seen their leases lost before anyone else gets in. Granting is idempotent for the same id (a retry after a lost reply).
   */
  static final String ACQUIRE = COMMON + String.join("\n",
      "local now, micros = clock()",
      "local changed = purge(now)",
      "local mode, id, ttl = ARGV[1], ARGV[2], tonumber(ARGV[3])",
      "if mode == 'S' and redis.call('ZSCORE', KEYS[1], id) then",
      "  redis.call('ZADD', KEYS[1], now + ttl, id); touch()",
      "  if changed then redis.call('PUBLISH', ARGV[7], ARGV[8]) end",
      "  return {1, '0'}",
      "end",
      "if mode == 'X' and redis.call('HGET', KEYS[2], 'id') == id then",
      "  redis.call('HSET', KEYS[2], 'exp', string.format('%.0f', now + ttl)); touch()",
      "  if changed then redis.call('PUBLISH', ARGV[7], ARGV[8]) end",
      "  return {1, redis.call('HGET', KEYS[2], 'token')}",
      "end",
      "local mine = redis.call('ZSCORE', KEYS[3], id)",
      "local can",
      // after a restart that lost the state, hold grants back for one TTL so pre-restart holders notice first
      // (uptime_in_seconds is a difference of whole seconds: it can overstate the real uptime by up to 1 s)
      "local held_back = 0",
      "if redis.call('EXISTS', KEYS[9]) == 0 then",
      "  local up = tonumber(string.match(redis.call('INFO', 'server'), 'uptime_in_seconds:(%d+)')) * 1000",
      "  if up < ttl + 1000 then held_back = ttl + 1000 - up else redis.call('SET', KEYS[9], '1', 'PX', 2592000000) end",
      "end",
      "if held_back > 0 then can = false",
      "elseif mode == 'S' then",
      "  if redis.call('EXISTS', KEYS[2]) == 1 then can = false else",
      "    local fw = redis.call('ZRANGE', KEYS[4], 0, 0, 'WITHSCORES')",
      "    can = (#fw == 0) or (mine and tonumber(fw[2]) > tonumber(mine))",
      "  end",
      "else",
      "  if redis.call('EXISTS', KEYS[2]) == 1 or redis.call('ZCARD', KEYS[1]) > 0 then can = false else",
      "    local fq = redis.call('ZRANGE', KEYS[3], 0, 0)",
      "    can = (#fq == 0) or (fq[1] == id)",
      "  end",
      "end",
      "local info = mode .. '|' .. ARGV[5] .. '|' .. string.format('%.0f', now)",
      "if can then",
      "  if mine then redis.call('ZREM', KEYS[3], id); redis.call('ZREM', KEYS[4], id); "
          + "redis.call('ZREM', KEYS[5], id) end",
      "  local token = '0'",
      "  if mode == 'S' then",
      "    redis.call('ZADD', KEYS[1], now + ttl, id)",
      "  else",
      "    local last = tonumber(redis.call('GET', KEYS[7]) or '0')",
      "    token = string.format('%.0f', math.max(last + 1, micros))",
      "    redis.call('SET', KEYS[7], token, 'PX', 2592000000)",
      "    redis.call('HSET', KEYS[2], 'id', id, 'exp', string.format('%.0f', now + ttl), 'token', token)",
      "  end",
      "  redis.call('HSET', KEYS[6], 'resource', ARGV[6], id, info)",
      "  touch()",
      "  if changed then redis.call('PUBLISH', ARGV[7], ARGV[8]) end",
      "  return {1, token}",
      "end",
      "if ARGV[9] == '1' then",
      "  if not mine then",
      "    mine = redis.call('INCR', KEYS[8])",
      "    redis.call('ZADD', KEYS[3], mine, id)",
      "    if mode == 'X' then redis.call('ZADD', KEYS[4], mine, id) end",
      "    redis.call('HSET', KEYS[6], 'resource', ARGV[6], id, info)",
      "  end",
      "  redis.call('ZADD', KEYS[5], now + tonumber(ARGV[4]), id)",
      "  touch()",
      "end",
      "if changed then redis.call('PUBLISH', ARGV[7], ARGV[8]) end",
      "return {0, tostring(mine or 0), held_back}");

  /** ARGV: mode, id, ttl ms, channel, tag. Returns 1 if renewed, 0 if the lease is gone. */
  static final String RENEW = COMMON + String.join("\n",
      "local now = clock()",
      "local changed = purge(now)",
      "local ok = 0",
      "if ARGV[1] == 'S' then",
      "  if redis.call('ZSCORE', KEYS[1], ARGV[2]) then",
      "    redis.call('ZADD', KEYS[1], now + tonumber(ARGV[3]), ARGV[2]); ok = 1",
      "  end",
      "elseif redis.call('HGET', KEYS[2], 'id') == ARGV[2] then",
      "  redis.call('HSET', KEYS[2], 'exp', string.format('%.0f', now + tonumber(ARGV[3]))); ok = 1",
      "end",
      "if ok == 1 or changed then touch() end",
      "if changed then redis.call('PUBLISH', ARGV[4], ARGV[5]) end",
      "return ok");

  /** ARGV: id, channel, tag. Removes the lease or waiter with that id. Returns 1 if something was removed. */
  static final String RELEASE = COMMON + String.join("\n",
      "local now = clock()",
      "local changed = purge(now)",
      "local removed = redis.call('ZREM', KEYS[1], ARGV[1])",
      "if redis.call('HGET', KEYS[2], 'id') == ARGV[1] then redis.call('DEL', KEYS[2]); removed = 1 end",
      "local waiter = redis.call('ZREM', KEYS[3], ARGV[1])",
      "redis.call('ZREM', KEYS[4], ARGV[1]); redis.call('ZREM', KEYS[5], ARGV[1]); redis.call('HDEL', KEYS[6], "
          + "ARGV[1])",
      "touch()",
      "if removed == 1 or waiter == 1 or changed then redis.call('PUBLISH', ARGV[2], ARGV[3]) end",
      "return removed");

  /** ARGV: channel, tag. Drops every holder and waiter (admin); keeps the token. Returns the number dropped. */
  static final String RELEASE_ALL = String.join("\n",
      "local n = redis.call('ZCARD', KEYS[1]) + redis.call('EXISTS', KEYS[2]) + redis.call('ZCARD', KEYS[3])",
      "redis.call('DEL', KEYS[1], KEYS[2], KEYS[3], KEYS[4], KEYS[5], KEYS[6])",
      "redis.call('PUBLISH', ARGV[1], ARGV[2])",
      "return n");

  /** ARGV: token. Returns 1 if the writer with that token still holds an unexpired lease. */
  static final String IS_HOLDER = String.join("\n",
      "local t = redis.call('TIME')",
      "local now = tonumber(t[1]) * 1000 + math.floor(tonumber(t[2]) / 1000)",
      "local w = redis.call('HMGET', KEYS[2], 'token', 'exp')",
      "if w[1] == ARGV[1] and tonumber(w[2]) > now then return 1 end",
      "return 0");

  /** Read-only snapshot: {now, readers, writer, waiters, waiter expiries, info} (flat lists). */
  static final String INSPECT = String.join("\n",
      "local t = redis.call('TIME')",
      "local now = tonumber(t[1]) * 1000 + math.floor(tonumber(t[2]) / 1000)",
      "return {string.format('%.0f', now), redis.call('ZRANGE', KEYS[1], 0, -1, 'WITHSCORES'),",
      "  redis.call('HGETALL', KEYS[2]), redis.call('ZRANGE', KEYS[3], 0, -1, 'WITHSCORES'),",
      "  redis.call('ZRANGE', KEYS[5], 0, -1, 'WITHSCORES'), redis.call('HGETALL', KEYS[6])}");

  private static final String ACQUIRE_SHA = sha1(ACQUIRE);
  private static final String RENEW_SHA = sha1(RENEW);
  private static final String RELEASE_SHA = sha1(RELEASE);
  private static final String RELEASE_ALL_SHA = sha1(RELEASE_ALL);
  private static final String IS_HOLDER_SHA = sha1(IS_HOLDER);
  private static final String INSPECT_SHA = sha1(INSPECT);

  private LockScripts() {
  }

  static Object acquire(UnifiedJedis r, LockKeys k, List<String> args) {
    return run(r, ACQUIRE, ACQUIRE_SHA, k, args);
  }

  static Object renew(UnifiedJedis r, LockKeys k, List<String> args) {
    return run(r, RENEW, RENEW_SHA, k, args);
  }

  static Object release(UnifiedJedis r, LockKeys k, List<String> args) {
    return run(r, RELEASE, RELEASE_SHA, k, args);
  }

  static Object releaseAll(UnifiedJedis r, LockKeys k, List<String> args) {
    return run(r, RELEASE_ALL, RELEASE_ALL_SHA, k, args);
  }

  static Object isHolder(UnifiedJedis r, LockKeys k, List<String> args) {
    return run(r, IS_HOLDER, IS_HOLDER_SHA, k, args);
  }

  static Object inspect(UnifiedJedis r, LockKeys k) {
    return run(r, INSPECT, INSPECT_SHA, k, List.of());
  }

  private static Object run(UnifiedJedis r, String script, String sha, LockKeys k, List<String> args) {
    try {
      return r.evalsha(sha, k.all, args);
    } catch (JedisNoScriptException e) {
      return r.eval(script, k.all, args); // EVAL also caches the script for the next EVALSHA
    }
  }

  private static String sha1(String s) {
    try {
      byte[] d = MessageDigest.getInstance("SHA-1").digest(s.getBytes(StandardCharsets.UTF_8));
      StringBuilder sb = new StringBuilder(40);
      for (byte b : d) {
        sb.append(Character.forDigit((b >> 4) & 0xF, 16)).append(Character.forDigit(b & 0xF, 16));
      }
      return sb.toString();
    } catch (NoSuchAlgorithmException e) {
      throw new IllegalStateException(e);
    }
  }
}
