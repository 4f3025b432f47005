package io.h5swmr.lock;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.h5swmr.exceptions.H5SwmrLeaseLostException;
import io.h5swmr.exceptions.H5SwmrLockException;
import io.h5swmr.exceptions.H5SwmrLockTimeoutException;
import io.h5swmr.testing.ChildJvm;
import io.h5swmr.testing.RedisServerExtension;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.CyclicBarrier;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicReference;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;
import org.junit.jupiter.api.io.TempDir;

/**
 * Lock semantics against a real redis-server: exclusion, sharing, fencing, timeouts, interrupts,
 * loss.
 */
class LockServiceTest {
  @RegisterExtension static final RedisServerExtension REDIS = RedisServerExtension.create();

  static final long TTL_MS = 2000;
  static LockService service;

  @BeforeAll
  static void open() {
    service = LockService.open(settings().build());
  }

  @AfterAll
  static void close() {
    service.close();
  }

  static LockSettings.Builder settings() {
    return LockSettings.builder()
        .redisUrl(REDIS.url())
        .leaseTtl(Duration.ofMillis(TTL_MS))
        .acquireTimeout(Duration.ofSeconds(30));
  }

  @Test
  void exclusiveLeaseExcludesAcrossTwoJvmsAndTokensIncrease(@TempDir Path dir) throws Exception {
    String resource = "cross-jvm";
    int iterations = 40;
    try (ChildJvm a =
            ChildJvm.start(
                LockChild.class,
                "loop",
                REDIS.url(),
                "2000",
                resource,
                Integer.toString(iterations),
                dir.toString());
        ChildJvm b =
            ChildJvm.start(
                LockChild.class,
                "loop",
                REDIS.url(),
                "2000",
                resource,
                Integer.toString(iterations),
                dir.toString())) {
      a.awaitLine("DONE", Duration.ofSeconds(60));
      b.awaitLine("DONE", Duration.ofSeconds(60));
      assertThat(a.stdoutLines()).noneMatch(l -> l.startsWith("OVERLAP"));
      assertThat(b.stdoutLines()).noneMatch(l -> l.startsWith("OVERLAP"));
    }
    List<Long> tokens =
        Files.readAllLines(dir.resolve("tokens.log")).stream().map(Long::parseLong).toList();
    assertThat(tokens).hasSize(2 * iterations);
    for (int i = 1; i < tokens.size(); i++) {
      assertThat(tokens.get(i)).as("token %d after %d", i, i - 1).isGreaterThan(tokens.get(i - 1));
    }
    assertThat(service.state(resource).holders()).isEmpty();
  }

  @Test
  void readersReallyShare() throws Exception {
    int n = 6;
    ExecutorService pool = Executors.newFixedThreadPool(n);
    CountDownLatch allHolding = new CountDownLatch(n);
    CountDownLatch release = new CountDownLatch(1);
    try {
      List<Future<Long>> results = new ArrayList<>();
      for (int i = 0; i < n; i++) {
        results.add(
            pool.submit(
                () -> {
                  try (Lease l = service.acquireShared("share")) {
                    assertThat(l.mode()).isEqualTo(LeaseMode.SHARED);
                    assertThat(l.token()).isZero();
                    allHolding.countDown();
                    release.await();
                    return l.holdNanos();
                  }
                }));
      }
      assertThat(allHolding.await(20, TimeUnit.SECONDS))
          .as("all %d readers hold at once", n)
          .isTrue();
      LockState state = service.state("share");
      assertThat(state.holders()).hasSize(n).allMatch(h -> h.mode() == LeaseMode.SHARED);
      assertThat(state.holders()).allMatch(h -> h.pid() == ProcessHandle.current().pid());
      release.countDown();
      for (Future<Long> f : results) {
        assertThat(f.get(10, TimeUnit.SECONDS)).isPositive();
      }
    } finally {
      release.countDown();
      pool.shutdownNow();
    }
    assertThat(service.state("share").holders()).isEmpty();
  }

  @Test
  void writerWaitsForReadersAndReadersForWriter() throws Exception {
    Lease reader = service.acquireShared("rw");
    assertThatThrownBy(() -> service.acquireExclusive("rw", Duration.ofMillis(300)))
        .isInstanceOf(H5SwmrLockTimeoutException.class);
    reader.close();
    try (Lease writer = service.acquireExclusive("rw", Duration.ofSeconds(5))) {
      assertThat(writer.token()).isPositive();
      assertThat(service.isExclusiveHolder("rw", writer.token())).isTrue();
      assertThat(service.isExclusiveHolder("rw", writer.token() - 1)).isFalse();
      assertThatThrownBy(() -> service.acquireShared("rw", Duration.ofMillis(300)))
          .isInstanceOf(H5SwmrLockTimeoutException.class);
    }
    try (Lease again = service.acquireShared("rw", Duration.ofSeconds(5))) {
      assertThat(again.isValid()).isTrue();
    }
  }

