package io.h5swmr.bench;

import static org.assertj.core.api.Assertions.assertThat;

import hdf.hdf5lib.H5;
import hdf.hdf5lib.HDF5Constants;
import io.h5swmr.config.H5SwmrOptions;
import io.h5swmr.hdf5.H5ColumnWrite;
import io.h5swmr.hdf5.H5Dataset;
import io.h5swmr.hdf5.H5DatasetSpec;
import io.h5swmr.hdf5.H5File;
import io.h5swmr.hdf5.H5Native;
import io.h5swmr.hdf5.H5Type;
import io.h5swmr.read.H5SwmrInputPartition;
import io.h5swmr.read.H5SwmrScan;
import io.h5swmr.read.H5SwmrScanBuilder;
import io.h5swmr.read.H5SwmrSchemaInference;
import io.h5swmr.testing.RedisServerExtension;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import org.apache.spark.sql.Row;
import org.apache.spark.sql.SparkSession;
import org.apache.spark.sql.connector.read.Batch;
import org.apache.spark.sql.connector.read.InputPartition;
import org.apache.spark.sql.connector.read.PartitionReader;
import org.apache.spark.sql.connector.read.PartitionReaderFactory;
import org.apache.spark.sql.types.StructType;
import org.apache.spark.sql.vectorized.ColumnarBatch;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.condition.EnabledIfSystemProperty;
import org.junit.jupiter.api.extension.RegisterExtension;
import org.junit.jupiter.api.io.TempDir;

/**
 * Read benchmark (not a timed test; runs only with {@code -Dbench=read}): 8 float64 columns × {@code -Drows}
 * rows (default 16 Mi = 1 GiB), written twice: uncompressed and gzip(4)+shuffle, 64 Ki-row chunks. For each:
 * (1) a Spark sum of every column through h5swmr on {@code local[1]} and on {@code local[2]} (own sessions, one
 * after the other) against Spark's vectorized Parquet reader over the same data written uncompressed and zstd;
 * (2) h5swmr's columnar partition reader alone, one thread, with the Java chunk path and with the library
 * ({@code directRead=false}), against raw {@code H5Dread} (the library's read+decode) of the same hyperslabs.
 * Spark's {@code spark.sql.files.maxPartitionBytes} (h5swmr's {@code partitionBytes} default) is set to 1/8 of the
 * data (at most 128 MiB), so both readers get 8 partitions at any size. Best of {@code -Druns} (default 3) after a
 * warm-up. Prints a Markdown table and writes it to
 * {@code target/read-benchmark.md}.
 */
@EnabledIfSystemProperty(named = "bench", matches = "read")
class ReadBenchmarkTest {
  @RegisterExtension
  static final RedisServerExtension REDIS = RedisServerExtension.create();

  static final int COLUMNS = 8;
  static final int RUNS = Integer.getInteger("runs", 3);

  @TempDir
  Path dir;

