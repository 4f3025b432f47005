package io.h5swmr.lock;

import io.h5swmr.exceptions.H5SwmrConfigException;
import java.io.Serializable;
import java.time.Duration;
import java.util.Objects;

/**
 * Immutable settings of a {@link LockService}: where Redis is, the key prefix and the lease
 * timings.
 *
 * <p>Redis URL forms (user and password are optional, percent-encoded; {@code db} defaults to 0):
 *
 * <ul>
 *   <li>{@code redis://[user:password@]host:port[/db]}
 *   <li>{@code rediss://[user:password@]host:port[/db]} (TLS)
 *   <li>{@code redis-sentinel://[user:password@]host1:port1,host2:port2/masterName[/db]}
 *       (credentials are for the master; sentinels are contacted without them)
 *   <li>{@code redis-cluster://[user:password@]host1:port1,host2:port2}
 * </ul>
 *
 * The password is never shown: {@link #toString()} and {@link #redactedRedisUrl()} replace it by
 * {@code ***}.
 */
public final class LockSettings implements Serializable {
  private static final long serialVersionUID = 1L;

  public static final String DEFAULT_REDIS_URL = "redis://localhost:6379";
  public static final String DEFAULT_KEY_PREFIX = "h5swmr:";
  public static final Duration DEFAULT_LEASE_TTL = Duration.ofSeconds(30);
  public static final Duration DEFAULT_ACQUIRE_TIMEOUT = Duration.ofMinutes(10);
  public static final Duration DEFAULT_CONNECT_TIMEOUT = Duration.ofSeconds(5);

  /** Shortest accepted lease TTL. */
  public static final Duration MIN_LEASE_TTL = Duration.ofMillis(500);

  private final String redisUrl;
  private final String keyPrefix;
  private final Duration leaseTtl;
  private final Duration acquireTimeout;
  private final Duration connectTimeout;
  private transient volatile RedisEndpoint endpoint;

  private LockSettings(Builder b) {
    this.redisUrl = b.redisUrl;
    this.keyPrefix = b.keyPrefix;
    this.leaseTtl = b.leaseTtl;
    this.acquireTimeout = b.acquireTimeout;
    this.connectTimeout = b.connectTimeout;
  }

  public static Builder builder() {
    return new Builder();
  }

  /** A builder pre-filled with these settings. */
  public Builder toBuilder() {
    return new Builder()
        .redisUrl(redisUrl)
        .keyPrefix(keyPrefix)
        .leaseTtl(leaseTtl)
        .acquireTimeout(acquireTimeout)
        .connectTimeout(connectTimeout);
  }

  /** The URL as given, including any password: do not log it, use {@link #redactedRedisUrl()}. */
  public String redisUrl() {
    return redisUrl;
  }

  public String redactedRedisUrl() {
    return endpoint().redactedUrl();
  }

  public String keyPrefix() {
    return keyPrefix;
  }

  public Duration leaseTtl() {
    return leaseTtl;
  }

  public Duration acquireTimeout() {
    return acquireTimeout;
  }

  public Duration connectTimeout() {
    return connectTimeout;
  }

  RedisEndpoint endpoint() {
    RedisEndpoint e = endpoint;
    if (e == null) {
      e = RedisEndpoint.parse(redisUrl);
      endpoint = e;
    }
    return e;
  }

  @Override
  public boolean equals(Object o) {
    if (this == o) {
      return true;
    }
    if (!(o instanceof LockSettings)) {
      return false;
    }
    LockSettings s = (LockSettings) o;
    return redisUrl.equals(s.redisUrl)
        && keyPrefix.equals(s.keyPrefix)
        && leaseTtl.equals(s.leaseTtl)
        && acquireTimeout.equals(s.acquireTimeout)
        && connectTimeout.equals(s.connectTimeout);
  }

  @Override
  public int hashCode() {
    return Objects.hash(redisUrl, keyPrefix, leaseTtl, acquireTimeout, connectTimeout);
  }

  @Override
  public String toString() {
    return "LockSettings{redisUrl="
        + redactedRedisUrl()
        + ", keyPrefix="
        + keyPrefix
        + ", leaseTtl="
        + leaseTtl
        + ", acquireTimeout="
        + acquireTimeout
        + ", connectTimeout="
        + connectTimeout
        + "}";
  }

  /** Builder; {@link #build()} validates every value and names the bad one. */
  public static final class Builder {
    private String redisUrl = DEFAULT_REDIS_URL;
    private String keyPrefix = DEFAULT_KEY_PREFIX;
    private Duration leaseTtl = DEFAULT_LEASE_TTL;
    private Duration acquireTimeout = DEFAULT_ACQUIRE_TIMEOUT;
    private Duration connectTimeout = DEFAULT_CONNECT_TIMEOUT;

    private Builder() {}

    public Builder redisUrl(String url) {
      this.redisUrl = url;
      return this;
    }

    public Builder keyPrefix(String prefix) {
      this.keyPrefix = prefix;
      return this;
    }

    public Builder leaseTtl(Duration ttl) {
      this.leaseTtl = ttl;
      return this;
    }

    public Builder acquireTimeout(Duration timeout) {
      this.acquireTimeout = timeout;
      return this;
    }

    public Builder connectTimeout(Duration timeout) {
      this.connectTimeout = timeout;
      return this;
    }

    /**
     * @throws H5SwmrConfigException naming the setting and the accepted values
     */
    public LockSettings build() {
      if (redisUrl == null || redisUrl.isBlank()) {
        throw new H5SwmrConfigException(
            "Lock setting redisUrl is empty; expected e.g. " + DEFAULT_REDIS_URL);
      }
      if (keyPrefix == null || keyPrefix.indexOf('{') >= 0 || keyPrefix.indexOf('}') >= 0) {
        throw new H5SwmrConfigException(
            "Lock setting keyPrefix must be a non-null string without '{' or '}' "
                + "(they would break the Redis Cluster hash tag), got: "
                + keyPrefix);
      }
      requirePositive("leaseTtl", leaseTtl);
      if (leaseTtl.compareTo(MIN_LEASE_TTL) < 0) {
        throw new H5SwmrConfigException(
            "Lock setting leaseTtl must be at least " + MIN_LEASE_TTL + ", got: " + leaseTtl);
      }
      if (acquireTimeout == null || acquireTimeout.isNegative()) {
        throw new H5SwmrConfigException(
            "Lock setting acquireTimeout must be zero or positive, got: " + acquireTimeout);
      }
      requirePositive("connectTimeout", connectTimeout);
      LockSettings s = new LockSettings(this);
      s.endpoint(); // validates the URL
      return s;
    }

    private static void requirePositive(String name, Duration d) {
      if (d == null || d.isZero() || d.isNegative()) {
        throw new H5SwmrConfigException(
            "Lock setting " + name + " must be a positive duration, got: " + d);
      }
    }
  }
}
