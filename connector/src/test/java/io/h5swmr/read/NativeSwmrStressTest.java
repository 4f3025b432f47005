package io.h5swmr.read;

import static io.h5swmr.read.ReadTestSupport.reader;
import static org.assertj.core.api.Assertions.assertThat;

import io.h5swmr.testing.NativeWriterProcess;
import io.h5swmr.testing.RedisServerExtension;
import java.io.BufferedReader;
import java.io.IOException;
import java.io.InputStream;
import java.io.InputStreamReader;
import java.io.OutputStreamWriter;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import org.apache.spark.sql.Dataset;
import org.apache.spark.sql.Row;
import org.apache.spark.sql.functions;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;
import org.junit.jupiter.api.io.TempDir;

/**
 * Live reads of files an unmodified h5py SWMR writer appends to (swmr_stress_writer.py: resize,
 * write, flush per block, one chunk per block), on {@code local[2]} with a Redis lock, alternating
 * {@code directRead=true} and {@code false}: every read must be a prefix of whole flushed rows with
 * exactly the values written. Checked in Spark (one aggregate per read): row count, the index
 * column 0..n-1, and the rows whose values differ from the writer's formula. {@code -Dlong=true}
 * reads more.
 */
class NativeSwmrStressTest {
  @RegisterExtension static final RedisServerExtension REDIS = RedisServerExtension.create();

  static final boolean LONG = Boolean.getBoolean("long");

  /** Blocks a writer appends before it closes its file (a round). */
  static final int MAX_BLOCKS = 150;

  @TempDir Path dir;

  @BeforeAll
  static void h5py() {
    NativeWriterProcess.assumeAvailable();
  }

  /** The writer process: counts the blocks it reports flushed. */
  private static final class StressWriter implements AutoCloseable {
    final Process process;
    final java.io.Writer stdin;
    final AtomicInteger blocks = new AtomicInteger();
    final CountDownLatch ready = new CountDownLatch(1);
    final CountDownLatch done = new CountDownLatch(1);
    final StringBuffer output = new StringBuffer();

    StressWriter(Path file, String shape, int maxBlocks, double pause)
        throws IOException, InterruptedException {
      Path script = file.resolveSibling(".swmr_stress_writer.py");
      if (!Files.exists(script)) {
        try (InputStream in =
            NativeWriterProcess.class.getResourceAsStream("swmr_stress_writer.py")) {
          Files.copy(in, script);
        }
      }
      process =
          new ProcessBuilder(
                  NativeWriterProcess.PYTHON,
                  script.toString(),
                  file.toString(),
                  shape,
                  String.valueOf(maxBlocks),
                  String.valueOf(pause))
              .redirectErrorStream(true)
              .start();
      stdin = new OutputStreamWriter(process.getOutputStream(), StandardCharsets.UTF_8);
      Thread t = new Thread(this::pump, "stress-writer-stdout");
      t.setDaemon(true);
      t.start();
      assertThat(ready.await(120, TimeUnit.SECONDS))
          .as("writer READY; output:\n%s", output)
          .isTrue();
    }

    private void pump() {
      try (BufferedReader r =
          new BufferedReader(
              new InputStreamReader(process.getInputStream(), StandardCharsets.UTF_8))) {
        String line;
        while ((line = r.readLine()) != null) {
          output.append(line).append('\n');
          if (line.equals("READY")) {
            ready.countDown();
          } else if (line.startsWith("BLOCK ")) {
            blocks.set(Integer.parseInt(line.substring(6).trim()));
          } else if (line.equals("DONE")) {
            done.countDown();
          }
        }
      } catch (IOException e) {
        // process gone
      } finally {
        ready.countDown();
        done.countDown();
      }
    }

    boolean running() {
      return done.getCount() > 0;
    }

    void awaitBlocks(int n) throws InterruptedException {
      long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(120);
      while (blocks.get() < n && running() && System.nanoTime() < deadline) {
        done.await(20, TimeUnit.MILLISECONDS);
      }
      assertThat(blocks.get())
          .as("writer flushed %s blocks; output:\n%s", n, output)
          .isGreaterThanOrEqualTo(n);
    }

