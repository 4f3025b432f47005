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
 * The streaming example, small: the live aggregate counts every appended event once, the sink holds
 * it.
 */
class LiveChannelAggregateExampleTest {
  @RegisterExtension static final RedisServerExtension REDIS = RedisServerExtension.create();

  @Test
  void liveAggregateCountsEveryEventOnceAndTheSinkHoldsIt(@TempDir Path dir) throws Exception {
    SparkSession spark = SharedSpark.get();
    spark.conf().set("spark.h5swmr.redis.url", REDIS.url());
    try {
      long counted = LiveChannelAggregateExample.run(spark, REDIS.url(), dir, 5, 4_000, 100);
      assertThat(counted).isEqualTo(5L * 4_000);
      List<Row> live =
          spark
              .read()
              .format("h5swmr")
              .option("dataset", LiveChannelAggregateExample.LIVE)
              .load(dir.resolve("live-summary.h5").toString())
              .collectAsList();
      assertThat(live).hasSize(16);
      long total = 0;
      for (Row r : live) {
        total += r.<Long>getAs("events");
        assertThat(r.<Integer>getAs("last_block")).isEqualTo(4);
      }
      assertThat(total).isEqualTo(5L * 4_000);
    } finally {
      spark.conf().unset("spark.h5swmr.redis.url");
    }
  }
}
