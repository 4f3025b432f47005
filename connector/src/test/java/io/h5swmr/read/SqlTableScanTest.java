package io.h5swmr.read;

import static io.h5swmr.read.ReadTestSupport.spark;
import static org.assertj.core.api.Assertions.assertThat;

import io.h5swmr.hdf5.H5ColumnWrite;
import io.h5swmr.hdf5.H5DatasetSpec;
import io.h5swmr.hdf5.H5Type;
import io.h5swmr.testing.RedisServerExtension;
import java.nio.file.Path;
import java.util.List;
import org.apache.spark.sql.Dataset;
import org.apache.spark.sql.Row;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;
import org.junit.jupiter.api.io.TempDir;

/**
 * SQL tables ({@code CREATE TABLE ... USING h5swmr}, {@code CREATE TEMPORARY VIEW ... USING
 * h5swmr}) read through the DSv2 scan on Spark 4.x and 3.5 alike: column pruning, index pushdown
 * and columnar batches. Run on 3.5 with {@code mvn -o -B -Pspark-3.5 -pl connector test
 * -Dtest=SqlTableScanTest}.
 */
class SqlTableScanTest {
  @RegisterExtension static final RedisServerExtension REDIS = RedisServerExtension.create();

  @TempDir static Path dir;

  static Path file;

  @BeforeAll
  static void write() {
    file = dir.resolve("t.h5");
    int n = 10;
    int[] a = new int[n];
    double[] b = new double[n];
    for (int i = 0; i < n; i++) {
      a[i] = i;
      b[i] = i * 0.25;
    }
    H5Type t = Fixtures.compound(List.of("a", "b"), H5Type.int32(), H5Type.float64());
    Fixtures.write(
        file,
        "/t",
        H5DatasetSpec.of(t).withChunkRows(4),
        n,
        H5ColumnWrite.from(a, 0, "a"),
        H5ColumnWrite.from(b, 0, "b"));
    spark().sql("DROP TABLE IF EXISTS h5swmr_sql_t");
    spark()
        .sql(
            "CREATE TABLE h5swmr_sql_t USING h5swmr OPTIONS (path '"
                + file
                + "', dataset '/t', "
                + "`redis.url` '"
                + REDIS.url()
                + "', compression 'gzip')");
  }

  @AfterAll
  static void drop() {
    spark().sql("DROP TABLE IF EXISTS h5swmr_sql_t");
  }

  @Test
  void catalogTableSelectIsAPrunedPushedColumnarDsv2Scan() {
    Dataset<Row> q = spark().sql("SELECT b FROM h5swmr_sql_t WHERE index >= 4");
    assertThat(q.collectAsList().toString())
        .isEqualTo("[[1.0], [1.25], [1.5], [1.75], [2.0], [2.25]]");
    H5SwmrScan scan = ReadTestSupport.scanOf(q);
    assertThat(scan.description())
        .contains("columns=[b]")
        .contains("index=[4..]")
        .contains("columnar");
    assertThat(scan.isColumnar()).isTrue();
    assertThat(ReadTestSupport.metric(q, RowsReadMetric.NAME)).isEqualTo(6);
  }

  @Test
  void temporaryViewUsingH5swmrIsTheSameScan() {
    spark()
        .sql(
            "CREATE OR REPLACE TEMPORARY VIEW h5swmr_sql_v USING h5swmr OPTIONS (path '"
                + file
                + "', dataset '/t', `redis.url` '"
                + REDIS.url()
                + "')");
    try {
      Dataset<Row> q = spark().sql("SELECT a FROM h5swmr_sql_v WHERE index < 3");
      assertThat(q.collectAsList().toString()).isEqualTo("[[0], [1], [2]]");
      assertThat(ReadTestSupport.scanOf(q).description())
          .contains("columns=[a]")
          .contains("index=[0..3]");
    } finally {
      spark().sql("DROP VIEW IF EXISTS h5swmr_sql_v");
    }
  }

  @Test
  void metadataColumnLikeSparkFileSourcesAlongsideFileColumn() throws Exception {
    Dataset<Row> df =
        ReadTestSupport.reader(REDIS.url()).option("fileColumn", "src").load(file.toString());
    assertThat(df.columns()).as("hidden unless selected").containsExactly("index", "a", "b", "src");
    Dataset<Row> q =
        df.where("index < 2")
            .select(
                "b",
                "src",
                "_metadata.file_name",
                "_metadata.file_size",
                "_metadata.file_path",
                "_metadata.file_modification_time");
    List<Row> rows = q.collectAsList();
    assertThat(rows).hasSize(2);
    Row r = rows.get(0);
    assertThat(r.getString(1)).isEqualTo(file.toString());
    assertThat(r.getString(2)).isEqualTo("t.h5");
    assertThat(r.getLong(3)).isEqualTo(java.nio.file.Files.size(file));
    assertThat(r.getString(4)).isEqualTo("file:" + file);
    assertThat(r.getTimestamp(5).getTime())
        .isEqualTo(java.nio.file.Files.getLastModifiedTime(file).toMillis());
    H5SwmrScan scan = ReadTestSupport.scanOf(q);
    assertThat(scan.description()).contains("columns=[b, src, _metadata]").contains("index=[0..2]");
    // in SQL too, through the table
    Row t =
        spark()
            .sql("SELECT count(*), max(_metadata.file_name) FROM h5swmr_sql_t")
            .collectAsList()
            .get(0);
    assertThat(t.getLong(0)).isEqualTo(10);
    assertThat(t.getString(1)).isEqualTo("t.h5");
  }
}
