package io.h5swmr.it.reliability;

import io.h5swmr.testing.RedisServerExtension;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import redis.clients.jedis.Jedis;
import redis.clients.jedis.params.ScanParams;
import redis.clients.jedis.resps.ScanResult;

/**
 * Lock keys still in Redis. The fencing-token counter ({@code :token}), the restart marker ({@code
 * :epoch}) and the server-wide fresh-server and incarnation markers ({@code <prefix>fresh-server},
 * set by the test harness) are meant to outlive the locks (tokens must keep increasing); every
 * other key of a lock must be gone once nobody holds or waits for it (they expire at most about one
 * waiter TTL after the last use).
 */
final class LeftoverKeys {
  private LeftoverKeys() {}

  static List<String> scan(RedisServerExtension redis, String prefix) {
    List<String> out = new ArrayList<>();
    try (Jedis j = new Jedis(redis.host(), redis.port())) {
      String cursor = ScanParams.SCAN_POINTER_START;
      do {
        ScanResult<String> r = j.scan(cursor, new ScanParams().match(prefix + "*").count(1000));
        for (String k : r.getResult()) {
          if (!k.endsWith(":token")
              && !k.endsWith(":epoch")
              && !k.equals(prefix + "fresh-server")
              && !k.equals(prefix + "incarnation")) {
            out.add(k);
          }
        }
        cursor = r.getCursor();
      } while (!cursor.equals(ScanParams.SCAN_POINTER_START));
    }
    return out;
  }

  /** Polls until no such key is left or {@code timeout} passes; returns what is left. */
  static List<String> awaitNone(RedisServerExtension redis, String prefix, Duration timeout)
      throws InterruptedException {
    long deadline = System.nanoTime() + timeout.toNanos();
    List<String> left = scan(redis, prefix);
    while (!left.isEmpty() && System.nanoTime() < deadline) {
      Thread.sleep(100); // polling Redis key expiry: there is no event to wait on
      left = scan(redis, prefix);
    }
    return left;
  }
}
