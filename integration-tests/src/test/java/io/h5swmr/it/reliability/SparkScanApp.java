package io.h5swmr.it.reliability;

import java.io.BufferedReader;
import java.io.PrintWriter;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Iterator;
import java.util.List;
import java.util.TreeSet;
import org.apache.spark.api.java.function.MapPartitionsFunction;
import org.apache.spark.sql.Encoders;
import org.apache.spark.sql.Row;
import org.apache.spark.sql.SparkSession;

/**
 * A Spark application that scans the history again and again (scenario 2's reader). Args: {@code
 * master redisUrl prefix ttlMs file snapshotFile}. Prints {@code PIDS driver=<pid>
 * executors=<pids>} (the JVMs its tasks ran in), {@code READY}, then after {@code GO} scans until
 * {@code STOP}, appending every snapshot that differs from the previous one to {@code
 * snapshotFile}; ends with {@code END scans=<n> torn=<n> failed=<n>}. A scan that fails (e.g. the
 * file changed under it in a way the reader refuses) is counted, not recorded.
 */
public final class SparkScanApp {
  private SparkScanApp() {}

  /** Returns the pid of the JVM each partition ran in. */
  static final class Pid implements MapPartitionsFunction<Long, Long> {
    private static final long serialVersionUID = 1L;

    @Override
    public Iterator<Long> call(Iterator<Long> it) {
      return List.of(ProcessHandle.current().pid()).iterator();
    }
  }

  public static void main(String[] a) throws Exception {
    SparkSession spark = SparkApps.session(a[0], "h5swmr-reliability-scan");
    List<Long> pids =
        spark.range(0, 8, 1, 8).mapPartitions(new Pid(), Encoders.LONG()).collectAsList();
    System.out.println(
        "PIDS driver=" + ProcessHandle.current().pid() + " executors=" + new TreeSet<>(pids));
    BufferedReader in = WorkerStdin.awaitGo();
    WorkerStdin.watchForStop(in);
    long scans = 0;
    long torn = 0;
    long failed = 0;
    String last = null;
    Path file = Path.of(a[4]);
    try (PrintWriter out =
        new PrintWriter(Files.newBufferedWriter(Path.of(a[5]), StandardCharsets.UTF_8))) {
      while (!WorkerStdin.stopRequested()) {
        if (!Files.exists(file)) {
          Thread.sleep(50); // the first append has not created the file yet
          continue;
        }
        List<Row> rows;
        try {
          rows =
              spark
                  .read()
                  .format("h5swmr")
                  .option("dataset", History.DATASET)
                  .option("redis.url", a[1])
                  .option("lock.prefix", a[2])
                  .option("lock.ttl", a[3] + "ms")
                  .option("partitionBytes", "2048")
                  .load(file.toString())
                  .select("index", "writer", "seq", "row", "rows", "value", "check")
                  .collectAsList();
        } catch (Exception e) { // SparkException is checked in Java terms
          failed++;
          System.out.println(
              "SCANFAIL " + AppenderWorker.firstLine(String.valueOf(e.getMessage())));
          continue;
        }
        List<Row> sorted = new ArrayList<>(rows);
        sorted.sort((x, y) -> Long.compare(x.getLong(0), y.getLong(0)));
        int n = sorted.size();
        int[] w = new int[n];
        long[] s = new long[n];
        int[] r = new int[n];
        int[] k = new int[n];
        double[] v = new double[n];
        long[] c = new long[n];
        for (int i = 0; i < n; i++) {
          Row row = sorted.get(i);
          if (row.getLong(0) != i) {
            torn++;
            System.out.println("TORN index " + row.getLong(0) + " at position " + i);
          }
          w[i] = row.getInt(1);
          s[i] = row.getLong(2);
          r[i] = row.getInt(3);
          k[i] = row.getInt(4);
          v[i] = row.getDouble(5);
          c[i] = row.getLong(6);
        }
        History.Snapshot snap = History.parse(w, s, r, k, v, c);
        scans++;
        torn += snap.torn;
        String line = String.join(" ", snap.blocks);
        if (!line.equals(last)) {
          out.println(line);
          out.flush();
          last = line;
        }
      }
    }
    System.out.println("END scans=" + scans + " torn=" + torn + " failed=" + failed);
    System.out.flush();
    spark.stop();
    System.exit(0);
  }
}
