package io.h5swmr.stream;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.h5swmr.read.AppenderMain;
import io.h5swmr.testing.ChildJvm;
import io.h5swmr.testing.RedisServerExtension;
import io.h5swmr.testing.SharedSpark;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.CopyOnWriteArrayList;
import org.apache.spark.api.java.function.VoidFunction2;
import org.apache.spark.sql.Dataset;
import org.apache.spark.sql.Row;
import org.apache.spark.sql.SparkSession;
import org.apache.spark.sql.streaming.StreamingQuery;
import org.apache.spark.sql.streaming.StreamingQueryException;
import org.apache.spark.sql.streaming.StreamingQueryProgress;
import org.apache.spark.sql.streaming.Trigger;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;
import org.junit.jupiter.api.io.TempDir;

/**
 * The streaming source against real files, a real Redis and (for appends) a separate appender
 * process.
 */
class H5SwmrStreamSourceTest {
  @RegisterExtension static final RedisServerExtension REDIS = RedisServerExtension.create();

  /** Rows each test's foreachBatch saw, per batch id, in arrival order. */
  static final Map<String, List<Map.Entry<Long, List<Row>>>> BATCHES = new ConcurrentHashMap<>();

  @TempDir Path dir;

  private static SparkSession spark() {
    return SharedSpark.get();
  }

  private Map<String, String> opts(String dataset) {
    Map<String, String> o = new HashMap<>();
    o.put("redis.url", REDIS.url());
    o.put("dataset", dataset);
    return o;
  }

  /** Starts {@code df} into a foreachBatch sink collecting under {@code key}. */
  private StreamingQuery collect(String key, Dataset<Row> df, Trigger trigger, Path checkpoint)
      throws Exception {
    BATCHES.putIfAbsent(key, new CopyOnWriteArrayList<>());
    VoidFunction2<Dataset<Row>, Long> sink =
        (batch, id) -> BATCHES.get(key).add(Map.entry(id, batch.collectAsList()));
    return df.writeStream()
        .foreachBatch(sink)
        .trigger(trigger)
        .option("checkpointLocation", checkpoint.toString())
        .start();
  }

  private static List<Row> all(String key) {
    List<Row> out = new ArrayList<>();
    BATCHES.getOrDefault(key, List.of()).forEach(b -> out.addAll(b.getValue()));
    return out;
  }

  private static List<Long> longs(List<Row> rows, String col) {
    List<Long> out = new ArrayList<>();
    for (Row r : rows) {
      out.add(r.getLong(r.fieldIndex(col)));
    }
    return out;
  }

  @Test
  void appenderProcessBlocksArriveExactlyOnceInOrderAndWhole() throws Exception {
    Path f = dir.resolve("live.h5");
    StreamFixtures.createRec(f);
    int blocks = 60;
    int blockRows = 100;
    Dataset<Row> df =
        spark().readStream().format("h5swmr").options(opts("/rec")).load(f.toString());
    StreamingQuery q = collect("appender", df, Trigger.ProcessingTime(100), dir.resolve("ckpt"));
    try (ChildJvm appender =
        ChildJvm.start(
            AppenderMain.class,
            f.toString(),
            REDIS.url(),
            String.valueOf(blocks),
            String.valueOf(blockRows))) {
      appender.awaitLine("DONE", Duration.ofSeconds(120));
    }
    q.processAllAvailable();
    q.stop();
    List<Map.Entry<Long, List<Row>>> batches = BATCHES.get("appender");
    List<Long> seq = longs(all("appender"), "seq");
    assertThat(seq).hasSize(blocks * blockRows).doesNotHaveDuplicates();
    assertThat(longs(all("appender"), "index")).isEqualTo(seq);
    long maxBefore = -1;
    int nonEmpty = 0;
    for (Map.Entry<Long, List<Row>> b : batches) {
      if (b.getValue().isEmpty()) {
        continue;
      }
      nonEmpty++;
      List<Long> s = longs(b.getValue(), "seq");
      assertThat(s.stream().mapToLong(Long::longValue).min().getAsLong())
          .as("batch %d starts after everything earlier batches read", b.getKey())
          .isEqualTo(maxBefore + 1);
      maxBefore = s.stream().mapToLong(Long::longValue).max().getAsLong();
      // Whole blocks only: each block's rows share check = sum of their seq, all inside this batch.
      Map<Long, long[]> blocksSeen = new HashMap<>();
      for (Row r : b.getValue()) {
        long[] c = blocksSeen.computeIfAbsent(r.getLong(r.fieldIndex("check")), k -> new long[2]);
        c[0]++;
        c[1] += r.getLong(r.fieldIndex("seq"));
      }
      blocksSeen.forEach(
          (check, c) -> {
            assertThat(c[0])
                .as("rows of block with check %d in batch %d", check, b.getKey())
                .isEqualTo(blockRows);
            assertThat(c[1]).isEqualTo(check);
          });
    }
    assertThat(nonEmpty).as("the stream saw the appends in several micro-batches").isGreaterThan(1);
  }

