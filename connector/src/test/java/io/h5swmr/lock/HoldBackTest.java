package io.h5swmr.lock;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.h5swmr.exceptions.H5SwmrLockTimeoutException;
import io.h5swmr.testing.RedisServerExtension;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.Comparator;
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;
import redis.clients.jedis.Protocol;
import redis.clients.jedis.RedisClient;

/**
 * The hold-back after a Redis (re)start: applied where a lease may have been lost (a new server, a
 * restart without persistence, a restart from a snapshot, an AOF that was lost), skipped where
 * provably unnecessary (declared fresh, a restart from an fsync-always AOF), and explained once at
 * INFO.
 */
class HoldBackTest {
  /**
   * Long enough that every server of this test is still inside its hold-back while the test works.
   */
  private static final Duration TTL = Duration.ofSeconds(60);

  private static LockService open(RedisServerExtension redis) {
    return LockService.open(LockSettings.builder().redisUrl(redis.url()).leaseTtl(TTL).build());
  }

  private static void assertHeldBack(LockService service, String resource, String cause) {
    assertThatThrownBy(() -> service.acquire(resource, LeaseMode.EXCLUSIVE, Duration.ZERO))
        .isInstanceOf(H5SwmrLockTimeoutException.class)
        .hasMessageContaining("holds grants back for one lease TTL")
        .hasMessageContaining(cause)
        .hasMessageContaining(
            "LockAdmin mark-fresh --url " + service.settings().redactedRedisUrl());
  }

  @Test
  void newServerIsHeldBackAndSaysSoOnceAtWarn() throws Exception {
    try (RedisServerExtension redis = RedisServerExtension.create().withHoldBack().start();
        LockService service = open(redis)) {
      assertHeldBack(service, "/data/new-1.h5", "holds no lock state at all");
      assertHeldBack(service, "/data/new-2.h5", "holds no lock state at all");
      HoldBack hb = service.holdBack();
      assertThat(hb.notices()).isEqualTo(2);
      assertThat(hb.lastNotice())
          .startsWith(
              "Lock service: Redis at " + redis.host() + ":" + redis.port() + " was (re)started")
          .contains(
              "holds no lock state at all: either it is new, or it restarted and lost every lease")
          .contains("no lease is granted until the server has been up for TTL + 1 s")
          .contains("first seen on '/data/new-1.h5'")
          .contains("io.h5swmr.lock.LockAdmin mark-fresh --url " + redis.url())
          .contains("appendonly yes + appendfsync always")
          .matches("(?s).*\\(\\d+ ms from now.*")
          .endsWith("(Logged once.)");
      assertThatThrownBy(
              () -> service.acquire("/data/new-3.h5", LeaseMode.SHARED, Duration.ofMillis(300)))
          .as("a waiting acquisition queues during the hold-back")
          .isInstanceOf(H5SwmrLockTimeoutException.class);
      assertThat(service.declareFreshServer())
          .as("what the notice advises works while jobs wait")
          .isTrue();
      try (Lease lease = service.acquire("/data/new-1.h5", LeaseMode.EXCLUSIVE, Duration.ZERO)) {
        assertThat(lease.isValid()).isTrue();
      }
    }
  }

  @Test
  void declaredFreshServerGrantsAtOnceAndLogsNothing() throws Exception {
    try (RedisServerExtension redis = RedisServerExtension.create().start();
        LockService service = open(redis);
        Lease lease = service.acquire("/data/fresh.h5", LeaseMode.EXCLUSIVE, Duration.ZERO)) {
      assertThat(lease.isValid()).isTrue();
      assertThat(service.holdBack().notices()).isZero();
      assertThat(service.holdBack().lastNotice()).isEmpty();
    }
  }

