package io.h5swmr.read;

import static io.h5swmr.read.ReadTestSupport.reader;

import io.h5swmr.testing.RedisServerExtension;
import io.h5swmr.testing.SharedSpark;
import java.nio.file.Path;
import java.util.Locale;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicInteger;
import org.apache.spark.sql.Row;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;
import org.junit.jupiter.api.io.TempDir;

/**
 * Measurement for issue 14 item 11 (not a unit test: run it on purpose): {@code mvn -o -B -pl
 * connector test -Dtest=OverwriteScanBench -Dscans=20}. A writer thread overwrites the dataset
 * back-to-back while the reader runs {@code scans} aggregations, then the same with appends (the
 * advice the error gives); prints the fraction of scans that succeeded. Every successful scan must
 * see whole writes of one version, never a mix.
 */
class OverwriteScanBench {
  @RegisterExtension static final RedisServerExtension REDIS = RedisServerExtension.create();

  @TempDir Path dir;

  @Test
  void fractionOfScansThatSucceedUnderBackToBackOverwrites() throws Exception {
    int scans = Integer.getInteger("scans", 20);
    Path f = dir.resolve("hot.h5");
    write(f, 0, "append");
    double overwrites = measure(f, scans, "overwrite");
    double appends = measure(f, scans, "append");
    System.out.printf(
        Locale.ROOT,
        "OverwriteScanBench scans=%d: succeeded under back-to-back overwrites %.2f, "
            + "under back-to-back appends %.2f%n",
        scans,
        overwrites,
        appends);
  }

  private static void write(Path f, long version, String mode) {
    SharedSpark.get()
        .range(2000)
        .selectExpr("CAST(" + version + " AS DOUBLE) AS x")
        .coalesce(1)
        .write()
        .format("h5swmr")
        .option("dataset", "/x")
        .option("redis.url", REDIS.url())
        .mode(mode)
        .save(f.toString());
  }

  private static double measure(Path f, int scans, String mode) throws Exception {
    write(f, 0, "overwrite");
    AtomicBoolean stop = new AtomicBoolean();
    CountDownLatch first = new CountDownLatch(1);
    AtomicInteger versions = new AtomicInteger();
    Thread writer =
        new Thread(
            () -> {
              while (!stop.get()) {
                write(f, "append".equals(mode) ? 0 : versions.incrementAndGet(), mode);
                first.countDown();
              }
            },
            "overwriter");
    writer.start();
    first.await();
    int ok = 0;
    try {
      for (int i = 0; i < scans; i++) {
        try {
          Row r =
              reader(REDIS.url())
                  .option("dataset", "/x")
                  .load(f.toString())
                  .selectExpr("count(*)", "min(x)", "max(x)")
                  .collectAsList()
                  .get(0);
          if (r.getLong(0) % 2000 != 0 || r.getDouble(1) != r.getDouble(2)) {
            throw new AssertionError("mixed versions read: " + r);
          }
          ok++;
        } catch (Exception e) { // SparkException (checked) wrapping the task's H5SwmrDataException
          if (!rootMessage(e).contains("modified during the scan")) {
            throw e;
          }
        }
      }
    } finally {
      stop.set(true);
      writer.join();
    }
    return ok / (double) scans;
  }

  private static String rootMessage(Throwable e) {
    StringBuilder b = new StringBuilder();
    for (Throwable t = e; t != null; t = t.getCause()) {
      b.append(t.getMessage()).append('\n');
    }
    return b.toString();
  }
}
