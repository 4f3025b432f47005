package io.h5swmr.lock;

import io.h5swmr.exceptions.H5SwmrConfigException;
import java.io.ByteArrayOutputStream;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.ArrayList;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Locale;
import java.util.stream.Collectors;
import javax.net.ssl.SSLParameters;
import org.apache.commons.pool2.impl.GenericObjectPoolConfig;
import redis.clients.jedis.Connection;
import redis.clients.jedis.DefaultJedisClientConfig;
import redis.clients.jedis.HostAndPort;
import redis.clients.jedis.RedisClient;
import redis.clients.jedis.RedisClusterClient;
import redis.clients.jedis.RedisSentinelClient;
import redis.clients.jedis.UnifiedJedis;

/** A parsed Redis URL: kind, hosts, credentials and database; builds the Jedis client. */
final class RedisEndpoint {
  enum Kind {
    STANDALONE,
    TLS,
    SENTINEL,
    CLUSTER
  }

  static final String VALID_FORMS =
      "redis://[user:password@]host:port[/db], rediss://[user:password@]host:port[/db], "
          + "redis-sentinel://[user:password@]host1:port1,host2:port2/masterName[/db], "
          + "redis-cluster://[user:password@]host1:port1,host2:port2";

  final Kind kind;
  final List<HostAndPort> hosts;
  final String user;
  final String password;
  final int database;
  final String masterName;
  private final String redacted;

  private RedisEndpoint(
      Kind kind,
      List<HostAndPort> hosts,
      String user,
      String password,
      int database,
      String masterName,
      String redacted) {
    this.kind = kind;
    this.hosts = hosts;
    this.user = user;
    this.password = password;
    this.database = database;
    this.masterName = masterName;
    this.redacted = redacted;
  }

  String redactedUrl() {
    return redacted;
  }

  /** {@code host:port[,host:port]} for messages. */
  String hostsText() {
    return hosts.stream()
        .map(h -> h.getHost() + ":" + h.getPort())
        .collect(Collectors.joining(","));
  }

  /** Replaces the password in a message, in case a driver message ever echoes it. */
  String redact(String message) {
    if (message == null || password == null || password.isEmpty()) {
      return message;
    }
    return message.replace(password, "***");
  }

  static RedisEndpoint parse(String url) {
    String redactedGuess = redactRaw(url);
    int sep = url.indexOf("://");
    if (sep <= 0) {
      throw bad(redactedGuess, "missing scheme");
    }
    String scheme = url.substring(0, sep).toLowerCase(Locale.ROOT);
    Kind kind;
    switch (scheme) {
      case "redis":
        kind = Kind.STANDALONE;
        break;
      case "rediss":
        kind = Kind.TLS;
        break;
      case "redis-sentinel":
        kind = Kind.SENTINEL;
        break;
      case "redis-cluster":
        kind = Kind.CLUSTER;
        break;
      default:
        throw bad(redactedGuess, "unknown scheme '" + scheme + "'");
    }
    String rest = url.substring(sep + 3);
    int at = rest.lastIndexOf('@');
    String user = null;
    String password = null;
    if (at >= 0) {
      String userInfo = rest.substring(0, at);
      rest = rest.substring(at + 1);
      int colon = userInfo.indexOf(':');
      if (colon < 0) {
        password = decode(userInfo, redactedGuess);
      } else {
        user = decode(userInfo.substring(0, colon), redactedGuess);
        password = decode(userInfo.substring(colon + 1), redactedGuess);
      }
      if (user != null && user.isEmpty()) {
        user = null;
      }
      if (password != null && password.isEmpty()) {
        password = null;
      }
    }
    int slash = rest.indexOf('/');
    String hostPart = slash < 0 ? rest : rest.substring(0, slash);
    String path = slash < 0 ? "" : rest.substring(slash + 1);
    if (path.endsWith("/")) {
      path = path.substring(0, path.length() - 1);
    }
    if (hostPart.isEmpty()) {
      throw bad(redactedGuess, "no host");
    }
    int defaultPort = kind == Kind.SENTINEL ? 26379 : 6379;
    List<HostAndPort> hosts = new ArrayList<>();
    for (String h : hostPart.split(",", -1)) {
      hosts.add(parseHost(h.trim(), defaultPort, redactedGuess));
    }
    if (hosts.size() > 1 && (kind == Kind.STANDALONE || kind == Kind.TLS)) {
      throw bad(
          redactedGuess,
          "several hosts are only allowed with redis-sentinel:// or redis-cluster://");
    }
    String[] segments = path.isEmpty() ? new String[0] : path.split("/", -1);
    String master = null;
    int db = 0;
    String dbText = null;
    if (kind == Kind.SENTINEL) {
      if (segments.length == 0 || segments[0].isEmpty()) {
        throw bad(redactedGuess, "redis-sentinel:// needs the master name after the hosts");
      }
      master = segments[0];
      if (segments.length > 2) {
        throw bad(redactedGuess, "unexpected path after /masterName/db");
      }
      dbText = segments.length == 2 ? segments[1] : null;
    } else if (kind == Kind.CLUSTER) {
      if (segments.length > 0) {
        throw bad(redactedGuess, "redis-cluster:// takes no path (clusters have only database 0)");
      }
    } else {
      if (segments.length > 1) {
        throw bad(redactedGuess, "unexpected path after /db");
      }
      dbText = segments.length == 1 ? segments[0] : null;
    }
    if (dbText != null) {
      try {
        db = Integer.parseInt(dbText);
      } catch (NumberFormatException e) {
        db = -1;
      }
      if (db < 0) {
        throw bad(redactedGuess, "database must be a non-negative integer, got '" + dbText + "'");
      }
    }
    return new RedisEndpoint(kind, List.copyOf(hosts), user, password, db, master, redactedGuess);
  }

