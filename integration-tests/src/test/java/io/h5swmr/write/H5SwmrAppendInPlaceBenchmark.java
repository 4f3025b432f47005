package io.h5swmr.write;

import static org.assertj.core.api.Assertions.assertThat;

import io.h5swmr.hdf5.H5ColumnWrite;
import io.h5swmr.hdf5.H5Dataset;
import io.h5swmr.hdf5.H5File;
import io.h5swmr.hdf5.journal.CommitHook;
import io.h5swmr.testing.RedisServerExtension;
import io.h5swmr.testing.SharedSpark;
import java.nio.channels.FileChannel;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.nio.file.StandardOpenOption;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.UUID;
import org.apache.spark.sql.SparkSession;
import org.apache.spark.sql.catalyst.expressions.GenericInternalRow;
import org.apache.spark.sql.connector.write.DataWriter;
import org.apache.spark.sql.connector.write.WriterCommitMessage;
import org.apache.spark.sql.types.DataTypes;
import org.apache.spark.sql.types.StructType;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.condition.EnabledIfSystemProperty;
import org.junit.jupiter.api.extension.RegisterExtension;
import org.junit.jupiter.api.io.TempDir;

/**
 * In-place append benchmark (issue 9; not a default test). Command (docs/write.md, README
 * "Benchmarks"):
 *
 * <pre>
 * MAVEN_OPTS=-Xmx1g mvn -o -B -pl integration-tests -am verify -Dh5swmr.bench=true \
 *   -Dtest=H5SwmrAppendInPlaceBenchmark -Dsurefire.failIfNoSpecifiedTests=false \
 *   [-Dh5swmr.bench.sizes=0.25,1,4,16] [-Dh5swmr.bench.repeats=3]
 * </pre>
 *
 * For each size, h5py (Debian's /usr/bin/python3) creates a file holding one float64 dataset of
 * that size (chunks of 2^20 rows, extensible), then, best of {@code repeats}: a 1000-row append by
 * h5py in place (no lock, not crash-safe: the anchor); by {@link H5SwmrAppender} (lease, staging,
 * journaled in-place commit, fsyncs): the first append of a new appender, and {@code
 * -Dh5swmr.bench.steady} (20) consecutive appends through one appender, as an instrument makes them
 * (median and p90 over all repeats); by a Spark {@code df.write.mode("append")} of 1000 rows (with
 * the time the exclusive lease is held, steps "locked" to "journal-deleted"); and by the old
 * copy-on-write commit's I/O (copy the file beside it, append 1000 rows with HDF5's sec2 driver,
 * fsync, rename over the target, fsync the directory). Prints a table and writes it to {@code
 * integration-tests/target/append-inplace-benchmark.md}.
 */
@EnabledIfSystemProperty(named = "h5swmr.bench", matches = "true")
class H5SwmrAppendInPlaceBenchmark {
  @RegisterExtension static final RedisServerExtension REDIS = RedisServerExtension.create();

  static final StructType SCHEMA = new StructType().add("v", DataTypes.DoubleType, false);
  static final int ROWS = 1000;

  /** Consecutive appends through one appender per repeat, for the steady-state median. */
  static final int STEADY = Integer.getInteger("h5swmr.bench.steady", 20);

  @TempDir Path dir;

  /**
   * Not counted: class loading and JIT compilation of the append path, so that the first size
   * measured does not pay them alone. A file of its own, created by the appender, 60 appends, one
   * Spark append.
   */
  private void warmUp(SparkSession spark) throws Exception {
    Path f = dir.resolve("warm-up.h5");
    Map<String, String> o = Map.of("redis.url", REDIS.url());
    try (H5SwmrAppender a = H5SwmrAppender.open(f, "/d", SCHEMA, o)) {
      double[] v = new double[ROWS];
      for (int k = 0; k < 3 * STEADY; k++) {
        a.append((Object) v);
      }
    }
    spark
        .sql("select cast(id as double) as v from range(0, " + ROWS + ", 1, 1)")
        .write()
        .format("h5swmr")
        .options(o)
        .option("dataset", "/d")
        .mode("append")
        .save(f.toString());
    try (H5File h =
            H5File.openReadOnly(f.toString(), io.h5swmr.hdf5.journal.JournalOverlay.COMMITTED);
        H5Dataset d = h.openDataset("/d")) {
      assertThat(d.rows()).isEqualTo((3L * STEADY + 1) * ROWS);
    }
    Files.delete(f);
  }

