package io.h5swmr.stream;

import static org.assertj.core.api.Assertions.assertThat;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

import io.h5swmr.hdf5.H5File;
import io.h5swmr.hdf5.journal.JournalSession;
import io.h5swmr.testing.ChildJvm;
import io.h5swmr.testing.RedisServerExtension;
import io.h5swmr.testing.SharedSpark;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicLong;
import org.apache.spark.sql.Dataset;
import org.apache.spark.sql.Row;
import org.apache.spark.sql.streaming.StreamingQuery;
import org.apache.spark.sql.streaming.Trigger;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;
import org.junit.jupiter.api.io.TempDir;

/**
 * The streaming sink: exactly once across kill -9 of the streaming driver, complete mode as
 * overwrite.
 */
class H5SwmrStreamSinkTest {
  @RegisterExtension static final RedisServerExtension REDIS = RedisServerExtension.create();

  @TempDir Path dir;

  private static final Duration WAIT = Duration.ofSeconds(150);

  private ChildJvm driver(Path source, Path sink, Path ckpt, String pause, long after)
      throws Exception {
    // The module opens Spark needs on Java 17 (Spark 3.5 fails without them), as this JVM got them
    // from surefire.
    List<String> jvm = new java.util.ArrayList<>();
    java.lang.management.ManagementFactory.getRuntimeMXBean().getInputArguments().stream()
        .filter(
            a ->
                a.startsWith("--add-opens")
                    || a.startsWith("-Djdk.reflect")
                    || a.startsWith("-Dio.netty"))
        .forEach(jvm::add);
    jvm.add("-Xmx512m");
    return ChildJvm.start(
        StreamDriverChild.class,
        jvm,
        List.of(
            REDIS.url(),
            source.toString(),
            sink.toString(),
            ckpt.toString(),
            pause,
            String.valueOf(after)));
  }

  /**
   * Rows of {@code /out} now, read under the sink's shared lease (0 when the sink does not exist
   * yet).
   */
  private static long sinkRows(Path sink) {
    if (!sink.toFile().exists()) {
      return 0;
    }
    try (io.h5swmr.lock.Lease lease =
            io.h5swmr.lock.LockService.shared(
                    io.h5swmr.lock.LockSettings.builder().redisUrl(REDIS.url()).build())
                .acquireShared(io.h5swmr.lock.LockKeys.forFile(sink));
        H5File f =
            H5File.openReadOnly(sink.toString(), io.h5swmr.hdf5.journal.JournalOverlay.COMMITTED)) {
      return f.listDatasets().contains("/out") ? f.datasetInfo("/out").rows() : 0;
    }
  }

