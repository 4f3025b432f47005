package io.h5swmr.examples;

import static org.assertj.core.api.Assertions.assertThat;

import io.h5swmr.testing.RedisServerExtension;
import io.h5swmr.testing.SharedSpark;
import java.nio.file.Path;
import java.util.List;
import org.apache.spark.sql.Row;
import org.apache.spark.sql.SparkSession;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;
import org.junit.jupiter.api.io.TempDir;

/**
 * The README's main example job, small: appends while querying (it throws on a torn snapshot), then
 * ETL.
 */
class SwmrEtlExampleTest {
  @RegisterExtension static final RedisServerExtension REDIS = RedisServerExtension.create();

  @Test
  void exampleJobSeesWholeBlocksAndWritesTheSummary(@TempDir Path dir) throws Exception {
    SparkSession spark = SharedSpark.get();
    spark.conf().set("spark.h5swmr.redis.url", REDIS.url());
    try {
      String file = dir.resolve("run.h5").toString();
      SwmrEtlExample.run(spark, file, 4, 16_000);
      List<Row> summary =
          spark
              .read()
              .format("h5swmr")
              .option("dataset", "/summary/by_channel")
              .load(file)
              .orderBy("channel")
              .collectAsList();
      assertThat(summary).hasSize(16);
      long total = 0;
      for (Row r : summary) {
        total += r.<Long>getAs("events");
        assertThat(r.<Long>getAs("blocks")).isEqualTo(4L);
      }
      assertThat(total).isEqualTo(4L * 16_000);
    } finally {
      spark.conf().unset("spark.h5swmr.redis.url");
    }
  }
}