  @Test
  void timeoutMessageNamesResourceHoldersAndTimeWaited() throws Exception {
    try (Lease holder = service.acquireExclusive("busy-file.h5")) {
      long t0 = System.nanoTime();
      assertThatThrownBy(() -> service.acquireShared("busy-file.h5", Duration.ofMillis(400)))
          .isInstanceOf(H5SwmrLockTimeoutException.class)
          .hasMessageContaining("'busy-file.h5'")
          .hasMessageContaining("Timed out after")
          .hasMessageContaining("EXCLUSIVE " + holder.id())
          .hasMessageContaining("pid " + ProcessHandle.current().pid())
          .hasMessageContaining(" since ")
          .hasMessageContaining(REDIS.host() + ":" + REDIS.port());
      assertThat(TimeUnit.NANOSECONDS.toMillis(System.nanoTime() - t0)).isGreaterThanOrEqualTo(400);
      assertThat(service.state("busy-file.h5").waiters())
          .as("timed-out waiter deregistered")
          .isEmpty();
    }
  }

  @Test
  void waitingIsInterruptible() throws Exception {
    try (Lease holder = service.acquireExclusive("interrupt")) {
      AtomicReference<Throwable> thrown = new AtomicReference<>();
      AtomicReference<Boolean> flag = new AtomicReference<>();
      Thread t =
          new Thread(
              () -> {
                try {
                  service.acquireShared("interrupt", Duration.ofSeconds(60)).close();
                } catch (Throwable e) {
                  thrown.set(e);
                  flag.set(Thread.currentThread().isInterrupted());
                }
              });
      t.start();
      awaitWaiters("interrupt", 1);
      t.interrupt();
      t.join(5000);
      assertThat(t.isAlive()).isFalse();
      assertThat(thrown.get())
          .isInstanceOf(H5SwmrLockException.class)
          .hasMessageContaining("Interrupted")
          .hasMessageContaining("'interrupt'");
      assertThat(flag.get()).as("interrupt flag restored").isTrue();
      assertThat(service.state("interrupt").waiters()).isEmpty();
    }
  }

  @Test
  void forceReleaseMakesHolderSeeLossAndFiresCallbackOnce() throws Exception {
    Lease lease = service.acquireExclusive("forced");
    CountDownLatch lost = new CountDownLatch(1);
    List<String> reasons = new java.util.concurrent.CopyOnWriteArrayList<>();
    lease.onLost(
        r -> {
          reasons.add(r);
          lost.countDown();
        });
    assertThat(service.forceRelease("forced", lease.id())).isTrue();
    assertThat(lost.await(TTL_MS * 2, TimeUnit.MILLISECONDS)).as("lease loss reported").isTrue();
    assertThat(lease.isValid()).isFalse();
    assertThatThrownBy(lease::checkValid)
        .isInstanceOf(H5SwmrLeaseLostException.class)
        .hasMessageContaining("'forced'")
        .hasMessageContaining("EXCLUSIVE")
        .hasMessageContaining(lease.id())
        .hasMessageContaining("no longer in Redis");
    List<String> late = new ArrayList<>();
    lease.onLost(late::add);
    assertThat(late).as("callback registered after loss runs at once").hasSize(1);
    lease.close(); // must not throw
    lease.close();
    assertThat(reasons).hasSize(1);
    assertThat(service.leasesLost()).isPositive();
  }

  @Test
  void closeIsIdempotentAndMetricsCount() {
    long before = service.acquisitions();
    Lease l = service.acquireShared("metrics");
    l.close();
    l.close();
    assertThat(l.isValid()).isFalse();
    assertThat(l.holdNanos()).isPositive();
    assertThat(l.waitNanos()).isPositive();
    assertThat(l.acquiredAtEpochMillis())
        .isCloseTo(System.currentTimeMillis(), org.assertj.core.data.Offset.offset(60_000L));
    assertThat(service.acquisitions()).isEqualTo(before + 1);
    assertThatThrownBy(l::checkValid)
        .isInstanceOf(H5SwmrLeaseLostException.class)
        .hasMessageContaining("released");
  }

  @Test
  void leaseOutlivesTtlThroughRenewal() throws Exception {
    try (Lease l = service.acquireExclusive("renewed")) {
      CountDownLatch never = new CountDownLatch(1);
      l.onLost(r -> never.countDown());
      assertThat(never.await(TTL_MS * 2, TimeUnit.MILLISECONDS))
          .as("not lost while renewed")
          .isFalse();
      assertThat(l.isValid()).isTrue();
      assertThat(service.isExclusiveHolder("renewed", l.token())).isTrue();
      assertThat(service.state("renewed").holders().get(0).ttlLeftMillis()).isPositive();
    }
  }

