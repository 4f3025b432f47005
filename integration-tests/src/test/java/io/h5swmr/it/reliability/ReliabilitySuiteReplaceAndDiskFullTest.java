package io.h5swmr.it.reliability;

import static org.assertj.core.api.Assertions.assertThat;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

import io.h5swmr.testing.RedisServerExtension;
import io.h5swmr.testing.SharedSpark;
import io.h5swmr.write.H5SwmrAppender;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.TimeUnit;
import org.apache.spark.api.java.function.VoidFunction2;
import org.apache.spark.sql.Dataset;
import org.apache.spark.sql.Row;
import org.apache.spark.sql.streaming.StreamingQuery;
import org.apache.spark.sql.streaming.Trigger;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;
import org.junit.jupiter.api.io.TempDir;

/**
 * Issue 29's fault cases: (3h) the disk fills up under a writer (a real 1 MiB tmpfs; needs root, as
 * CI runs); (3i) files replaced by rename under a running stream by separate h5py processes writing
 * the same layout.
 */
class ReliabilitySuiteReplaceAndDiskFullTest {
  @RegisterExtension static final RedisServerExtension REDIS = RedisServerExtension.create();

  @TempDir Path dir;

  static int run(List<String> cmd) throws Exception {
    Process p = new ProcessBuilder(cmd).redirectErrorStream(true).start();
    p.getInputStream().readAllBytes();
    assertThat(p.waitFor(120, TimeUnit.SECONDS)).isTrue();
    return p.exitValue();
  }

  @Test
  void diskFullDuringAppendsKeepsEveryAcknowledgedBlockAndSaysSo() throws Exception {
    assumeTrue("root".equals(System.getProperty("user.name")), "needs root to mount a small tmpfs");
    Path small = Files.createDirectories(dir.resolve("small"));
    assumeTrue(
        run(List.of("mount", "-t", "tmpfs", "-o", "size=1m", "tmpfs", small.toString())) == 0,
        "could not mount a tmpfs");
    Path file = small.resolve("log.h5");
    List<String> acked = new ArrayList<>();
    List<String> failures = new ArrayList<>();
    try {
      Map<String, String> o = new HashMap<>();
      o.put("redis.url", REDIS.url());
      o.put("lock.ttl", Reliability.TTL_MS + "ms");
      o.put(
          "stagingDir",
          dir.resolve("staging").toString()); // rows stage elsewhere: the commit fills the disk
      o.put("chunkRows", "1500"); // one 54 KB chunk per block: blocks fit until the disk is full
      try (H5SwmrAppender a = H5SwmrAppender.open(file, History.DATASET, History.SCHEMA, o)) {
        for (long seq = 1; seq <= 200 && failures.size() < 3; seq++) {
          try {
            a.append(History.block(0, seq, 1500));
            acked.add(History.id(0, seq));
          } catch (RuntimeException e) {
            failures.add(String.valueOf(e.getMessage()));
          }
        }
      }
      assertThat(failures).as("the 1 MiB disk filled up").isNotEmpty();
      assertThat(acked).as("blocks that fitted before it was full").isNotEmpty();
      History.Snapshot s = History.read(file);
      StringBuilder why = new StringBuilder();
      long lost = History.lostOrDuplicated(s.blocks, acked, List.of(), why);
      long unclear = failures.stream().filter(m -> !m.contains("No space left on device")).count();
      ReliabilityReport.add(
          new ReliabilityReport.Row(
              "3h. disk full under a writer (1 MiB tmpfs)",
              1,
              acked.size() + failures.size(),
              failures.size(),
              s.torn,
              lost + unclear,
              0,
              0,
              0,
              acked.size()
                  + " blocks acknowledged before the disk was full, "
                  + failures.size()
                  + " appends refused "
                  + "("
                  + (failures.size() - unclear)
                  + " saying \"No space left on device\"); the file holds exactly "
                  + "the acknowledged blocks"));
      assertThat(s.torn).isZero();
      assertThat(lost).as(why.toString()).isZero();
      assertThat(unclear).as("failures without 'No space left on device': %s", failures).isZero();
    } finally {
      run(List.of("umount", "-l", small.toString()));
    }
  }

