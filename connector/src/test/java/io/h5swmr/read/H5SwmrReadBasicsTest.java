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
  @RegisterExtension static final RedisServerExtension REDIS = RedisServerExtension.create();

  @TempDir Path dir;

  @Test
  void offHeapColumnVectorsGiveTheSameResultsAsOnHeap() {
    Path f = dir.resolve("offheap.h5");
    int n = 5000;
    int[] a = new int[n];
    double[] b = new double[n];
    byte[] flag = new byte[n];
    for (int i = 0; i < n; i++) {
      a[i] = i * 3;
      b[i] = i / 7.0;
      flag[i] = (byte) (i % 3 == 0 ? 1 : 0);
    }
    Fixtures.write(
        f,
        "/rec",
        io.h5swmr.hdf5.H5DatasetSpec.of(
                Fixtures.compound(
                    List.of("a", "b", "flag"),
                    io.h5swmr.hdf5.H5Type.int32(),
                    io.h5swmr.hdf5.H5Type.float64(),
                    io.h5swmr.hdf5.H5Type.bool()))
            .withChunkRows(256),
        n,
        io.h5swmr.hdf5.H5ColumnWrite.from(a, 0, "a"),
        io.h5swmr.hdf5.H5ColumnWrite.from(b, 0, "b"),
        io.h5swmr.hdf5.H5ColumnWrite.from(flag, 0, "flag"));
    String[] q = {"sum(index)", "sum(a)", "sum(b)", "count_if(flag)", "min(index)", "max(a)"};
    List<Row> onHeap =
        reader(REDIS.url())
            .option("dataset", "/rec")
            .option("fileColumn", "file")
            .option("partitionBytes", "16k")
            .load(f.toString())
            .selectExpr(q)
            .collectAsList();
    ReadTestSupport.spark().conf().set("spark.sql.columnVector.offheap.enabled", "true");
    try {
      Dataset<Row> off =
          reader(REDIS.url())
              .option("dataset", "/rec")
              .option("fileColumn", "file")
              .option("partitionBytes", "16k")
              .load(f.toString());
      assertThat(off.selectExpr(q).collectAsList()).isEqualTo(onHeap);
      Dataset<Row> sum = off.selectExpr("sum(b)", "count(distinct file)");
      Row r = sum.collectAsList().get(0);
      assertThat(r.getLong(1)).isEqualTo(1);
      assertThat(ReadTestSupport.scanOf(sum).isColumnar()).isTrue();
      assertThat(ReadTestSupport.metric(sum, RowsReadMetric.NAME)).isEqualTo(n);
      Row row = off.where("index = 4242").collectAsList().get(0);
      assertThat(row.getInt(1)).isEqualTo(4242 * 3);
      assertThat(row.getDouble(2)).isEqualTo(4242 / 7.0);
      assertThat(row.getBoolean(3)).isTrue();
      assertThat(row.getString(4)).isEqualTo(f.toString());
    } finally {
      ReadTestSupport.spark().conf().unset("spark.sql.columnVector.offheap.enabled");
    }
    assertThat(onHeap.get(0).getLong(0)).isEqualTo((long) n * (n - 1) / 2);
    assertThat(onHeap.get(0).getLong(3)).isEqualTo((n + 2) / 3);
  }

  @Test
  void readsFloat64ColumnWithIndex() {
    Path f = dir.resolve("a.h5");
    double[] v = Fixtures.doubles(f, "/x", 1000, 64);
    Dataset<Row> df =
        reader(REDIS.url())
            .option("dataset", "/x")
            .option("partitionBytes", "2k")
            .load(f.toString());
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
