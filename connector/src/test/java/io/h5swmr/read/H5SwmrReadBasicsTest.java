package io.h5swmr.read;

import static io.h5swmr.read.ReadTestSupport.reader;
import static org.assertj.core.api.Assertions.assertThat;

import io.h5swmr.testing.RedisServerExtension;
import java.nio.file.Path;
import java.util.List;
import org.apache.spark.sql.Dataset;
import org.apache.spark.sql.Row;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;
import org.junit.jupiter.api.io.TempDir;

class H5SwmrReadBasicsTest {
  @RegisterExtension
  static final RedisServerExtension REDIS = RedisServerExtension.create();

  @TempDir
  Path dir;

  @Test
  void readsFloat64ColumnWithIndex() {
    Path f = dir.resolve("a.h5");
    double[] v = Fixtures.doubles(f, "/x", 1000, 64);
    Dataset<Row> df = reader(REDIS.url()).option("dataset", "/x").option("partitionBytes", "2k").load(f.toString());
    assertThat(df.schema().fieldNames()).containsExactly("index", "x");
    List<Row> rows = df.orderBy("index").collectAsList();
    assertThat(rows).hasSize(1000);
    for (int i = 0; i < 1000; i++) {
      assertThat(rows.get(i).getLong(0)).isEqualTo(i);
      assertThat(rows.get(i).getDouble(1)).isEqualTo(v[i]);
    }
    Dataset<Row> sum = df.selectExpr("sum(x)");
    assertThat(sum.collectAsList().get(0).getDouble(0)).isEqualTo(1000 * 999 / 4.0);
    H5SwmrScan scan = ReadTestSupport.scanOf(sum);
    assertThat(scan.isColumnar()).isTrue();
    // 2 KiB of float64 = 256 rows = 4 chunks of 64 rows per partition
    assertThat(scan.partitions()).hasSize(4);
    assertThat(ReadTestSupport.metric(sum, RowsReadMetric.NAME)).isEqualTo(1000);
    assertThat(ReadTestSupport.metric(sum, LeasesTakenMetric.NAME)).isEqualTo(4);
  }
}