  @Test
  void fullScanSumOfEveryColumn() throws Exception {
    long rows = Long.getLong("rows", 16L << 20);
    double mib = rows * COLUMNS * 8.0 / (1 << 20);
    StringBuilder t = new StringBuilder();
    t.append(String.format(Locale.ROOT, "%n%d rows x %d float64 columns (%.0f MiB), best of %d runs after a "
        + "warm-up%n%n", rows, COLUMNS, mib, RUNS));
    t.append("| data | what | time (s) | MiB/s | ratio |\n|---|---|---|---|---|\n");
    String[] sums = sumExpr();
    for (boolean gzip : new boolean[] {false, true}) {
      String data = gzip ? "gzip+shuffle" : "uncompressed";
      Path h5 = dir.resolve(gzip ? "bench-gzip.h5" : "bench.h5");
      long t0 = System.nanoTime();
      write(h5, rows, gzip);
      System.out.printf(Locale.ROOT, "wrote %s (%d MiB) in %.1f s%n", h5, Files.size(h5) >> 20,
          (System.nanoTime() - t0) / 1e9);
      Map<String, Double> best = new HashMap<>();
      for (String master : new String[] {"local[1]", "local[2]"}) {
        SparkSession spark = SparkSession.builder().master(master).appName("h5swmr-read-bench")
            .config("spark.ui.enabled", "false").config("spark.driver.bindAddress", "127.0.0.1")
            .config("spark.driver.host", "127.0.0.1")
            // At least 8 partitions also at reduced sizes, so local[2] has work for both cores (both readers).
            .config("spark.sql.files.maxPartitionBytes", String.valueOf(Math.min(128L << 20,
                Math.max(1L << 20, rows * COLUMNS * 8 / 8))))
            .getOrCreate();
        try {
          Map<String, Path> parquet = new HashMap<>();
          for (String codec : new String[] {"uncompressed", "zstd"}) {
            Path pq = dir.resolve((gzip ? "gz-" : "") + codec + ".parquet");
            if (!Files.exists(pq)) {
              spark.read().format("h5swmr").option("redis.url", REDIS.url()).option("datasets", "/cols")
                  .option("indexColumn", "").load(h5.toString()).write().option("compression", codec)
                  .parquet(pq.toString());
            }
            parquet.put(codec, pq);
          }
          for (int run = 0; run <= RUNS; run++) {
            Row a = null;
            for (String what : new String[] {"h5swmr", "uncompressed", "zstd"}) {
              long s = System.nanoTime();
              Row r = what.equals("h5swmr")
                  ? spark.read().format("h5swmr").option("redis.url", REDIS.url()).option("datasets", "/cols")
                      .load(h5.toString()).selectExpr(sums).collectAsList().get(0)
                  : spark.read().parquet(parquet.get(what).toString()).selectExpr(sums).collectAsList().get(0);
              double sec = (System.nanoTime() - s) / 1e9;
              if (a == null) {
                a = r;
                assertThat(a.getDouble(0)).isEqualTo(sumOf(rows, 0));
              } else {
                assertThat(r).isEqualTo(a);
              }
              System.out.printf(Locale.ROOT, "%s %s %s run %d: %.3f s%n", data, master, what, run, sec);
              if (run > 0) {
                best.merge(master + " " + what, sec, Math::min);
              }
            }
          }
        } finally {
          spark.stop();
        }
      }
      for (int run = 0; run <= RUNS; run++) {
        for (boolean direct : new boolean[] {true, false}) {
          Batch batch = plan(h5, direct);
          long s = System.nanoTime();
          double fromReader = readAll(batch);
          double r = (System.nanoTime() - s) / 1e9;
          s = System.nanoTime();
          double fromRaw = rawRead(h5, batch);
          double w = (System.nanoTime() - s) / 1e9;
          assertThat(fromReader).isEqualTo(fromRaw);
          System.out.printf(Locale.ROOT, "%s run %d: reader (direct=%s) %.3f s, raw H5Dread %.3f s%n", data, run,
              direct, r, w);
          if (run > 0) {
            best.merge("reader " + direct, r, Math::min);
            best.merge("raw", w, Math::min);
          }
        }
      }
      double pq1 = best.get("local[1] uncompressed");
      double pq2 = best.get("local[2] uncompressed");
      double z1 = best.get("local[1] zstd");
      double z2 = best.get("local[2] zstd");
      double h1 = best.get("local[1] h5swmr");
      double h2 = best.get("local[2] h5swmr");
      row(t, data, "h5swmr, Spark local[1], sum of 8 columns", h1, mib, String.format(Locale.ROOT,
          "%.2fx Parquet unc., %.2fx Parquet zstd", pq1 / h1, z1 / h1));
      row(t, data, "h5swmr, Spark local[2], sum of 8 columns", h2, mib, String.format(Locale.ROOT,
          "%.2fx local[1]; %.2fx Parquet unc., %.2fx Parquet zstd", h1 / h2, pq2 / h2, z2 / h2));
      row(t, data, "Parquet uncompressed, local[1] / local[2]", pq1, mib, String.format(Locale.ROOT,
          "local[2]: %.3f s (%.2fx local[1])", pq2, pq1 / pq2));
      row(t, data, "Parquet zstd, local[1] / local[2]", z1, mib, String.format(Locale.ROOT,
          "local[2]: %.3f s (%.2fx local[1])", z2, z1 / z2));
      double raw = best.get("raw");
      row(t, data, "h5swmr partition reader alone, Java chunk path, 1 thread", best.get("reader true"), mib,
          String.format(Locale.ROOT, "%.2fx raw", raw / best.get("reader true")));
      row(t, data, "h5swmr partition reader alone, directRead=false (library), 1 thread", best.get("reader false"),
          mib, String.format(Locale.ROOT, "%.2fx raw", raw / best.get("reader false")));
      row(t, data, "raw H5Dread (library read+decode) of the same hyperslabs, 1 thread", raw, mib, "anchor");
    }
    System.out.println(t);
    Files.writeString(Path.of(System.getProperty("bench.out", "target/read-benchmark.md")), t.toString());
  }

