package io.h5swmr.read;

import static io.h5swmr.read.ReadTestSupport.reader;
import static org.assertj.core.api.Assertions.assertThat;

import io.h5swmr.hdf5.H5ColumnWrite;
import io.h5swmr.hdf5.H5DatasetSpec;
import io.h5swmr.hdf5.H5Type;
import io.h5swmr.testing.RedisServerExtension;
import java.math.BigDecimal;
import java.nio.ByteOrder;
import java.nio.file.Path;
import java.util.List;
import org.apache.spark.sql.Dataset;
import org.apache.spark.sql.Row;
import org.apache.spark.sql.types.StructType;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;
import org.junit.jupiter.api.io.TempDir;

/**
 * Every type-mapping row on fixtures written with the project's HDF5 layer, through both reader
 * kinds.
 */
class TypeMappingLayerTest {
  @RegisterExtension static final RedisServerExtension REDIS = RedisServerExtension.create();

  @TempDir static Path dir;

  static Path file;
  static final int ROWS = 5;

  static final List<String> NAMES =
      List.of(
          "i8", "i16be", "i32", "i64", "u8", "u16", "u32", "u64", "f16", "f32be", "f64", "flag",
          "color", "name", "label", "vec", "inner");

  @BeforeAll
  static void write() {
    file = dir.resolve("types.h5");
    H5Type inner = H5Type.compound(List.of("p", "q"), List.of(H5Type.int32(), H5Type.float64()));
    H5Type rec =
        H5Type.compound(
            NAMES,
            List.of(
                H5Type.int8(),
                H5Type.integer(2, true, ByteOrder.BIG_ENDIAN),
                H5Type.int32(),
                H5Type.int64(),
                H5Type.integer(1, false),
                H5Type.integer(2, false),
                H5Type.integer(4, false),
                H5Type.integer(8, false),
                H5Type.float16(),
                H5Type.floating(4, ByteOrder.BIG_ENDIAN),
                H5Type.float64(),
                H5Type.bool(),
                H5Type.enumeration(H5Type.int16(), List.of("R", "G"), new long[] {0, 5}),
                H5Type.fixedString(6, H5Type.Charset.ASCII, H5Type.StringPad.SPACEPAD),
                H5Type.vlenUtf8(),
                H5Type.array(new long[] {2}, H5Type.float32()),
                inner));
    Fixtures.write(
        file,
        "/data/rec",
        H5DatasetSpec.of(rec).withChunkRows(2),
        ROWS,
        H5ColumnWrite.from(new byte[] {-128, -1, 0, 1, 127}, 0, "i8"),
        H5ColumnWrite.from(new short[] {-32768, -1, 0, 1, 32767}, 0, "i16be"),
        H5ColumnWrite.from(new int[] {Integer.MIN_VALUE, -1, 0, 1, Integer.MAX_VALUE}, 0, "i32"),
        H5ColumnWrite.from(new long[] {Long.MIN_VALUE, -1, 0, 1, Long.MAX_VALUE}, 0, "i64"),
        H5ColumnWrite.from(new short[] {0, 1, 2, 254, 255}, 0, "u8"),
        H5ColumnWrite.from(new int[] {0, 1, 2, 65534, 65535}, 0, "u16"),
        H5ColumnWrite.from(new long[] {0, 1, 2, 4294967294L, 4294967295L}, 0, "u32"),
        H5ColumnWrite.from(new long[] {0, 1, 2, Long.MAX_VALUE, -1L}, 0, "u64"),
        H5ColumnWrite.from(new float[] {0f, 0.5f, -2f, 1024f, 65504f}, 0, "f16"),
        H5ColumnWrite.from(new float[] {0f, 1.25f, -2.5f, 3e38f, Float.MIN_NORMAL}, 0, "f32be"),
        H5ColumnWrite.from(new double[] {0, 1e-300, -7.25, 1e300, Double.MAX_VALUE}, 0, "f64"),
        H5ColumnWrite.from(new byte[] {1, 0, 1, 0, 1}, 0, "flag"),
        H5ColumnWrite.from(new short[] {0, 5, 5, 0, 0}, 0, "color"),
        H5ColumnWrite.from(new String[] {"a", "ab", "abcdef", "", "x y"}, 0, "name"),
        H5ColumnWrite.from(
            new String[] {"h\u00e9", "", "\u6f22\u5b57", "z", "long label"}, 0, "label"),
        H5ColumnWrite.from(new float[] {0, 1, 2, 3, 4, 5, 6, 7, 8, 9}, 0, "vec"),
        H5ColumnWrite.from(new int[] {10, 11, 12, 13, 14}, 0, "inner", "p"),
        H5ColumnWrite.from(new double[] {0.1, 1.1, 2.1, 3.1, 4.1}, 0, "inner", "q"));
    Fixtures.write(
        file,
        "/cube",
        H5DatasetSpec.of(H5Type.int32()).withTrailingDims(2, 3).withChunkRows(3),
        4,
        H5ColumnWrite.from(range(24), 0));
  }

