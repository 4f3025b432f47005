package io.h5swmr.it.python;

import static org.assertj.core.api.Assertions.assertThat;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

import io.h5swmr.lock.Lease;
import io.h5swmr.lock.LockService;
import io.h5swmr.lock.LockSettings;
import io.h5swmr.testing.RedisServerExtension;
import io.h5swmr.testing.SharedSpark;
import io.h5swmr.write.H5SwmrAppender;
import java.io.BufferedReader;
import java.io.File;
import java.io.IOException;
import java.io.InputStreamReader;
import java.io.OutputStreamWriter;
import java.io.Writer;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.Paths;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.concurrent.BlockingQueue;
import java.util.concurrent.LinkedBlockingQueue;
import java.util.concurrent.TimeUnit;
import org.apache.spark.sql.Row;
import org.apache.spark.sql.SparkSession;
import org.apache.spark.sql.types.DataTypes;
import org.apache.spark.sql.types.StructType;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;
import org.junit.jupiter.api.io.TempDir;

/**
 * One protocol, two implementations: the Python package (python/, run by /usr/bin/python3
 * processes) and the Java connector on one file, one Redis. Python appends while Spark scans; Spark
 * appends while Python reads; Java and Python writers append concurrently. Skips visibly where
 * /usr/bin/python3 lacks h5py, numpy or redis.
 */
class PythonInteropTest {
  static final String PYTHON = "/usr/bin/python3";
  static final Path PY_TESTS =
      Paths.get("..", "python", "tests", "interop").toAbsolutePath().normalize();
  static final int ROWS = 50;

  @RegisterExtension static final RedisServerExtension REDIS = RedisServerExtension.create();

  @TempDir Path dir;

  @BeforeAll
  static void needPython() throws Exception {
    boolean ok =
        new File(PYTHON).canExecute()
            && new ProcessBuilder(PYTHON, "-c", "import h5py, numpy, redis")
                    .redirectErrorStream(true)
                    .start()
                    .waitFor()
                == 0;
    if (!ok) {
      System.out.println(
          "SKIPPED PythonInteropTest: "
              + PYTHON
              + " with h5py, numpy and redis is not installed "
              + "(apt-get install python3-h5py python3-numpy python3-redis)");
    }
    assumeTrue(ok, PYTHON + " with h5py, numpy and redis is not installed: Python interop skipped");
  }

  /** A Python child process with a line queue of its stdout. */
  static final class Py implements AutoCloseable {
    final Process process;
    final BlockingQueue<String> lines = new LinkedBlockingQueue<>();
    final List<String> all = new ArrayList<>();
    private final Writer stdin;

    Py(String script, String... args) throws IOException {
      this(null, script, List.of(args));
    }

    /**
     * {@code pauseAt}: the commit step where the Python writer stops (H5SWMR_TEST_COMMIT_PAUSE), or
     * null.
     */
    Py(String pauseAt, String script, List<String> args) throws IOException {
      List<String> cmd = new ArrayList<>(List.of(PYTHON, PY_TESTS.resolve(script).toString()));
      cmd.addAll(args);
      ProcessBuilder pb = new ProcessBuilder(cmd).redirectError(ProcessBuilder.Redirect.INHERIT);
      if (pauseAt != null) {
        pb.environment().put("H5SWMR_TEST_COMMIT_PAUSE", pauseAt);
      }
      process = pb.start();
      stdin = new OutputStreamWriter(process.getOutputStream(), StandardCharsets.UTF_8);
      Thread t =
          new Thread(
              () -> {
                try (BufferedReader r =
                    new BufferedReader(
                        new InputStreamReader(process.getInputStream(), StandardCharsets.UTF_8))) {
                  for (String l; (l = r.readLine()) != null; ) {
                    synchronized (all) {
                      all.add(l);
                    }
                    lines.add(l);
                  }
                } catch (IOException e) {
                  lines.add("EOF " + e);
                }
                lines.add("EOF");
              },
              "py-stdout");
      t.setDaemon(true);
      t.start();
    }

    String await(String prefix, Duration timeout) throws InterruptedException {
      long end = System.nanoTime() + timeout.toNanos();
      while (true) {
        String l = lines.poll(Math.max(1, end - System.nanoTime()), TimeUnit.NANOSECONDS);
        assertThat(l).as("python line starting %s", prefix).isNotNull();
        assertThat(l).as("python exited before %s", prefix).doesNotStartWith("EOF");
        if (l.startsWith(prefix)) {
          return l;
        }
      }
    }

    void send(String line) throws IOException {
      stdin.write(line + "\n");
      stdin.flush();
    }

    @Override
    public void close() throws InterruptedException {
      if (!process.waitFor(60, TimeUnit.SECONDS)) {
        process.destroyForcibly();
      }
    }
  }

  private static SparkSession spark() {
    return SharedSpark.get();
  }

