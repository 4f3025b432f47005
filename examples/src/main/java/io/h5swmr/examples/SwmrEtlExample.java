package io.h5swmr.examples;

import static org.apache.spark.sql.functions.avg;
import static org.apache.spark.sql.functions.col;
import static org.apache.spark.sql.functions.count;
import static org.apache.spark.sql.functions.countDistinct;
import static org.apache.spark.sql.functions.max;
import static org.apache.spark.sql.functions.min;
import static org.apache.spark.sql.functions.round;
import static org.apache.spark.sql.functions.sum;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.atomic.AtomicInteger;
import org.apache.spark.sql.Dataset;
import org.apache.spark.sql.Row;
import org.apache.spark.sql.SaveMode;
import org.apache.spark.sql.SparkSession;

/**
 * The README's main example: an "instrument" keeps appending blocks of detector events to an HDF5
 * file while Spark queries the same file; every query sees a consistent snapshot made of whole
 * blocks. At the end an ETL step aggregates the events per channel, writes the summary back into
 * the file as a new dataset, and reads it back.
 *
 * <p>Args (all optional): work directory (default: a new temp directory), number of blocks (default
 * 8), rows per block (default 200000). Redis: {@code H5SWMR_REDIS_URL}, else a throw-away local
 * redis-server.
 */
public final class SwmrEtlExample {
  private static final String EVENTS = "/detector/events";
  private static final String SUMMARY = "/summary/by_channel";

  private SwmrEtlExample() {}

  public static void main(String[] args) throws Exception {
    Path dir =
        args.length > 0
            ? Files.createDirectories(Path.of(args[0]))
            : Files.createTempDirectory("h5swmr-example");
    int blocks = args.length > 1 ? Integer.parseInt(args[1]) : 8;
    int rowsPerBlock = args.length > 2 ? Integer.parseInt(args[2]) : 200_000;
    String file = dir.resolve("run42.h5").toString();

    try (ExampleRedis redis = ExampleRedis.configuredOrEmbedded()) {
      SparkSession spark =
          SparkSession.builder()
              .master(System.getProperty("spark.master", "local[2]"))
              .appName("h5swmr example")
              .config("spark.ui.enabled", "false")
              .config("spark.sql.shuffle.partitions", "4")
              .config("spark.h5swmr.redis.url", redis.url())
              .getOrCreate();
      spark.sparkContext().setLogLevel("WARN");
      try {
        run(spark, file, blocks, rowsPerBlock);
      } finally {
        spark.stop();
      }
    }
  }

  static void run(SparkSession spark, String file, int blocks, int rowsPerBlock) throws Exception {
    System.out.printf(
        "Instrument file: %s (dataset %s), %d blocks of %,d events%n",
        file, EVENTS, blocks, rowsPerBlock);
    appendBlock(spark, file, 0, rowsPerBlock);

    // The instrument: appends the remaining blocks, each one commit under the exclusive lease.
    AtomicInteger written = new AtomicInteger(1);
    CompletableFuture<Void> instrument =
        CompletableFuture.runAsync(
            () -> {
              for (int b = 1; b < blocks; b++) {
                appendBlock(spark, file, b, rowsPerBlock);
                written.incrementAndGet();
              }
            });

    // Meanwhile: query the growing file. Each scan reads one snapshot, taken under shared leases.
    int query = 0;
    long lastRows = -1;
    while (!instrument.isDone() || lastRows < (long) blocks * rowsPerBlock) {
      Dataset<Row> events = spark.read().format("h5swmr").option("dataset", EVENTS).load(file);
      Row perBlock =
          events
              .groupBy("block")
              .agg(count("*").as("n"))
              .agg(count("*"), min("n"), max("n"), sum("n"), max("block"))
              .first();
      long nBlocks = perBlock.getLong(0);
      long rows = perBlock.getLong(3);
      boolean whole =
          perBlock.getLong(1) == rowsPerBlock
              && perBlock.getLong(2) == rowsPerBlock
              && perBlock.getInt(4) == nBlocks - 1;
      System.out.printf(
          "query %2d: %,10d rows in blocks 0..%d — %s%n",
          ++query,
          rows,
          nBlocks - 1,
          whole ? "every block whole, none missing" : "INCONSISTENT SNAPSHOT");
      if (!whole) {
        throw new IllegalStateException("a scan saw a torn snapshot: " + perBlock);
      }
      lastRows = rows;
      if (instrument.isCompletedExceptionally()) {
        instrument.join();
      }
    }
    instrument.join();

    // ETL: aggregate per channel, write the result back into the same file as a new dataset, read
    // it back.
    Dataset<Row> summary =
        spark
            .read()
            .format("h5swmr")
            .option("dataset", EVENTS)
            .load(file)
            .groupBy("channel")
            .agg(
                count("*").as("events"),
                round(avg("energy"), 3).as("mean_energy"),
                max("energy").as("max_energy"),
                countDistinct("block").as("blocks"))
            .orderBy("channel");
    summary.write().format("h5swmr").option("dataset", SUMMARY).mode(SaveMode.Overwrite).save(file);
    System.out.println("ETL result written to " + file + " " + SUMMARY + "; read back:");
    spark
        .read()
        .format("h5swmr")
        .option("dataset", SUMMARY)
        .load(file)
        .orderBy("channel")
        .show(20, false);
  }

  /**
   * One block of synthetic detector events: block number, event number, channel 0..15, energy in
   * keV.
   */
  static void appendBlock(SparkSession spark, String file, int block, int rows) {
    long first = (long) block * rows;
    spark
        .range(first, first + rows)
        .select(
            org.apache.spark.sql.functions.lit(block).as("block"),
            col("id").as("event"),
            col("id").mod(16).cast("int").as("channel"),
            org.apache.spark.sql.functions.expr("100.0D + (id * 7919 % 1000) / 10.0D").as("energy"))
        .write()
        .format("h5swmr")
        .option("dataset", EVENTS)
        .mode(SaveMode.Append)
        .save(file);
  }
}
