package io.h5swmr.stream;

import static org.assertj.core.api.Assertions.assertThat;

import io.h5swmr.hdf5.H5ColumnWrite;
import io.h5swmr.hdf5.H5Dataset;
import io.h5swmr.hdf5.H5DatasetSpec;
import io.h5swmr.hdf5.H5File;
import io.h5swmr.hdf5.H5Type;
import io.h5swmr.lock.Lease;
import io.h5swmr.lock.LockKeys;
import io.h5swmr.lock.LockService;
import io.h5swmr.lock.LockSettings;
import io.h5swmr.testing.RedisServerExtension;
import io.h5swmr.testing.SharedSpark;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.util.ArrayList;
import java.util.Collections;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.locks.LockSupport;
import org.apache.hadoop.conf.Configuration;
import org.apache.parquet.example.data.simple.SimpleGroupFactory;
import org.apache.parquet.hadoop.ParquetWriter;
import org.apache.parquet.hadoop.example.ExampleParquetWriter;
import org.apache.parquet.hadoop.util.HadoopOutputFile;
import org.apache.parquet.schema.MessageType;
import org.apache.parquet.schema.MessageTypeParser;
import org.apache.spark.api.java.function.VoidFunction2;
import org.apache.spark.sql.Dataset;
import org.apache.spark.sql.Row;
import org.apache.spark.sql.SparkSession;
import org.apache.spark.sql.streaming.StreamingQuery;
import org.apache.spark.sql.streaming.Trigger;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.condition.EnabledIfSystemProperty;
import org.junit.jupiter.api.extension.RegisterExtension;
import org.junit.jupiter.api.io.TempDir;

/**
 * Streaming benchmark (not a timed test; runs only with {@code -Dbench=stream}).
 *
 * <p>(1) Commit-to-output latency at a 1 s processing-time trigger: one writer commits a block of
 * {@code -DblockRows} rows every {@code -DcommitMillis} for {@code -DwarmupSeconds} (not counted:
 * the first batches of the session's first streaming queries include class loading and JIT) and
 * then {@code -Dseconds}, each block both appended to an HDF5 dataset under the file's exclusive
 * lease and written as a new Parquet file moved atomically into a watched directory; an h5swmr
 * stream and Spark's Parquet file stream run side by side in the same session, each into a
 * foreachBatch sink noting when each block first appears. Latency = appearance - commit, p50/p99
 * per source.
 *
 * <p>(2) Sustained rows/s of the source on one file: {@code -Drows} rows read by an {@code
 * AvailableNow} stream ({@code maxRowsPerTrigger} 1 Mi) into the noop sink, against Spark's Parquet
 * file stream over the same rows ({@code maxFilesPerTrigger} sized to the same rows per batch),
 * same run.
 */
@EnabledIfSystemProperty(named = "bench", matches = "stream")
class StreamBenchmarkTest {
  @RegisterExtension static final RedisServerExtension REDIS = RedisServerExtension.create();

  static final H5Type EV =
      H5Type.compound(List.of("block", "v"), List.of(H5Type.int64(), H5Type.float64()));
  static final MessageType PARQUET =
      MessageTypeParser.parseMessageType("message ev { required int64 block; required double v; }");

  @TempDir Path dir;

