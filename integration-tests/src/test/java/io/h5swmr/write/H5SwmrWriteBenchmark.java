package io.h5swmr.write;

import static org.assertj.core.api.Assertions.assertThat;

import hdf.hdf5lib.H5;
import hdf.hdf5lib.HDF5Constants;
import io.h5swmr.hdf5.H5Native;
import io.h5swmr.testing.RedisServerExtension;
import io.h5swmr.testing.SharedSpark;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.channels.FileChannel;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import org.apache.spark.sql.Dataset;
import org.apache.spark.sql.Row;
import org.apache.spark.sql.SparkSession;
import org.bytedeco.javacpp.BytePointer;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.condition.EnabledIfSystemProperty;
import org.junit.jupiter.api.extension.RegisterExtension;
import org.junit.jupiter.api.io.TempDir;

/**
 * Write benchmark (not a default test; run with {@code -Dh5swmr.bench=true}, see docs/write.md):
 *
 * <ol>
 *   <li>append ~1 GiB of float64 columns (8 columns x 16 M rows) with h5swmr on local[2] against
 *       Spark's uncompressed Parquet writer on the same DataFrame, in the same run;
 *   <li>the commit step alone (driver: read staged Kryo blocks, pack, H5Dwrite, fsync) against one
 *       thread writing the same bytes with raw H5Dwrite in blocks of the same size, into the same
 *       dataset layout.
 * </ol>
 *
 * Prints a table; asserts only that the files hold the expected row counts (timing goals are
 * reported, not asserted).
 */
@EnabledIfSystemProperty(named = "h5swmr.bench", matches = "true")
class H5SwmrWriteBenchmark {
  @RegisterExtension static final RedisServerExtension REDIS = RedisServerExtension.create();

  static final int COLUMNS = 8;

  @TempDir Path dir;

