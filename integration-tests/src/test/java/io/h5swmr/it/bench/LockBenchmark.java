package io.h5swmr.it.bench;

import static org.assertj.core.api.Assertions.assertThat;

import io.h5swmr.lock.LockService;
import io.h5swmr.lock.LockSettings;
import io.h5swmr.testing.RedisServerExtension;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.time.LocalDate;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Locale;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.LongAdder;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.condition.EnabledIfSystemProperty;
import org.redisson.Redisson;
import org.redisson.api.RReadWriteLock;
import org.redisson.api.RedissonClient;
import org.redisson.config.Config;

/**
 * h5swmr leases vs Redisson's {@code RReadWriteLock} on the same redis-server in the same run:
 * acquire+release latency (p50/p99, one thread), throughput with 1/4/16 threads, and a writer's
 * wait under continuous reader load. Not a unit test: skipped unless {@code -Dbench=lock}. Run
 * (prints and writes {@code integration-tests/target/lock-bench.md}):
 *
 * <pre>
 * mvn -B -o -pl connector,integration-tests -am test -Dbench=lock -Dtest=LockBenchmark \
 *     -Dsurefire.failIfNoSpecifiedTests=false
 * </pre>
 */
@EnabledIfSystemProperty(named = "bench", matches = "lock")
class LockBenchmark {
  static final int LATENCY_OPS = Integer.getInteger("bench.latencyOps", 3000);
  static final long THROUGHPUT_MS = Long.getLong("bench.throughputMs", 3000);
  static final long READER_HOLD_MS = 20;
  static final int WRITER_TRIALS = 3;
  static final long WRITER_CAP_MS = 10_000;

  /** One lock implementation under test. */
  interface Impl extends AutoCloseable {
    String name();

    AutoCloseable shared(String name) throws Exception;

    AutoCloseable exclusive(String name) throws Exception;

    /** Exclusive with a time limit; null if not acquired in time. */
    AutoCloseable exclusive(String name, long timeoutMs) throws Exception;
  }

  static final class Ours implements Impl {
    final LockService service;

    Ours(String url) {
      service =
          LockService.open(
              LockSettings.builder().redisUrl(url).leaseTtl(Duration.ofSeconds(5)).build());
    }

    public String name() {
      return "h5swmr";
    }

    public AutoCloseable shared(String name) {
      return service.acquireShared(name);
    }

    public AutoCloseable exclusive(String name) {
      return service.acquireExclusive(name);
    }

    public AutoCloseable exclusive(String name, long timeoutMs) {
      try {
        return service.acquireExclusive(name, Duration.ofMillis(timeoutMs));
      } catch (io.h5swmr.exceptions.H5SwmrLockTimeoutException e) {
        return null;
      }
    }

    public void close() {
      service.close();
    }
  }

  static final class Theirs implements Impl {
    final RedissonClient client;

    Theirs(String url) {
      Config c = new Config();
      c.useSingleServer().setAddress(url);
      client = Redisson.create(c);
    }

    public String name() {
      return "Redisson";
    }

    public AutoCloseable shared(String name) {
      RReadWriteLock rw = client.getReadWriteLock(name);
      rw.readLock().lock();
      return () -> rw.readLock().unlock();
    }

    public AutoCloseable exclusive(String name) {
      RReadWriteLock rw = client.getReadWriteLock(name);
      rw.writeLock().lock();
      return () -> rw.writeLock().unlock();
    }

    public AutoCloseable exclusive(String name, long timeoutMs) throws InterruptedException {
      RReadWriteLock rw = client.getReadWriteLock(name);
      if (!rw.writeLock().tryLock(timeoutMs, TimeUnit.MILLISECONDS)) {
        return null;
      }
      return () -> rw.writeLock().unlock();
    }

    public void close() {
      client.shutdown();
    }
  }

  interface Op {
    AutoCloseable run(Impl impl, String name) throws Exception;
  }

  static final Op SHARED = Impl::shared;
  static final Op EXCLUSIVE = Impl::exclusive;