  private static HostAndPort parseHost(String h, int defaultPort, String redacted) {
    String host;
    String portText = null;
    if (h.startsWith("[")) {
      int close = h.indexOf(']');
      if (close < 0) {
        throw bad(redacted, "unterminated IPv6 address '" + h + "'");
      }
      host = h.substring(1, close);
      String after = h.substring(close + 1);
      if (after.startsWith(":")) {
        portText = after.substring(1);
      } else if (!after.isEmpty()) {
        throw bad(redacted, "bad host '" + h + "'");
      }
    } else {
      int colon = h.lastIndexOf(':');
      host = colon < 0 ? h : h.substring(0, colon);
      portText = colon < 0 ? null : h.substring(colon + 1);
    }
    if (host.isEmpty() || !host.matches("[A-Za-z0-9._:%-]+")) {
      throw bad(redacted, "bad host '" + h + "'");
    }
    int port = defaultPort;
    if (portText != null) {
      try {
        port = Integer.parseInt(portText);
      } catch (NumberFormatException e) {
        port = -1;
      }
      if (port < 1 || port > 65535) {
        throw bad(redacted, "port must be 1..65535, got '" + portText + "'");
      }
    }
    return new HostAndPort(host, port);
  }

  private static String decode(String s, String redacted) {
    ByteArrayOutputStream out = new ByteArrayOutputStream();
    for (int i = 0; i < s.length(); i++) {
      char c = s.charAt(i);
      if (c == '%') {
        if (i + 2 >= s.length()) {
          throw bad(redacted, "bad percent-encoding in user or password");
        }
        try {
          out.write(Integer.parseInt(s.substring(i + 1, i + 3), 16));
        } catch (NumberFormatException e) {
          throw bad(redacted, "bad percent-encoding in user or password");
        }
        i += 2;
      } else {
        byte[] b = String.valueOf(c).getBytes(StandardCharsets.UTF_8);
        out.write(b, 0, b.length);
      }
    }
    return out.toString(StandardCharsets.UTF_8);
  }

  /**
   * Redacts whatever sits between the first ':' of the user-info and the last '@' before the hosts.
   */
  static String redactRaw(String url) {
    if (url == null) {
      return "null";
    }
    int sep = url.indexOf("://");
    int start = sep < 0 ? 0 : sep + 3;
    int at = url.lastIndexOf('@');
    if (at < start) {
      return url;
    }
    String userInfo = url.substring(start, at);
    int colon = userInfo.indexOf(':');
    String user = colon < 0 ? "" : userInfo.substring(0, colon);
    return url.substring(0, start) + user + ":***" + url.substring(at);
  }

  private static H5SwmrConfigException bad(String redacted, String why) {
    return new H5SwmrConfigException(
        "Invalid lock Redis URL '" + redacted + "': " + why + ". Valid forms: " + VALID_FORMS);
  }

  /**
   * Builds the client; nothing is contacted yet (pools connect lazily, except Sentinel and
   * Cluster).
   */
  UnifiedJedis newClient(Duration connectTimeout) {
    int timeoutMillis = (int) Math.min(Integer.MAX_VALUE, connectTimeout.toMillis());
    DefaultJedisClientConfig.Builder cfg =
        DefaultJedisClientConfig.builder()
            .connectionTimeoutMillis(timeoutMillis)
            .socketTimeoutMillis(timeoutMillis)
            .database(database)
            .clientName("h5swmr-lock")
            .ssl(kind == Kind.TLS);
    if (kind == Kind.TLS) {
      // Jedis checks no host name by default: require the certificate to name the host of the URL
      SSLParameters tls = new SSLParameters();
      tls.setEndpointIdentificationAlgorithm("HTTPS");
      cfg.sslParameters(tls);
    }
    if (user != null) {
      cfg.user(user);
    }
    if (password != null) {
      cfg.password(password);
    }
    GenericObjectPoolConfig<Connection> pool = new GenericObjectPoolConfig<>();
    pool.setMaxTotal(64);
    pool.setMaxIdle(64);
    pool.setMinIdle(0);
    pool.setMaxWait(connectTimeout);
    pool.setJmxEnabled(false);
    switch (kind) {
      case SENTINEL:
        return RedisSentinelClient.builder()
            .masterName(masterName)
            .sentinels(new LinkedHashSet<>(hosts))
            .clientConfig(cfg.build())
            .sentinelClientConfig(
                DefaultJedisClientConfig.builder()
                    .connectionTimeoutMillis(timeoutMillis)
                    .socketTimeoutMillis(timeoutMillis)
                    .build())
            .poolConfig(pool)
            .build();
      case CLUSTER:
        return RedisClusterClient.builder()
            .nodes(new LinkedHashSet<>(hosts))
            .clientConfig(cfg.build())
            .poolConfig(pool)
            .build();
      default:
        return RedisClient.builder()
            .hostAndPort(hosts.get(0))
            .clientConfig(cfg.build())
            .poolConfig(pool)
            .build();
    }
  }
}
