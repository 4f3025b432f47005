package io.h5swmr.stream;

import java.io.BufferedReader;
import java.io.InputStreamReader;
import java.nio.charset.StandardCharsets;
import org.apache.spark.sql.SparkSession;
import org.apache.spark.sql.streaming.StreamingQuery;
import org.apache.spark.sql.streaming.StreamingQueryListener;
import org.apache.spark.sql.streaming.Trigger;

/**
 * A streaming driver in its own JVM, to be killed with -9: {@code h5swmr} source ({@code /x} of the
 * source file) into the {@code h5swmr} sink ({@code /out} of the sink file), append mode, 200 ms
 * trigger, with a checkpoint.
 *
 * <p>Args: redis URL, source file, sink file, checkpoint, pause step (or {@code -}), batch id. Once
 * a batch with at least that id has completed, every later sink commit blocks at the pause step
 * (the committer's test crash point, installed through {@link io.h5swmr.testing.CommitPause}),
 * printing {@code H5SWMR-PAUSE <step>}. Prints {@code QUERY <id>} when started and {@code PROGRESS
 * <batchId> <rows>} per batch; a line on stdin stops the query ({@code STOPPED}).
 */
public final class StreamDriverChild {
  private static volatile boolean pauseInstalled;

  private StreamDriverChild() {}

  public static void main(String[] args) throws Exception {
    String redis = args[0];
    String source = args[1];
    String sink = args[2];
    String checkpoint = args[3];
    String pauseStep = args[4];
    long pauseAfter = Long.parseLong(args[5]);
    SparkSession spark =
        SparkSession.builder()
            .master("local[2]")
            .appName("h5swmr-stream-child")
            .config("spark.ui.enabled", "false")
            .config("spark.driver.bindAddress", "127.0.0.1")
            .config("spark.driver.host", "127.0.0.1")
            .config("spark.sql.shuffle.partitions", "2")
            .getOrCreate();
    spark
        .streams()
        .addListener(
            new StreamingQueryListener() {
              @Override
              public void onQueryStarted(QueryStartedEvent event) {}

              @Override
              public void onQueryProgress(QueryProgressEvent event) {
                long id = event.progress().batchId();
                System.out.println("PROGRESS " + id + " " + event.progress().numInputRows());
                System.out.flush();
                if (!pauseStep.equals("-") && id >= pauseAfter && !pauseInstalled) {
                  pauseInstalled = true;
                  System.setProperty(io.h5swmr.testing.CommitPause.PROPERTY, pauseStep);
                  // the sink is built by Spark: its commits take the hook from the process-level
                  // seam
                  io.h5swmr.write.HookedWriters.sparkWrites(
                      io.h5swmr.testing.CommitPause.fromProperty());
                }
              }

              @Override
              public void onQueryTerminated(QueryTerminatedEvent event) {}
            });
    StreamingQuery q =
        spark
            .readStream()
            .format("h5swmr")
            .option("redis.url", redis)
            .option("dataset", "/x")
            .option("lock.ttl", "2s")
            .load(source)
            .drop("index") // the read's row index is not stored (writes refuse a column named like
            // the index column)
            .writeStream()
            .format("h5swmr")
            .option("redis.url", redis)
            .option("lock.ttl", "2s")
            .option("dataset", "/out")
            .option("path", sink)
            .option("checkpointLocation", checkpoint)
            .outputMode("append")
            .trigger(Trigger.ProcessingTime(200))
            .start();
    System.out.println("QUERY " + q.id());
    System.out.flush();
    new BufferedReader(new InputStreamReader(System.in, StandardCharsets.UTF_8)).readLine();
    q.stop();
    System.out.println("STOPPED");
    System.out.flush();
    spark.stop();
    System.exit(0);
  }
}
