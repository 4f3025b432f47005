package io.h5swmr.lock;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.h5swmr.exceptions.H5SwmrLeaseLostException;
import io.h5swmr.testing.ChildJvm;
import io.h5swmr.testing.RedisServerExtension;
import java.time.Duration;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicReference;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;

/**
 * Crashes and pauses: holders killed with SIGKILL or stopped with SIGSTOP, Redis killed and
 * restarted.
 */
class LockFailureTest {
  @RegisterExtension static final RedisServerExtension REDIS = RedisServerExtension.create();

  static final long TTL_MS = 2000;

  /** Liveness margin on top of the TTL: generous, this is not a timing benchmark. */
  static final long MARGIN_MS = 3000;

  LockService service;

  @BeforeEach
  void open() throws Exception {
    if (!REDIS.isRunning()) {
      REDIS.restart();
    }
    service =
        LockService.open(
            LockSettings.builder()
                .redisUrl(REDIS.url())
                .leaseTtl(Duration.ofMillis(TTL_MS))
                .acquireTimeout(Duration.ofSeconds(20))
                .build());
  }

  @AfterEach
  void close() {
    service.close();
  }

  private ChildJvm holder(String mode, String resource) throws Exception {
    ChildJvm child =
        ChildJvm.start(LockChild.class, "hold", REDIS.url(), Long.toString(TTL_MS), mode, resource);
    child.awaitLine("ACQUIRED", Duration.ofSeconds(30));
    return child;
  }

  @Test
  void killedReaderFreesItsShareWithinTtl() throws Exception {
    try (ChildJvm reader = holder("S", "killed-reader")) {
      assertThat(service.state("killed-reader").holders())
          .singleElement()
          .satisfies(h -> assertThat(h.pid()).isEqualTo(reader.pid()));
      reader.kill9();
      long t0 = System.nanoTime();
      try (Lease w = service.acquireExclusive("killed-reader", Duration.ofSeconds(20))) {
        long waited = TimeUnit.NANOSECONDS.toMillis(System.nanoTime() - t0);
        assertThat(waited).isLessThan(TTL_MS + MARGIN_MS);
        assertThat(service.state("killed-reader").holders())
            .singleElement()
            .satisfies(h -> assertThat(h.leaseId()).isEqualTo(w.id()));
      }
    }
    assertThat(service.state("killed-reader").holders()).isEmpty();
    assertThat(service.state("killed-reader").waiters()).isEmpty();
  }

  @Test
  void killedWriterFreesTheLockWithinTtl() throws Exception {
    try (ChildJvm writer = holder("X", "killed-writer")) {
      writer.kill9();
      long t0 = System.nanoTime();
      try (Lease r = service.acquireShared("killed-writer", Duration.ofSeconds(20));
          Lease r2 = service.acquireShared("killed-writer", Duration.ofSeconds(20))) {
        assertThat(TimeUnit.NANOSECONDS.toMillis(System.nanoTime() - t0))
            .isLessThan(TTL_MS + MARGIN_MS);
        assertThat(service.state("killed-writer").holders()).hasSize(2);
      }
      try (Lease w = service.acquireExclusive("killed-writer", Duration.ofSeconds(5))) {
        assertThat(w.isValid()).isTrue();
      }
    }
  }

  @Test
  void stoppedWriterSeesItselfInvalidOnResumeWhileAnotherWriterHolds() throws Exception {
    try (ChildJvm paused = holder("X", "paused-writer")) {
      long pausedToken = Long.parseLong(paused.stdoutLines().get(0).split(" ")[1]);
      paused.sigstop();
      try (Lease mine = service.acquireExclusive("paused-writer", Duration.ofSeconds(20))) {
        assertThat(mine.token()).isGreaterThan(pausedToken);
        paused.sigcont();
        paused.send("CHECK");
        assertThat(paused.awaitLine("VALID", Duration.ofSeconds(10))).startsWith("VALID false");
        assertThat(paused.awaitLine("LOST", Duration.ofSeconds(10)))
            .contains("paused or Redis unreachable");
        assertThat(mine.isValid()).isTrue();
        assertThat(service.isExclusiveHolder("paused-writer", pausedToken)).isFalse();
        assertThat(service.isExclusiveHolder("paused-writer", mine.token())).isTrue();
        paused.send("RELEASE");
        paused.awaitLine("RELEASED", Duration.ofSeconds(10));
        assertThat(service.state("paused-writer").holders())
            .as("late release removes nothing of ours")
            .singleElement()
            .satisfies(h -> assertThat(h.leaseId()).isEqualTo(mine.id()));
      }
    }
  }

