package io.h5swmr.config;

import static io.h5swmr.config.OptionParsers.blankToNull;
import static io.h5swmr.config.OptionParsers.invalid;
import static io.h5swmr.config.OptionParsers.key;

import io.h5swmr.config.H5SwmrOptions.LockMode;
import io.h5swmr.lock.LockKeys;
import io.h5swmr.lock.LockSettings;
import java.nio.file.Path;
import java.time.Duration;
import java.util.Map;
import java.util.regex.Pattern;

/**
 * The typed, immutable options of the Redis lock service and the leases: URL (its password never
 * shown), key, prefix, TTL, timeouts, and whether reads take leases at all. Executors get {@link
 * #lockSettings()}, a plain serializable value.
 */
public final class LockOptions {
  private final String redisUrl;
  private final String lockKey;
  private final String lockPrefix;
  private final Duration lockTtl;
  private final Duration lockTimeout;
  private final Duration connectTimeout;
  private final LockMode lockMode;

  LockOptions(Map<String, String> merged) {
    this.redisUrl =
        merged.getOrDefault(key(H5SwmrOptions.REDIS_URL), H5SwmrOptions.DEFAULT_REDIS_URL).trim();
    checkRedisUrl(redisUrl);
    this.lockKey = blankToNull(merged.get(key(H5SwmrOptions.LOCK_KEY)));
    this.lockPrefix =
        merged.getOrDefault(key(H5SwmrOptions.LOCK_PREFIX), H5SwmrOptions.DEFAULT_LOCK_PREFIX);
    if (lockPrefix.isEmpty() || lockPrefix.contains("{") || lockPrefix.contains("}")) {
      throw invalid(
          H5SwmrOptions.LOCK_PREFIX,
          lockPrefix,
          "a non-empty key prefix without '{' or '}', e.g. h5swmr:");
    }
    this.lockTtl =
        OptionParsers.duration(H5SwmrOptions.LOCK_TTL, merged, H5SwmrOptions.DEFAULT_LOCK_TTL);
    if (lockTtl.toMillis() < 500) {
      throw invalid(
          H5SwmrOptions.LOCK_TTL,
          merged.get(key(H5SwmrOptions.LOCK_TTL)),
          "a duration of at least 500ms, e.g. 30s");
    }
    this.lockTimeout =
        OptionParsers.duration(
            H5SwmrOptions.LOCK_TIMEOUT, merged, H5SwmrOptions.DEFAULT_LOCK_TIMEOUT);
    this.connectTimeout =
        OptionParsers.duration(
            H5SwmrOptions.REDIS_CONNECT_TIMEOUT, merged, H5SwmrOptions.DEFAULT_CONNECT_TIMEOUT);
    this.lockMode = OptionParsers.oneOf(H5SwmrOptions.LOCK, merged, LockMode.class, LockMode.REDIS);
  }

  private static final Pattern SCHEME =
      Pattern.compile("(?i)(rediss?|redis-sentinel|redis-cluster)://.+");

  private static void checkRedisUrl(String url) {
    if (!SCHEME.matcher(url).matches()) {
      throw invalid(
          H5SwmrOptions.REDIS_URL,
          url,
          "a URL redis://[user:password@]host:port[/db], rediss://… (TLS), "
              + "redis-sentinel://[user:password@]host1:port1,host2:port2/masterName[/db] or "
              + "redis-cluster://[user:password@]host1:port1,host2:port2");
    }
  }

  /** The Redis URL, password included: for connecting only, never for messages. */
  public String redisUrl() {
    return redisUrl;
  }

  /** The Redis URL with any password replaced by {@code ***}. */
  public String redactedRedisUrl() {
    return OptionParsers.redact(redisUrl);
  }

  /** Explicit lock key given by the user, or null to key locks by canonical file path. */
  public String lockKey() {
    return lockKey;
  }

  public String lockPrefix() {
    return lockPrefix;
  }

  public Duration lockTtl() {
    return lockTtl;
  }

  public Duration lockTimeout() {
    return lockTimeout;
  }

  public Duration connectTimeout() {
    return connectTimeout;
  }

  /**
   * How reads and writes coordinate: through Redis leases (default) or, for reads only, not at all.
   */
  public LockMode lockMode() {
    return lockMode;
  }

  /** Settings of the Redis lock service these options name (serializable: what executors get). */
  public LockSettings lockSettings() {
    return LockSettings.builder()
        .redisUrl(redisUrl)
        .keyPrefix(lockPrefix)
        .leaseTtl(lockTtl)
        .acquireTimeout(lockTimeout)
        .connectTimeout(connectTimeout)
        .build();
  }

  /**
   * The lock resource of {@code file}: the user's {@code lock.key}, else the file's canonical path.
   */
  public String lockResource(Path file) {
    return lockKey != null ? lockKey : LockKeys.forFile(file);
  }

  /**
   * The lock resource of a file to read, local path or remote URI: the user's {@code lock.key},
   * else a local file's canonical path, or a remote file's full URI as listed (e.g. {@code
   * s3a://bucket/run/x.h5}).
   */
  public String lockResource(String file) {
    if (!LocalPaths.isRemote(file)) {
      return lockResource(LocalPaths.toPath(file));
    }
    return lockKey != null ? lockKey : file;
  }
}