  private double[] sparkValues(Path f) {
    List<Row> rows =
        spark()
            .read()
            .format("h5swmr")
            .option("redis.url", REDIS.url())
            .option("dataset", "/x")
            .option("partitionBytes", "2k")
            .load(f.toString())
            .collectAsList();
    double[] v = new double[rows.size()];
    for (Row r : rows) {
      v[(int) r.getLong(0)] = r.getDouble(1);
    }
    return v;
  }

  /** Whole blocks of ROWS equal values; returns the distinct block values in file order. */
  private static List<Double> blocks(double[] v) {
    assertThat(v.length % ROWS).as("whole blocks only (%d rows)", v.length).isZero();
    List<Double> out = new ArrayList<>();
    for (int b = 0; b < v.length / ROWS; b++) {
      for (int i = 1; i < ROWS; i++) {
        assertThat(v[b * ROWS + i]).as("row %d of block %d", i, b).isEqualTo(v[b * ROWS]);
      }
      out.add(v[b * ROWS]);
    }
    return out;
  }

  @Test
  void pythonAppenderWhileSparkScans() throws Exception {
    Path f = dir.resolve("py-appends.h5");
    List<Integer> seen = new ArrayList<>();
    try (Py app =
        new Py("block_appender.py", REDIS.url(), f.toString(), "/x", "1", "100000", "" + ROWS)) {
      app.await("BLOCK 0", Duration.ofSeconds(60));
      while (seen.size() < 5) {
        List<Double> b = blocks(sparkValues(f));
        for (int i = 0; i < b.size(); i++) {
          assertThat(b.get(i)).as("block %d", i).isEqualTo(1e6 + i);
        }
        seen.add(b.size());
      }
      assertThat(app.process.isAlive()).as("python still appending during the scans").isTrue();
      app.send("STOP");
      app.await("DONE", Duration.ofSeconds(60));
    }
    for (int i = 1; i < seen.size(); i++) {
      assertThat(seen.get(i)).isGreaterThanOrEqualTo(seen.get(i - 1));
    }
    assertThat(seen.get(0)).isPositive();
    System.out.println("Spark scans while Python appends, blocks seen: " + seen);
  }

  @Test
  void sparkAppendsWhilePythonReads() throws Exception {
    Path f = dir.resolve("spark-appends.h5");
    try (Py reader = new Py("block_reader.py", REDIS.url(), f.toString(), "/x", "" + ROWS)) {
      reader.await("READY", Duration.ofSeconds(60));
      for (int b = 0; b < 3; b++) {
        spark()
            .range(ROWS)
            .selectExpr("CAST(" + (2e6 + b) + " AS DOUBLE) AS x")
            .coalesce(1)
            .write()
            .format("h5swmr")
            .option("redis.url", REDIS.url())
            .option("dataset", "/x")
            .mode("append")
            .save(f.toString());
      }
      reader.await("READ " + 3 * ROWS, Duration.ofSeconds(60));
      reader.send("STOP");
      String done = reader.await("DONE", Duration.ofSeconds(60));
      String[] p = done.split(" ");
      System.out.println("Python reads while Spark appends: " + done);
      assertThat(Integer.parseInt(p[2])).as("torn reads").isZero();
      assertThat(Integer.parseInt(p[1])).isPositive();
    }
  }

  @Test
  void javaAndPythonWritersOnOneFileLoseAndDuplicateNothing() throws Exception {
    Path f = dir.resolve("both.h5");
    int javaBlocks = 8;
    int pyBlocks = 8;
    StructType schema = new StructType().add("x", DataTypes.DoubleType, false);
    LockSettings lock =
        LockSettings.builder().redisUrl(REDIS.url()).leaseTtl(Duration.ofSeconds(5)).build();
    try (Py py =
            new Py(
                "block_appender.py",
                REDIS.url(),
                f.toString(),
                "/x",
                "3",
                "" + pyBlocks,
                "" + ROWS);
        H5SwmrAppender appender = H5SwmrAppender.open(f, "/x", schema, lock)) {
      for (int b = 0; b < javaBlocks; b++) {
        double[] col = new double[ROWS];
        Arrays.fill(col, 4e6 + b);
        appender.append((Object) col);
      }
      py.await("DONE " + pyBlocks, Duration.ofSeconds(120));
    }
    List<Double> b = blocks(sparkValues(f));
    assertThat(b).hasSize(javaBlocks + pyBlocks);
    List<Double> py = new ArrayList<>();
    List<Double> jv = new ArrayList<>();
    for (double v : b) {
      (v >= 4e6 ? jv : py).add(v);
    }
    for (int i = 0; i < pyBlocks; i++) {
      assertThat(py.get(i)).isEqualTo(3e6 + i);
    }
    for (int i = 0; i < javaBlocks; i++) {
      assertThat(jv.get(i)).isEqualTo(4e6 + i);
    }
    // the Python package reads what both wrote, and h5py alone opens the file
    Process check =
        new ProcessBuilder(
                PYTHON,
                "-c",
                "import sys; sys.path.insert(0, sys.argv[1]); import h5swmr; "
                    + "f = h5swmr.File(sys.argv[2], 'r', redis_url=sys.argv[3]); print(f['/x'].shape[0]); f.close()",
                PY_TESTS.getParent().getParent().toString(),
                f.toString(),
                REDIS.url())
            .redirectErrorStream(true)
            .start();
    String out = new String(check.getInputStream().readAllBytes(), StandardCharsets.UTF_8).trim();
    assertThat(check.waitFor()).as(out).isZero();
    assertThat(out).isEqualTo(String.valueOf((javaBlocks + pyBlocks) * ROWS));
  }

