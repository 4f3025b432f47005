package io.h5swmr.bench;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.within;

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
import io.h5swmr.stream.H5SwmrMicroBatchStream;
import io.h5swmr.testing.RedisServerExtension;
import java.net.URI;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Properties;
import java.util.SplittableRandom;
import java.util.stream.Stream;
import org.apache.hadoop.fs.FileSystem;
import org.apache.parquet.hadoop.ParquetFileReader;
import org.apache.parquet.hadoop.metadata.BlockMetaData;
import org.apache.parquet.hadoop.metadata.ColumnChunkMetaData;
import org.apache.parquet.hadoop.util.HadoopInputFile;
import org.apache.spark.sql.Row;
import org.apache.spark.sql.SparkSession;
import org.apache.spark.sql.connector.read.Batch;
import org.apache.spark.sql.connector.read.InputPartition;
import org.apache.spark.sql.connector.read.PartitionReader;
import org.apache.spark.sql.connector.read.PartitionReaderFactory;
import org.apache.spark.sql.types.StructType;
import org.apache.spark.sql.vectorized.ColumnarBatch;
import org.gaul.s3proxy.AuthenticationType;
import org.gaul.s3proxy.S3Proxy;
import org.jclouds.ContextBuilder;
import org.jclouds.blobstore.BlobStore;
import org.jclouds.blobstore.BlobStoreContext;
import org.jclouds.filesystem.reference.FilesystemConstants;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.condition.EnabledIfSystemProperty;
import org.junit.jupiter.api.extension.RegisterExtension;
import org.junit.jupiter.api.io.TempDir;

/**
 * Read benchmark (not a timed test; runs only with {@code -Dbench=read}): 8 float64 columns ×
 * {@code -Drows} rows (default 16 Mi = 1 GiB), written twice: uncompressed and gzip(4)+shuffle, 64
 * Ki-row chunks; and, where Debian's h5py with the bitshuffle plugin is installed, copied by h5py
 * with bitshuffle+LZ4 (the detectors' filter, which the library here cannot decode: the Java chunk
 * path alone reads it). For each: (1) a Spark sum of every column through h5swmr on {@code
 * local[1]} and on {@code local[2]} (own sessions, one after the other) against Spark's vectorized
 * Parquet reader over the same values written uncompressed and zstd; (2) on {@code local[2]}, the
 * same query over the same HDF5 file read through {@code s3a://} from an S3 endpoint (s3proxy in
 * process on a loopback port, blobs in files under the temporary directory), as a ratio to the
 * local-disk query of the same file in the same session, and Parquet through {@code s3a://} as a
 * second anchor (uncompressed with the uncompressed file, zstd with compressed ones), each with its
 * GETs and bytes received. s3a runs with Hadoop's defaults, but for {@code -Ds3a.inputPolicy}
 * ({@code normal}, the adaptive default; {@code random} or {@code sequential}); (3) h5swmr's
 * columnar partition reader alone, one thread, with the Java chunk path and with the library
 * ({@code directRead=false}), against raw {@code H5Dread} (the library's read+decode) of the same
 * hyperslabs, and with the Java chunk path on two threads (the connector's own scaling from 1 to 2
 * cores, without Spark's per-row work). Spark's {@code spark.sql.files.maxPartitionBytes} (h5swmr's
 * {@code partitionBytes} default) is set to 1/8 of the data (at most 128 MiB), so both readers get
 * 8 partitions at any size. Best of {@code -Druns} (default 3) after a warm-up. Prints a Markdown
 * table (with each file's size on disk and compression ratio, and a per-column table of ratios) and
 * writes it to {@code target/read-benchmark.md}.
 *
 * <p>The values are instrument-like (see {@link #CHANNELS}): each column a smooth signal plus
 * Gaussian noise from a seeded generator, rounded to its sensor's decimal precision (one column a
 * simulation field at full float64 precision), so both gzip+shuffle and Parquet's encodings
 * (dictionary where a column has few distinct values) compress by what such data really allows.
 * Deterministic: row {@code i} of a column is the same at any {@code -Drows}. The Parquet files are
 * written from the HDF5 file once, so both formats hold the same values.
 */
@EnabledIfSystemProperty(named = "bench", matches = "read")
class ReadBenchmarkTest {
  private static final String BITSHUFFLE = "bitshuffle+LZ4";

  /** Debian's Python, whose h5py finds Debian's HDF5 filter plugins (bitshuffle). */
  private static final String PYTHON = "/usr/bin/python3";

  @RegisterExtension static final RedisServerExtension REDIS = RedisServerExtension.create();

