package io.h5swmr.write;

import io.h5swmr.config.H5SwmrOptions;
import io.h5swmr.hdf5.journal.CommitHook;
import io.h5swmr.testing.CommitPause;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.UUID;
import org.apache.spark.sql.SparkSession;
import org.apache.spark.sql.catalyst.expressions.GenericInternalRow;
import org.apache.spark.sql.connector.write.DataWriter;
import org.apache.spark.sql.connector.write.DataWriterFactory;
import org.apache.spark.sql.connector.write.WriterCommitMessage;
import org.apache.spark.sql.types.DataTypes;
import org.apache.spark.sql.types.StructType;

/**
 * A separate writing driver for multi-process tests. Usage:
 *
 * <ul>
 *   <li>{@code direct|spark <redisUrl> <file> <dataset> <firstX> <rows>}: appends rows {@code (x, x
 *       * 0.5)} for x in {@code [firstX, firstX + rows)}. {@code direct} drives the write roles
 *       without Spark (two staged partitions, then the driver commit: fast to start, used to kill
 *       the process at a commit step named by {@code -Dh5swmr.test.commitPause}); {@code spark}
 *       runs a real {@code local[1]} Spark application. Prints {@code STAGED} and {@code
 *       COMMITTED}.
 *   <li>{@code killable direct|appender <redisUrl> <dataset> <rows> <lockTtl> <warmupFile>}: warms
 *       up (two appends to its own {@code warmupFile}), prints {@code READY}, then reads lines
 *       {@code <step> <firstX> <file>} up to {@code GO} from stdin. Then one thread per file
 *       appends its rows {@code [firstX, firstX + rows)} at once, through the driver commit ({@code
 *       direct}) or a plain {@link H5SwmrAppender} ({@code appender}), and pauses at its own commit
 *       step, printing {@code H5SWMR-PAUSE <step> <i>} ({@code i}: the file's position in the list)
 *       until the parent kills the process. A commit that does not pause prints {@code COMMITTED
 *       <i>} or {@code FAILED <i> <exception>}.
 *   <li>{@code session <redisUrl> <file> <dataset> <blocks> <rows>}: one {@link H5SwmrAppender}
 *       that keeps its lease between appends appends {@code blocks} blocks of {@code rows} rows
 *       {@code (x, x * 0.5)}, x from {@code block * 1_000_000}, printing {@code APPENDED <block>
 *       <total>} after each; the commit step named by {@code -Dh5swmr.test.commitPause} pauses only
 *       the last block's commit (the parent kills the process there, in the middle of the session).
 * </ul>
 */
public final class WriterChild {
  static final StructType SCHEMA =
      new StructType().add("x", DataTypes.LongType, false).add("y", DataTypes.DoubleType, false);

  private WriterChild() {}

  public static void main(String[] args) throws Exception {
    if (args[0].equals("killable")) {
      killable(args);
      return;
    }
    if (args[0].equals("session")) {
      session(args);
      return;
    }
    CommitHook hook = CommitPause.fromProperty();
    String how = args[0];
    Map<String, String> o = new HashMap<>();
    o.put("redis.url", args[1]);
    o.put("path", args[2]);
    o.put("dataset", args[3]);
    o.put("lock.ttl", "1s");
    long first = Long.parseLong(args[4]);
    long rows = Long.parseLong(args[5]);
    if (how.equals("spark")) {
      SparkCommitHook.set(hook); // Spark builds this write itself: the process-level seam
      SparkSession spark =
          SparkSession.builder()
              .master("local[1]")
              .appName("h5swmr-writer-child")
              .config("spark.ui.enabled", "false")
              .config("spark.driver.bindAddress", "127.0.0.1")
              .config("spark.driver.host", "127.0.0.1")
              .getOrCreate();
      System.out.println("STARTED");
      spark
          .sql(
              "select id as x, id * 0.5d as y from range("
                  + first
                  + ", "
                  + (first + rows)
                  + ", 1, 4)")
          .write()
          .format("h5swmr")
          .options(o)
          .mode("append")
          .save();
      System.out.println("COMMITTED");
      spark.stop();
      return;
    }
    direct(o, first, rows, () -> System.out.println("STAGED"), hook);
    System.out.println("COMMITTED");
  }

  /** The {@code session} mode (see the class doc). */
  private static void session(String[] args) {
    CommitHook pause = CommitPause.fromProperty();
    int blocks = Integer.parseInt(args[4]);
    int rows = Integer.parseInt(args[5]);
    int[] block = {0};
    CommitHook lastBlockOnly =
        step -> {
          if (block[0] == blocks) {
            pause.reached(step);
          }
        };
    Map<String, String> o = new HashMap<>();
    o.put("redis.url", args[1]);
    o.put("lock.ttl", "1s");
    try (H5SwmrAppender app =
        H5SwmrAppender.open(Path.of(args[2]), args[3], SCHEMA, o, lastBlockOnly)
            .leaseLinger(java.time.Duration.ofMinutes(10))) {
      for (int b = 1; b <= blocks; b++) {
        block[0] = b;
        long[] x = new long[rows];
        double[] y = new double[rows];
        for (int k = 0; k < rows; k++) {
          x[k] = b * 1_000_000L + k;
          y[k] = x[k] * 0.5;
        }
        long total = app.append(x, y);
        System.out.println("APPENDED " + b + " " + total);
        System.out.flush();
      }
    }
  }

