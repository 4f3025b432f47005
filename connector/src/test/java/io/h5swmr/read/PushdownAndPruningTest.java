package io.h5swmr.read;

import static io.h5swmr.read.ReadTestSupport.metric;
import static io.h5swmr.read.ReadTestSupport.reader;
import static io.h5swmr.read.ReadTestSupport.scanOf;
import static org.assertj.core.api.Assertions.assertThat;

import io.h5swmr.hdf5.H5ColumnWrite;
import io.h5swmr.hdf5.H5DatasetSpec;
import io.h5swmr.hdf5.H5Type;
import io.h5swmr.testing.RedisServerExtension;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import org.apache.spark.sql.Dataset;
import org.apache.spark.sql.Row;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;
import org.junit.jupiter.api.io.TempDir;

/**
 * Index-filter and limit pushdown (results equal to unpushed ones, partitions pruned) and column
 * pruning.
 */
class PushdownAndPruningTest {
  @RegisterExtension static final RedisServerExtension REDIS = RedisServerExtension.create();

  @TempDir static Path dir;

  static Path file;
  static final int ROWS = 1000;

  @BeforeAll
  static void write() {
    file = dir.resolve("p.h5");
    Fixtures.doubles(file, "/x", ROWS, 50);
    int[] a = new int[ROWS];
    double[] b = new double[ROWS];
    String[] s = new String[ROWS];
    for (int i = 0; i < ROWS; i++) {
      a[i] = i;
      b[i] = i * 2.0;
      s[i] = "s" + i;
    }
    Fixtures.write(
        file,
        "/rec",
        H5DatasetSpec.of(
                Fixtures.compound(
                    List.of("a", "b", "s"), H5Type.int32(), H5Type.float64(), H5Type.vlenUtf8()))
            .withChunkRows(100),
        ROWS,
        H5ColumnWrite.from(a, 0, "a"),
        H5ColumnWrite.from(b, 0, "b"),
        H5ColumnWrite.from(s, 0, "s"));
    Fixtures.write(
        file,
        "/cols/t",
        H5DatasetSpec.of(H5Type.int64()).withChunkRows(100),
        ROWS,
        H5ColumnWrite.from(longs(ROWS, 1), 0));
    Fixtures.write(
        file,
        "/cols/u",
        H5DatasetSpec.of(H5Type.int64()).withChunkRows(100),
        ROWS,
        H5ColumnWrite.from(longs(ROWS, 3), 0));
  }

  static long[] longs(int n, long mul) {
    long[] v = new long[n];
    for (int i = 0; i < n; i++) {
      v[i] = i * mul;
    }
    return v;
  }

  /** x only: 8 bytes a row, 800 bytes = 100 rows = 2 chunks per partition, 10 partitions. */
  private static Dataset<Row> x() {
    return reader(REDIS.url())
        .option("dataset", "/x")
        .option("partitionBytes", "800")
        .load(file.toString());
  }

  /** Rows sorted by index, collected without a Spark sort (whose sampling job would scan twice). */
  static List<Row> sorted(Dataset<Row> df) {
    List<Row> rows = new java.util.ArrayList<>(df.collectAsList());
    rows.sort(java.util.Comparator.comparingLong(r -> r.getLong(0)));
    return rows;
  }

  private static void samePushedAndUnpushed(
      String pushed, String unpushed, long expectRows, int partitions) {
    Dataset<Row> p = x().where(pushed);
    Dataset<Row> u = x().where(unpushed);
    List<Row> pr = sorted(p);
    List<Row> ur = sorted(u);
    assertThat(pr).as(pushed).isEqualTo(ur).hasSize((int) expectRows);
    assertThat(scanOf(p).partitions()).as("partitions of " + pushed).hasSize(partitions);
    assertThat(metric(p, RowsReadMetric.NAME)).as("rows read for " + pushed).isEqualTo(expectRows);
    assertThat(metric(u, RowsReadMetric.NAME)).as("rows read for " + unpushed).isEqualTo(ROWS);
  }

  @Test
  void unfilteredScanHasChunkAlignedPartitions() {
    Dataset<Row> all = x().selectExpr("sum(x)");
    assertThat(all.collectAsList().get(0).getDouble(0)).isEqualTo(ROWS * (ROWS - 1) / 4.0);
    List<H5SwmrInputPartition> parts = scanOf(all).partitions();
    assertThat(parts).hasSize(10);
    for (H5SwmrInputPartition p : parts) {
      for (long[] r : p.ranges()) {
        assertThat(r[0] % 50).isZero();
      }
    }
  }

