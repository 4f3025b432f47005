package io.h5swmr.lock;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.h5swmr.exceptions.H5SwmrLockTimeoutException;
import io.h5swmr.testing.ChildJvm;
import io.h5swmr.testing.RedisServerExtension;
import java.net.InetAddress;
import java.net.ServerSocket;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.function.BooleanSupplier;
import java.util.stream.Collectors;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import redis.clients.jedis.DefaultJedisClientConfig;
import redis.clients.jedis.Jedis;
import redis.clients.jedis.RedisClient;

/**
 * Leases through a redis-sentinel:// URL against real processes the test starts: a
 * password-protected master, one replica and three sentinels (redis-server --sentinel, quorum 2).
 * The last test kills the master with SIGKILL while a writer in another JVM holds its lease: the
 * sentinels promote the replica, the holder sees its lease lost, no second writer is let in while
 * the first still believes it holds, and the lock works again afterwards.
 */
class LockSentinelTest {
  static final String MASTER = "h5m";
  static final String PASSWORD = "sentinel-s3cret";

  /**
   * Shorter than the sentinels' down-after time, so the holder loses its lease before any failover
   * completes.
   */
  static final long TTL_MS = 1000;

  static final long DOWN_AFTER_MS = 1500;

  @TempDir static Path dir;
  static RedisServerExtension master;
  static RedisServerExtension replica;
  static final List<Process> SENTINELS = new ArrayList<>();
  static final List<Integer> SENTINEL_PORTS = new ArrayList<>();

  @BeforeAll
  static void startAll() throws Exception {
    master = RedisServerExtension.create().withPassword(PASSWORD).start();
    replica =
        RedisServerExtension.create()
            .withPassword(PASSWORD)
            .withHoldBack()
            .withServerArgs(
                "--replicaof",
                master.host(),
                Integer.toString(master.port()),
                "--masterauth",
                PASSWORD)
            .start();
    for (int i = 0; i < 3; i++) {
      startSentinel(i);
    }
    await(
        "replica in sync and known to all sentinels, which know each other",
        Duration.ofSeconds(60),
        () -> {
          for (int port : SENTINEL_PORTS) {
            try (Jedis s = new Jedis(master.host(), port)) {
              if (s.sentinelReplicas(MASTER).size() != 1
                  || s.sentinelSentinels(MASTER).size() != 2) {
                return false;
              }
            }
          }
          try (RedisClient m = client(master)) {
            return m.info("replication").contains("state=online");
          }
        });
  }

  @AfterAll
  static void stopAll() {
    SENTINELS.forEach(p -> p.destroyForcibly());
    if (replica != null) {
      replica.close();
    }
    if (master != null) {
      master.close();
    }
  }

  static String sentinelUrl() {
    return "redis-sentinel://:"
        + PASSWORD
        + "@"
        + SENTINEL_PORTS.stream().map(p -> "127.0.0.1:" + p).collect(Collectors.joining(","))
        + "/"
        + MASTER;
  }

  static LockService open() {
    return LockService.open(
        LockSettings.builder()
            .redisUrl(sentinelUrl())
            .leaseTtl(Duration.ofMillis(TTL_MS))
            .acquireTimeout(Duration.ofSeconds(60))
            .build());
  }

  @Test
  void leasesThroughSentinel() {
    try (LockService service = open()) {
      try (Lease w = service.acquireExclusive("sentinel-basic", Duration.ofSeconds(10))) {
        assertThat(w.token()).isPositive();
        assertThatThrownBy(() -> service.acquireShared("sentinel-basic", Duration.ZERO))
            .isInstanceOf(H5SwmrLockTimeoutException.class)
            .hasMessageContaining(w.id())
            .hasMessageNotContaining(PASSWORD);
        assertThat(service.state("sentinel-basic").holders())
            .singleElement()
            .satisfies(h -> assertThat(h.leaseId()).isEqualTo(w.id()));
      }
      try (Lease r1 = service.acquireShared("sentinel-basic", Duration.ZERO);
          Lease r2 = service.acquireShared("sentinel-basic", Duration.ZERO)) {
        assertThat(service.list())
            .singleElement()
            .satisfies(s -> assertThat(s.holders()).hasSize(2));
      }
      assertThat(service.toString()).doesNotContain(PASSWORD).contains("***");
    }
  }