    /** Asks the writer to stop after its current block and close the file; waits for DONE. */
    @Override
    public void close() throws InterruptedException {
      try {
        stdin.write("STOP\n");
        stdin.flush();
      } catch (IOException e) {
        // already gone
      }
      if (!done.await(120, TimeUnit.SECONDS) || !process.waitFor(60, TimeUnit.SECONDS)) {
        process.destroyForcibly();
      }
    }
  }

  /**
   * One dataset (or table of datasets) read live: its options, rows per block and the check of a
   * row.
   */
  private static final class Target {
    final String datasets;
    final int blockRows;

    /** SQL over the read's columns, true where a row's values are not the writer's. */
    final String wrong;

    final String partitionBytes;

    Target(String datasets, int blockRows, String wrong) {
      this(datasets, blockRows, wrong, "4m");
    }

    Target(String datasets, int blockRows, String wrong, String partitionBytes) {
      this.datasets = datasets;
      this.blockRows = blockRows;
      this.wrong = wrong;
      this.partitionBytes = partitionBytes;
    }
  }

  /** Reads and anomalies of one test, for its report line. */
  private static final class Tally {
    int reads;
    int direct;
    int anomalies;
    long rowsChecked;
    final List<String> examples = new ArrayList<>();
  }

  /**
   * Reads {@code targets} in turn (each read alternating directRead) while the writer appends,
   * until {@code reads} reads are done with the writer still running; then once more after it
   * closed the file. Fails listing the anomalies (reads of rows not a flushed prefix, or rows
   * holding other values).
   */
  private void stress(String shape, int reads, double pause, Target... targets) throws Exception {
    Tally t = new Tally();
    long started = System.nanoTime();
    int blocksInAll = 0;
    // Rounds of at most MAX_BLOCKS blocks (the 150), each on a new file: the reads stay
    // live and cheap.
    for (int round = 0; t.reads < reads; round++) {
      Path f = dir.resolve(shape + round + ".h5");
      int before = t.reads;
      StressWriter w = new StressWriter(f, shape, MAX_BLOCKS, pause);
      try {
        w.awaitBlocks(1);
        while (t.reads < reads && w.running()) {
          Target target = targets[t.reads % targets.length];
          boolean direct = (t.reads / targets.length) % 2 == 0;
          check(f, target, direct, w.blocks.get(), w, t);
        }
        assertThat(t.reads).as("a round reads while the writer appends").isGreaterThan(before);
      } finally {
        w.close();
      }
      int blocksAtEnd = w.blocks.get();
      blocksInAll += blocksAtEnd;
      if (t.reads >= reads) {
        for (Target target : targets) { // the writer closed the file: everything it wrote
          check(f, target, true, blocksAtEnd, null, t);
        }
      }
    }
    System.out.printf(
        "NativeSwmrStressTest %s: %d reads (%d directRead=true) of %d rows in all while writers "
            + "appended %d blocks, %d anomalies, %.1f s%n",
        shape,
        t.reads,
        t.direct,
        t.rowsChecked,
        blocksInAll,
        t.anomalies,
        (System.nanoTime() - started) / 1e9);
    assertThat(t.examples)
        .as("%s: %d anomalies in %d reads", shape, t.anomalies, t.reads)
        .isEmpty();
  }

