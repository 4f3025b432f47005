package io.h5swmr.write;

import static org.assertj.core.api.Assertions.assertThat;

import io.h5swmr.hdf5.H5Dataset;
import io.h5swmr.hdf5.H5File;
import io.h5swmr.hdf5.journal.JournalOverlay;
import io.h5swmr.lock.Lease;
import io.h5swmr.lock.LockKeys;
import io.h5swmr.lock.LockService;
import io.h5swmr.lock.LockSettings;
import io.h5swmr.testing.RedisServerExtension;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Locale;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicLong;
import org.apache.spark.sql.types.DataTypes;
import org.apache.spark.sql.types.StructType;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.condition.EnabledIfSystemProperty;
import org.junit.jupiter.api.extension.RegisterExtension;
import org.junit.jupiter.api.io.TempDir;

/**
 * Appender-session benchmark (issue 27; not a default test). Command (docs/benchmarks.md, "Appender
 * sessions (Java)"):
 *
 * <pre>
 * mvn -o -B -pl connector,integration-tests -am verify -Dspotless.check.skip=true \
 *   -Dh5swmr.bench=session -Dtest=H5SwmrAppenderSessionBenchmark \
 *   -Dsurefire.failIfNoSpecifiedTests=false [-Dh5swmr.bench.appends=500]
 * </pre>
 *
 * Per 1000-row float64 append, p50 and p99 over {@code appends} consecutive appends to one file
 * (after 20 appends not counted): an {@link H5SwmrAppender} session ({@link
 * H5SwmrAppender#SESSION_LEASE_LINGER}: the lease kept between appends); the same with a reader
 * taking the shared lease and reading the row count in a loop beside it (the session yields to it;
 * its reads are counted); the per-call path (the default, {@link H5SwmrAppender#leaseLinger} zero:
 * lease taken and released by every append); and, as anchors in the same run, h5py (Debian's
 * /usr/bin/python3) appending 1000 rows per call to an open chunked dataset ({@code resize}, write,
 * {@code flush}), without and with {@code os.fsync} after each flush. Prints a table and writes it
 * to {@code integration-tests/target/append-session-benchmark.md}.
 */
@EnabledIfSystemProperty(named = "h5swmr.bench", matches = "true|session")
class H5SwmrAppenderSessionBenchmark {
  @RegisterExtension static final RedisServerExtension REDIS = RedisServerExtension.create();

  static final StructType SCHEMA = new StructType().add("v", DataTypes.DoubleType, false);
  static final int ROWS = 1000;
  static final int WARM = 20;
  static final int APPENDS = Integer.getInteger("h5swmr.bench.appends", 500);
  static final int ROUNDS = 5;

  /** h5py's chunk: what the appender picks for one float64 column (about 1 MiB). */
  static final int CHUNK = 131072;

  @TempDir Path dir;

  LockSettings lock() {
    return LockSettings.builder().redisUrl(REDIS.url()).build();
  }

  /**
   * Appends {@code n} blocks through a new appender with {@code linger} to {@code f} (the first
   * {@code warm} not timed) and adds the milliseconds of the others to {@code ms}; returns the
   * exclusive leases the appender took for all {@code warm + n} appends.
   */
  private long appender(Path f, Duration linger, int warm, int n, List<Double> ms) {
    double[] v = new double[ROWS];
    try (H5SwmrAppender a = H5SwmrAppender.open(f, "/d", SCHEMA, lock()).leaseLinger(linger)) {
      for (int k = 0; k < warm; k++) {
        a.append((Object) v);
      }
      for (int k = 0; k < n; k++) {
        long t = System.nanoTime();
        a.append((Object) v);
        ms.add((System.nanoTime() - t) / 1e6);
      }
      return linger.isZero() ? warm + n : a.session().acquisitions();
    }
  }

  static long rows(Path f) {
    try (H5File h = H5File.openReadOnly(f.toString(), JournalOverlay.COMMITTED);
        H5Dataset d = h.openDataset("/d")) {
      return d.rows();
    }
  }

  private double[] h5py(Path f, boolean fsync) throws Exception {
    String out =
        WriteTestSupport.python(
            "import h5py, numpy as np, os, time\n"
                + "v = np.zeros("
                + ROWS
                + ", dtype='f8')\n"
                + "ms = []\n"
                + "with h5py.File('"
                + f
                + "', 'w') as h:\n"
                + "    d = h.create_dataset('d', shape=(0,), maxshape=(None,), chunks=("
                + CHUNK
                + ",), dtype='f8')\n"
                + "    fd = h.id.get_vfd_handle()\n"
                + "    for k in range("
                + (WARM + APPENDS)
                + "):\n"
                + "        t = time.perf_counter()\n"
                + "        n = d.shape[0]\n"
                + "        d.resize((n + "
                + ROWS
                + ",))\n"
                + "        d[n:] = v\n"
                + "        h.flush()\n"
                + (fsync ? "        os.fsync(fd)\n" : "")
                + "        if k >= "
                + WARM
                + ": ms.append((time.perf_counter() - t) * 1000)\n"
                + "print('MS', ' '.join('%.4f' % x for x in ms))\n");
    String line = out.substring(out.indexOf("MS ") + 3).trim();
    return Arrays.stream(line.split(" ")).mapToDouble(Double::parseDouble).toArray();
  }

