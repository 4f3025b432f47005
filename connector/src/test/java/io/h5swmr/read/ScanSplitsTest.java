package io.h5swmr.read;

import static io.h5swmr.read.ReadTestSupport.reader;
import static io.h5swmr.read.ReadTestSupport.spark;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.h5swmr.testing.RedisServerExtension;
import java.nio.file.Path;
import org.apache.spark.sql.Dataset;
import org.apache.spark.sql.Row;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;
import org.junit.jupiter.api.io.TempDir;

/**
 * Without an explicit {@code partitionBytes}, a scan is split as Spark's file sources split theirs:
 * partitions of {@code spark.sql.files.maxPartitionBytes} at most, smaller when the scan would
 * otherwise leave cores without a task.
 */
class ScanSplitsTest {
  @RegisterExtension static final RedisServerExtension REDIS = RedisServerExtension.create();

  @TempDir Path dir;

  private static final long MIB = 1L << 20;

  @Test
  void splitBytesFollowsSparksRule() {
    // 100 MiB plus one file's 4 MiB open cost over 4 cores: 26 MiB each
    assertThat(PartitionPlanner.splitBytes(104 * MIB, 128 * MIB, 4 * MIB, 4)).isEqualTo(26 * MIB);
    // a scan with bytes enough for every core: maxPartitionBytes
    assertThat(PartitionPlanner.splitBytes(2048 * MIB, 128 * MIB, 4 * MIB, 2)).isEqualTo(128 * MIB);
    // a tiny scan: never below the open cost
    assertThat(PartitionPlanner.splitBytes(5 * MIB, 128 * MIB, 4 * MIB, 8)).isEqualTo(4 * MIB);
  }

  @Test
  void sparkRefusesACoreCountThatIsNotANumberWhenItIsSet() {
    // PartitionPlanner.minPartitions parses these confs; Spark checks them when they are set.
    for (String key :
        new String[] {"spark.sql.files.minPartitionNum", "spark.sql.leafNodeDefaultParallelism"}) {
      assertThatThrownBy(() -> spark().conf().set(key, "lots"))
          .as(key)
          .isInstanceOf(IllegalArgumentException.class)
          .hasMessageContaining(key);
      assertThat(spark().conf().getOption(key).isDefined()).as(key).isFalse();
    }
  }

  @Test
  void aScanPlannedOutsideAnySessionCountsOneCore() {
    org.apache.spark.sql.SparkSession session = spark();
    assertThat(PartitionPlanner.minPartitions())
        .isEqualTo(session.sparkContext().defaultParallelism());
    // The scan API used directly, with no session (the read benchmark's reader-alone rows): this
    // threw
    // "No active or default Spark session found" before.
    org.apache.spark.sql.SparkSession.clearActiveSession();
    org.apache.spark.sql.SparkSession.clearDefaultSession();
    try {
      assertThat(PartitionPlanner.minPartitions()).isEqualTo(1);
    } finally {
      org.apache.spark.sql.SparkSession.setDefaultSession(session);
      org.apache.spark.sql.SparkSession.setActiveSession(session);
    }
  }

  @Test
  void aScanOfTwentyFourMibGivesEveryCoreATaskUnlessPartitionBytesIsGiven() {
    // 3 Mi float64 rows (24 MiB) in chunks of 64 Ki rows (512 KiB): with the default 128 MiB
    // partitions this was one partition, read by one core however many the session has.
    Path f = dir.resolve("mid.h5");
    double[] v = Fixtures.doubles(f, "/x", 3 << 20, 1 << 16);
    double expected =
        0; // values i * 0.5: every partial sum is exact, so any split sums to the same
    for (double x : v) {
      expected += x;
    }
    try {
      spark().conf().set("spark.sql.files.minPartitionNum", "4");
      Dataset<Row> sum =
          reader(REDIS.url()).option("dataset", "/x").load(f.toString()).selectExpr("sum(x)");
      H5SwmrScan scan = ReadTestSupport.scanOf(sum);
      // (24 MiB + 4 MiB open cost) / 4 = 7 MiB: 14 chunks of 512 KiB per partition, 48 chunks in
      // all
      assertThat(scan.partitions()).hasSize(4);
      assertThat(scan.partitions().stream().mapToLong(H5SwmrInputPartition::rows).sum())
          .isEqualTo(3 << 20);
      assertThat(sum.collectAsList().get(0).getDouble(0)).isEqualTo(expected);

      spark().conf().unset("spark.sql.files.minPartitionNum");
      int cores = spark().sparkContext().defaultParallelism();
      Dataset<Row> byCores =
          reader(REDIS.url()).option("dataset", "/x").load(f.toString()).selectExpr("sum(x)");
      assertThat(ReadTestSupport.scanOf(byCores).partitions())
          .as("one task per core of local[%d]", cores)
          .hasSize(cores);

      Dataset<Row> given =
          reader(REDIS.url())
              .option("dataset", "/x")
              .option("partitionBytes", "128m")
              .load(f.toString())
              .selectExpr("sum(x)");
      assertThat(ReadTestSupport.scanOf(given).partitions())
          .as("a partitionBytes the user gives is used as given")
          .hasSize(1);
      assertThat(given.collectAsList().get(0).getDouble(0)).isEqualTo(expected);
    } finally {
      spark().conf().unset("spark.sql.files.minPartitionNum");
    }
  }
}