  @Test
  void appendOneGibOfFloat64() throws Exception {
    long rows = Long.getLong("h5swmr.bench.rows", 16L << 20);
    int repeats = Integer.getInteger("h5swmr.bench.repeats", 2);
    SparkSession spark = SharedSpark.get();
    StringBuilder cols = new StringBuilder();
    for (int c = 0; c < COLUMNS; c++) {
      cols.append(c == 0 ? "" : ", ").append("id * ").append(c + 1).append(".0d as c").append(c);
    }
    Dataset<Row> df = spark.sql("select " + cols + " from range(0, " + rows + ", 1, 2)");
    double gib = rows * COLUMNS * 8.0 / (1L << 30);

    List<long[]> h5 = new ArrayList<>();
    List<Long> parquet = new ArrayList<>();
    List<Long> raw = new ArrayList<>();
    List<Long> noop = new ArrayList<>();
    List<long[]> steps = new ArrayList<>();
    for (int r = 0; r < repeats; r++) {
      long tn = System.nanoTime();
      df.write().format("noop").mode("overwrite").save();
      noop.add(System.nanoTime() - tn);
      Path pq = dir.resolve("pq-" + r);
      long t0 = System.nanoTime();
      df.write().mode("overwrite").option("compression", "none").parquet(pq.toString());
      parquet.add(System.nanoTime() - t0);
      deleteTree(pq);

      Path f = dir.resolve("h5-" + r + ".h5");
      long[] commit = timeCommit("renamed");
      long[] at = new long[STEPS.size()];
      io.h5swmr.hdf5.journal.CommitHook chained = timer;
      SparkCommitHook.set(
          step -> {
            chained.reached(step);
            int i = STEPS.indexOf(step);
            if (i >= 0 && at[i] == 0) {
              at[i] = System.nanoTime();
            }
          });
      long t1 = System.nanoTime();
      df.write()
          .format("h5swmr")
          .option("redis.url", REDIS.url())
          .option("dataset", "/bench")
          .mode("append")
          .save(f.toString());
      long total = System.nanoTime() - t1;
      SparkCommitHook.set(null);
      long[] d = new long[STEPS.size()];
      d[0] = at[0] - t1;
      for (int i = 1; i < at.length; i++) {
        d[i] = at[i] - at[i - 1];
      }
      steps.add(d);
      assertThat(rowsOf(f, "/bench")).isEqualTo(rows);
      // in-place cost: append 1000 rows to the 1 GiB file, timing the whole commit under the lease
      long[] copy = timeCommit("journal-deleted");
      long t2 = System.nanoTime();
      spark
          .sql("select " + cols + " from range(0, 1000, 1, 1)")
          .write()
          .format("h5swmr")
          .option("redis.url", REDIS.url())
          .option("dataset", "/bench")
          .mode("append")
          .save(f.toString());
      long small = System.nanoTime() - t2;
      SparkCommitHook.set(null);
      assertThat(rowsOf(f, "/bench")).isEqualTo(rows + 1000);
      h5.add(new long[] {total, commit[1] - commit[0], copy[1] - copy[0], small});
      Files.delete(f);

      Path rf = dir.resolve("raw-" + r + ".h5");
      raw.add(rawWrite(rf, rows));
      assertThat(rowsOf(rf, "/bench")).isEqualTo(rows);
      Files.delete(rf);
    }
    long pqBest = parquet.stream().min(Long::compare).get();
    long h5Best = h5.stream().mapToLong(a -> a[0]).min().getAsLong();
    long commitBest = h5.stream().mapToLong(a -> a[1]).min().getAsLong();
    long rawBest = raw.stream().min(Long::compare).get();
    long copyBest = h5.stream().mapToLong(a -> a[2]).min().getAsLong();
    long smallBest = h5.stream().mapToLong(a -> a[3]).min().getAsLong();
    long noopBest = noop.stream().min(Long::compare).get();
    int bestRun = 0;
    for (int r = 1; r < h5.size(); r++) {
      bestRun = h5.get(r)[0] < h5.get(bestRun)[0] ? r : bestRun;
    }
    StringBuilder breakdown = new StringBuilder();
    for (int i = 0; i < STEPS.size(); i++) {
      breakdown
          .append(i == 0 ? "" : ", ")
          .append(STEP_NAMES.get(i))
          .append(' ')
          .append(String.format(Locale.ROOT, "%.2f", steps.get(bestRun)[i] / 1e9));
    }
    String table =
        String.format(
            Locale.ROOT,
            "%n| measurement (%.2f GiB float64, %d cols x %d rows, best of %d) | seconds | GiB/s | ratio |%n"
                + "|---|---|---|---|%n"
                + "| Spark Parquet writer, uncompressed, local[2] | %.2f | %.2f | 1.00 |%n"
                + "| h5swmr append (stage + commit), local[2] | %.2f | %.2f | %.2f x Parquet |%n"
                + "| raw single-thread H5Dwrite, same layout and block size | %.2f | %.2f | 1.00 |%n"
                + "| h5swmr commit step alone (driver) | %.2f | %.2f | %.2f x raw |%n"
                + "| append 1000 rows to the 1 GiB file: in-place commit under the lease | %.2f | %.2f | |%n"
                + "| append 1000 rows to the 1 GiB file: whole write | %.2f | | |%n"
                + "| Spark's noop writer on the same DataFrame (producing the rows alone) | %.2f | %.2f "
                + "| h5swmr takes %.1f x as long |%n"
                + "%nh5swmr append of the best run, step by step (s): %s%n",
            gib,
            COLUMNS,
            rows,
            repeats,
            pqBest / 1e9,
            gib / (pqBest / 1e9),
            h5Best / 1e9,
            gib / (h5Best / 1e9),
            (double) pqBest / h5Best,
            rawBest / 1e9,
            gib / (rawBest / 1e9),
            commitBest / 1e9,
            gib / (commitBest / 1e9),
            (double) rawBest / commitBest,
            copyBest / 1e9,
            gib / (copyBest / 1e9),
            smallBest / 1e9,
            noopBest / 1e9,
            gib / (noopBest / 1e9),
            (double) h5Best / noopBest,
            breakdown);
    System.out.println(table);
    Files.writeString(
        Path.of(System.getProperty("h5swmr.bench.out", "target/write-benchmark.md")), table);
  }