  static double pct(double[] ms, double p) {
    double[] s = ms.clone();
    Arrays.sort(s);
    return s[Math.min(s.length - 1, (int) Math.ceil(p * s.length) - 1)];
  }

  @Test
  void thousandRowAppendsPerCallAndPerSessionAgainstH5py() throws Exception {
    List<String> rows = new ArrayList<>();
    double[] h5py = h5py(dir.resolve("h5py.h5"), false);
    double[] h5pyFsync = h5py(dir.resolve("h5py-fsync.h5"), true);
    // the session and the per-call path alternate in ROUNDS rounds (same machine state),
    // after one untimed round of each (class loading, JIT)
    Path sf = dir.resolve("session.h5");
    Path pf = dir.resolve("per-call.h5");
    List<Double> session = new ArrayList<>();
    List<Double> perCall = new ArrayList<>();
    appender(sf, H5SwmrAppender.SESSION_LEASE_LINGER, WARM, 0, new ArrayList<>());
    appender(pf, Duration.ZERO, WARM, 0, new ArrayList<>());
    long sessionAcq = 0;
    long perCallAcq = 0;
    for (int r = 0; r < ROUNDS; r++) {
      sessionAcq += appender(sf, H5SwmrAppender.SESSION_LEASE_LINGER, 1, APPENDS / ROUNDS, session);
      perCallAcq += appender(pf, Duration.ZERO, 1, APPENDS / ROUNDS, perCall);
    }
    long perFile = (long) (WARM + ROUNDS * (1 + APPENDS / ROUNDS)) * ROWS;
    assertThat(rows(sf)).isEqualTo(perFile);
    assertThat(rows(pf)).isEqualTo(perFile);
    // the session with a reader beside it: shared lease, row count, release, in a loop
    Path rf = dir.resolve("with-reader.h5");
    appender(rf, H5SwmrAppender.SESSION_LEASE_LINGER, WARM, 0, new ArrayList<>());
    AtomicBoolean stop = new AtomicBoolean();
    AtomicLong reads = new AtomicLong();
    List<Double> withReader = new ArrayList<>();
    long withReaderAcq;
    try (LockService readers = LockService.open(lock())) {
      String resource = LockKeys.forFile(rf);
      CompletableFuture<Void> reader =
          CompletableFuture.runAsync(
              () -> {
                while (!stop.get()) {
                  try (Lease l = readers.acquireShared(resource)) {
                    assertThat(rows(rf) % ROWS).isZero();
                    reads.incrementAndGet();
                  }
                }
              });
      try {
        withReaderAcq = appender(rf, H5SwmrAppender.SESSION_LEASE_LINGER, 1, APPENDS, withReader);
      } finally {
        stop.set(true);
      }
      reader.get();
    }
    rows.add(
        row(
            "H5SwmrAppender session (leaseLinger 50 ms: lease kept between appends)",
            session,
            h5py,
            h5pyFsync,
            sessionAcq
                + " leases for "
                + (session.size() + ROUNDS)
                + " appends ("
                + ROUNDS
                + " appenders)"));
    rows.add(
        row(
            "H5SwmrAppender session, a reader looping beside it (shared lease, row count)",
            withReader,
            h5py,
            h5pyFsync,
            withReaderAcq
                + " leases for "
                + withReader.size()
                + " appends, "
                + reads.get()
                + " reads"));
    rows.add(
        row(
            "H5SwmrAppender per call (default, leaseLinger 0: a lease per append)",
            perCall,
            h5py,
            h5pyFsync,
            perCallAcq
                + " leases for "
                + (perCall.size() + ROUNDS)
                + " appends ("
                + ROUNDS
                + " appenders)"));
    rows.add(row("h5py, flush (anchor)", h5py, h5py, h5pyFsync, "no lock, not crash-safe"));
    rows.add(
        row(
            "h5py, flush + os.fsync (anchor)",
            h5pyFsync,
            h5py,
            h5pyFsync,
            "no lock, not crash-safe"));
    String table =
        String.format(
                Locale.ROOT,
                "%d appends of %d float64 rows per writer (after %d not counted), ms per append%n%n",
                APPENDS,
                ROWS,
                WARM)
            + "| writer | p50 (ms) | p99 (ms) | p50 ÷ h5py | p50 ÷ h5py+fsync | p99 ÷ h5py+fsync "
            + "| notes |\n|---|---|---|---|---|---|---|\n"
            + String.join("\n", rows)
            + "\n";
    System.out.println(table);
    Path out = Path.of("target", "append-session-benchmark.md");
    Files.createDirectories(out.getParent());
    Files.writeString(out, table);
  }

  private static String row(
      String what, List<Double> ms, double[] h5py, double[] h5pyFsync, String notes) {
    return row(
        what, ms.stream().mapToDouble(Double::doubleValue).toArray(), h5py, h5pyFsync, notes);
  }

  private static String row(
      String what, double[] ms, double[] h5py, double[] h5pyFsync, String notes) {
    return String.format(
        Locale.ROOT,
        "| %s | %.2f | %.2f | %.1f× | %.1f× | %.1f× | %s |",
        what,
        pct(ms, 0.5),
        pct(ms, 0.99),
        pct(ms, 0.5) / pct(h5py, 0.5),
        pct(ms, 0.5) / pct(h5pyFsync, 0.5),
        pct(ms, 0.99) / pct(h5pyFsync, 0.99),
        notes);
  }
}