  @Test
  void thousandRowAppendsToFilesOfGrowingSize() throws Exception {
    String[] sizes = System.getProperty("h5swmr.bench.sizes", "0.25,1").split(",");
    int repeats = Integer.getInteger("h5swmr.bench.repeats", 3);
    SparkSession spark = SharedSpark.get();
    List<String> rows = new ArrayList<>();
    double steadySmall = -1;
    warmUp(spark);
    for (String size : sizes) {
      double gib = Double.parseDouble(size.trim());
      long n = (long) (gib * (1L << 30) / 8);
      Path f = dir.resolve("bench-" + size.trim() + ".h5");
      python(
          "import h5py, numpy as np\n"
              + "n = "
              + n
              + "\n"
              + "with h5py.File('"
              + f
              + "', 'w') as h:\n"
              + "    d = h.create_dataset('d', shape=(n,), maxshape=(None,), chunks=(1 << 20,), dtype='f8')\n"
              + "    step = 1 << 24\n"
              + "    for i in range(0, n, step):\n"
              + "        m = min(step, n - i)\n"
              + "        d[i:i + m] = np.arange(i, i + m, dtype='f8')\n");
      long expected = n;
      double h5py = Double.MAX_VALUE;
      double appender = Double.MAX_VALUE;
      double sparkAppend = Double.MAX_VALUE;
      double leaseHeld = Double.MAX_VALUE;
      double copyOnWrite = Double.MAX_VALUE;
      List<Double> steady = new ArrayList<>();
      Map<String, String> o = new HashMap<>();
      o.put("redis.url", REDIS.url());
      for (int r = 0; r < repeats; r++) {
        String out =
            python(
                "import h5py, numpy as np, time\n"
                    + "t = time.perf_counter()\n"
                    + "with h5py.File('"
                    + f
                    + "', 'a') as h:\n"
                    + "    d = h['d']\n    n = d.shape[0]\n    d.resize((n + "
                    + ROWS
                    + ",))\n"
                    + "    d[n:] = np.arange(n, n + "
                    + ROWS
                    + ", dtype='f8')\n"
                    + "print('T', time.perf_counter() - t)\n");
        h5py = Math.min(h5py, Double.parseDouble(out.substring(out.indexOf("T ") + 2).trim()));
        expected += ROWS;
        try (H5SwmrAppender a = H5SwmrAppender.open(f, "/d", SCHEMA, o)) {
          double[] v = new double[ROWS];
          long t0 = System.nanoTime();
          long total = a.append((Object) v);
          appender = Math.min(appender, (System.nanoTime() - t0) / 1e9);
          expected += ROWS;
          assertThat(total).isEqualTo(expected);
          // an instrument keeps one appender: consecutive appends (each a whole lease + journaled
          // commit)
          for (int k = 0; k < STEADY; k++) {
            long t = System.nanoTime();
            total = a.append((Object) v);
            steady.add((System.nanoTime() - t) / 1e9);
            expected += ROWS;
            assertThat(total).isEqualTo(expected);
          }
        }
        long[] held = new long[2];
        SparkCommitHook.set(
            step -> {
              if (step.equals("locked")) {
                held[0] = System.nanoTime();
              } else if (step.equals("journal-deleted")) {
                held[1] = System.nanoTime();
              }
            });
        long t1 = System.nanoTime();
        spark
            .sql("select cast(id as double) as v from range(0, " + ROWS + ", 1, 1)")
            .write()
            .format("h5swmr")
            .options(o)
            .option("dataset", "/d")
            .mode("append")
            .save(f.toString());
        sparkAppend = Math.min(sparkAppend, (System.nanoTime() - t1) / 1e9);
        SparkCommitHook.set(null);
        leaseHeld = Math.min(leaseHeld, (held[1] - held[0]) / 1e9);
        expected += ROWS;
        copyOnWrite = Math.min(copyOnWrite, oldCopyOnWriteAppend(f));
        expected += ROWS;
      }
      try (H5File h =
              H5File.openReadOnly(f.toString(), io.h5swmr.hdf5.journal.JournalOverlay.COMMITTED);
          H5Dataset d = h.openDataset("/d")) {
        assertThat(d.rows()).isEqualTo(expected);
      }
      H5SwmrCommitter.Result res = directAppend(f, o);
      java.util.Collections.sort(steady);
      double steadyMedian = steady.get(steady.size() / 2);
      double steadyP90 = steady.get(steady.size() * 9 / 10);
      if (steadySmall < 0) {
        steadySmall = steadyMedian;
      }
      rows.add(
          String.format(
              Locale.ROOT,
              "| %s GiB | %.4f | %.4f (%.1f×) | %.4f / %.4f (%.1f×) | %.3f | %.4f | %.3f | %d | %d | %.2f |",
              size.trim(),
              h5py,
              appender,
              appender / h5py,
              steadyMedian,
              steadyP90,
              steadyMedian / h5py,
              sparkAppend,
              leaseHeld,
              copyOnWrite,
              res.fsyncs,
              res.journaledBytes,
              steadyMedian / steadySmall));
      Files.delete(f);
    }
    String table =
        "| file | h5py in place (s, anchor) | H5SwmrAppender, first append of a new appender, best (s, × h5py) "
            + "| H5SwmrAppender, "
            + STEADY
            + " consecutive appends × "
            + repeats
            + ", median / p90 (s, median × h5py) "
            + "| Spark append (s) | exclusive lease held in Spark append (s) | old copy-on-write commit I/O (s) "
            + "| fsyncs/commit | bytes journaled | consecutive-append median ÷ smallest file's |\n"
            + "|---|---|---|---|---|---|---|---|---|---|\n"
            + String.join("\n", rows)
            + "\n";
    System.out.println(table);
    Path out = Path.of("target", "append-inplace-benchmark.md");
    Files.createDirectories(out.getParent());
    Files.writeString(out, table);
  }