  /**
   * Stages two partitions of rows {@code (x, x * 0.5)} as Spark tasks do, then runs the driver
   * commit.
   */
  private static void direct(
      Map<String, String> o, long first, long rows, Runnable staged, CommitHook hook) {
    H5SwmrBatchWrite write =
        new H5SwmrBatchWrite(
            UUID.randomUUID().toString(), SCHEMA, H5SwmrOptions.of(o), WriteMode.APPEND, hook);
    DataWriterFactory factory = write.createBatchWriterFactory(() -> 2);
    List<WriterCommitMessage> messages = new ArrayList<>();
    long half = rows / 2;
    for (int p = 0; p < 2; p++) {
      DataWriter<org.apache.spark.sql.catalyst.InternalRow> w = factory.createWriter(p, p);
      long from = first + (p == 0 ? 0 : half);
      long to = p == 0 ? first + half : first + rows;
      try {
        for (long x = from; x < to; x++) {
          w.write(new GenericInternalRow(new Object[] {x, x * 0.5}));
        }
        messages.add(w.commit());
        w.close();
      } catch (java.io.IOException e) {
        throw new java.io.UncheckedIOException(e);
      }
    }
    staged.run();
    write.commit(messages.toArray(new WriterCommitMessage[0]));
  }

  /**
   * The {@code killable} mode: many commits in one process, each paused at its own step (see the
   * class doc).
   */
  private static void killable(String[] args) throws Exception {
    CommitHook hook = CommitPause.perThread();
    String how = args[1];
    String redisUrl = args[2];
    String dataset = args[3];
    long rows = Long.parseLong(args[4]);
    String ttl = args[5];
    Path warmup = Path.of(args[6]);
    // Warm up (classes, native HDF5, Redis) while the parent still checks the previous round:
    // create a private file and append to it in place, with no pause (this thread has no step).
    killableAppend(how, redisUrl, dataset, 10, ttl, 0, warmup, hook);
    killableAppend(how, redisUrl, dataset, 10, ttl, 10, warmup, hook);
    System.out.println("READY");
    java.io.BufferedReader in =
        new java.io.BufferedReader(
            new java.io.InputStreamReader(System.in, java.nio.charset.StandardCharsets.UTF_8));
    List<String[]> commits = new ArrayList<>();
    for (String line = in.readLine(); !"GO".equals(line); line = in.readLine()) {
      if (line == null) {
        System.exit(3);
      }
      commits.add(line.split(" ", 3));
    }
    List<Thread> threads = new ArrayList<>();
    for (int i = 0; i < commits.size(); i++) {
      String step = commits.get(i)[0];
      long first = Long.parseLong(commits.get(i)[1]);
      Path file = Path.of(commits.get(i)[2]);
      int index = i;
      Thread t =
          new Thread(
              () -> {
                CommitPause.pauseThisThreadAt(step, Integer.toString(index));
                try {
                  killableAppend(how, redisUrl, dataset, rows, ttl, first, file, hook);
                  System.out.println("COMMITTED " + index);
                } catch (RuntimeException | Error e) {
                  System.out.println("FAILED " + index + " " + e);
                  e.printStackTrace();
                }
              },
              "commit-" + i);
      t.start();
      threads.add(t);
    }
    for (Thread t : threads) {
      t.join();
    }
    System.exit(1); // only when no commit paused: the parent reports the COMMITTED/FAILED lines
  }

  /** Appends rows {@code [first, first + rows)} through the driver commit or a plain appender. */
  private static void killableAppend(
      String how,
      String redisUrl,
      String dataset,
      long rows,
      String ttl,
      long first,
      Path file,
      CommitHook hook) {
    Map<String, String> o = new HashMap<>();
    o.put("redis.url", redisUrl);
    o.put("lock.ttl", ttl);
    if (how.equals("appender")) {
      long[] x = new long[(int) rows];
      double[] y = new double[(int) rows];
      for (int k = 0; k < rows; k++) {
        x[k] = first + k;
        y[k] = x[k] * 0.5;
      }
      try (H5SwmrAppender app = H5SwmrAppender.open(file, dataset, SCHEMA, o, hook)) {
        app.append(x, y);
      }
    } else {
      o.put("path", file.toString());
      o.put("dataset", dataset);
      direct(o, first, rows, () -> {}, hook);
    }
  }
}
