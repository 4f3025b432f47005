package io.h5swmr.read;

import static io.h5swmr.read.ReadTestSupport.reader;
import static io.h5swmr.read.ReadTestSupport.spark;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.h5swmr.exceptions.H5SwmrConfigException;
import io.h5swmr.exceptions.H5SwmrDataException;
import io.h5swmr.hdf5.H5ColumnWrite;
import io.h5swmr.hdf5.H5DatasetSpec;
import io.h5swmr.hdf5.H5Type;
import io.h5swmr.testing.RedisServerExtension;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import org.apache.spark.sql.Dataset;
import org.apache.spark.sql.Row;
import org.apache.spark.sql.types.DataTypes;
import org.apache.spark.sql.types.StructType;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;
import org.junit.jupiter.api.io.TempDir;

/**
 * Directories, globs, comma lists and the file column; user schemas; CREATE TABLE ... USING h5swmr.
 */
class MultiFileAndTableTest {
  @RegisterExtension static final RedisServerExtension REDIS = RedisServerExtension.create();

  @TempDir static Path dir;

  static Path runs;

  @BeforeAll
  static void write() throws Exception {
    runs = Files.createDirectories(dir.resolve("runs"));
    Fixtures.doubles(runs.resolve("a.h5"), "/x", 10, 4);
    Fixtures.doubles(runs.resolve("b.h5"), "/x", 20, 4);
    Fixtures.doubles(runs.resolve("c.hdf5"), "/x", 30, 8);
    Files.writeString(runs.resolve("_SUCCESS"), "");
    Files.writeString(runs.resolve(".hidden"), "not read");
  }

  private static Map<String, Long> countsByFile(Dataset<Row> df) {
    Map<String, Long> out = new HashMap<>();
    for (Row r : df.groupBy("file").count().collectAsList()) {
      out.put(Path.of(r.getString(0)).getFileName().toString(), r.getLong(1));
    }
    return out;
  }

  @Test
  void directoryGlobAndListWithFileColumn() {
    Dataset<Row> d =
        reader(REDIS.url())
            .option("dataset", "/x")
            .option("fileColumn", "file")
            .load(runs.toString());
    assertThat(d.schema().fieldNames()).containsExactly("index", "x", "file");
    assertThat(countsByFile(d))
        .containsExactlyInAnyOrderEntriesOf(Map.of("a.h5", 10L, "b.h5", 20L, "c.hdf5", 30L));
    Dataset<Row> g =
        reader(REDIS.url())
            .option("dataset", "/x")
            .option("fileColumn", "file")
            .load(runs.resolve("*.h5").toString());
    assertThat(countsByFile(g))
        .containsExactlyInAnyOrderEntriesOf(Map.of("a.h5", 10L, "b.h5", 20L));
    Dataset<Row> l =
        reader(REDIS.url())
            .option("dataset", "/x")
            .option("fileColumn", "file")
            .load("file:" + runs.resolve("a.h5"), runs.resolve("c.hdf5").toString());
    assertThat(countsByFile(l))
        .containsExactlyInAnyOrderEntriesOf(Map.of("a.h5", 10L, "c.hdf5", 30L));
    Dataset<Row> two =
        reader(REDIS.url())
            .option("dataset", "/x")
            .option("fileColumn", "file")
            .load(runs.resolve("a.h5").toString(), runs.resolve("b.h5").toString());
    assertThat(countsByFile(two))
        .containsExactlyInAnyOrderEntriesOf(Map.of("a.h5", 10L, "b.h5", 20L));
    // index restarts per file; a pushed index filter applies to each file
    Dataset<Row> i = d.where("index = 15");
    List<Row> rows = i.collectAsList();
    assertThat(rows)
        .extracting(r -> Path.of(r.getString(2)).getFileName().toString())
        .containsExactlyInAnyOrder("b.h5", "c.hdf5");
    assertThat(ReadTestSupport.metric(i, RowsReadMetric.NAME)).isEqualTo(2);
  }