  static int[] range(int n) {
    int[] v = new int[n];
    for (int i = 0; i < n; i++) {
      v[i] = i;
    }
    return v;
  }

  private static Dataset<Row> rec() {
    return reader(REDIS.url()).option("dataset", "/data/rec").load(file.toString());
  }

  @Test
  void schemaFollowsTheMappingTable() {
    StructType s = rec().schema();
    assertThat(s.simpleString())
        .isEqualTo(
            "struct<index:bigint,i8:tinyint,i16be:smallint,i32:int,i64:bigint,"
                + "u8:smallint,u16:int,u32:bigint,u64:decimal(20,0),f16:float,f32be:float,f64:double,flag:boolean,"
                + "color:string,name:string,label:string,vec:array<float>,inner:struct<p:int,q:double>>");
    assertThat(s.apply("i8").metadata().getString("h5swmr.dataset")).isEqualTo("/data/rec");
  }

  @Test
  void rowReaderValues() {
    Dataset<Row> df = rec().orderBy("index");
    assertThat(ReadTestSupport.scanOf(collected(df)).isColumnar()).isFalse();
    List<Row> rows = df.collectAsList();
    assertThat(rows).hasSize(ROWS);
    Row r3 = rows.get(3);
    assertThat(r3.getLong(0)).isEqualTo(3);
    assertThat(r3.getByte(1)).isEqualTo((byte) 1);
    assertThat(r3.getShort(2)).isEqualTo((short) 1);
    assertThat(r3.getShort(5)).isEqualTo((short) 254);
    assertThat(r3.getInt(6)).isEqualTo(65534);
    assertThat(r3.getLong(7)).isEqualTo(4294967294L);
    assertThat(r3.getDecimal(8)).isEqualTo(new BigDecimal(Long.MAX_VALUE));
    assertThat(rows.get(4).getDecimal(8)).isEqualTo(new BigDecimal("18446744073709551615"));
    assertThat(r3.getFloat(9)).isEqualTo(1024f);
    assertThat(r3.getFloat(10)).isEqualTo(3e38f);
    assertThat(r3.getDouble(11)).isEqualTo(1e300);
    assertThat(r3.getBoolean(12)).isFalse();
    assertThat(rows.get(2).getBoolean(12)).isTrue();
    assertThat(rows.get(1).getString(13)).isEqualTo("G");
    assertThat(r3.getString(13)).isEqualTo("R");
    assertThat(rows.get(4).getString(14)).isEqualTo("x y");
    assertThat(rows.get(2).getString(14)).isEqualTo("abcdef");
    assertThat(rows.get(2).getString(15)).isEqualTo("\u6f22\u5b57");
    assertThat(rows.get(0).getString(15)).isEqualTo("h\u00e9");
    assertThat(r3.getList(16)).containsExactly(6f, 7f);
    assertThat(r3.getStruct(17).getInt(0)).isEqualTo(13);
    assertThat(r3.getStruct(17).getDouble(1)).isEqualTo(3.1);
  }

  @Test
  void columnarReaderGivesTheSameNumbers() {
    String[] primitive = {
      "index", "i8", "i16be", "i32", "i64", "u8", "u16", "u32", "f16", "f32be", "f64", "flag"
    };
    Dataset<Row> columnar = rec().selectExpr(primitive).orderBy("index");
    Dataset<Row> rows = rec().selectExpr(concat(primitive, "label")).orderBy("index");
    List<Row> c = columnar.collectAsList();
    List<Row> r = rows.collectAsList();
    assertThat(ReadTestSupport.scanOf(columnar).isColumnar()).isTrue();
    assertThat(ReadTestSupport.scanOf(rows).isColumnar()).isFalse();
    assertThat(c).hasSize(ROWS);
    for (int i = 0; i < ROWS; i++) {
      for (int j = 0; j < primitive.length; j++) {
        assertThat(c.get(i).get(j))
            .as("row %d column %s", i, primitive[j])
            .isEqualTo(r.get(i).get(j));
      }
    }
    assertThat(c.get(0).getByte(1)).isEqualTo((byte) -128);
    assertThat(c.get(4).getLong(7)).isEqualTo(4294967295L);
  }

  @Test
  void rankThreeIsNestedArrays() {
    Dataset<Row> df =
        reader(REDIS.url()).option("dataset", "/cube").load(file.toString()).orderBy("index");
    assertThat(df.schema().apply("cube").dataType().simpleString()).isEqualTo("array<array<int>>");
    List<Row> rows = df.collectAsList();
    assertThat(rows).hasSize(4);
    List<Object> last = rows.get(3).getList(1);
    assertThat(((scala.collection.Seq<?>) last.get(0)).apply(0)).isEqualTo(18);
    assertThat(((scala.collection.Seq<?>) last.get(1)).apply(2)).isEqualTo(23);
  }

  private static Dataset<Row> collected(Dataset<Row> df) {
    df.collectAsList();
    return df;
  }

  private static String[] concat(String[] a, String b) {
    String[] out = java.util.Arrays.copyOf(a, a.length + 1);
    out[a.length] = b;
    return out;
  }
}