  /**
   * The old commit's I/O: copy beside the target, append with sec2, fsync, rename over it, fsync
   * the directory.
   */
  private static double oldCopyOnWriteAppend(Path f) throws Exception {
    long t0 = System.nanoTime();
    Path copy = f.resolveSibling("." + f.getFileName() + ".cow");
    Files.copy(f, copy, StandardCopyOption.COPY_ATTRIBUTES, StandardCopyOption.REPLACE_EXISTING);
    try (H5File h = H5File.openReadWrite(copy.toString());
        H5Dataset d = h.openDataset("/d")) {
      d.append(ROWS, H5ColumnWrite.from(new double[ROWS], 0));
    }
    try (FileChannel ch = FileChannel.open(copy, StandardOpenOption.WRITE)) {
      ch.force(true);
    }
    Files.move(copy, f, StandardCopyOption.ATOMIC_MOVE, StandardCopyOption.REPLACE_EXISTING);
    try (FileChannel ch = FileChannel.open(f.getParent(), StandardOpenOption.READ)) {
      ch.force(true);
    }
    return (System.nanoTime() - t0) / 1e9;
  }

  /** One more appender-path commit, driven directly, for its result (fsyncs, journaled bytes). */
  private static H5SwmrCommitter.Result directAppend(Path f, Map<String, String> o)
      throws Exception {
    Map<String, String> opts = new HashMap<>(o);
    opts.put("path", f.toString());
    opts.put("dataset", "/d");
    H5SwmrBatchWrite write =
        new H5SwmrBatchWrite(
            UUID.randomUUID().toString(),
            SCHEMA,
            io.h5swmr.config.H5SwmrOptions.of(opts),
            WriteMode.APPEND,
            CommitHook.NONE);
    DataWriter<org.apache.spark.sql.catalyst.InternalRow> w =
        write.createBatchWriterFactory(() -> 1).createWriter(0, 0);
    for (int i = 0; i < ROWS; i++) {
      w.write(new GenericInternalRow(new Object[] {(double) i}));
    }
    WriterCommitMessage m = w.commit();
    w.close();
    write.commit(new WriterCommitMessage[] {m});
    return write.lastResult();
  }

  private static String python(String script) throws Exception {
    Process p =
        new ProcessBuilder("/usr/bin/python3", "-c", script).redirectErrorStream(true).start();
    String out = new String(p.getInputStream().readAllBytes());
    if (p.waitFor() != 0) {
      throw new AssertionError("python failed:\n" + out);
    }
    return out;
  }
}