  /**
   * A gzip(4)+shuffle append of sensor-like float64 values (8 columns; default 4 Mi rows, 256 MiB
   * raw): the whole write and its commit step (the exclusive lease held), with the whole chunks
   * compressed in Java on every core (H5ChunkStore) and, alternating in the same run, by the
   * library's own filter (zlib, one thread).
   */
  @Test
  void appendGzipSensorValues() throws Exception {
    long rows = Long.getLong("h5swmr.bench.gzipRows", 4L << 20);
    int repeats = Integer.getInteger("h5swmr.bench.repeats", 2);
    SparkSession spark = SharedSpark.get();
    StringBuilder cols = new StringBuilder();
    for (int c = 0; c < COLUMNS; c++) {
      cols.append(c == 0 ? "" : ", ")
          .append("round(sin(id / ")
          .append((c + 1) * 7000)
          .append(".0) * 500 + randn(")
          .append(c)
          .append(") * 5, 3) as c")
          .append(c);
    }
    Dataset<Row> df = spark.sql("select " + cols + " from range(0, " + rows + ", 1, 2)").cache();
    assertThat(df.count()).isEqualTo(rows);
    long[][] best = {{Long.MAX_VALUE, Long.MAX_VALUE, 0}, {Long.MAX_VALUE, Long.MAX_VALUE, 0}};
    try {
      for (int r = 0; r < repeats; r++) {
        for (int way = 0; way < 2; way++) {
          Path f = dir.resolve("gz-" + r + "-" + way + ".h5");
          long[] commit = timeCommit("renamed");
          long t0 = System.nanoTime();
          df.write()
              .format("h5swmr")
              .option("redis.url", REDIS.url())
              .option("dataset", "/bench")
              .option("compression", "gzip")
              .option("parallelDeflate", String.valueOf(way == 0))
              .mode("append")
              .save(f.toString());
          long total = System.nanoTime() - t0;
          SparkCommitHook.set(null);
          assertThat(rowsOf(f, "/bench")).isEqualTo(rows);
          best[way][0] = Math.min(best[way][0], total);
          best[way][1] = Math.min(best[way][1], commit[1] - commit[0]);
          best[way][2] = Files.size(f);
          Files.delete(f);
        }
      }
    } finally {
      df.unpersist();
    }
    double mib = rows * COLUMNS * 8.0 / (1 << 20);
    String coder =
        io.h5swmr.hdf5.H5ChunkFilters.inflater().equals("libdeflate")
            ? "libdeflate"
            : "java.util.zip.Deflater";
    String table =
        String.format(
            Locale.ROOT,
            "%n| gzip(4)+shuffle append, %.0f MiB of sensor-like float64 (%d cols x %d rows), local[2], best of %d "
                + "| whole write (s) | commit step, lease held (s) | commit MiB/s | file MiB |%n|---|---|---|---|---|%n"
                + "| whole chunks compressed in Java (%s, %d threads) | %.2f | %.2f | %.0f | %.1f |%n"
                + "| the library's deflate filter (zlib, one thread) | %.2f | %.2f | %.0f | %.1f |%n"
                + "| ratio (library / Java) | %.2f | %.2f | | |%n",
            mib,
            COLUMNS,
            rows,
            repeats,
            coder,
            Runtime.getRuntime().availableProcessors(),
            best[0][0] / 1e9,
            best[0][1] / 1e9,
            mib / (best[0][1] / 1e9),
            best[0][2] / 1048576.0,
            best[1][0] / 1e9,
            best[1][1] / 1e9,
            mib / (best[1][1] / 1e9),
            best[1][2] / 1048576.0,
            (double) best[1][0] / best[0][0],
            (double) best[1][1] / best[0][1]);
    System.out.println(table);
    Files.writeString(
        Path.of(System.getProperty("h5swmr.bench.gzipOut", "target/write-gzip-benchmark.md")),
        table);
  }

  /**
   * Commit steps of a new file's bulk write, in order (CommitHook names), and what the time up to
   * each is.
   */
  private static final List<String> STEPS =
      List.of("locked", "wrote-first-block", "closed", "before-rename", "renamed");

  private static final List<String> STEP_NAMES =
      List.of(
          "staging by the tasks and lease",
          "first block decoded and written",
          "other blocks decoded and written",
          "last fsync",
          "rename and directory fsync");

  /**
   * Installs a commit hook that records when the exclusive lease was taken ({@code [0]}) and when
   * the commit reached step {@code end} ({@code [1]}); uninstall with {@code
   * SparkCommitHook.set(null)}.
   */
  private static long[] timeCommit(String end) {
    long[] at = new long[2];
    timer =
        step -> {
          if (step.equals("locked")) {
            at[0] = System.nanoTime();
          } else if (step.equals(end)) {
            at[1] = System.nanoTime();
          }
        };
    SparkCommitHook.set(timer);
    return at;
  }