  @Test
  void equalityAndInPruneToSingleRows() {
    samePushedAndUnpushed("index = 137", "abs(index) = 137", 1, 1);
    samePushedAndUnpushed("index <=> 999", "abs(index) <=> 999", 1, 1);
    samePushedAndUnpushed("index in (3, 999, 500)", "abs(index) in (3, 999, 500)", 3, 1);
  }

  @Test
  void rangesPruneToTheRowsAsked() {
    samePushedAndUnpushed("index < 120", "abs(index) < 120", 120, 2);
    samePushedAndUnpushed("index <= 120", "abs(index) <= 120", 121, 2);
    samePushedAndUnpushed("index >= 900", "abs(index) >= 900", 100, 1);
    samePushedAndUnpushed("index > 949", "abs(index) > 949", 50, 1);
    samePushedAndUnpushed("index between 300 and 420", "abs(index) between 300 and 420", 121, 2);
    samePushedAndUnpushed(
        "index > 950 or index < 10", "abs(index) > 950 or abs(index) < 10", 59, 1);
    samePushedAndUnpushed("index > 2000", "abs(index) > 2000", 0, 0);
  }

  @Test
  void indexFiltersCombineWithOtherFilters() {
    Dataset<Row> p = x().where("index < 100 and x > 10");
    Dataset<Row> u = x().where("abs(index) < 100 and x > 10");
    assertThat(sorted(p)).isEqualTo(sorted(u)).hasSize(79);
    assertThat(metric(p, RowsReadMetric.NAME)).isEqualTo(100);
  }

  @Test
  void limitIsPushed() {
    Dataset<Row> l = x().limit(5);
    assertThat(l.collectAsList()).hasSize(5);
    assertThat(metric(l, RowsReadMetric.NAME)).isEqualTo(5);
    Dataset<Row> lf = x().where("index >= 500").limit(3);
    List<Row> rows = lf.collectAsList();
    assertThat(rows).extracting(r -> r.getLong(0)).containsExactlyInAnyOrder(500L, 501L, 502L);
  }

  @Test
  void unreadCompoundMembersAreNotRead() {
    Dataset<Row> rec = reader(REDIS.url()).option("dataset", "/rec").load(file.toString());
    Dataset<Row> a = rec.selectExpr("sum(a)");
    assertThat(a.collectAsList().get(0).getLong(0)).isEqualTo(ROWS * (ROWS - 1L) / 2);
    assertThat(scanOf(a).readSchema().fieldNames()).containsExactly("a");
    assertThat(scanOf(a).isColumnar()).isTrue();
    assertThat(metric(a, BytesReadMetric.NAME)).isEqualTo(4L * ROWS);
    Dataset<Row> all = rec.selectExpr("sum(a)", "sum(b)", "count(s)");
    all.collectAsList();
    assertThat(metric(all, BytesReadMetric.NAME)).isEqualTo((4L + 8 + 16) * ROWS);
  }

  @Test
  void unreadColumnDatasetsAreNotRead() {
    Dataset<Row> cols = reader(REDIS.url()).option("datasets", "/cols").load(file.toString());
    assertThat(cols.schema().fieldNames()).containsExactly("index", "t", "u");
    Dataset<Row> u = cols.selectExpr("sum(u)");
    assertThat(u.collectAsList().get(0).getLong(0)).isEqualTo(3L * ROWS * (ROWS - 1) / 2);
    assertThat(metric(u, BytesReadMetric.NAME)).isEqualTo(8L * ROWS);
    Dataset<Row> listed =
        reader(REDIS.url()).option("datasets", "/cols/u, /x").load(file.toString());
    assertThat(listed.schema().fieldNames()).containsExactly("index", "u", "x");
    Row r = listed.where("index = 10").collectAsList().get(0);
    assertThat(r.getLong(1)).isEqualTo(30);
    assertThat(r.getDouble(2)).isEqualTo(5.0);
  }

  @Test
  void readsNeverChangeTheFile() throws Exception {
    byte[] before = Files.readAllBytes(file);
    long mtime = Files.getLastModifiedTime(file).toMillis();
    x().selectExpr("sum(x)").collectAsList();
    reader(REDIS.url()).option("dataset", "/rec").load(file.toString()).collectAsList();
    assertThat(Files.readAllBytes(file)).isEqualTo(before);
    assertThat(Files.getLastModifiedTime(file).toMillis()).isEqualTo(mtime);
  }
}