  @Test
  void availableNowHonoursRateLimitsReportsLagAndRestartsFromTheCheckpoint() throws Exception {
    Path f = dir.resolve("rate.h5");
    StreamFixtures.createDoubles(f, 64);
    StreamFixtures.appendDoubles(f, REDIS.url(), 1000);
    Path ckpt = dir.resolve("ckpt-rate");
    Map<String, String> o = opts("/x");
    o.put("maxRowsPerTrigger", "300");
    StreamingQuery q =
        collect(
            "rate",
            spark().readStream().format("h5swmr").options(o).load(f.toString()),
            Trigger.AvailableNow(),
            ckpt);
    assertThat(q.awaitTermination(120_000)).as("AvailableNow ends by itself").isTrue();
    List<Long> sizes = new ArrayList<>();
    BATCHES.get("rate").forEach(b -> sizes.add((long) b.getValue().size()));
    assertThat(sizes).containsExactly(300L, 300L, 300L, 100L);
    assertThat(longs(all("rate"), "index")).isEqualTo(range(0, 1000));
    StreamingQueryProgress first = q.recentProgress()[0];
    assertThat(first.numInputRows()).isEqualTo(300);
    assertThat(first.sources()[0].metrics())
        .containsEntry("lagRows", "700")
        .containsEntry("files", "1")
        .containsKey("lagRowsByFile");
    assertThat(first.sources()[0].metrics().get("lagRowsByFile"))
        .contains(f.getFileName().toString(), "700");

    // Restart from the checkpoint: only the rows committed since, nothing read twice.
    StreamFixtures.appendDoubles(f, REDIS.url(), 250);
    BATCHES.remove("rate");
    StreamingQuery again =
        collect(
            "rate",
            spark().readStream().format("h5swmr").options(o).load(f.toString()),
            Trigger.AvailableNow(),
            ckpt);
    assertThat(again.awaitTermination(120_000)).isTrue();
    assertThat(longs(all("rate"), "index")).isEqualTo(range(1000, 1250));
  }

  @Test
  void maxBytesPerTriggerSizesBatchesByTheColumnsRowBytes() throws Exception {
    Path f = dir.resolve("bytes.h5");
    StreamFixtures.createDoubles(f, 64);
    StreamFixtures.appendDoubles(f, REDIS.url(), 500);
    Map<String, String> o = opts("/x");
    o.put("maxBytesPerTrigger", "1600"); // 8 bytes per row of /x: 200 rows
    StreamingQuery q =
        collect(
            "bytes",
            spark().readStream().format("h5swmr").options(o).load(f.toString()),
            Trigger.AvailableNow(),
            dir.resolve("ckpt-bytes"));
    assertThat(q.awaitTermination(120_000)).isTrue();
    List<Integer> sizes = new ArrayList<>();
    BATCHES.get("bytes").forEach(b -> sizes.add(b.getValue().size()));
    assertThat(sizes).containsExactly(200, 200, 100);
  }

