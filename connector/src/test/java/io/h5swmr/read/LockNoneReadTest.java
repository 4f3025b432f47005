package io.h5swmr.read;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.h5swmr.exceptions.H5SwmrConfigException;
import io.h5swmr.testing.SharedSpark;
import java.nio.file.Path;
import java.util.List;
import org.apache.spark.sql.Dataset;
import org.apache.spark.sql.Row;
import org.apache.spark.sql.SparkSession;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * Option lock=none: reads with no Redis anywhere (nothing listens at the URL), said in the plan.
 */
class LockNoneReadTest {
  /** Nothing listens here: any attempt to reach Redis would fail the read. */
  static final String NO_REDIS = "redis://127.0.0.1:1";

  @TempDir Path dir;

  @Test
  void readsAnArchiveWithoutRedisAndSaysSoInThePlan() {
    Path f = dir.resolve("archive.h5");
    Fixtures.doubles(f, "/x", 100, 16);
    Dataset<Row> df =
        SharedSpark.get()
            .read()
            .format("h5swmr")
            .option("redis.url", NO_REDIS)
            .option("lock", "none")
            .option("dataset", "/x")
            .option("partitionBytes", "256")
            .load(f.toString());
    List<Row> rows = df.collectAsList();
    assertThat(rows).hasSize(100);
    assertThat(rows.get(99).getLong(0)).isEqualTo(99);
    H5SwmrScan scan = ReadTestSupport.scanOf(df);
    assertThat(scan.partitions()).hasSizeGreaterThan(1);
    assertThat(scan.description())
        .contains("lock=none (no leases: not coordinated with h5swmr writers)");
    assertThat(
            df.queryExecution().explainString(org.apache.spark.sql.execution.SimpleMode$.MODULE$))
        .contains("lock=none");
    assertThat(ReadTestSupport.metric(df, "leasesTaken")).isZero();
  }

  @Test
  void sessionConfSetsIt() {
    Path f = dir.resolve("session.h5");
    Fixtures.doubles(f, "/x", 10, 4);
    SparkSession spark = SharedSpark.get();
    spark.conf().set("spark.h5swmr.lock", "none");
    try {
      Dataset<Row> df =
          spark
              .read()
              .format("h5swmr")
              .option("redis.url", NO_REDIS)
              .option("dataset", "/x")
              .load(f.toString());
      assertThat(df.count()).isEqualTo(10);
    } finally {
      spark.conf().unset("spark.h5swmr.lock");
    }
  }

  @Test
  void aBadValueNamesTheOptionAndTheChoices() {
    Path f = dir.resolve("bad.h5");
    Fixtures.doubles(f, "/x", 10, 4);
    assertThatThrownBy(
            () ->
                SharedSpark.get()
                    .read()
                    .format("h5swmr")
                    .option("lock", "zookeeper")
                    .option("dataset", "/x")
                    .load(f.toString())
                    .count())
        .isInstanceOf(H5SwmrConfigException.class)
        .hasMessage(
            "Option 'lock' has an invalid value 'zookeeper': expected one of [none, redis] (session conf: "
                + "spark.h5swmr.lock)");
  }
}