  private static void row(StringBuilder t, String data, String what, double s, double mib, String ratio) {
    t.append(String.format(Locale.ROOT, "| %s | %s | %.3f | %.0f | %s |%n", data, what, s, mib / s, ratio));
  }

  private static String[] sumExpr() {
    String[] s = new String[COLUMNS];
    for (int c = 0; c < COLUMNS; c++) {
      s[c] = "sum(c" + c + ")";
    }
    return s;
  }

  private static double value(long i, int c) {
    return (i % 1000) * 0.5 + c;
  }

  private static double sumOf(long rows, int c) {
    double s = 0;
    for (long i = 0; i < rows; i++) {
      s += value(i, c);
    }
    return s;
  }

  private static void write(Path f, long rows, boolean gzip) {
    int block = 1 << 20;
    double[] buf = new double[block];
    try (H5File file = H5File.create(f.toString())) {
      for (int c = 0; c < COLUMNS; c++) {
        try (H5Dataset d = file.createDataset("/cols/c" + c,
            gzip ? H5DatasetSpec.of(H5Type.float64()).withChunkRows(1 << 16).withDeflate(4).withShuffle(true)
                : H5DatasetSpec.of(H5Type.float64()).withChunkRows(1 << 16))) {
          for (long start = 0; start < rows; start += block) {
            int n = (int) Math.min(block, rows - start);
            for (int i = 0; i < n; i++) {
              buf[i] = value(start + i, c);
            }
            d.append(n, H5ColumnWrite.from(buf, 0));
          }
        }
      }
    }
  }

  private static Batch plan(Path h5, boolean direct) {
    Map<String, String> o = new HashMap<>();
    o.put("path", h5.toString());
    o.put("datasets", "/cols");
    o.put("indexColumn", "");
    o.put("redis.url", REDIS.url());
    o.put("directRead", String.valueOf(direct));
    H5SwmrOptions options = H5SwmrOptions.of(o);
    StructType schema = H5SwmrSchemaInference.infer(options);
    H5SwmrScan scan = (H5SwmrScan) new H5SwmrScanBuilder(schema, options).build();
    assertThat(scan.isColumnar()).isTrue();
    return scan.toBatch();
  }

  /** Every batch of every partition through the columnar reader; returns the sum of column 0. */
  private static double readAll(Batch batch) throws Exception {
    PartitionReaderFactory f = batch.createReaderFactory();
    double sum = 0;
    for (InputPartition p : batch.planInputPartitions()) {
      try (PartitionReader<ColumnarBatch> r = f.createColumnarReader(p)) {
        while (r.next()) {
          ColumnarBatch b = r.get();
          for (int i = 0, n = b.numRows(); i < n; i++) {
            sum += b.column(0).getDouble(i);
          }
        }
      }
    }
    return sum;
  }

  /** The same row ranges read with plain H5Dread calls into double[]; returns the sum of column 0. */
  private static double rawRead(Path h5, Batch batch) throws Exception {
    List<long[]> ranges = new ArrayList<>();
    for (InputPartition p : batch.planInputPartitions()) {
      for (long[] r : ((H5SwmrInputPartition) p).ranges()) {
        ranges.add(r);
      }
    }
    return H5Native.call(() -> {
      double sum = 0;
      long fapl = H5.H5Pcreate(HDF5Constants.H5P_FILE_ACCESS);
      H5.H5Pset_file_locking(fapl, false, true);
      for (long[] r : ranges) {
        long fid = H5.H5Fopen(h5.toString(), HDF5Constants.H5F_ACC_RDONLY, fapl);
        double[] buf = new double[(int) r[1]];
        for (int c = 0; c < COLUMNS; c++) {
          long did = H5.H5Dopen(fid, "/cols/c" + c, HDF5Constants.H5P_DEFAULT);
          long fs = H5.H5Dget_space(did);
          H5.H5Sselect_hyperslab(fs, HDF5Constants.H5S_SELECT_SET, new long[] {r[0]}, null, new long[] {r[1]},
              null);
          long ms = H5.H5Screate_simple(1, new long[] {r[1]}, null);
          H5.H5Dread_double(did, HDF5Constants.H5T_NATIVE_DOUBLE, ms, fs, HDF5Constants.H5P_DEFAULT, buf, true);
          if (c == 0) {
            for (double v : buf) {
              sum += v;
            }
          }
          H5.H5Sclose(ms);
          H5.H5Sclose(fs);
          H5.H5Dclose(did);
        }
        H5.H5Fclose(fid);
      }
      H5.H5Pclose(fapl);
      return sum;
    });
  }
}
