package io.h5swmr.examples;

import io.h5swmr.lock.LockService;
import io.h5swmr.lock.LockSettings;
import java.io.File;
import java.io.IOException;
import java.net.InetAddress;
import java.net.ServerSocket;
import redis.embedded.RedisServer;
import redis.embedded.core.ExecutableProvider;

/**
 * The Redis the examples use: the one named by {@code H5SWMR_REDIS_URL} (or {@code
 * -Dh5swmr.redis.url}), else a throw-away {@code redis-server} started here on a free loopback port
 * — the system binary when one is on {@code PATH}, otherwise the one shipped in the embedded-redis
 * jar. Closing stops what was started.
 */
final class ExampleRedis implements AutoCloseable {
  private final String url;
  private final RedisServer started;

  private ExampleRedis(String url, RedisServer started) {
    this.url = url;
    this.started = started;
  }

  static ExampleRedis configuredOrEmbedded() throws IOException {
    String configured = System.getProperty("h5swmr.redis.url", System.getenv("H5SWMR_REDIS_URL"));
    if (configured != null && !configured.isBlank()) {
      return new ExampleRedis(configured.trim(), null);
    }
    int port;
    try (ServerSocket s = new ServerSocket(0, 1, InetAddress.getLoopbackAddress())) {
      port = s.getLocalPort();
    }
    ExecutableProvider binary = systemRedis();
    RedisServer server =
        RedisServer.newRedisServer()
            .executableProvider(
                binary != null ? binary : ExecutableProvider.newJarResourceProvider())
            .bind("127.0.0.1")
            .port(port)
            .setting("save \"\"")
            .setting("appendonly no")
            .build();
    server.start();
    String url = "redis://127.0.0.1:" + port;
    // Brand new and empty: no lease can have been lost with an earlier incarnation, so skip the
    // hold-back of one lease TTL that h5swmr otherwise applies after a Redis (re)start.
    try (LockService locks = LockService.open(LockSettings.builder().redisUrl(url).build())) {
      locks.declareFreshServer();
    }
    System.out.println(
        "No Redis configured (set H5SWMR_REDIS_URL to use yours): started "
            + (binary != null
                ? "the system redis-server"
                : "the redis-server bundled with embedded-redis")
            + " on 127.0.0.1:"
            + port
            + " for this run.");
    return new ExampleRedis(url, server);
  }

  private static ExecutableProvider systemRedis() {
    String path = System.getenv("PATH");
    if (path == null) {
      return null;
    }
    for (String dir : path.split(File.pathSeparator)) {
      File f = new File(dir, "redis-server");
      if (f.canExecute()) {
        return () -> f;
      }
    }
    return null;
  }

  String url() {
    return url;
  }

  @Override
  public void close() throws IOException {
    if (started != null) {
      started.stop();
    }
  }
}