  @Test
  void writerPreferenceUnderContinuousReaders() throws Exception {
    String res = "preference";
    long readerHoldMs = 150;
    int readers = 4;
    ExecutorService pool = Executors.newFixedThreadPool(readers + 1);
    java.util.concurrent.atomic.AtomicBoolean stop =
        new java.util.concurrent.atomic.AtomicBoolean();
    List<long[]> readerLog =
        new java.util.concurrent.CopyOnWriteArrayList<>(); // {startNanos, grantNanos}
    CyclicBarrier started = new CyclicBarrier(readers + 1);
    java.util.concurrent.atomic.AtomicLong writerReleased =
        new java.util.concurrent.atomic.AtomicLong();
    CountDownLatch resumed = new CountDownLatch(1);
    try {
      for (int i = 0; i < readers; i++) {
        pool.submit(
            () -> {
              started.await();
              while (!stop.get()) {
                long s = System.nanoTime();
                try (Lease l = service.acquireShared(res)) {
                  long granted = System.nanoTime();
                  readerLog.add(new long[] {s, granted});
                  long wr = writerReleased.get();
                  if (wr != 0 && granted > wr) {
                    resumed.countDown();
                  }
                  Thread.sleep(readerHoldMs);
                }
              }
              return null;
            });
      }
      started.await();
      // let the reader traffic settle into overlapping holds
      while (readerLog.size() < readers * 2) {
        Thread.onSpinWait();
      }
      long writerStart = System.nanoTime();
      Future<long[]> writer =
          pool.submit(
              () -> {
                try (Lease l = service.acquireExclusive(res, Duration.ofSeconds(20))) {
                  long granted = System.nanoTime();
                  Thread.sleep(50);
                  long released = System.nanoTime();
                  writerReleased.set(released);
                  return new long[] {granted, released};
                }
              });
      long waitingSeen = awaitWaiters(res, 1);
      long[] w = writer.get(20, TimeUnit.SECONDS);
      assertThat(resumed.await(10, TimeUnit.SECONDS))
          .as("readers resume after the writer")
          .isTrue();
      stop.set(true);
      long waitMs = TimeUnit.NANOSECONDS.toMillis(w[0] - writerStart);
      assertThat(waitMs).as("writer wait under continuous readers").isLessThan(readerHoldMs + 1500);
      for (long[] r : readerLog) {
        if (r[0] > waitingSeen) {
          assertThat(r[1])
              .as("reader arriving after the writer queued is granted after the writer")
              .isGreaterThan(w[0]);
        }
      }
    } finally {
      stop.set(true);
      pool.shutdown();
      assertThat(pool.awaitTermination(20, TimeUnit.SECONDS)).isTrue();
    }
  }

  @Test
  void sharedServiceIsOnePerSettingsAndSurvivesClose() {
    LockSettings s = settings().keyPrefix("shared-test:").build();
    LockService a = LockService.shared(s);
    assertThat(LockService.shared(settings().keyPrefix("shared-test:").build())).isSameAs(a);
    assertThat(LockService.shared(settings().keyPrefix("other-test:").build())).isNotSameAs(a);
    a.close(); // no-op on the shared instance
    try (Lease l = LockService.shared(s).acquireShared("shared-res", Duration.ofSeconds(10))) {
      assertThat(l.isValid()).isTrue();
      assertThat(LockService.shared(s).activeLeases()).isEqualTo(1);
    }
    LockService.open(s).close();
  }

  /** Waits until {@code n} waiters are registered in Redis; returns System.nanoTime() when seen. */
  static long awaitWaiters(String resource, int n) throws InterruptedException {
    long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(10);
    while (service.state(resource).waiters().size() < n) {
      if (System.nanoTime() > deadline) {
        throw new AssertionError("no waiter registered on " + resource);
      }
      Thread.sleep(5); // polling Redis state: nothing local to latch on
    }
    return System.nanoTime();
  }

  /**
   * hasWaiters: false for a free or merely held lock, true while a reader queues behind the
   * exclusive holder, false again once it is granted (what an append session yields to).
   */
  @Test
  @org.junit.jupiter.api.Timeout(60)
  void hasWaitersSeesAReaderQueuedBehindTheExclusiveHolder() throws Exception {
    String resource = "waiters-query";
    assertThat(service.hasWaiters(resource)).isFalse();
    Lease writer = service.acquireExclusive(resource);
    assertThat(service.hasWaiters(resource)).as("held, nobody queued").isFalse();
    CountDownLatch granted = new CountDownLatch(1);
    CountDownLatch done = new CountDownLatch(1);
    Thread reader =
        new Thread(
            () -> {
              try (Lease l = service.acquireShared(resource)) {
                granted.countDown();
                done.await();
              } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
              }
            });
    reader.start();
    while (!service.hasWaiters(resource)) {
      Thread.onSpinWait(); // the reader registers as a waiter at its first refused attempt
    }
    assertThat(granted.getCount()).isEqualTo(1);
    writer.close();
    granted.await();
    assertThat(service.hasWaiters(resource)).as("granted: no longer waiting").isFalse();
    done.countDown();
    reader.join();
  }
}
