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
import io.h5swmr.testing.SharedSpark;
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
 * rows (default 16 Mi = 1 GiB). (1) Spark {@code local[2]} sum of every column through h5swmr vs Spark's
 * vectorized Parquet reader over the same data written uncompressed; (2) h5swmr's columnar partition reader alone
 * vs raw {@code H5Dread} of the same hyperslabs, single-threaded. Prints a Markdown table.
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
    Path h5 = dir.resolve("bench.h5");
    Path parquet = dir.resolve("bench.parquet");
    long t0 = System.nanoTime();
    write(h5, rows);
    System.out.printf(Locale.ROOT, "wrote %s (%d MiB) in %.1f s%n", h5, Files.size(h5) >> 20,
        (System.nanoTime() - t0) / 1e9);

    SparkSession spark = SharedSpark.get();
    spark.conf().set("spark.sql.parquet.compression.codec", "uncompressed");
    String[] sums = sumExpr();
    spark.read().format("h5swmr").option("redis.url", REDIS.url()).option("datasets", "/cols").option("indexColumn", "")
        .load(h5.toString()).write().parquet(parquet.toString());
    spark.conf().unset("spark.sql.parquet.compression.codec");

    Row expected = null;
    double h5Best = Double.MAX_VALUE;
    double pqBest = Double.MAX_VALUE;
    for (int run = 0; run <= RUNS; run++) {
      long s = System.nanoTime();
      Row a = spark.read().format("h5swmr").option("redis.url", REDIS.url()).option("datasets", "/cols")
          .load(h5.toString()).selectExpr(sums).collectAsList().get(0);
      double h = (System.nanoTime() - s) / 1e9;
      s = System.nanoTime();
      Row b = spark.read().parquet(parquet.toString()).selectExpr(sums).collectAsList().get(0);
      double p = (System.nanoTime() - s) / 1e9;
      assertThat(a).isEqualTo(b);
      expected = a;
      if (run > 0) { // run 0 warms up
        h5Best = Math.min(h5Best, h);
        pqBest = Math.min(pqBest, p);
      }
      System.out.printf(Locale.ROOT, "run %d: h5swmr %.3f s, parquet %.3f s%n", run, h, p);
    }
    assertThat(expected.getDouble(0)).isEqualTo(sumOf(rows, 0));

    double readerBest = Double.MAX_VALUE;
    double rawBest = Double.MAX_VALUE;
    for (int run = 0; run <= RUNS; run++) {
      Batch batch = plan(h5);
      long s = System.nanoTime();
      double fromReader = readAll(batch);
      double r = (System.nanoTime() - s) / 1e9;
      s = System.nanoTime();
      double fromRaw = rawRead(h5, batch);
      double w = (System.nanoTime() - s) / 1e9;
      assertThat(fromReader).isEqualTo(fromRaw);
      if (run > 0) {
        readerBest = Math.min(readerBest, r);
        rawBest = Math.min(rawBest, w);
      }
      System.out.printf(Locale.ROOT, "run %d: partition reader %.3f s, raw H5Dread %.3f s%n", run, r, w);
    }

    double mib = rows * COLUMNS * 8.0 / (1 << 20);
    StringBuilder t = new StringBuilder();
    t.append(String.format(Locale.ROOT, "%n%d rows x %d float64 columns (%.0f MiB), best of %d runs%n%n",
        rows, COLUMNS, mib, RUNS));
    t.append("| what | time (s) | rows/s | MiB/s | ratio |\n|---|---|---|---|---|\n");
    row(t, "h5swmr, Spark local[2], sum of 8 columns", h5Best, rows, mib, pqBest / h5Best, "vs Parquet");
    row(t, "Parquet (uncompressed, vectorized), same query", pqBest, rows, mib, 1, "");
    row(t, "h5swmr columnar partition reader alone, 1 thread", readerBest, rows, mib, rawBest / readerBest,
        "vs raw");
    row(t, "raw H5Dread of the same hyperslabs, 1 thread", rawBest, rows, mib, 1, "");
    System.out.println(t);
    Files.writeString(Path.of(System.getProperty("bench.out", "target/read-benchmark.md")), t.toString());
  }

  private static void row(StringBuilder t, String what, double s, long rows, double mib, double ratio,
      String of) {
    t.append(String.format(Locale.ROOT, "| %s | %.3f | %.1f M | %.0f | %s |%n", what, s, rows / s / 1e6, mib / s,
        of.isEmpty() ? "" : String.format(Locale.ROOT, "%.2fx %s", ratio, of)));
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

  private static void write(Path f, long rows) {
    int block = 1 << 20;
    double[] buf = new double[block];
    try (H5File file = H5File.create(f.toString())) {
      for (int c = 0; c < COLUMNS; c++) {
        try (H5Dataset d = file.createDataset("/cols/c" + c,
            H5DatasetSpec.of(H5Type.float64()).withChunkRows(1 << 16))) {
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

  private static Batch plan(Path h5) {
    Map<String, String> o = new HashMap<>();
    o.put("path", h5.toString());
    o.put("datasets", "/cols");
    o.put("indexColumn", "");
    o.put("redis.url", REDIS.url());
    H5SwmrOptions options = H5SwmrOptions.of(o, k -> SharedSpark.get().conf().get(k, null));
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