  @Test
  void killNineOfTheDriverMidBatchLosesAndRepeatsNothingInTheSink() throws Exception {
    Path source = dir.resolve("source.h5");
    Path sink = dir.resolve("sink.h5");
    Path ckpt = dir.resolve("ckpt");
    StreamFixtures.createDoubles(source, 64);
    AtomicLong total = new AtomicLong(StreamFixtures.appendDoubles(source, REDIS.url(), 200));
    AtomicBoolean appending = new AtomicBoolean(true);
    // A writer keeps committing blocks of 100 rows while the drivers run and die.
    Thread writer =
        new Thread(
            () -> {
              while (appending.get()) {
                total.set(StreamFixtures.appendDoubles(source, REDIS.url(), 100));
                java.util.concurrent.locks.LockSupport.parkNanos(300_000_000L);
              }
            },
            "test-appender");
    writer.start();
    String queryId;
    long markAfterFirstCrash;
    try {
      // 1. Killed right after the sink's commit point (journal committed, not yet applied), before
      // Spark's commit
      // log: the next writer rolls the journal forward, and the restarted query replays that batch,
      // which the sink
      // must recognise as already published.
      try (ChildJvm a = driver(source, sink, ckpt, JournalSession.STEP_COMMITTED, 1)) {
        queryId = a.awaitLine("QUERY ", WAIT).substring(6).trim();
        a.awaitLine("H5SWMR-PAUSE " + JournalSession.STEP_COMMITTED, WAIT);
        a.kill9();
      }
      String mark = "h5swmr.stream.batch." + queryId;
      try (H5File f =
          H5File.openReadOnly(sink.toString(), io.h5swmr.hdf5.journal.JournalOverlay.COMMITTED)) {
        markAfterFirstCrash = (Long) f.attributes("/out").get(mark);
      }
      assertThat(markAfterFirstCrash)
          .as("the killed batch was published with its id")
          .isGreaterThanOrEqualTo(1);
      // 2. Killed after writing the new rows, before the commit point: the restarted query writes
      // that batch again
      // (one more driver start: with -Dlong=true).
      if (Boolean.getBoolean("long")) {
        try (ChildJvm b = driver(source, sink, ckpt, JournalSession.STEP_DATA_SYNCED, 0)) {
          assertThat(b.awaitLine("QUERY ", WAIT)).isEqualTo("QUERY " + queryId);
          b.awaitLine("H5SWMR-PAUSE " + JournalSession.STEP_DATA_SYNCED, WAIT);
          b.kill9();
        }
      }
    } finally {
      appending.set(false);
      writer.join();
    }
    // Rows committed after the last killed batch was planned, so the clean run has a new batch to
    // publish whatever the appender managed while the drivers ran (without them the replayed batch
    // may be the last one).
    total.set(StreamFixtures.appendDoubles(source, REDIS.url(), 100));
    // 3. A clean run catches up with everything committed, then stops.
    long expected = total.get();
    try (ChildJvm c = driver(source, sink, ckpt, "-", 0)) {
      c.awaitLine("QUERY " + queryId, WAIT);
      while (sinkRows(sink) < expected) {
        c.awaitLine("PROGRESS ", WAIT);
      }
      c.send("STOP");
      c.awaitLine("STOPPED", WAIT);
    }
    assertThat(sinkRows(sink)).isEqualTo(expected);
    // Our reader: every source row exactly once, in source order.
    Dataset<Row> out =
        SharedSpark.get()
            .read()
            .format("h5swmr")
            .option("redis.url", REDIS.url())
            .option("dataset", "/out")
            .load(sink.toString());
    List<Row> rows = out.orderBy("index").collectAsList();
    assertThat(rows).hasSize((int) expected);
    for (int i = 0; i < rows.size(); i++) {
      assertThat(rows.get(i).getDouble(rows.get(i).fieldIndex("out")))
          .as("row %d", i)
          .isEqualTo(i * 0.5);
    }
    try (H5File f =
        H5File.openReadOnly(sink.toString(), io.h5swmr.hdf5.journal.JournalOverlay.COMMITTED)) {
      assertThat((Long) f.attributes("/out").get("h5swmr.stream.batch." + queryId))
          .as("the clean run published a batch after the replayed one")
          .isGreaterThan(markAfterFirstCrash);
    }
    // h5py (Debian's, where installed): the same rows.
    assumeTrue(
        StreamFixtures.h5pyAvailable(),
        "SKIPPED h5py check: /usr/bin/python3 with h5py is not installed "
            + "(apt-get install python3-h5py)");
    String check =
        StreamFixtures.h5py(
            sink,
            "import sys, h5py, numpy as np\n"
                + "with h5py.File(sys.argv[1], 'r') as f:\n"
                + "    x = f['/out'][:]\n"
                + "    ok = np.array_equal(x, np.arange(len(x)) * 0.5)\n"
                + "    print(len(x), ok, int(f['/out'].attrs['h5swmr.stream.batch."
                + queryId
                + "']))\n");
    assertThat(check).startsWith(expected + " True ");
  }