  static final Map<String, List<Row>> BATCHES = new java.util.concurrent.ConcurrentHashMap<>();

  @Test
  void filesReplacedByRenameUnderAStreamAreReadAgainFromRowZeroNeverAsGrowth() throws Exception {
    Process probe =
        new ProcessBuilder("/usr/bin/python3", "-c", "import h5py")
            .redirectErrorStream(true)
            .start();
    probe.getInputStream().readAllBytes();
    assumeTrue(probe.waitFor() == 0, "h5py not installed");
    Path f = dir.resolve("run.h5");
    Path py = dir.resolve("make.py");
    Files.writeString(
        py,
        "import sys, os, h5py, numpy as np\n"
            + "n, gen, tmp = int(sys.argv[2]), int(sys.argv[3]), sys.argv[1] + '.tmp'\n"
            + "with h5py.File(tmp, 'w') as h:\n"
            + "    h.create_dataset('t', data=np.arange(n, dtype='<i8') + gen * 1000000, maxshape=(None,), chunks=(64,))\n"
            + "os.replace(tmp, sys.argv[1])\n",
        StandardCharsets.UTF_8);
    int generations = 4;
    List<Long> expected = new ArrayList<>();
    assertThat(run(List.of("/usr/bin/python3", py.toString(), f.toString(), "100", "0"))).isZero();
    for (long i = 0; i < 100; i++) {
      expected.add(i);
    }
    BATCHES.put("replaced", new CopyOnWriteArrayList<>());
    VoidFunction2<Dataset<Row>, Long> sink =
        (batch, id) -> BATCHES.get("replaced").addAll(batch.collectAsList());
    StreamingQuery q =
        SharedSpark.get()
            .readStream()
            .format("h5swmr")
            .option("redis.url", REDIS.url())
            .option("dataset", "/t")
            .option("onDatasetChange", "restart")
            .load(f.toString())
            .writeStream()
            .foreachBatch(sink)
            .trigger(Trigger.ProcessingTime(100))
            .option("checkpointLocation", dir.resolve("ckpt").toString())
            .start();
    try {
      q.processAllAvailable();
      for (int g = 1; g < generations; g++) {
        long n =
            100
                + 50L
                    * g; // each new file is longer: read as growth, its first rows would be skipped
        assertThat(
                run(
                    List.of(
                        "/usr/bin/python3",
                        py.toString(),
                        f.toString(),
                        String.valueOf(n),
                        String.valueOf(g))))
            .isZero();
        for (long i = 0; i < n; i++) {
          expected.add(g * 1_000_000L + i);
        }
        q.processAllAvailable();
      }
    } finally {
      q.stop();
    }
    List<Long> got = new ArrayList<>();
    for (Row r : BATCHES.get("replaced")) {
      got.add(r.getLong(r.fieldIndex("t")));
    }
    java.util.Set<Long> want = new java.util.HashSet<>(expected);
    long foreign = got.stream().filter(v -> !want.contains(v)).count();
    long missingOrTwice =
        Math.abs(expected.size() - got.size())
            + expected.stream().filter(v -> !got.contains(v)).count();
    ReliabilityReport.add(
        new ReliabilityReport.Row(
            "3i. file replaced by rename under a stream (h5py, same layout)",
            generations + 1,
            got.size(),
            generations - 1,
            foreign,
            missingOrTwice,
            0,
            0,
            0,
            (generations - 1)
                + " replacements by separate h5py processes (write a temp file, os.replace); with "
                + "onDatasetChange=restart each new file is read from row 0, once; without it the query fails"));
    assertThat(foreign).isZero();
    assertThat(got).isEqualTo(expected);
  }

  @AfterAll
  static void report() throws Exception {
    ReliabilityReport.publish();
    ReliabilityReport.assertNoAnomalies();
  }
}
