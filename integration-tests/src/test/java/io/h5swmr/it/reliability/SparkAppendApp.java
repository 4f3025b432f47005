package io.h5swmr.it.reliability;

import java.io.BufferedReader;
import java.util.ArrayList;
import java.util.Iterator;
import java.util.List;
import java.util.Random;
import org.apache.spark.api.java.function.MapPartitionsFunction;
import org.apache.spark.sql.Dataset;
import org.apache.spark.sql.Encoders;
import org.apache.spark.sql.Row;
import org.apache.spark.sql.RowFactory;
import org.apache.spark.sql.SparkSession;

/**
 * A Spark application appending history blocks with {@code
 * df.write.format("h5swmr").mode("append")}. Args: {@code master redisUrl prefix ttlMs file
 * writerId maxBlocks slowMs seed}. Prints {@code READY}; after {@code GO} appends blocks (each a
 * DataFrame of 2 partitions) until {@code maxBlocks} were acknowledged or {@code STOP}, printing
 * {@code BEGIN}/{@code ACK}/{@code FAIL} lines like {@link AppenderWorker}; with {@code slowMs > 0}
 * every task first sleeps that long (so the job is running when a test removes its staging
 * directory) and prints {@code STAGING} when the job starts.
 */
public final class SparkAppendApp {
  private SparkAppendApp() {}

  /** Delays each partition, then passes its rows through. */
  static final class Slow implements MapPartitionsFunction<Row, Row> {
    private static final long serialVersionUID = 1L;
    private final long millis;

    Slow(long millis) {
      this.millis = millis;
    }

    @Override
    public Iterator<Row> call(Iterator<Row> it) throws Exception {
      Thread.sleep(millis); // the workload: a task that is still running when the fault hits
      return it;
    }
  }

  public static void main(String[] a) throws Exception {
    // Spark builds this write itself: its commits take the hook from the process-level seam
    io.h5swmr.write.HookedWriters.sparkWrites(io.h5swmr.testing.CommitPause.fromProperty());
    SparkSession spark = SparkApps.session(a[0], "h5swmr-reliability-append");
    int writer = Integer.parseInt(a[5]);
    int max = Integer.parseInt(a[6]);
    long slow = Long.parseLong(a[7]);
    Random rnd = new Random(Long.parseLong(a[8]));
    BufferedReader in = WorkerStdin.awaitGo();
    WorkerStdin.watchForStop(in);
    int acks = 0;
    int fails = 0;
    long seq = 0;
    while (acks < max && !WorkerStdin.stopRequested()) {
      seq++;
      int n = 2 + rnd.nextInt(63);
      Object[] cols = History.block(writer, seq, n);
      List<Row> rows = new ArrayList<>(n);
      for (int i = 0; i < n; i++) {
        rows.add(
            RowFactory.create(
                ((int[]) cols[0])[i],
                ((long[]) cols[1])[i],
                ((int[]) cols[2])[i],
                ((int[]) cols[3])[i],
                ((double[]) cols[4])[i],
                ((long[]) cols[5])[i]));
      }
      Dataset<Row> df = spark.createDataFrame(rows, History.SCHEMA);
      if (slow > 0) {
        df = df.mapPartitions(new Slow(slow), Encoders.row(History.SCHEMA));
      }
      System.out.println("BEGIN " + writer + " " + seq);
      if (slow > 0) {
        System.out.println("STAGING " + seq);
      }
      try {
        df.write()
            .format("h5swmr")
            .option("dataset", History.DATASET)
            .option("redis.url", a[1])
            .option("lock.prefix", a[2])
            .option("lock.ttl", a[3] + "ms")
            .option("chunkRows", "64")
            .mode("append")
            .save(a[4]);
        acks++;
        System.out.println("ACK " + writer + " " + seq + " at=" + System.currentTimeMillis());
      } catch (Exception e) { // SparkException is checked in Java terms
        fails++;
        System.out.println(
            "FAIL "
                + writer
                + " "
                + seq
                + " at="
                + System.currentTimeMillis()
                + " "
                + e.getClass().getSimpleName()
                + ": "
                + AppenderWorker.firstLine(e.getMessage()));
      }
    }
    System.out.println("END acks=" + acks + " fails=" + fails);
    System.out.flush();
    spark.stop();
    System.exit(0);
  }
}