  /** The hook {@link #timeCommit} set last (the Spark writes' hook until reset). */
  private static io.h5swmr.hdf5.journal.CommitHook timer = io.h5swmr.hdf5.journal.CommitHook.NONE;

  /**
   * One thread: create the same compound dataset (1 MiB chunks) and write 8 MiB blocks with
   * H5Dwrite.
   */
  private static long rawWrite(Path f, long rows) throws Exception {
    int rowBytes = COLUMNS * 8;
    int blockRows = (int) (H5SwmrBatchWrite.BLOCK_BYTES / rowBytes);
    long chunkRows = (1L << 20) / rowBytes;
    BytePointer buf = new BytePointer((long) blockRows * rowBytes);
    ByteBuffer bb = buf.asByteBuffer().order(ByteOrder.nativeOrder());
    for (int k = 0; k < blockRows; k++) {
      for (int c = 0; c < COLUMNS; c++) {
        bb.putDouble(k * rowBytes + c * 8, k * (c + 1.0));
      }
    }
    long t0 = System.nanoTime();
    H5Native.call(
        () -> {
          long fid =
              H5.H5Fcreate(
                  f.toString(),
                  HDF5Constants.H5F_ACC_EXCL,
                  HDF5Constants.H5P_DEFAULT,
                  HDF5Constants.H5P_DEFAULT);
          long ft = H5.H5Tcreate(HDF5Constants.H5T_COMPOUND, rowBytes);
          long mt = H5.H5Tcreate(HDF5Constants.H5T_COMPOUND, rowBytes);
          for (int c = 0; c < COLUMNS; c++) {
            H5.H5Tinsert(ft, "c" + c, c * 8L, HDF5Constants.H5T_IEEE_F64LE);
            H5.H5Tinsert(mt, "c" + c, c * 8L, HDF5Constants.H5T_NATIVE_DOUBLE);
          }
          long space =
              H5.H5Screate_simple(1, new long[] {0}, new long[] {HDF5Constants.H5S_UNLIMITED});
          long dcpl = H5.H5Pcreate(HDF5Constants.H5P_DATASET_CREATE);
          H5.H5Pset_chunk(dcpl, 1, new long[] {chunkRows});
          long did =
              H5.H5Dcreate(
                  fid,
                  "/bench",
                  ft,
                  space,
                  HDF5Constants.H5P_DEFAULT,
                  dcpl,
                  HDF5Constants.H5P_DEFAULT);
          for (long at = 0; at < rows; at += blockRows) {
            long n = Math.min(blockRows, rows - at);
            H5.H5Dset_extent(did, new long[] {at + n});
            long fs = H5.H5Dget_space(did);
            long ms = H5.H5Screate_simple(1, new long[] {n}, null);
            H5.H5Sselect_hyperslab(
                fs, HDF5Constants.H5S_SELECT_SET, new long[] {at}, null, new long[] {n}, null);
            int rc =
                org.bytedeco.hdf5.global.hdf5.H5Dwrite(
                    did, mt, ms, fs, HDF5Constants.H5P_DEFAULT, buf);
            assertThat(rc).isGreaterThanOrEqualTo(0);
            H5.H5Sclose(ms);
            H5.H5Sclose(fs);
          }
          H5.H5Dclose(did);
          H5.H5Pclose(dcpl);
          H5.H5Sclose(space);
          H5.H5Tclose(mt);
          H5.H5Tclose(ft);
          H5.H5Fclose(fid);
          return null;
        });
    try (FileChannel ch = FileChannel.open(f, StandardOpenOption.WRITE)) {
      ch.force(true);
    }
    long t = System.nanoTime() - t0;
    buf.close();
    return t;
  }

  private static long rowsOf(Path f, String dataset) throws Exception {
    return H5Native.call(
        () -> {
          long fid =
              H5.H5Fopen(f.toString(), HDF5Constants.H5F_ACC_RDONLY, HDF5Constants.H5P_DEFAULT);
          long did = H5.H5Dopen(fid, dataset, HDF5Constants.H5P_DEFAULT);
          long s = H5.H5Dget_space(did);
          long[] dims = new long[1];
          H5.H5Sget_simple_extent_dims(s, dims, null);
          H5.H5Sclose(s);
          H5.H5Dclose(did);
          H5.H5Fclose(fid);
          return dims[0];
        });
  }

  private static void deleteTree(Path p) {
    StagingArea.deleteTree(p);
  }
}