  @Test
  void compareWithRedisson() throws Exception {
    try (RedisServerExtension redis = RedisServerExtension.create().start();
        Ours ours = new Ours(redis.url());
        Theirs theirs = new Theirs(redis.url())) {
      // a fresh server holds grants back for one TTL (+1 s) after start: pay that once, outside the
      // measurements
      ours.exclusive("warm-up").close();
      List<String> rows = new ArrayList<>();
      rows.add("| measure | h5swmr | Redisson | h5swmr / Redisson |");
      rows.add("|---|---|---|---|");
      for (String mode : new String[] {"shared", "exclusive"}) {
        Op op = mode.equals("shared") ? SHARED : EXCLUSIVE;
        double[] a = latency(ours, op, "lat-" + mode);
        double[] b = latency(theirs, op, "lat-" + mode);
        rows.add(row(mode + " acquire+release p50 (µs)", a[0], b[0]));
        rows.add(row(mode + " acquire+release p99 (µs)", a[1], b[1]));
      }
      for (String mode : new String[] {"shared", "exclusive"}) {
        Op op = mode.equals("shared") ? SHARED : EXCLUSIVE;
        for (int threads : new int[] {1, 4, 16}) {
          double a = throughput(ours, op, "tp-" + mode + threads, threads);
          double b = throughput(theirs, op, "tp-" + mode + threads, threads);
          rows.add(row(mode + " throughput, " + threads + " thread(s) (ops/s)", a, b));
        }
      }
      for (int readers : new int[] {4, 16}) {
        double[] a = writerWait(ours, "ww-" + readers, readers);
        double[] b = writerWait(theirs, "ww-" + readers, readers);
        rows.add(
            row(
                "writer wait, "
                    + readers
                    + " readers holding "
                    + READER_HOLD_MS
                    + " ms, median (ms)",
                a[0],
                b[0]));
        rows.add(
            row(
                "writer wait, "
                    + readers
                    + " readers, max of "
                    + WRITER_TRIALS
                    + " (ms; cap "
                    + WRITER_CAP_MS
                    + ")",
                a[1],
                b[1]));
      }
      String table =
          "Lock benchmark, "
              + LocalDate.now()
              + ", "
              + Runtime.getRuntime().availableProcessors()
              + " cores, "
              + System.getProperty("os.name")
              + " "
              + System.getProperty("os.arch")
              + ", Java "
              + System.getProperty("java.version")
              + ", redis-server on loopback\n\n"
              + String.join("\n", rows)
              + "\n";
      System.out.println(table);
      Path out = Path.of("target", "lock-bench.md");
      Files.createDirectories(out.getParent());
      Files.writeString(out, table);
      assertThat(rows).hasSizeGreaterThan(2);
    }
  }

  private static String row(String what, double ours, double theirs) {
    return String.format(
        Locale.ROOT, "| %s | %.1f | %.1f | %.2f |", what, ours, theirs, ours / theirs);
  }

  /** p50, p99 of one acquire+release in µs, one thread, after a warm-up. */
  static double[] latency(Impl impl, Op op, String name) throws Exception {
    for (int i = 0; i < LATENCY_OPS / 3; i++) {
      op.run(impl, name).close();
    }
    long[] nanos = new long[LATENCY_OPS];
    for (int i = 0; i < LATENCY_OPS; i++) {
      long t0 = System.nanoTime();
      op.run(impl, name).close();
      nanos[i] = System.nanoTime() - t0;
    }
    Arrays.sort(nanos);
    return new double[] {
      nanos[nanos.length / 2] / 1000.0, nanos[(int) (nanos.length * 0.99)] / 1000.0
    };
  }

  /** Acquire+release pairs per second with {@code threads} threads on one lock. */
  static double throughput(Impl impl, Op op, String name, int threads) throws Exception {
    ExecutorService pool = Executors.newFixedThreadPool(threads);
    AtomicBoolean stop = new AtomicBoolean();
    LongAdder ops = new LongAdder();
    CountDownLatch ready = new CountDownLatch(threads);
    CountDownLatch go = new CountDownLatch(1);
    List<Future<?>> fs = new ArrayList<>();
    for (int t = 0; t < threads; t++) {
      fs.add(
          pool.submit(
              () -> {
                ready.countDown();
                go.await();
                while (!stop.get()) {
                  op.run(impl, name).close();
                  ops.increment();
                }
                return null;
              }));
    }
    ready.await();
    long t0 = System.nanoTime();
    go.countDown();
    Thread.sleep(THROUGHPUT_MS); // measurement window
    stop.set(true);
    for (Future<?> f : fs) {
      f.get(60, TimeUnit.SECONDS);
    }
    double secs = (System.nanoTime() - t0) / 1e9;
    pool.shutdown();
    return ops.sum() / secs;
  }

  /**
   * Median and max time for a writer to get in while {@code readers} threads keep re-taking shared
   * leases.
   */
  static double[] writerWait(Impl impl, String name, int readers) throws Exception {
    double[] waits = new double[WRITER_TRIALS];
    for (int trial = 0; trial < WRITER_TRIALS; trial++) {
      ExecutorService pool = Executors.newFixedThreadPool(readers);
      AtomicBoolean stop = new AtomicBoolean();
      CountDownLatch holding = new CountDownLatch(readers);
      for (int r = 0; r < readers; r++) {
        pool.submit(
            () -> {
              boolean first = true;
              while (!stop.get()) {
                try (AutoCloseable l = impl.shared(name)) {
                  if (first) {
                    holding.countDown();
                    first = false;
                  }
                  Thread.sleep(READER_HOLD_MS);
                }
              }
              return null;
            });
      }
      holding.await();
      long t0 = System.nanoTime();
      AutoCloseable w = impl.exclusive(name, WRITER_CAP_MS);
      waits[trial] = w == null ? WRITER_CAP_MS : (System.nanoTime() - t0) / 1e6;
      if (w != null) {
        w.close();
      }
      stop.set(true);
      pool.shutdown();
      pool.awaitTermination(60, TimeUnit.SECONDS);
    }
    Arrays.sort(waits);
    return new double[] {waits[waits.length / 2], waits[waits.length - 1]};
  }
}