  @Test
  void failoverDuringAHeldLease() throws Exception {
    String resource = "sentinel-failover";
    Path trace = dir.resolve("holder-valid.log");
    try (ChildJvm holder =
        ChildJvm.start(
            LockChild.class,
            "work",
            sentinelUrl(),
            Long.toString(TTL_MS),
            "X",
            resource,
            trace.toString())) {
      String[] acquired = holder.awaitLine("ACQUIRED", Duration.ofSeconds(60)).split(" ");
      long holderToken = Long.parseLong(acquired[1]);
      String holderId = acquired[2];
      try (RedisClient r = client(replica)) {
        String writerKey = LockKeys.of(LockSettings.DEFAULT_KEY_PREFIX, resource).all.get(1);
        await(
            "the lease replicated",
            Duration.ofSeconds(10),
            () -> holderId.equals(r.hget(writerKey, "id")));
      }
      master.kill9();
      try (LockService service = open()) {
        // starts while the sentinels still name the dead master: retries through the failover
        Lease next = service.acquireExclusive(resource, Duration.ofSeconds(60));
        long grantedAt = next.acquiredAtEpochMillis();
        assertThat(holder.awaitLine("LOST", Duration.ofSeconds(30)))
            .as("the holder sees the loss")
            .contains("no successful renewal within the lease TTL");
        try (RedisClient r = client(replica)) {
          assertThat(
                  r.hget(LockKeys.of(LockSettings.DEFAULT_KEY_PREFIX, resource).all.get(1), "id"))
              .as("granted by the promoted replica")
              .isEqualTo(next.id());
        }
        List<Long> holderValid = Files.readAllLines(trace).stream().map(Long::parseLong).toList();
        assertThat(holderValid).as("the first writer checked its lease while holding").isNotEmpty();
        assertThat(holderValid.get(holderValid.size() - 1))
            .as(
                "no two writers: the first stopped believing in "
                    + "its lease before the second was granted")
            .isLessThan(grantedAt);
        assertThat(next.token()).isGreaterThan(holderToken);
        next.close();
        try (Lease again = service.acquireShared(resource, Duration.ofSeconds(10))) {
          assertThat(again.isValid()).as("the lock heals").isTrue();
        }
        assertThat(service.state(resource).holders()).isEmpty();
      }
    }
  }

  private static RedisClient client(RedisServerExtension server) {
    return RedisClient.builder()
        .hostAndPort(server.host(), server.port())
        .clientConfig(DefaultJedisClientConfig.builder().password(PASSWORD).build())
        .build();
  }

  private static void startSentinel(int i) throws Exception {
    int port;
    try (ServerSocket ss = new ServerSocket(0, 1, InetAddress.getLoopbackAddress())) {
      port = ss.getLocalPort();
    }
    Path sdir = Files.createDirectories(dir.resolve("sentinel-" + i));
    Path conf = sdir.resolve("sentinel.conf");
    Files.writeString(
        conf,
        String.join(
            "\n",
            "port " + port,
            "bind 127.0.0.1",
            "daemonize no",
            "dir " + sdir,
            "sentinel monitor " + MASTER + " " + master.host() + " " + master.port() + " 2",
            "sentinel auth-pass " + MASTER + " " + PASSWORD,
            "sentinel down-after-milliseconds " + MASTER + " " + DOWN_AFTER_MS,
            "sentinel failover-timeout " + MASTER + " 10000",
            ""),
        StandardCharsets.UTF_8);
    SENTINELS.add(
        RedisServerExtension.startAndAwait(
            List.of(RedisServerExtension.binary().toString(), conf.toString(), "--sentinel"),
            "+monitor master",
            "redis-server --sentinel on port " + port));
    SENTINEL_PORTS.add(port);
  }

  /** Polls a condition against the servers (there is no event to wait for). */
  private static void await(String what, Duration timeout, BooleanSupplier condition)
      throws InterruptedException {
    long deadline = System.nanoTime() + timeout.toNanos();
    while (true) {
      try {
        if (condition.getAsBoolean()) {
          return;
        }
      } catch (RuntimeException e) {
        // not up yet
      }
      if (System.nanoTime() > deadline) {
        throw new AssertionError("Timed out after " + timeout + " waiting for " + what);
      }
      Thread.sleep(50);
    }
  }
}