  @Test
  void commitToOutputLatencyAndSustainedRows() throws Exception {
    int seconds = Integer.getInteger("seconds", 60);
    int warmupSeconds = Integer.getInteger("warmupSeconds", 20);
    int blockRows = Integer.getInteger("blockRows", 1000);
    int commitMillis = Integer.getInteger("commitMillis", 200);
    long rows = Long.getLong("rows", 8L << 20);
    SparkSession spark = SharedSpark.get();
    StringBuilder report = new StringBuilder();

    // ---- (1) latency ----
    Path h5 = dir.resolve("live.h5");
    try (H5File f = H5File.create(h5.toString());
        H5Dataset d = f.createDataset("/ev", H5DatasetSpec.of(EV).withChunkRows(4096))) {
      d.rows();
    }
    Path watched = Files.createDirectories(dir.resolve("watched"));
    Path staging = Files.createDirectories(dir.resolve("parquet-staging"));
    Map<Long, Long> h5Commit = new ConcurrentHashMap<>();
    Map<Long, Long> pqCommit = new ConcurrentHashMap<>();
    Map<Long, Long> h5Seen = new ConcurrentHashMap<>();
    Map<Long, Long> pqSeen = new ConcurrentHashMap<>();
    StreamingQuery a =
        spark
            .readStream()
            .format("h5swmr")
            .option("redis.url", REDIS.url())
            .option("dataset", "/ev")
            .load(h5.toString())
            .writeStream()
            .foreachBatch(seen(h5Seen))
            .trigger(Trigger.ProcessingTime(1000))
            .option("checkpointLocation", dir.resolve("ckpt-h5").toString())
            .start();
    StreamingQuery b =
        spark
            .readStream()
            .schema("block long, v double")
            .parquet(watched.toString())
            .writeStream()
            .foreachBatch(seen(pqSeen))
            .trigger(Trigger.ProcessingTime(1000))
            .option("checkpointLocation", dir.resolve("ckpt-pq").toString())
            .start();
    LockService locks = LockService.shared(LockSettings.builder().redisUrl(REDIS.url()).build());
    long warmBlocks = warmupSeconds * 1000L / commitMillis;
    long blocks = warmBlocks + seconds * 1000L / commitMillis;
    long next = System.nanoTime();
    for (long blk = 0; blk < blocks; blk++) {
      long[] ids = new long[blockRows];
      double[] v = new double[blockRows];
      java.util.Arrays.fill(ids, blk);
      for (int i = 0; i < blockRows; i++) {
        v[i] = blk * blockRows + i;
      }
      try (Lease lease = locks.acquireExclusive(LockKeys.forFile(h5));
          H5File f = H5File.openReadWrite(h5.toString());
          H5Dataset d = f.openDataset("/ev")) {
        d.append(blockRows, H5ColumnWrite.from(ids, 0, "block"), H5ColumnWrite.from(v, 0, "v"));
        f.flush();
        lease.checkValid();
      }
      h5Commit.put(blk, System.nanoTime());
      Path tmp = staging.resolve("block-" + blk + ".parquet");
      writeParquet(tmp, ids, v);
      Files.move(tmp, watched.resolve(tmp.getFileName()), StandardCopyOption.ATOMIC_MOVE);
      pqCommit.put(blk, System.nanoTime());
      next += commitMillis * 1_000_000L;
      LockSupport.parkNanos(Math.max(0, next - System.nanoTime()));
    }
    a.processAllAvailable();
    b.processAllAvailable();
    a.stop();
    b.stop();
    assertThat(h5Seen).hasSize((int) blocks);
    assertThat(pqSeen).hasSize((int) blocks);
    report.append(
        String.format(
            Locale.ROOT,
            "%n%d blocks of %d rows, one every %d ms, trigger 1 s; the first %d "
                + "(%d s: both queries' first batches, class loading, JIT) are a warm-up, not counted%n%n",
            blocks,
            blockRows,
            commitMillis,
            warmBlocks,
            warmupSeconds));
    report.append(
        "| source | latency p50 (ms) | p99 (ms) | max (ms) | p99 ratio |\n|---|---|---|---|---|\n");
    double[] h = latencies(h5Commit, h5Seen, warmBlocks);
    double[] p = latencies(pqCommit, pqSeen, warmBlocks);
    report.append(
        String.format(
            Locale.ROOT,
            "| h5swmr stream | %.0f | %.0f | %.0f | %.2fx Parquet |%n",
            h[0],
            h[1],
            h[2],
            h[1] / p[1]));
    report.append(
        String.format(
            Locale.ROOT,
            "| Spark Parquet file stream | %.0f | %.0f | %.0f | 1.00 |%n",
            p[0],
            p[1],
            p[2]));

    // ---- (2) sustained rows/s ----
    Path big = dir.resolve("big.h5");
    Path bigParquet = Files.createDirectories(dir.resolve("big-parquet"));
    int perFile = 1 << 20;
    try (H5File f = H5File.create(big.toString());
        H5Dataset d = f.createDataset("/ev", H5DatasetSpec.of(EV).withChunkRows(65536))) {
      for (long done = 0; done < rows; done += perFile) {
        int n = (int) Math.min(perFile, rows - done);
        long[] ids = new long[n];
        double[] v = new double[n];
        for (int i = 0; i < n; i++) {
          ids[i] = done + i;
          v[i] = (done + i) * 0.5;
        }
        d.append(n, H5ColumnWrite.from(ids, 0, "block"), H5ColumnWrite.from(v, 0, "v"));
        writeParquet(
            bigParquet.resolve(String.format(Locale.ROOT, "part-%05d.parquet", done / perFile)),
            ids,
            v);
      }
    }
    double h5Rate = 0;
    double pqRate = 0;
    for (int run = 0; run < 2; run++) {
      long t0 = System.nanoTime();
      spark
          .readStream()
          .format("h5swmr")
          .option("redis.url", REDIS.url())
          .option("dataset", "/ev")
          .option("maxRowsPerTrigger", String.valueOf(perFile))
          .load(big.toString())
          .writeStream()
          .format("noop")
          .trigger(Trigger.AvailableNow())
          .option("checkpointLocation", dir.resolve("ckpt-big-h5-" + run).toString())
          .start()
          .awaitTermination();
      h5Rate = Math.max(h5Rate, rows / ((System.nanoTime() - t0) / 1e9));
      t0 = System.nanoTime();
      spark
          .readStream()
          .schema("block long, v double")
          .option("maxFilesPerTrigger", "1")
          .parquet(bigParquet.toString())
          .writeStream()
          .format("noop")
          .trigger(Trigger.AvailableNow())
          .option("checkpointLocation", dir.resolve("ckpt-big-pq-" + run).toString())
          .start()
          .awaitTermination();
      pqRate = Math.max(pqRate, rows / ((System.nanoTime() - t0) / 1e9));
    }
    report.append(
        String.format(
            Locale.ROOT,
            "%n%d rows {int64, float64}, AvailableNow, %d rows per micro-batch, "
                + "best of 2%n%n| source | rows/s | ratio |\n|---|---|---|%n",
            rows,
            perFile));
    report.append(
        String.format(
            Locale.ROOT,
            "| h5swmr stream, one file | %.2f M | %.2fx Parquet |%n",
            h5Rate / 1e6,
            h5Rate / pqRate));
    report.append(
        String.format(
            Locale.ROOT,
            "| Spark Parquet file stream, 1 file per batch | %.2f M | 1.00 |%n",
            pqRate / 1e6));
    System.out.println(report);
  }