  @Test
  void restartWithoutPersistenceIsHeldBack() throws Exception {
    try (RedisServerExtension redis = RedisServerExtension.create().start()) {
      try (LockService service = open(redis)) {
        service.acquire("/data/lost.h5", LeaseMode.EXCLUSIVE, Duration.ZERO);
        redis.kill9();
        redis.restart();
      }
      try (LockService service = open(redis)) {
        assertHeldBack(service, "/data/lost.h5", "holds no lock state at all");
        assertHeldBack(service, "/data/other.h5", "holds no lock state at all");
      }
    }
  }

  @Test
  void restartFromASnapshotIsHeldBack() throws Exception {
    try (RedisServerExtension redis = RedisServerExtension.create().start()) {
      try (LockService service = open(redis)) {
        service.acquire("/data/snap.h5", LeaseMode.EXCLUSIVE, Duration.ZERO);
        try (RedisClient r = RedisClient.create(redis.host(), redis.port())) {
          assertThat(
                  new String(
                      (byte[]) r.sendCommand(Protocol.Command.SAVE),
                      java.nio.charset.StandardCharsets.US_ASCII))
              .isEqualTo("OK");
        }
        redis.kill9();
        redis.restart();
      }
      try (LockService service = open(redis)) {
        assertHeldBack(
            service, "/data/snap.h5", "reloaded from disk by a server not running appendonly yes");
        assertHeldBack(
            service, "/data/other.h5", "grants made just before it stopped may be missing");
        assertThat(service.holdBack().lastNotice())
            .contains("its lock state was reloaded from disk");
        assertThat(service.declareFreshServer())
            .as("restored leases and tokens: not fresh")
            .isFalse();
      }
    }
  }

  @Test
  void restartFromAnFsyncAlwaysAofNeedsNoWaitAndKeepsTheLease() throws Exception {
    try (RedisServerExtension redis =
            RedisServerExtension.create()
                .withServerArgs("--appendonly", "yes", "--appendfsync", "always")
                .start();
        LockService before = open(redis)) {
      Lease held = before.acquire("/data/aof.h5", LeaseMode.EXCLUSIVE, Duration.ZERO);
      redis.kill9();
      redis.restart();
      try (LockService after = open(redis)) {
        try (Lease other = after.acquire("/data/other.h5", LeaseMode.EXCLUSIVE, Duration.ZERO)) {
          assertThat(other.isValid()).as("no hold-back on a durable restart").isTrue();
        }
        assertThatThrownBy(() -> after.acquire("/data/aof.h5", LeaseMode.SHARED, Duration.ZERO))
            .as("the lease from before the restart still excludes")
            .isInstanceOf(H5SwmrLockTimeoutException.class)
            .hasMessageContaining(held.id())
            .hasMessageNotContaining("holds grants back");
        assertThat(after.holdBack().notices()).isZero();
        assertThat(after.isExclusiveHolder("/data/aof.h5", held.token())).isTrue();
        held.close();
        try (Lease next = after.acquire("/data/aof.h5", LeaseMode.EXCLUSIVE, Duration.ZERO)) {
          assertThat(next.token()).isGreaterThan(held.token());
        }
      }
    }
  }

  @Test
  void lostAofIsHeldBackEvenOnAnFsyncAlwaysServer() throws Exception {
    try (RedisServerExtension redis =
        RedisServerExtension.create()
            .withServerArgs("--appendonly", "yes", "--appendfsync", "always")
            .start()) {
      try (LockService service = open(redis)) {
        service.acquire("/data/aof-lost.h5", LeaseMode.EXCLUSIVE, Duration.ZERO);
        redis.kill9();
      }
      deleteContents(redis.dir());
      redis.restart();
      try (LockService service = open(redis)) {
        assertHeldBack(service, "/data/aof-lost.h5", "holds no lock state at all");
      }
    }
  }

  private static void deleteContents(Path dir) throws Exception {
    try (Stream<Path> s = Files.walk(dir)) {
      for (Path p : s.sorted(Comparator.reverseOrder()).toList()) {
        if (!p.equals(dir)) {
          Files.delete(p);
        }
      }
    }
  }
}