  @Test
  void redisKilledAndRestartedWhileLeasesHeld() throws Exception {
    Lease writer = service.acquireExclusive("restart-w");
    Lease reader = service.acquireShared("restart-r");
    CountDownLatch writerLost = new CountDownLatch(1);
    CountDownLatch readerLost = new CountDownLatch(1);
    writer.onLost(r -> writerLost.countDown());
    reader.onLost(r -> readerLost.countDown());
    try (ChildJvm childReader = holder("S", "restart-w-child")) {
      REDIS.kill9();
      REDIS.restart();
      try (LockService other = LockService.open(service.settings())) {
        Lease w2 = other.acquireExclusive("restart-w", Duration.ofSeconds(20));
        assertThat(writer.isValid())
            .as("old writer invalid before a new writer is granted")
            .isFalse();
        assertThat(w2.token())
            .as("token increases across the restart")
            .isGreaterThan(writer.token());
        Lease w3 = other.acquireExclusive("restart-r", Duration.ofSeconds(20));
        assertThat(reader.isValid()).as("old reader invalid before a writer is granted").isFalse();
        Lease w4 = other.acquireExclusive("restart-w-child", Duration.ofSeconds(20));
        childReader.send("CHECK");
        assertThat(childReader.awaitLine("VALID", Duration.ofSeconds(10)))
            .startsWith("VALID false");
        assertThat(writerLost.await(TTL_MS + MARGIN_MS, TimeUnit.MILLISECONDS)).isTrue();
        assertThat(readerLost.await(TTL_MS + MARGIN_MS, TimeUnit.MILLISECONDS)).isTrue();
        assertThatThrownBy(writer::checkValid).isInstanceOf(H5SwmrLeaseLostException.class);
        writer.close();
        reader.close();
        w2.close();
        w3.close();
        w4.close();
      }
    }
    // the first service recovers by itself: no manual key deletion
    try (Lease again = service.acquireExclusive("restart-w", Duration.ofSeconds(10))) {
      assertThat(again.isValid()).isTrue();
    }
  }

  @Test
  void holderLosesLeaseWhenRedisStaysDown() throws Exception {
    Lease lease = service.acquireExclusive("down");
    AtomicReference<String> reason = new AtomicReference<>();
    CountDownLatch lost = new CountDownLatch(1);
    lease.onLost(
        r -> {
          reason.set(r);
          lost.countDown();
        });
    REDIS.kill9();
    assertThat(lost.await(TTL_MS + MARGIN_MS, TimeUnit.MILLISECONDS)).isTrue();
    assertThat(lease.isValid()).isFalse();
    assertThat(reason.get())
        .satisfiesAnyOf(
            r -> assertThat(r).contains("could not renew"),
            r -> assertThat(r).contains("no successful renewal within the lease TTL"));
    lease.close(); // Redis down: must not throw
    REDIS.restart();
    try (Lease again = service.acquireExclusive("down", Duration.ofSeconds(10))) {
      assertThat(again.token()).isGreaterThan(lease.token());
    }
  }

  @Test
  void waiterSurvivesRedisRestart() throws Exception {
    try (ChildJvm holder = holder("X", "wait-through-restart")) {
      AtomicReference<Lease> got = new AtomicReference<>();
      AtomicReference<Throwable> failed = new AtomicReference<>();
      Thread t =
          new Thread(
              () -> {
                try {
                  got.set(service.acquireShared("wait-through-restart", Duration.ofSeconds(20)));
                } catch (Throwable e) {
                  failed.set(e);
                }
              });
      t.start();
      long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(10);
      while (service.state("wait-through-restart").waiters().isEmpty()
          && System.nanoTime() < deadline) {
        Thread.sleep(5); // polling Redis state
      }
      REDIS.kill9();
      REDIS.restart();
      t.join(20_000);
      assertThat(failed.get()).isNull();
      assertThat(got.get()).isNotNull();
      holder.send("CHECK");
      assertThat(holder.awaitLine("VALID", Duration.ofSeconds(10))).startsWith("VALID false");
      got.get().close();
    }
  }
}