  /**
   * One column: {@code offset + amplitude * sin(2 pi i / period) + sigma * N(0,1)}, rounded to
   * {@code decimals} decimal places (the nearest double to that decimal, as a driver parsing the
   * sensor's reading gives it), or kept at full precision when {@code decimals < 0}.
   */
  record Channel(
      String name, double offset, double amplitude, double period, double sigma, int decimals) {
    double value(long i, double gaussian) {
      // StrictMath: the same bits on every JVM and platform
      double v =
          offset
              + amplitude * StrictMath.sin(2 * Math.PI * (i % (long) period) / period)
              + sigma * gaussian;
      if (decimals < 0) {
        return v;
      }
      double scale = Math.pow(10, decimals);
      return Math.rint(v * scale) / scale;
    }

    String describe() {
      return String.format(
          Locale.ROOT,
          "%s: %s + %s sin(2πi/%.0f) + N(0, %s²), %s",
          name,
          fmt(offset),
          fmt(amplitude),
          period,
          fmt(sigma),
          decimals < 0 ? "full float64" : "rounded to 1e-" + decimals);
    }

    private static String fmt(double d) {
      return new java.math.BigDecimal(Double.toString(d)).stripTrailingZeros().toPlainString();
    }
  }

  /**
   * A data logger's channels at their sensors' resolutions: three slow ambient channels and a
   * current with 800 to 30 000 distinct values (Parquet stores them dictionary-encoded, also
   * "uncompressed"), a 16-bit-ADC voltage (about 66 000 levels, where Parquet's writer already
   * falls back to plain values), two 24-bit-ADC channels (strain, acceleration: about a million
   * levels) and a simulation field at full precision. Noise of a few to a few hundred steps of the
   * resolution, as a well-matched ADC has.
   */
  static final Channel[] CHANNELS = {
    new Channel("temperature (°C)", 21.0, 2.5, 600_000, 0.02, 3),
    new Channel("pressure (hPa)", 1013.25, 4.0, 2_000_000, 0.05, 2),
    new Channel("humidity (%)", 45.0, 10.0, 900_000, 0.2, 2),
    new Channel("voltage, 16-bit ADC (V)", 0.0, 3.3, 5_000, 0.005, 4),
    new Channel("current (mA)", 120.0, 15.0, 50_000, 0.5, 3),
    new Channel("strain, 24-bit ADC (µε)", 0.0, 500.0, 20_000, 5.0, 3),
    new Channel("acceleration, 24-bit ADC (m/s²)", 9.81, 0.5, 1_000, 0.05, 6),
    new Channel("simulation field", 0.0, 1.0, 300_000, 1e-3, -1),
  };

  static final int COLUMNS = CHANNELS.length;
  static final long SEED = 0x5EED_12L;
  static final int RUNS = Integer.getInteger("runs", 3);

  static final String BUCKET = "h5swmr-bench";
  static final String ACCESS = "bench-access";
  static final String SECRET = "bench-secret";

  @TempDir Path dir;