  @Test
  void completeModeOverwritesTheDatasetWithEachBatchsResult() throws Exception {
    Path source = dir.resolve("events.h5");
    Path sink = dir.resolve("totals.h5");
    StreamFixtures.createDoubles(source, 64);
    StreamFixtures.appendDoubles(source, REDIS.url(), 300);
    Dataset<Row> counts =
        SharedSpark.get()
            .readStream()
            .format("h5swmr")
            .option("redis.url", REDIS.url())
            .option("dataset", "/x")
            .load(source.toString())
            .selectExpr("index % 3 as channel")
            .groupBy("channel")
            .count();
    StreamingQuery q =
        counts
            .writeStream()
            .format("h5swmr")
            .outputMode("complete")
            .option("redis.url", REDIS.url())
            .option("dataset", "/totals")
            .option("path", sink.toString())
            .option("checkpointLocation", dir.resolve("ckpt").toString())
            .trigger(Trigger.ProcessingTime(100))
            .start();
    try {
      q.processAllAvailable();
      StreamFixtures.appendDoubles(source, REDIS.url(), 30);
      q.processAllAvailable();
    } finally {
      q.stop();
    }
    List<Row> totals =
        SharedSpark.get()
            .read()
            .format("h5swmr")
            .option("redis.url", REDIS.url())
            .option("dataset", "/totals")
            .load(sink.toString())
            .orderBy("channel")
            .collectAsList();
    assertThat(totals).hasSize(3);
    for (Row r : totals) {
      assertThat(r.getLong(r.fieldIndex("count")))
          .as("channel %s", r.get(r.fieldIndex("channel")))
          .isEqualTo(110);
    }
  }

  /**
   * A complete-mode result that shrinks (100 groups, then 40, then none) overwrites the sink each
   * time.
   */
  @Test
  void completeModeResultThatShrinksOverwritesTheSink() throws Exception {
    Path source = dir.resolve("singles.h5");
    Path sink = dir.resolve("singles-out.h5");
    StreamFixtures.createDoubles(source, 64);
    StreamFixtures.appendDoubles(source, REDIS.url(), 100);
    Dataset<Row> singles =
        SharedSpark.get()
            .readStream()
            .format("h5swmr")
            .option("redis.url", REDIS.url())
            .option("dataset", "/x")
            .load(source.toString())
            .selectExpr("index % 100 as k")
            .groupBy("k")
            .count()
            .where("count = 1");
    StreamingQuery q =
        singles
            .writeStream()
            .format("h5swmr")
            .outputMode("complete")
            .option("redis.url", REDIS.url())
            .option("dataset", "/singles")
            .option("path", sink.toString())
            .option("checkpointLocation", dir.resolve("ckpt-shrink").toString())
            .trigger(Trigger.ProcessingTime(100))
            .start();
    List<Long> sizes = new java.util.ArrayList<>();
    try {
      q.processAllAvailable();
      sizes.add(sinkRows(sink, "/singles"));
      StreamFixtures.appendDoubles(source, REDIS.url(), 60);
      q.processAllAvailable();
      sizes.add(sinkRows(sink, "/singles"));
      StreamFixtures.appendDoubles(source, REDIS.url(), 40);
      q.processAllAvailable();
      sizes.add(sinkRows(sink, "/singles"));
      assertThat(q.exception().isEmpty()).as("query failed: %s", q.exception()).isTrue();
    } finally {
      q.stop();
    }
    assertThat(sizes).containsExactly(100L, 40L, 0L);
  }

  private static long sinkRows(Path sink, String dataset) {
    try (io.h5swmr.lock.Lease lease =
            io.h5swmr.lock.LockService.shared(
                    io.h5swmr.lock.LockSettings.builder().redisUrl(REDIS.url()).build())
                .acquireShared(io.h5swmr.lock.LockKeys.forFile(sink));
        H5File f =
            H5File.openReadOnly(sink.toString(), io.h5swmr.hdf5.journal.JournalOverlay.COMMITTED)) {
      return f.datasetInfo(dataset).rows();
    }
  }
}