  @Test
  void newFilesInAWatchedDirectoryJoinAndLatestSkipsExistingRows() throws Exception {
    Path watched = Files.createDirectories(dir.resolve("watched"));
    Path a = watched.resolve("a.h5");
    StreamFixtures.createDoubles(a, 16);
    StreamFixtures.appendDoubles(a, REDIS.url(), 100);
    Map<String, String> o = opts("/x");
    o.put("startingPosition", "latest");
    o.put("fileColumn", "file");
    StreamingQuery q =
        collect(
            "dir",
            spark().readStream().format("h5swmr").options(o).load(watched.toString()),
            Trigger.ProcessingTime(100),
            dir.resolve("ckpt-dir"));
    try {
      q.processAllAvailable();
      assertThat(all("dir"))
          .as("startingPosition=latest skips rows committed before the start")
          .isEmpty();
      StreamFixtures.appendDoubles(a, REDIS.url(), 50);
      Path b = watched.resolve("b.h5");
      StreamFixtures.createDoubles(b, 16);
      StreamFixtures.appendDoubles(b, REDIS.url(), 30);
      Path c = watched.resolve("c.h5");
      try (io.h5swmr.hdf5.H5File h = io.h5swmr.hdf5.H5File.create(c.toString())) {
        h.createGroup("/empty"); // no dataset yet: must not fail the stream, joins once it has one
      }
      q.processAllAvailable();
      StreamFixtures.createDoubles(c, 16);
      StreamFixtures.appendDoubles(c, REDIS.url(), 7);
      q.processAllAvailable();
    } finally {
      q.stop();
    }
    Map<String, List<Long>> byFile = new HashMap<>();
    for (Row r : all("dir")) {
      byFile
          .computeIfAbsent(r.getString(r.fieldIndex("file")), k -> new ArrayList<>())
          .add(r.getLong(r.fieldIndex("index")));
    }
    assertThat(byFile.get(a.toString())).isEqualTo(range(100, 150));
    assertThat(byFile.get(watched.resolve("b.h5").toString())).isEqualTo(range(0, 30));
    assertThat(byFile.get(watched.resolve("c.h5").toString())).isEqualTo(range(0, 7));
  }

  @Test
  void overwriteMidStreamFailsNamingFileAndDatasetOrRestartsWhenAsked() throws Exception {
    Path f = dir.resolve("over.h5");
    Map<String, String> w = opts("/t");
    w.put("path", f.toString());
    spark()
        .range(0, 100)
        .selectExpr("id * 2 as v")
        .write()
        .format("h5swmr")
        .options(w)
        .mode("append")
        .save();
    StreamingQuery q =
        collect(
            "over",
            spark().readStream().format("h5swmr").options(opts("/t")).load(f.toString()),
            Trigger.ProcessingTime(100),
            dir.resolve("ckpt-over"));
    q.processAllAvailable();
    spark()
        .range(0, 40)
        .selectExpr("id * 3 as v")
        .write()
        .format("h5swmr")
        .options(w)
        .mode("overwrite")
        .save();
    assertThatThrownBy(
            () -> {
              q.processAllAvailable();
              q.awaitTermination(60_000);
            })
        .isInstanceOf(StreamingQueryException.class)
        .hasMessageContaining(f.toString())
        .hasMessageContaining("/t")
        .hasMessageContaining("replaced")
        .hasMessageContaining("onDatasetChange");
    assertThat(longs(all("over"), "t")).hasSize(100);

    Map<String, String> restart = opts("/t");
    restart.put("onDatasetChange", "restart");
    StreamingQuery r =
        collect(
            "restart",
            spark().readStream().format("h5swmr").options(restart).load(f.toString()),
            Trigger.ProcessingTime(100),
            dir.resolve("ckpt-restart"));
    try {
      r.processAllAvailable();
      spark()
          .range(0, 60)
          .selectExpr("id * 5 as v")
          .write()
          .format("h5swmr")
          .options(w)
          .mode("overwrite")
          .save();
      r.processAllAvailable();
    } finally {
      r.stop();
    }
    List<Long> v = longs(all("restart"), "t");
    List<Long> expected = new ArrayList<>();
    range(0, 40).forEach(i -> expected.add(i * 3));
    range(0, 60).forEach(i -> expected.add(i * 5));
    assertThat(v).isEqualTo(expected);
  }