  private static VoidFunction2<Dataset<Row>, Long> seen(Map<Long, Long> into) {
    return (batch, id) -> {
      List<Row> blocks = batch.select("block").distinct().collectAsList();
      long now = System.nanoTime();
      for (Row r : blocks) {
        into.putIfAbsent(r.getLong(0), now);
      }
    };
  }

  /** {p50, p99, max} of seen - commit in ms, over blocks from {@code fromBlock} on. */
  private static double[] latencies(Map<Long, Long> commit, Map<Long, Long> seen, long fromBlock) {
    List<Double> ms = new ArrayList<>();
    commit.forEach(
        (blk, t) -> {
          if (blk >= fromBlock) {
            ms.add((seen.get(blk) - t) / 1e6);
          }
        });
    Collections.sort(ms);
    return new double[] {
      ms.get(ms.size() / 2),
      ms.get(Math.min(ms.size() - 1, (int) Math.ceil(ms.size() * 0.99) - 1)),
      ms.get(ms.size() - 1)
    };
  }

  private static void writeParquet(Path file, long[] ids, double[] v) throws java.io.IOException {
    SimpleGroupFactory groups = new SimpleGroupFactory(PARQUET);
    try (ParquetWriter<org.apache.parquet.example.data.Group> w =
        ExampleParquetWriter.builder(
                HadoopOutputFile.fromPath(
                    new org.apache.hadoop.fs.Path(file.toUri()), new Configuration()))
            .withType(PARQUET)
            .build()) {
      for (int i = 0; i < ids.length; i++) {
        w.write(groups.newGroup().append("block", ids[i]).append("v", v[i]));
      }
    }
  }
}