  @Test
  void smallFilesArePackedIntoOnePartition() {
    Dataset<Row> d =
        reader(REDIS.url()).option("dataset", "/x").load(runs.toString()).selectExpr("sum(x)");
    d.collectAsList();
    H5SwmrScan scan = ReadTestSupport.scanOf(d);
    assertThat(scan.partitions()).hasSize(1);
    assertThat(scan.partitions().get(0).rows()).isEqualTo(60);
    assertThat(ReadTestSupport.metric(d, LeasesTakenMetric.NAME)).isEqualTo(3);
  }

  @Test
  void incompatibleTypesAcrossFilesNameBothFiles() throws Exception {
    Path mixed = Files.createDirectories(dir.resolve("mixed"));
    Fixtures.doubles(mixed.resolve("a.h5"), "/x", 4, 4);
    Fixtures.write(
        mixed.resolve("b.h5"),
        "/x",
        H5DatasetSpec.of(H5Type.int32()).withChunkRows(4),
        2,
        H5ColumnWrite.from(new int[] {1, 2}, 0));
    // Schema inference reads the first file only (as Spark's file sources do); planning checks
    // every file, before any task runs.
    assertThatThrownBy(
            () ->
                reader(REDIS.url()).option("dataset", "/x").load(mixed.toString()).collectAsList())
        .isInstanceOf(H5SwmrDataException.class)
        .hasMessageContaining("Incompatible types across files")
        .hasMessageContaining(mixed.resolve("a.h5").toString())
        .hasMessageContaining(mixed.resolve("b.h5").toString())
        .hasMessageContaining("int32")
        .hasMessageContaining("x double");
  }

  @Test
  void userSchemaSelectsAndRenames() {
    StructType select = new StructType().add("x", DataTypes.DoubleType);
    Dataset<Row> s =
        reader(REDIS.url())
            .schema(select)
            .option("dataset", "/x")
            .load(runs.resolve("a.h5").toString());
    assertThat(s.schema().fieldNames()).containsExactly("x");
    assertThat(s.selectExpr("sum(x)").collectAsList().get(0).getDouble(0)).isEqualTo(22.5);
    StructType rename =
        new StructType().add("pos", DataTypes.LongType).add("value", DataTypes.DoubleType);
    Dataset<Row> r =
        reader(REDIS.url())
            .schema(rename)
            .option("dataset", "/x")
            .load(runs.resolve("a.h5").toString());
    Row nine = r.where("pos = 9").collectAsList().get(0);
    assertThat(nine.getDouble(1)).isEqualTo(4.5);
    StructType wrong = new StructType().add("x", DataTypes.StringType);
    assertThatThrownBy(
            () ->
                reader(REDIS.url())
                    .schema(wrong)
                    .option("dataset", "/x")
                    .load(runs.resolve("a.h5").toString())
                    .collectAsList())
        .isInstanceOf(H5SwmrConfigException.class)
        .hasMessageContaining("Column 'x' is declared as string")
        .hasMessageContaining("double");
    StructType unknown = new StructType().add("nope", DataTypes.DoubleType);
    assertThatThrownBy(
            () ->
                reader(REDIS.url())
                    .schema(unknown)
                    .option("dataset", "/x")
                    .load(runs.resolve("a.h5").toString())
                    .collectAsList())
        .isInstanceOf(H5SwmrConfigException.class)
        .hasMessageContaining("[nope]")
        .hasMessageContaining("available columns: [index, x]");
  }

  @Test
  void createTableUsingH5swmrAndSelect() {
    String table = "h5swmr_runs";
    spark().sql("DROP TABLE IF EXISTS " + table);
    try {
      spark()
          .sql(
              "CREATE TABLE "
                  + table
                  + " USING h5swmr OPTIONS (path '"
                  + runs.resolve("b.h5")
                  + "', dataset '/x', `redis.url` '"
                  + REDIS.url()
                  + "')");
      Row r =
          spark().sql("SELECT count(*), sum(x), max(index) FROM " + table).collectAsList().get(0);
      assertThat(r.getLong(0)).isEqualTo(20);
      assertThat(r.getDouble(1)).isEqualTo(95.0);
      assertThat(r.getLong(2)).isEqualTo(19);
      List<Row> described = spark().sql("DESCRIBE TABLE " + table).collectAsList();
      assertThat(described).extracting(x -> x.getString(0)).contains("index", "x");
    } finally {
      spark().sql("DROP TABLE IF EXISTS " + table);
    }
  }
}