  /**
   * Issue 29: h5py writes a new file with the same layout and renames it over the streamed one. Its
   * dataset has the same object id, so only the file's identity (device and inode) tells: the
   * stream must not emit the new file's rows as if the old one had grown.
   */
  @Test
  void fileReplacedByRenameMidStreamFailsTheQuery() throws Exception {
    org.junit.jupiter.api.Assumptions.assumeTrue(
        StreamFixtures.h5pyAvailable(), "h5py not installed");
    Path f = dir.resolve("renamed.h5");
    String make =
        "import sys, os, h5py, numpy as np\n"
            + "n, add, tmp = int(sys.argv[2]), int(sys.argv[3]), sys.argv[1] + '.tmp'\n"
            + "with h5py.File(tmp, 'w') as h:\n"
            + "    h.create_dataset('t', data=np.arange(n, dtype='<i8') + add, maxshape=(None,), chunks=(50,))\n"
            + "os.replace(tmp, sys.argv[1])\n";
    Path py = dir.resolve("make.py");
    java.nio.file.Files.writeString(py, make);
    runPython(py, f, 100, 0);
    StreamingQuery q =
        collect(
            "renamed",
            spark().readStream().format("h5swmr").options(opts("/t")).load(f.toString()),
            Trigger.ProcessingTime(100),
            dir.resolve("ckpt-renamed"));
    q.processAllAvailable();
    assertThat(longs(all("renamed"), "t")).isEqualTo(range(0, 100));
    runPython(py, f, 300, 1000); // same layout, same dataset address: a different file
    assertThatThrownBy(
            () -> {
              q.processAllAvailable();
              q.awaitTermination(60_000);
            })
        .isInstanceOf(StreamingQueryException.class)
        .hasMessageContaining(f.toString())
        .hasMessageContaining("the file was replaced")
        .hasMessageContaining("onDatasetChange");
    assertThat(longs(all("renamed"), "t"))
        .as("no row of the new file read as the old one's")
        .isEqualTo(range(0, 100));
  }

  private static void runPython(Path script, Path file, long rows, long add) throws Exception {
    Process p =
        new ProcessBuilder(
                "/usr/bin/python3",
                script.toString(),
                file.toString(),
                String.valueOf(rows),
                String.valueOf(add))
            .redirectErrorStream(true)
            .start();
    String out =
        new String(p.getInputStream().readAllBytes(), java.nio.charset.StandardCharsets.UTF_8);
    assertThat(p.waitFor()).as(out).isZero();
  }

  @Test
  void nativeSwmrWriterRowsArriveOnceEachUpToWhatItFlushed() throws Exception {
    io.h5swmr.testing.NativeWriterProcess.assumeAvailable();
    Path f = dir.resolve("native.h5");
    try (io.h5swmr.testing.NativeWriterProcess w =
        io.h5swmr.testing.NativeWriterProcess.start(f, "swmr")) {
      w.append(50);
      // a compound dataset in chunks of 7 rows, appended and flushed by h5py in SWMR mode
      StreamingQuery q =
          collect(
              "native",
              spark().readStream().format("h5swmr").options(opts("/data/comp")).load(f.toString()),
              Trigger.ProcessingTime(100),
              dir.resolve("ckpt-native"));
      q.processAllAvailable();
      w.run(37);
      w.awaitFlushed(3000);
      long stopped = w.stop();
      q.processAllAvailable();
      q.stop();
      List<Row> rows = all("native");
      assertThat(longs(rows, "id"))
          .as("every flushed row once, in order, none beyond")
          .isEqualTo(range(0, stopped));
      assertThat(longs(rows, "index")).isEqualTo(range(0, stopped));
      for (Row r : rows) {
        long id = r.getLong(r.fieldIndex("id"));
        assertThat(r.getFloat(r.fieldIndex("v"))).as("row %d", id).isEqualTo(2f * id);
        assertThat(r.getString(r.fieldIndex("tag")))
            .as("row %d (no fill values)", id)
            .isEqualTo("r" + id);
      }
      long nonEmpty = BATCHES.get("native").stream().filter(b -> !b.getValue().isEmpty()).count();
      assertThat(nonEmpty)
          .as("rows before and during the writer's run came in separate micro-batches")
          .isGreaterThanOrEqualTo(2);
    }
  }

  private static List<Long> range(long from, long to) {
    List<Long> out = new ArrayList<>();
    for (long i = from; i < to; i++) {
      out.add(i);
    }
    return out;
  }
}
