package io.h5swmr.examples;

import io.h5swmr.write.H5SwmrAppender;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Map;
import java.util.concurrent.CompletableFuture;
import org.apache.spark.api.java.function.VoidFunction2;
import org.apache.spark.sql.Dataset;
import org.apache.spark.sql.Row;
import org.apache.spark.sql.SparkSession;
import org.apache.spark.sql.streaming.StreamingQuery;
import org.apache.spark.sql.streaming.Trigger;
import org.apache.spark.sql.types.DataTypes;
import org.apache.spark.sql.types.StructType;

/**
 * Streaming example: an instrument keeps appending blocks of detector events to an HDF5 file
 * (through {@link H5SwmrAppender}, one commit per block); a Structured Streaming query tails the
 * file with {@code readStream.format("h5swmr")} and keeps a live per-channel aggregate, printed
 * after every micro-batch and written back with {@code writeStream.format("h5swmr")} in complete
 * mode (each micro-batch replaces the summary dataset in one commit, exactly once across restarts
 * from the checkpoint).
 *
 * <p>Args (all optional): work directory (default: a new temp directory), blocks (default 20), rows
 * per block (default 50000), milliseconds between blocks (default 250). Redis: {@code
 * H5SWMR_REDIS_URL}, else a throw-away local redis-server. Run: {@code mvn -pl examples -am
 * test-compile exec:exec -Dexample.main=io.h5swmr.examples.LiveChannelAggregateExample}.
 */
public final class LiveChannelAggregateExample {
  static final String EVENTS = "/detector/events";
  static final String LIVE = "/summary/live_by_channel";
  static final StructType EVENT =
      new StructType()
          .add("block", DataTypes.IntegerType, false)
          .add("channel", DataTypes.IntegerType, false)
          .add("energy", DataTypes.DoubleType, false);

  private LiveChannelAggregateExample() {}

  public static void main(String[] args) throws Exception {
    Path dir =
        args.length > 0
            ? Files.createDirectories(Path.of(args[0]))
            : Files.createTempDirectory("h5swmr-stream-example");
    int blocks = args.length > 1 ? Integer.parseInt(args[1]) : 20;
    int rowsPerBlock = args.length > 2 ? Integer.parseInt(args[2]) : 50_000;
    long pauseMillis = args.length > 3 ? Long.parseLong(args[3]) : 250;
    try (ExampleRedis redis = ExampleRedis.configuredOrEmbedded()) {
      SparkSession spark =
          SparkSession.builder()
              .master(System.getProperty("spark.master", "local[2]"))
              .appName("h5swmr streaming example")
              .config("spark.ui.enabled", "false")
              .config("spark.sql.shuffle.partitions", "4")
              .config("spark.h5swmr.redis.url", redis.url())
              .getOrCreate();
      spark.sparkContext().setLogLevel("WARN");
      try {
        run(spark, redis.url(), dir, blocks, rowsPerBlock, pauseMillis);
      } finally {
        spark.stop();
      }
    }
  }

  /**
   * Runs the instrument and the live aggregate until every block is counted; returns the events
   * counted.
   */
  static long run(
      SparkSession spark, String redisUrl, Path dir, int blocks, int rowsPerBlock, long pauseMillis)
      throws Exception {
    Path instrumentFile = dir.resolve("instrument.h5");
    Path summaryFile = dir.resolve("live-summary.h5");
    Map<String, String> lock = Map.of("redis.url", redisUrl);
    try (H5SwmrAppender a = H5SwmrAppender.open(instrumentFile, EVENTS, EVENT, lock)) {
      appendBlock(a, 0, rowsPerBlock); // the stream infers its schema from the file
    }
    System.out.printf(
        "Instrument file %s %s: %d blocks of %,d events, one every %d ms%n",
        instrumentFile, EVENTS, blocks, rowsPerBlock, pauseMillis);

    Dataset<Row> perChannel =
        spark
            .readStream()
            .format("h5swmr")
            .option("dataset", EVENTS)
            .option("maxRowsPerTrigger", String.valueOf(4L * rowsPerBlock))
            .load(instrumentFile.toString())
            .groupBy("channel")
            .agg(
                org.apache.spark.sql.functions.count("*").as("events"),
                org.apache
                    .spark
                    .sql
                    .functions
                    .round(org.apache.spark.sql.functions.avg("energy"), 3)
                    .as("mean_energy"),
                org.apache.spark.sql.functions.max("block").as("last_block"));
    long[] counted = new long[1];
    VoidFunction2<Dataset<Row>, Long> show =
        (batch, id) -> {
          batch.persist();
          long events =
              batch.agg(org.apache.spark.sql.functions.sum("events")).first().isNullAt(0)
                  ? 0
                  : batch.agg(org.apache.spark.sql.functions.sum("events")).first().getLong(0);
          counted[0] = events;
          System.out.printf("micro-batch %d: %,d events so far%n", id, events);
          batch.orderBy("channel").show(4, false);
          batch.unpersist();
        };
    StreamingQuery console =
        perChannel
            .writeStream()
            .outputMode("complete")
            .foreachBatch(show)
            .trigger(Trigger.ProcessingTime(1000))
            .option("checkpointLocation", dir.resolve("ckpt-console").toString())
            .start();
    StreamingQuery sink =
        perChannel
            .writeStream()
            .format("h5swmr")
            .outputMode("complete")
            .option("dataset", LIVE)
            .option("path", summaryFile.toString())
            .trigger(Trigger.ProcessingTime(1000))
            .option("checkpointLocation", dir.resolve("ckpt-sink").toString())
            .start();

    CompletableFuture<Void> instrument =
        CompletableFuture.runAsync(
            () -> {
              try (H5SwmrAppender a = H5SwmrAppender.open(instrumentFile, EVENTS, EVENT, lock)) {
                for (int b = 1; b < blocks; b++) {
                  Thread.sleep(pauseMillis);
                  appendBlock(a, b, rowsPerBlock);
                }
              } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
              }
            });
    instrument.join();
    console.processAllAvailable();
    sink.processAllAvailable();
    console.stop();
    sink.stop();
    System.out.println("Live summary in " + summaryFile + " " + LIVE + ":");
    spark
        .read()
        .format("h5swmr")
        .option("dataset", LIVE)
        .load(summaryFile.toString())
        .orderBy("channel")
        .show(16, false);
    return counted[0];
  }

  /** One block: channel = event % 16, energy in keV. */
  static void appendBlock(H5SwmrAppender a, int block, int rows) {
    int[] blockCol = new int[rows];
    int[] channel = new int[rows];
    double[] energy = new double[rows];
    for (int i = 0; i < rows; i++) {
      long event = (long) block * rows + i;
      blockCol[i] = block;
      channel[i] = (int) (event % 16);
      energy[i] = 100.0 + (event * 7919 % 1000) / 10.0;
    }
    a.append(blockCol, channel, energy);
  }
}
