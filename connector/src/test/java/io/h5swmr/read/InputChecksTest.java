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
import java.util.Arrays;
import java.util.List;
import org.apache.spark.sql.Dataset;
import org.apache.spark.sql.Row;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;
import org.junit.jupiter.api.io.TempDir;

/**
 * Issue 14 read side: names that differ only in case, unknown and write-only options, paths with
 * commas and colons, NULL dataspaces — each refused on the driver naming what was wrong, or read.
 */
class InputChecksTest {
  @RegisterExtension static final RedisServerExtension REDIS = RedisServerExtension.create();

  @TempDir static Path dir;

  static Path cased;

  @BeforeAll
  static void write() {
    cased = dir.resolve("cased.h5");
    H5Type t =
        Fixtures.compound(
            List.of("a", "A", "Index"), H5Type.int32(), H5Type.float64(), H5Type.int64());
    Fixtures.write(
        cased,
        "/t",
        H5DatasetSpec.of(t).withChunkRows(4),
        3,
        H5ColumnWrite.from(new int[] {1, 2, 3}, 0, "a"),
        H5ColumnWrite.from(new double[] {.5, 1.5, 2.5}, 0, "A"),
        H5ColumnWrite.from(new long[] {10, 20, 30}, 0, "Index"));
  }

  @Test
  void namesDifferingOnlyInCaseGetTheirPositionAppendedUnlessCaseSensitive() {
    Dataset<Row> df = reader(REDIS.url()).load(cased.toString());
    assertThat(df.columns()).containsExactly("index0", "a1", "A2", "Index3");
    assertThat(df.orderBy("index0").collectAsList().toString())
        .isEqualTo("[[0,1,0.5,10], [1,2,1.5,20], [2,3,2.5,30]]");
    // pruning and index pushdown work on the renamed columns
    Dataset<Row> pruned =
        reader(REDIS.url()).load(cased.toString()).where("index0 >= 1").select("A2");
    assertThat(pruned.collectAsList().toString()).isEqualTo("[[1.5], [2.5]]");
    assertThat(ReadTestSupport.scanOf(pruned).description())
        .contains("columns=[A2]")
        .contains("index=[1..]")
        .contains("pushed=GreaterThanOrEqual(index0,1)");

    spark().conf().set("spark.sql.caseSensitive", "true");
    try {
      Dataset<Row> sensitive = reader(REDIS.url()).load(cased.toString());
      assertThat(sensitive.columns()).containsExactly("index", "a", "A", "Index");
      assertThat(sensitive.select("A", "Index").orderBy("Index").collectAsList().toString())
          .isEqualTo("[[0.5,10], [1.5,20], [2.5,30]]");
    } finally {
      spark().conf().unset("spark.sql.caseSensitive");
    }
  }

  @Test
  void anExplicitIndexColumnNameThatCollidesFailsWithAdviceThatWorks() {
    assertThatThrownBy(
            () -> reader(REDIS.url()).option("indexColumn", "INDEX").load(cased.toString()))
        .isInstanceOf(H5SwmrConfigException.class)
        .hasMessageContaining("Option 'indexColumn' names column 'INDEX'")
        .hasMessageContaining("choose another name with option 'indexColumn'");
    assertThat(reader(REDIS.url()).option("indexColumn", "row").load(cased.toString()).columns())
        .containsExactly("row", "a1", "A2", "Index");
  }

  @Test
  void columnDatasetsWithTheSameNameInDifferentGroupsAreRead() {
    Path f = dir.resolve("groups.h5");
    Fixtures.doubles(f, "/g1/x", 4, 4);
    Fixtures.doubles(f, "/g2/x", 4, 4);
    Dataset<Row> df = reader(REDIS.url()).option("datasets", "/g1/x,/g2/x").load(f.toString());
    assertThat(df.columns()).containsExactly("index", "x1", "x2");
    assertThat(df.selectExpr("sum(x1)", "sum(x2)").collectAsList().toString())
        .isEqualTo("[[3.0,3.0]]");
  }

  @Test
  void h5pyCompoundMembersDifferingInCaseAreRead() throws Exception {
    H5py.assumeAvailable();
    Path f = dir.resolve("h5py-cased.h5");
    H5py.run(
        f,
        String.join(
            "\n",
            "import sys, h5py, numpy as np",
            "t = np.dtype([('x', '<i4'), ('X', '<f8')])",
            "with h5py.File(sys.argv[1], 'w') as h:",
            "    h.create_dataset('d', data=np.array([(1, 1.5), (2, 2.5)], dtype=t), chunks=(2,), maxshape=(None,))",
            ""));
    Dataset<Row> df = reader(REDIS.url()).load(f.toString());
    assertThat(df.columns()).containsExactly("index", "x1", "X2");
    assertThat(df.orderBy("index").collectAsList().toString()).isEqualTo("[[0,1,1.5], [1,2,2.5]]");
  }

  @Test
  void nullDataspaceIsRefusedOnTheDriverNamingItsType() throws Exception {
    H5py.assumeAvailable();
    Path f = dir.resolve("empty.h5");
    H5py.run(
        f,
        String.join(
            "\n",
            "import sys, h5py",
            "with h5py.File(sys.argv[1], 'w') as h:",
            "    h.create_dataset('nothing', data=h5py.Empty('<i4'))",
            ""));
    assertThatThrownBy(() -> reader(REDIS.url()).load(f.toString()))
        .isInstanceOf(H5SwmrDataException.class)
        .hasMessageContaining("Dataset '/nothing' in file " + f)
        .hasMessageContaining("NULL dataspace (type int32")
        .hasMessageContaining("option 'dataset'");
  }

  @Test
  void unknownAndWriteOnlyOptionsFailBeforeAnyTask() {
    assertThatThrownBy(
            () -> reader(REDIS.url()).option("datset", "/t").load(cased.toString()).collectAsList())
        .isInstanceOf(H5SwmrConfigException.class)
        .hasMessageContaining("Unknown option 'datset'")
        .hasMessageContaining("did you mean 'dataset'?");
    assertThatThrownBy(
            () ->
                reader(REDIS.url())
                    .option("compression", "gzip")
                    .load(cased.toString())
                    .collectAsList())
        .isInstanceOf(H5SwmrConfigException.class)
        .hasMessageContaining("Option 'compression' applies to writes only");
  }

  @Test
  void pathsWithCommasAndColonsAreFileNames() throws Exception {
    Path comma = dir.resolve("a,b.h5");
    Path colon = dir.resolve("run:7.h5");
    Fixtures.doubles(comma, "/x", 4, 4);
    Fixtures.doubles(colon, "/x", 6, 4);
    assertThat(reader(REDIS.url()).load(comma.toString()).count()).isEqualTo(4);
    assertThat(reader(REDIS.url()).load(colon.toString()).count()).isEqualTo(6);
    assertThat(reader(REDIS.url()).load(comma.toString(), colon.toString()).count()).isEqualTo(10);
    assertThat(Files.exists(comma)).isTrue();
    // the old comma-list reading is gone: a list in 'path' is one (missing) file, named in the
    // error
    String both = dir.resolve("x1.h5") + "," + dir.resolve("x2.h5");
    assertThatThrownBy(() -> reader(REDIS.url()).load(both).collectAsList())
        .hasMessageContaining(both);
  }

  static String show(Dataset<Row> df) {
    return Arrays.toString(df.columns());
  }
}