  /**
   * kill -9 of a Python writer before and after its commit point; the next Java writer recovers the
   * file (the connector's in-place committer replays or discards the Python journal:
   * docs/journal.md) and appends. Runs once the in-place committer (io.h5swmr.hdf5.journal) is part
   * of the connector; skips visibly before that.
   */
  @Test
  void pythonWriterKilledMidCommitIsRecoveredByTheJavaWriter() throws Exception {
    boolean inPlace;
    try {
      Class.forName("io.h5swmr.hdf5.journal.JournalRecovery");
      inPlace = true;
    } catch (ClassNotFoundException e) {
      inPlace = false;
      System.out.println(
          "SKIPPED pythonWriterKilledMidCommitIsRecoveredByTheJavaWriter: this connector has no "
              + "in-place journaled committer (io.h5swmr.hdf5.journal) to recover a Python writer's journal");
    }
    assumeTrue(inPlace, "the connector's in-place journaled committer is not on this branch");
    StructType schema = new StructType().add("x", DataTypes.DoubleType, false);
    LockSettings lock =
        LockSettings.builder().redisUrl(REDIS.url()).leaseTtl(Duration.ofSeconds(1)).build();
    for (String step : List.of("data-synced", "committed", "applied-partly")) {
      Path f = dir.resolve("killed-" + step + ".h5");
      try (Py first =
          new Py("block_appender.py", REDIS.url(), f.toString(), "/x", "5", "1", "" + ROWS)) {
        first.await("DONE", Duration.ofSeconds(60));
      }
      try (Py victim =
          new Py(
              step,
              "block_appender.py",
              List.of(REDIS.url(), f.toString(), "/x", "6", "1", "" + ROWS))) {
        victim.await("H5SWMR-PAUSE " + step, Duration.ofSeconds(60));
        victim.process.destroyForcibly().waitFor();
      }
      try (H5SwmrAppender appender = H5SwmrAppender.open(f, "/x", schema, lock)) {
        double[] col = new double[ROWS];
        Arrays.fill(col, 7e6);
        appender.append((Object) col);
      }
      List<Double> expected =
          step.equals("data-synced") ? List.of(5e6, 7e6) : List.of(5e6, 6e6, 7e6);
      assertThat(blocks(sparkValues(f))).as("after kill -9 at %s", step).isEqualTo(expected);
      assertThat(Files.exists(f.resolveSibling("." + f.getFileName() + ".h5swmr-journal")))
          .isFalse();
    }
  }

  /**
   * Java and Python assemble the same Lua text from the connector's files: the SHA-1 Python
   * computes is the one Java's calls left in Redis' script cache.
   */
  @Test
  void javaAndPythonSendByteIdenticalScripts() throws Exception {
    String root = PY_TESTS.getParent().getParent().toString();
    String prelude =
        "import sys, redis; sys.path.insert(0, sys.argv[1]); from h5swmr import _scripts; "
            + "r = redis.Redis.from_url(sys.argv[2]); ";
    assertThat(python(prelude + "r.script_flush(); print('flushed')", root)).isEqualTo("flushed");
    try (LockService locks =
            LockService.open(LockSettings.builder().redisUrl(REDIS.url()).build());
        Lease lease = locks.acquireExclusive("interop-sha")) {
      assertThat(lease.token()).isPositive();
    }
    assertThat(
            python(
                prelude
                    + "print(r.script_exists(_scripts.SHAS['acquire'], _scripts.SHAS['release']))",
                root))
        .as("scripts Java loaded, looked up by the SHA-1 Python computes")
        .isEqualTo("[True, True]");
  }

  private static String python(String code, String root) throws Exception {
    Process p =
        new ProcessBuilder(PYTHON, "-c", code, root, REDIS.url()).redirectErrorStream(true).start();
    String out = new String(p.getInputStream().readAllBytes(), StandardCharsets.UTF_8).trim();
    assertThat(p.waitFor()).as(out).isZero();
    return out;
  }
}