  /**
   * One read of {@code target}: its rows must be the prefix of whole flushed blocks (at least
   * {@code low} blocks) with the writer's values. One aggregate per block, computed in the read's
   * own execution (a second query is another read that may well be right).
   */
  private static void check(
      Path f, Target target, boolean direct, int low, StressWriter w, Tally t) {
    Dataset<Row> df =
        reader(REDIS.url())
            .option(target.datasets.contains(",") ? "datasets" : "dataset", target.datasets)
            .option("directRead", String.valueOf(direct))
            .option(
                "partitionBytes",
                target.partitionBytes) // several tasks per read: concurrent handles on local[2]
            .load(f.toString());
    List<Row> blocks =
        df.selectExpr(
                "`index` DIV " + target.blockRows + " AS blk",
                "`index`",
                "(" + target.wrong + ") AS bad",
                "CASE WHEN " + target.wrong + " THEN to_json(struct(*)) END AS js")
            .groupBy("blk")
            .agg(
                functions.expr("count(*)"),
                functions.expr("min(`index`)"),
                functions.expr("max(`index`)"),
                functions.expr("count_if(bad)"),
                functions.expr("min_by(js, CASE WHEN bad THEN `index` END)"))
            .orderBy("blk")
            .collectAsList();
    int high =
        w == null ? low : w.blocks.get() + 1; // a block may be visible before the writer says so
    long n = 0;
    long bad = 0;
    List<String> what = new ArrayList<>();
    List<String> badBlocks = new ArrayList<>();
    for (int b = 0; b < blocks.size(); b++) {
      Row r = blocks.get(b);
      long rows = r.getLong(1);
      n += rows;
      if (r.getLong(0) != b
          || r.getLong(2) != (long) b * target.blockRows
          || r.getLong(3) != r.getLong(2) + rows - 1) {
        what.add("block " + b + " is not rows [" + (long) b * target.blockRows + ", ...): " + r);
      }
      if (r.getLong(4) > 0) {
        bad += r.getLong(4);
        if (badBlocks.size() < 4) {
          badBlocks.add(
              "block "
                  + b
                  + ": "
                  + r.getLong(4)
                  + " of "
                  + rows
                  + " rows, first "
                  + r.getString(5));
        }
      }
    }
    t.reads++;
    t.direct += direct ? 1 : 0;
    t.rowsChecked += n;
    if (n < (long) low * target.blockRows || n > (long) high * target.blockRows) {
      what.add(n + " rows, outside the " + low + ".." + high + " blocks flushed around the read");
    }
    if (bad > 0) {
      what.add(bad + " rows with other values in " + blocks.size() + " blocks read; " + badBlocks);
    }
    if (!what.isEmpty()) {
      t.anomalies++;
      if (t.examples.size() < 10) {
        t.examples.add(
            "read "
                + t.reads
                + " of "
                + target.datasets
                + " (directRead="
                + direct
                + ", writer "
                + (w == null ? "closed" : "running")
                + "): "
                + String.join("; ", what));
      }
    }
  }

  /** The shape: two 1-D columns, resized, written and flushed per block of 5000 rows. */
  @Test
  void twoColumnsOneChunkPerBlock() throws Exception {
    stress(
        "columns",
        LONG ? 200 : 100,
        0.15,
        new Target(
            "/live/x,/live/energy", 5000, "x != `index` DIV 5000 OR energy != `index` * 0.5"));
  }

  /** Image rows: a 2-D uint16 dataset, chunks of 500 whole rows. */
  @Test
  void imageRows() throws Exception {
    stress(
        "image",
        LONG ? 200 : 40,
        0.05,
        new Target(
            "/live/img",
            500,
            "NOT forall(sequence(0, 63), c -> img[c] = (`index` * 64 + c) % 65521)"));
  }

  /** A compound dataset (int64, float32, float64 members), read as its members. */
  @Test
  void compoundRecords() throws Exception {
    stress(
        "compound",
        LONG ? 200 : 40,
        0.05,
        new Target(
            "/live/rec",
            4000,
            "id != `index` OR v != `index` % 4096 OR t != `index` DIV 4000 + 0.25"));
  }

  /**
   * Three datasets of one file growing at different rates (one gzip), each read on its own, in
   * turn.
   */
  @Test
  void datasetsGrowingAtDifferentRates() throws Exception {
    stress(
        "rates",
        LONG ? 201 : 60,
        0.05,
        new Target("/rates/a", 1000, "a != 3 * `index` + 1", "128k"),
        new Target("/rates/b", 3000, "b != CAST(`index` AS DOUBLE) / 4", "128k"),
        new Target("/rates/c", 250, "c != -`index`", "16k"));
  }
}