  @Test
  void fullScanSumOfEveryColumn() throws Exception {
    long rows = Long.getLong("rows", 16L << 20);
    double mib = rows * COLUMNS * 8.0 / (1 << 20);
    StringBuilder t = new StringBuilder();
    t.append(
        String.format(
            Locale.ROOT,
            "%n%d rows x %d float64 columns (%.0f MiB), best of %d runs after a "
                + "warm-up; deflate chunks decoded in Java by %s%n%n",
            rows,
            COLUMNS,
            mib,
            RUNS,
            io.h5swmr.hdf5.H5ChunkFilters.inflater()));
    t.append(
        "| data | what | time (s) | MiB/s | on disk: MiB (compression) | ratio |\n"
            + "|---|---|---|---|---|---|\n");
    String[] sums = sumExpr();
    Path s3dir = Files.createDirectories(dir.resolve("s3"));
    Properties props = new Properties();
    props.setProperty(FilesystemConstants.PROPERTY_BASEDIR, s3dir.toString());
    BlobStoreContext store =
        ContextBuilder.newBuilder("filesystem")
            .credentials(ACCESS, SECRET)
            .overrides(props)
            .build(BlobStoreContext.class);
    S3Proxy proxy = null;
    try {
      BlobStore blobs = store.getBlobStore();
      blobs.createContainerInLocation(null, BUCKET);
      proxy =
          S3Proxy.builder()
              .blobStore(blobs)
              .endpoint(URI.create("http://127.0.0.1:0"))
              .awsAuthentication(AuthenticationType.AWS_V2_OR_V4, ACCESS, SECRET)
              .build();
      proxy.start(); // returns once the server is started
      String endpoint = "http://127.0.0.1:" + proxy.getPort();
      Map<String, Path> parquet = new HashMap<>();
      double[][] expected = null;
      Map<String, long[]> h5ColumnBytes = new HashMap<>();
      List<String> variants = new ArrayList<>(List.of("uncompressed", "gzip+shuffle"));
      String noBitshuffle = bitshuffleWriterMissing();
      if (noBitshuffle == null) {
        variants.add(BITSHUFFLE);
      } else {
        System.out.println("SKIPPED: the bitshuffle+LZ4 rows: " + noBitshuffle);
        t.append("(bitshuffle+LZ4 rows skipped: ").append(noBitshuffle).append(")\n\n");
      }
      for (String data : variants) {
        boolean gzip = data.equals("gzip+shuffle");
        boolean compressed = !data.equals("uncompressed");
        // The library (no HDF5 plugins here) cannot decode bitshuffle: no directRead=false or raw
        // H5Dread rows.
        boolean libraryDecodes = !data.equals(BITSHUFFLE);
        String name = gzip ? "bench-gzip.h5" : compressed ? "bench-bitshuffle.h5" : "bench.h5";
        Path h5 = dir.resolve(name);
        long t0 = System.nanoTime();
        if (data.equals(BITSHUFFLE)) {
          writeBitshuffleCopy(dir.resolve("bench.h5"), h5);
        } else {
          double[][] written = write(h5, rows, gzip);
          if (expected == null) {
            expected = written;
          } else {
            assertThat(written).isDeepEqualTo(expected);
          }
        }
        System.out.printf(
            Locale.ROOT,
            "wrote %s (%.1f MiB, %.2fx) in %.1f s%n",
            h5,
            Files.size(h5) / 1048576.0,
            rows * COLUMNS * 8.0 / Files.size(h5),
            (System.nanoTime() - t0) / 1e9);
        h5ColumnBytes.put(data, storageSizes(h5));
        upload(blobs, h5, name);
        String remote = "s3a://" + BUCKET + "/" + name;
        // Parquet anchor of the remote rows: uncompressed with the uncompressed file, zstd with
        // compressed ones.
        String pqRemote = compressed ? "zstd" : "uncompressed";
        Map<String, Double> best = new HashMap<>();
        Map<String, String> requestsOf = new HashMap<>();
        for (String master : new String[] {"local[1]", "local[2]"}) {
          SparkSession spark =
              SparkSession.builder()
                  .master(master)
                  .appName("h5swmr-read-bench")
                  .config("spark.ui.enabled", "false")
                  .config("spark.driver.bindAddress", "127.0.0.1")
                  .config("spark.driver.host", "127.0.0.1")
                  // At least 8 partitions also at reduced sizes, so local[2] has work for both
                  // cores (both readers).
                  .config("spark.sql.files.maxPartitionBytes", String.valueOf(partitionBytes(rows)))
                  // s3a settings of the in-process S3 endpoint, for h5swmr and Parquet alike
                  // (Hadoop defaults else)
                  .config("spark.hadoop.fs.s3a.endpoint", endpoint)
                  .config("spark.hadoop.fs.s3a.endpoint.region", "us-east-1")
                  .config("spark.hadoop.fs.s3a.path.style.access", "true")
                  .config("spark.hadoop.fs.s3a.connection.ssl.enabled", "false")
                  .config("spark.hadoop.fs.s3a.access.key", ACCESS)
                  .config("spark.hadoop.fs.s3a.secret.key", SECRET)
                  .config(
                      "spark.hadoop.fs.s3a.aws.credentials.provider",
                      "org.apache.hadoop.fs.s3a.SimpleAWSCredentialsProvider")
                  // -Ds3a.inputPolicy=random|sequential|normal: s3a's read policy (Hadoop's
                  // default, adaptive, else)
                  .config(
                      "spark.hadoop.fs.s3a.experimental.input.fadvise",
                      System.getProperty("s3a.inputPolicy", "normal"))
                  .getOrCreate();
          try {
            for (String codec : new String[] {"uncompressed", "zstd"}) {
              if (!parquet.containsKey(codec)) {
                // Written once, from the uncompressed HDF5 file: the same values as both HDF5
                // files.
                Path pq = dir.resolve(codec + ".parquet");
                spark
                    .read()
                    .format("h5swmr")
                    .option("redis.url", REDIS.url())
                    .option("datasets", "/cols")
                    .option("indexColumn", "")
                    .load(h5.toString())
                    .write()
                    .option("compression", codec)
                    .parquet(pq.toString());
                upload(blobs, pq, codec + ".parquet");
                parquet.put(codec, pq);
              }
            }
            List<String> whats = new ArrayList<>(List.of("h5swmr", "uncompressed", "zstd"));
            if (master.equals("local[2]")) {
              whats.addAll(List.of("h5swmr s3a", pqRemote + " s3a"));
            }
            for (int run = 0; run <= RUNS; run++) {
              for (String what : whats) {
                Map<String, Long> before = what.endsWith(" s3a") ? s3aCounters(spark) : null;
                long s = System.nanoTime();
                Row r =
                    switch (what) {
                      case "h5swmr" -> h5swmr(spark, h5.toString(), sums);
                      case "h5swmr s3a" -> h5swmr(spark, remote, sums);
                      case "uncompressed", "zstd" ->
                          spark
                              .read()
                              .parquet(parquet.get(what).toString())
                              .selectExpr(sums)
                              .collectAsList()
                              .get(0);
                      default ->
                          spark
                              .read()
                              .parquet("s3a://" + BUCKET + "/" + pqRemote + ".parquet")
                              .selectExpr(sums)
                              .collectAsList()
                              .get(0);
                    };
                double sec = (System.nanoTime() - s) / 1e9;
                assertSums(r, expected);
                String requests = "";
                if (before != null) {
                  requests = s3aRequests(before, s3aCounters(spark));
                  requestsOf.put(what, requests);
                  requests = " (" + requests + ")";
                }
                System.out.printf(
                    Locale.ROOT,
                    "%s %s %s run %d: %.3f s%s%n",
                    data,
                    master,
                    what,
                    run,
                    sec,
                    requests);
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
          for (boolean direct :
              libraryDecodes ? new boolean[] {true, false} : new boolean[] {true}) {
            Batch batch = plan(h5, direct, partitionBytes(rows));
            if (direct) { // the connector's own scaling, without Spark's per-row work: partitions
              // on 2 threads
              long s2 = System.nanoTime();
              double fromTwo = readAll(batch, 2);
              double r2 = (System.nanoTime() - s2) / 1e9;
              assertThat(fromTwo).isCloseTo(expected[0][0], within(1e-9 * expected[1][0]));
              System.out.printf(
                  Locale.ROOT,
                  "%s run %d: reader (direct=true, 2 threads) %.3f s%n",
                  data,
                  run,
                  r2);
              if (run > 0) {
                best.merge("reader 2 threads", r2, Math::min);
              }
            }
            long s = System.nanoTime();
            double fromReader = readAll(batch);
            double r = (System.nanoTime() - s) / 1e9;
            if (!libraryDecodes) {
              assertThat(fromReader).isCloseTo(expected[0][0], within(1e-9 * expected[1][0]));
              System.out.printf(
                  Locale.ROOT, "%s run %d: reader (direct=true) %.3f s%n", data, run, r);
              if (run > 0) {
                best.merge("reader true", r, Math::min);
              }
              continue;
            }
            s = System.nanoTime();
            double fromRaw = rawRead(h5, batch);
            double w = (System.nanoTime() - s) / 1e9;
            assertThat(fromReader).isEqualTo(fromRaw);
            System.out.printf(
                Locale.ROOT,
                "%s run %d: reader (direct=%s) %.3f s, raw H5Dread %.3f s%n",
                data,
                run,
                direct,
                r,
                w);
            if (run > 0) {
              best.merge("reader " + direct, r, Math::min);
              best.merge("raw", w, Math::min);
            }
          }
        }
        String h5Size = size(Files.size(h5), rows);
        String pqUncSize = size(dirSize(parquet.get("uncompressed")), rows);
        String pqZstdSize = size(dirSize(parquet.get("zstd")), rows);
        double pq1 = best.get("local[1] uncompressed");
        double pq2 = best.get("local[2] uncompressed");
        double z1 = best.get("local[1] zstd");
        double z2 = best.get("local[2] zstd");
        double h1 = best.get("local[1] h5swmr");
        double h2 = best.get("local[2] h5swmr");
        double hs3 = best.get("local[2] h5swmr s3a");
        double pqs3 = best.get("local[2] " + pqRemote + " s3a");
        double pqLocal = compressed ? z2 : pq2;
        row(
            t,
            data,
            "h5swmr, Spark local[1], sum of 8 columns",
            h1,
            mib,
            h5Size,
            String.format(
                Locale.ROOT, "%.2fx Parquet unc., %.2fx Parquet zstd", pq1 / h1, z1 / h1));
        row(
            t,
            data,
            "h5swmr, Spark local[2], sum of 8 columns",
            h2,
            mib,
            h5Size,
            String.format(
                Locale.ROOT,
                "%.2fx local[1]; %.2fx Parquet unc., %.2fx Parquet zstd",
                h1 / h2,
                pq2 / h2,
                z2 / h2));
        row(
            t,
            data,
            "h5swmr, Spark local[2], same file through s3a:// (s3proxy)",
            hs3,
            mib,
            h5Size,
            String.format(
                Locale.ROOT,
                "%.2fx the local-disk time (goal ≤ 2x); %.2fx Parquet %s via s3a; %s",
                hs3 / h2,
                pqs3 / hs3,
                compressed ? "zstd" : "unc.",
                requestsOf.get("h5swmr s3a")));
        row(
            t,
            data,
            "Parquet uncompressed, local[1] / local[2]",
            pq1,
            mib,
            pqUncSize,
            String.format(Locale.ROOT, "local[2]: %.3f s (%.2fx local[1])", pq2, pq1 / pq2));
        row(
            t,
            data,
            "Parquet zstd, local[1] / local[2]",
            z1,
            mib,
            pqZstdSize,
            String.format(Locale.ROOT, "local[2]: %.3f s (%.2fx local[1])", z2, z1 / z2));
        row(
            t,
            data,
            "Parquet " + pqRemote + ", local[2], same files through s3a:// (s3proxy)",
            pqs3,
            mib,
            compressed ? pqZstdSize : pqUncSize,
            String.format(
                Locale.ROOT,
                "%.2fx the local-disk time; %s",
                pqs3 / pqLocal,
                requestsOf.get(pqRemote + " s3a")));
        row(
            t,
            data,
            "h5swmr partition reader alone, Java chunk path, 2 threads",
            best.get("reader 2 threads"),
            mib,
            h5Size,
            String.format(
                Locale.ROOT,
                "%.2fx 1 thread",
                best.get("reader true") / best.get("reader 2 threads")));
        if (!libraryDecodes) {
          row(
              t,
              data,
              "h5swmr partition reader alone, Java chunk path, 1 thread",
              best.get("reader true"),
              mib,
              h5Size,
              "(no library rows: this HDF5 build has no bitshuffle plugin)");
          continue;
        }
        double raw = best.get("raw");
        row(
            t,
            data,
            "h5swmr partition reader alone, Java chunk path, 1 thread",
            best.get("reader true"),
            mib,
            h5Size,
            String.format(Locale.ROOT, "%.2fx raw", raw / best.get("reader true")));
        row(
            t,
            data,
            "h5swmr partition reader alone, directRead=false (library), 1 thread",
            best.get("reader false"),
            mib,
            h5Size,
            String.format(Locale.ROOT, "%.2fx raw", raw / best.get("reader false")));
        row(
            t,
            data,
            "raw H5Dread (library read+decode) of the same hyperslabs, 1 thread",
            raw,
            mib,
            h5Size,
            "anchor");
      }
      t.append(
          columnTable(
              rows,
              h5ColumnBytes.get("gzip+shuffle"),
              h5ColumnBytes.get(BITSHUFFLE),
              parquetColumnBytes(parquet.get("zstd")),
              parquetColumnBytes(parquet.get("uncompressed"))));
    } finally {
      if (proxy != null) {
        proxy.stop();
      }
      store.close();
    }
    System.out.println(t);
    Files.writeString(
        Path.of(System.getProperty("bench.out", "target/read-benchmark.md")), t.toString());
  }

  private static Row h5swmr(SparkSession spark, String path, String[] sums) {
    return spark
        .read()
        .format("h5swmr")
        .option("redis.url", REDIS.url())
        .option("datasets", "/cols")
        .load(path)
        .selectExpr(sums)
        .collectAsList()
        .get(0);
  }

  /**
   * The s3a client's counters (one client per bucket in Hadoop's FileSystem cache, shared by every
   * task).
   */
  private static Map<String, Long> s3aCounters(SparkSession spark) throws Exception {
    Map<String, Long> m = new HashMap<>();
    FileSystem.get(URI.create("s3a://" + BUCKET + "/"), spark.sessionState().newHadoopConf())
        .getStorageStatistics()
        .getLongStatistics()
        .forEachRemaining(s -> m.put(s.getName(), s.getValue()));
    return m;
  }

  /**
   * What one query cost in S3 requests: GETs (streams opened) and bytes received, last run's in the
   * table.
   */
  private static String s3aRequests(Map<String, Long> before, Map<String, Long> after) {
    long gets =
        after.getOrDefault("stream_read_opened", 0L)
            - before.getOrDefault("stream_read_opened", 0L);
    long bytes =
        after.getOrDefault("stream_read_bytes", 0L) - before.getOrDefault("stream_read_bytes", 0L);
    long aborted =
        after.getOrDefault("stream_aborted", 0L) - before.getOrDefault("stream_aborted", 0L);
    return String.format(
        Locale.ROOT,
        "%d GETs, %.1f MiB read%s",
        gets,
        bytes / 1048576.0,
        aborted > 0 ? ", " + aborted + " streams aborted" : "");
  }

  /**
   * Every column's sum against the sum taken while writing ({@code expected[0]}), within what
   * summing in another order can change: 1e-9 of the sum of absolute values ({@code expected[1]}).
   */
  private static void assertSums(Row r, double[][] expected) {
    for (int c = 0; c < COLUMNS; c++) {
      assertThat(r.getDouble(c))
          .as("sum(c%d)", c)
          .isCloseTo(expected[0][c], within(1e-9 * expected[1][c]));
    }
  }

  private static void row(
      StringBuilder t, String data, String what, double s, double mib, String size, String ratio) {
    t.append(
        String.format(
            Locale.ROOT,
            "| %s | %s | %.3f | %.0f | %s | %s |%n",
            data,
            what,
            s,
            mib / s,
            size,
            ratio));
  }

  /** Bytes on disk in MiB, with the compression ratio against the raw float64 values. */
  private static String size(long bytes, long rows) {
    return String.format(
        Locale.ROOT, "%.1f (%.2fx)", bytes / 1048576.0, rows * COLUMNS * 8.0 / bytes);
  }

  /** A Parquet directory's data files (no checksums, no _SUCCESS). */
  private static List<Path> dataFiles(Path pq) throws Exception {
    try (Stream<Path> s = Files.list(pq)) {
      return s.filter(
              p ->
                  Files.isRegularFile(p)
                      && !p.getFileName().toString().startsWith(".")
                      && !p.getFileName().toString().startsWith("_"))
          .sorted()
          .toList();
    }
  }

  private static long dirSize(Path pq) throws Exception {
    long n = 0;
    for (Path p : dataFiles(pq)) {
      n += Files.size(p);
    }
    return n;
  }

  /**
   * A file, or a directory's files (not starting with '.', as Hadoop's checksum files do), into the
   * bucket.
   */
  private static void upload(BlobStore blobs, Path local, String key) throws Exception {
    if (Files.isDirectory(local)) {
      try (Stream<Path> s = Files.list(local)) {
        for (Path p :
            s.filter(p -> Files.isRegularFile(p) && !p.getFileName().toString().startsWith("."))
                .toList()) {
          upload(blobs, p, key + "/" + p.getFileName());
        }
      }
    } else {
      blobs.putBlob(
          BUCKET,
          blobs.blobBuilder(key).payload(local.toFile()).contentLength(Files.size(local)).build());
    }
  }

  /** Each column's stored bytes in an HDF5 file. */
  private static long[] storageSizes(Path h5) throws Exception {
    return H5Native.call(
        () -> {
          long[] out = new long[COLUMNS];
          long fapl = H5.H5Pcreate(HDF5Constants.H5P_FILE_ACCESS);
          H5.H5Pset_file_locking(fapl, false, true);
          long fid = H5.H5Fopen(h5.toString(), HDF5Constants.H5F_ACC_RDONLY, fapl);
          for (int c = 0; c < COLUMNS; c++) {
            long did = H5.H5Dopen(fid, "/cols/c" + c, HDF5Constants.H5P_DEFAULT);
            out[c] = H5.H5Dget_storage_size(did);
            H5.H5Dclose(did);
          }
          H5.H5Fclose(fid);
          H5.H5Pclose(fapl);
          return out;
        });
  }

  /**
   * Each column's bytes (column chunks, pages and dictionaries) over a Parquet directory's files.
   */
  private static long[] parquetColumnBytes(Path pq) throws Exception {
    long[] out = new long[COLUMNS];
    org.apache.hadoop.conf.Configuration conf = new org.apache.hadoop.conf.Configuration();
    for (Path p : dataFiles(pq)) {
      try (ParquetFileReader r =
          ParquetFileReader.open(
              HadoopInputFile.fromPath(new org.apache.hadoop.fs.Path(p.toUri()), conf))) {
        for (BlockMetaData b : r.getFooter().getBlocks()) {
          for (ColumnChunkMetaData col : b.getColumns()) {
            out[Integer.parseInt(col.getPath().toDotString().substring(1))] += col.getTotalSize();
          }
        }
      }
    }
    return out;
  }

  /** {@code bitshuffle} is null when that copy was not written. */
  private static String columnTable(
      long rows, long[] gzip, long[] bitshuffle, long[] zstd, long[] unc) {
    StringBuilder t =
        new StringBuilder(
            String.format(
                Locale.ROOT,
                "%nCompression ratio of each column (raw "
                    + "float64 bytes / stored bytes; seeded, the same values in every file)%n%n"
                    + "| column | values | HDF5 gzip(4)+shuffle | HDF5 bitshuffle+LZ4 | Parquet zstd | Parquet uncompressed |%n"
                    + "|---|---|---|---|---|---|%n"));
    double raw = rows * 8.0;
    for (int c = 0; c < COLUMNS; c++) {
      t.append(
          String.format(
              Locale.ROOT,
              "| c%d | %s | %.2fx | %s | %.2fx | %.2fx |%n",
              c,
              CHANNELS[c].describe(),
              raw / gzip[c],
              bitshuffle == null ? "—" : String.format(Locale.ROOT, "%.2fx", raw / bitshuffle[c]),
              raw / zstd[c],
              raw / unc[c]));
    }
    return t.toString();
  }

  private static String[] sumExpr() {
    String[] s = new String[COLUMNS];
    for (int c = 0; c < COLUMNS; c++) {
      s[c] = "sum(c" + c + ")";
    }
    return s;
  }

  /**
   * Writes the columns; returns each column's sum ({@code [0]}) and sum of absolute values ({@code
   * [1]}), taken in row order.
   */
  private static double[][] write(Path f, long rows, boolean gzip) {
    int block = 1 << 20;
    double[] buf = new double[block];
    double[][] sums = new double[2][COLUMNS];
    try (H5File file = H5File.create(f.toString())) {
      for (int c = 0; c < COLUMNS; c++) {
        Channel ch = CHANNELS[c];
        SplittableRandom rng = new SplittableRandom(SEED + c);
        try (H5Dataset d =
            file.createDataset(
                "/cols/c" + c,
                gzip
                    ? H5DatasetSpec.of(H5Type.float64())
                        .withChunkRows(1 << 16)
                        .withDeflate(4)
                        .withShuffle(true)
                    : H5DatasetSpec.of(H5Type.float64()).withChunkRows(1 << 16))) {
          for (long start = 0; start < rows; start += block) {
            int n = (int) Math.min(block, rows - start);
            for (int i = 0; i < n; i++) {
              double v = ch.value(start + i, rng.nextGaussian());
              buf[i] = v;
              sums[0][c] += v;
              sums[1][c] += Math.abs(v);
            }
            d.append(n, H5ColumnWrite.from(buf, 0));
          }
        }
      }
    }
    return sums;
  }

  /**
   * Why the bitshuffle+LZ4 copy cannot be written here (Debian's h5py and bitshuffle plugin), or
   * null.
   */
  private static String bitshuffleWriterMissing() {
    try {
      Process p =
          new ProcessBuilder(
                  PYTHON,
                  "-c",
                  "import h5py, sys; sys.exit(0 if h5py.h5z.filter_avail(32008) " + "else 3)")
              .redirectErrorStream(true)
              .start();
      String out =
          new String(p.getInputStream().readAllBytes(), java.nio.charset.StandardCharsets.UTF_8);
      int rc = p.waitFor();
      return rc == 0
          ? null
          : rc == 3
              ? "h5py has no bitshuffle filter (apt-get install bitshuffle)"
              : PYTHON + " lacks h5py (apt-get install python3-h5py): " + out.strip();
    } catch (java.io.IOException e) {
      return "no " + PYTHON + ": " + e.getMessage();
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      return "interrupted";
    }
  }

  /**
   * Copies every column of {@code src} into {@code dst} with bitshuffle+LZ4 (filter 32008, as
   * Dectris detectors and hdf5plugin write it), same chunks, through h5py and the bitshuffle
   * plugin: the values stay the same bits.
   */
  private static void writeBitshuffleCopy(Path src, Path dst) throws Exception {
    String script =
        String.join(
            "\n",
            "import h5py, sys",
            "with h5py.File(sys.argv[1], 'r') as s, h5py.File(sys.argv[2], 'w') as d:",
            "    for name in s['cols']:",
            "        x = s['cols'][name]",
            "        o = d.create_dataset('cols/' + name, shape=x.shape, maxshape=(None,), dtype=x.dtype,",
            "                             chunks=x.chunks, compression=32008, compression_opts=(0, 2))",
            "        step = 1 << 20",
            "        for i in range(0, x.shape[0], step):",
            "            o[i:i + step] = x[i:i + step]");
    Process p =
        new ProcessBuilder(PYTHON, "-c", script, src.toString(), dst.toString())
            .redirectErrorStream(true)
            .start();
    String out =
        new String(p.getInputStream().readAllBytes(), java.nio.charset.StandardCharsets.UTF_8);
    assertThat(p.waitFor()).as("h5py bitshuffle copy: %s", out).isZero();
  }

  /**
   * 1/8 of the data, at most 128 MiB: at least 8 partitions at any size, so two cores both have
   * work.
   */
  private static long partitionBytes(long rows) {
    return Math.min(128L << 20, Math.max(1L << 20, rows * COLUMNS * 8 / 8));
  }

  private static Batch plan(Path h5, boolean direct, long partitionBytes) {
    Map<String, String> o = new HashMap<>();
    o.put("partitionBytes", String.valueOf(partitionBytes));
    o.put("path", h5.toString());
    o.put("datasets", "/cols");
    o.put("indexColumn", "");
    o.put("redis.url", REDIS.url());
    o.put("directRead", String.valueOf(direct));
    H5SwmrOptions options = H5SwmrOptions.of(o);
    StructType schema = H5SwmrSchemaInference.infer(options);
    H5SwmrScan scan =
        (H5SwmrScan) new H5SwmrScanBuilder(schema, options, H5SwmrMicroBatchStream::new).build();
    assertThat(scan.isColumnar()).isTrue();
    return scan.toBatch();
  }

  /**
   * Every partition through the columnar reader, the partitions shared among {@code threads}
   * threads (one reader factory, as an executor's task threads share one); returns the sum of
   * column 0, partition by partition.
   */
  private static double readAll(Batch batch, int threads) throws Exception {
    PartitionReaderFactory f = batch.createReaderFactory();
    java.util.concurrent.ExecutorService pool =
        java.util.concurrent.Executors.newFixedThreadPool(threads);
    try {
      List<java.util.concurrent.Future<Double>> sums = new ArrayList<>();
      for (InputPartition p : batch.planInputPartitions()) {
        sums.add(pool.submit(() -> readPartition(f, p, 0)));
      }
      double sum = 0;
      for (java.util.concurrent.Future<Double> s : sums) {
        sum += s.get();
      }
      return sum;
    } finally {
      pool.shutdownNow();
    }
  }

  /** Every batch of every partition through the columnar reader; returns the sum of column 0. */
  private static double readAll(Batch batch) throws Exception {
    PartitionReaderFactory f = batch.createReaderFactory();
    double sum = 0;
    for (InputPartition p : batch.planInputPartitions()) {
      sum = readPartition(f, p, sum);
    }
    return sum;
  }

  /** {@code sum} plus column 0 of every batch of partition {@code p}, in row order. */
  private static double readPartition(PartitionReaderFactory f, InputPartition p, double sum)
      throws Exception {
    double s = sum;
    try (PartitionReader<ColumnarBatch> r = f.createColumnarReader(p)) {
      while (r.next()) {
        ColumnarBatch b = r.get();
        for (int i = 0, n = b.numRows(); i < n; i++) {
          s += b.column(0).getDouble(i);
        }
      }
    }
    return s;
  }

  /**
   * The same row ranges read with plain H5Dread calls into double[]; returns the sum of column 0.
   */
  private static double rawRead(Path h5, Batch batch) throws Exception {
    List<long[]> ranges = new ArrayList<>();
    for (InputPartition p : batch.planInputPartitions()) {
      for (long[] r : ((H5SwmrInputPartition) p).ranges()) {
        ranges.add(r);
      }
    }
    return H5Native.call(
        () -> {
          double sum = 0;
          long fapl = H5.H5Pcreate(HDF5Constants.H5P_FILE_ACCESS);
          H5.H5Pset_file_locking(fapl, false, true);
          for (long[] r : ranges) {
            long fid = H5.H5Fopen(h5.toString(), HDF5Constants.H5F_ACC_RDONLY, fapl);
            double[] buf = new double[(int) r[1]];
            for (int c = 0; c < COLUMNS; c++) {
              long did = H5.H5Dopen(fid, "/cols/c" + c, HDF5Constants.H5P_DEFAULT);
              long fs = H5.H5Dget_space(did);
              H5.H5Sselect_hyperslab(
                  fs,
                  HDF5Constants.H5S_SELECT_SET,
                  new long[] {r[0]},
                  null,
                  new long[] {r[1]},
                  null);
              long ms = H5.H5Screate_simple(1, new long[] {r[1]}, null);
              H5.H5Dread_double(
                  did,
                  HDF5Constants.H5T_NATIVE_DOUBLE,
                  ms,
                  fs,
                  HDF5Constants.H5P_DEFAULT,
                  buf,
                  true);
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
