package io.h5swmr.read;

import static io.h5swmr.read.ReadTestSupport.reader;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.h5swmr.exceptions.H5SwmrDataException;
import io.h5swmr.testing.RedisServerExtension;
import java.math.BigDecimal;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import org.apache.spark.sql.Dataset;
import org.apache.spark.sql.Row;
import org.apache.spark.sql.types.DataType;
import org.apache.spark.sql.types.DataTypes;
import org.apache.spark.sql.types.StructType;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;
import org.junit.jupiter.api.io.TempDir;

/** Every type-mapping row on files written by h5py (skipped visibly when h5py is missing). */
class H5pyInteropTest {
  @RegisterExtension static final RedisServerExtension REDIS = RedisServerExtension.create();

  @TempDir static Path dir;

  static Path file;

  static final String SCRIPT =
      String.join(
          "\n",
          "import sys, h5py, numpy as np",
          "with h5py.File(sys.argv[1], 'w') as f:",
          "    f.attrs['title'] = 'interop'",
          "    f.create_dataset('i8', data=np.array([-128, 0, 127], dtype='i1'))",
          "    f.create_dataset('i16be', data=np.array([-32768, 1, 32767], dtype='>i2'))",
          "    f.create_dataset('i32', data=np.array([-2**31, 2, 2**31 - 1], dtype='<i4'))",
          "    f.create_dataset('i64be', data=np.array([-2**63, 3, 2**63 - 1], dtype='>i8'))",
          "    f.create_dataset('u8', data=np.array([0, 1, 255], dtype='u1'))",
          "    f.create_dataset('u16be', data=np.array([0, 1, 65535], dtype='>u2'))",
          "    f.create_dataset('u32', data=np.array([0, 1, 2**32 - 1], dtype='<u4'))",
          "    f.create_dataset('u64', data=np.array([0, 1, 2**64 - 1], dtype='<u8'))",
          "    f.create_dataset('f16', data=np.array([0.5, -1.5, 65504], dtype='<f2'))",
          "    f.create_dataset('f32be', data=np.array([1.25, -2.5, 3.0e38], dtype='>f4'))",
          "    f.create_dataset('f64', data=np.array([1e-300, -7.25, 1e300], dtype='<f8'))",
          "    f.create_dataset('bool', data=np.array([True, False, True]))",
          "    e = h5py.enum_dtype({'RED': 0, 'GREEN': 1, 'BLUE': 42}, basetype='u1')",
          "    f.create_dataset('enum', data=np.array([0, 42, 1], dtype='u1'), dtype=e)",
          "    f.create_dataset('sfixed', data=np.array([b'ab', b'abcd', b''], dtype='S4'))",
          "    ut = h5py.h5t.C_S1.copy(); ut.set_size(8); ut.set_cset(h5py.h5t.CSET_UTF8); ut.set_strpad(h5py.h5t.STR_NULLPAD)",
          "    ds = h5py.h5d.create(f.id, b'ufixed', ut, h5py.h5s.create_simple((3,)))",
          "    ds.write(h5py.h5s.ALL, h5py.h5s.ALL, np.array(['h\\u00e9'.encode(), b'x', b''], dtype='S8'), mtype=ut)",
          "    tid = h5py.h5t.C_S1.copy(); tid.set_size(5); tid.set_strpad(h5py.h5t.STR_SPACEPAD)",
          "    ds = h5py.h5d.create(f.id, b'sspace', tid, h5py.h5s.create_simple((2,)))",
          "    ds.write(h5py.h5s.ALL, h5py.h5s.ALL, np.array([b'ab   ', b'abcde'], dtype='S5'), mtype=tid)",
          "    f.create_dataset('vutf8', data=['h\\u00e9llo', '', 'z'], dtype=h5py.string_dtype())",
          "    f.create_dataset('vascii', data=[b'abc', b'd', b''], dtype=h5py.string_dtype('ascii'))",
          "    ct = np.dtype([('a', '<i4'), ('b', [('x', '<f8'), ('y', 'S3')]), ('c', '<i2', (3,))])",
          "    f.create_dataset('comp', data=np.array([(1, (1.5, b'u'), (1, 2, 3)), (2, (2.5, b'vw'), (4, 5, 6))], dtype=ct))",
          "    f['comp'].attrs['units'] = 'm/s'",
          "    f.create_dataset('r2', data=np.arange(12, dtype='<f8').reshape(3, 4))",
          "    f.create_dataset('r3', data=np.arange(24, dtype='<i2').reshape(4, 3, 2), chunks=(3, 3, 2))",
          "    f.create_dataset('scalar', data=np.float64(3.5))",
          "    f.create_dataset('contig', data=np.arange(10, dtype='>i4'))",
          "    f.create_dataset('empty', shape=(0,), maxshape=(None,), dtype='<f8', chunks=(4,))",
          "    f.create_dataset('one', data=np.array([42], dtype='<i8'), maxshape=(None,), chunks=(4,))",
          "    f.create_dataset('odd', data=np.arange(10, dtype='<i8'), maxshape=(None,), chunks=(4,))",
          "    f.create_dataset('opaque', data=np.void(b'abcd'))",
          "    f.create_dataset('ref', data=[f['i8'].ref], dtype=h5py.ref_dtype)",
          "    f.create_dataset('vlenseq', shape=(1,), dtype=h5py.vlen_dtype(np.dtype('i4')))",
          "");

  @BeforeAll
  static void writeFixture() throws Exception {
    H5py.assumeAvailable();
    file = dir.resolve("interop.h5");
    H5py.run(file, SCRIPT);
  }

  private static Dataset<Row> read(String dataset) {
    return reader(REDIS.url()).option("dataset", dataset).load(file.toString()).orderBy("index");
  }

  private static List<Object> values(String dataset) {
    List<Object> out = new ArrayList<>();
    for (Row r : read(dataset).collectAsList()) {
      out.add(r.get(1));
    }
    return out;
  }

  private static DataType type(String dataset) {
    return read(dataset).schema().fields()[1].dataType();
  }

  @Test
  void signedIntegersKeepTheirWidthInBothByteOrders() {
    assertThat(type("i8")).isEqualTo(DataTypes.ByteType);
    assertThat(values("i8")).containsExactly((byte) -128, (byte) 0, (byte) 127);
    assertThat(type("i16be")).isEqualTo(DataTypes.ShortType);
    assertThat(values("i16be")).containsExactly((short) -32768, (short) 1, (short) 32767);
    assertThat(type("i32")).isEqualTo(DataTypes.IntegerType);
    assertThat(values("i32")).containsExactly(Integer.MIN_VALUE, 2, Integer.MAX_VALUE);
    assertThat(type("i64be")).isEqualTo(DataTypes.LongType);
    assertThat(values("i64be")).containsExactly(Long.MIN_VALUE, 3L, Long.MAX_VALUE);
  }

  @Test
  void unsignedIntegersWiden() {
    assertThat(type("u8")).isEqualTo(DataTypes.ShortType);
    assertThat(values("u8")).containsExactly((short) 0, (short) 1, (short) 255);
    assertThat(type("u16be")).isEqualTo(DataTypes.IntegerType);
    assertThat(values("u16be")).containsExactly(0, 1, 65535);
    assertThat(type("u32")).isEqualTo(DataTypes.LongType);
    assertThat(values("u32")).containsExactly(0L, 1L, 4294967295L);
    assertThat(type("u64")).isEqualTo(DataTypes.createDecimalType(20, 0));
    assertThat(values("u64"))
        .containsExactly(
            new BigDecimal("0"), new BigDecimal("1"), new BigDecimal("18446744073709551615"));
  }

  @Test
  void floats() {
    assertThat(type("f16")).isEqualTo(DataTypes.FloatType);
    assertThat(values("f16")).containsExactly(0.5f, -1.5f, 65504f);
    assertThat(type("f32be")).isEqualTo(DataTypes.FloatType);
    assertThat(values("f32be")).containsExactly(1.25f, -2.5f, 3.0e38f);
    assertThat(type("f64")).isEqualTo(DataTypes.DoubleType);
    assertThat(values("f64")).containsExactly(1e-300, -7.25, 1e300);
  }

  @Test
  void booleansAndEnums() {
    assertThat(type("bool")).isEqualTo(DataTypes.BooleanType);
    assertThat(values("bool")).containsExactly(true, false, true);
    assertThat(type("enum")).isEqualTo(DataTypes.StringType);
    assertThat(values("enum")).containsExactly("RED", "BLUE", "GREEN");
  }

  @Test
  void stringsLoseTheirPadding() {
    assertThat(values("sfixed")).containsExactly("ab", "abcd", "");
    assertThat(values("ufixed")).containsExactly("h\u00e9", "x", "");
    assertThat(values("sspace")).containsExactly("ab", "abcde");
    assertThat(values("vutf8")).containsExactly("h\u00e9llo", "", "z");
    assertThat(values("vascii")).containsExactly("abc", "d", "");
    assertThat(type("vutf8")).isEqualTo(DataTypes.StringType);
  }

  @Test
  void compoundMembersBecomeColumnsStructsAndArrays() {
    Dataset<Row> df = read("/comp");
    StructType s = df.schema();
    assertThat(s.fieldNames()).containsExactly("index", "a", "b", "c");
    assertThat(s.apply("a").dataType()).isEqualTo(DataTypes.IntegerType);
    assertThat(s.apply("b").dataType().simpleString()).isEqualTo("struct<x:double,y:string>");
    assertThat(s.apply("c").dataType().simpleString()).isEqualTo("array<smallint>");
    assertThat(s.apply("a").metadata().getString("h5swmr.attr.units")).isEqualTo("m/s");
    List<Row> rows = df.collectAsList();
    assertThat(rows.get(1).getInt(1)).isEqualTo(2);
    assertThat(rows.get(1).getStruct(2).getDouble(0)).isEqualTo(2.5);
    assertThat(rows.get(1).getStruct(2).getString(1)).isEqualTo("vw");
    assertThat(rows.get(0).getList(3)).containsExactly((short) 1, (short) 2, (short) 3);
    // nested pruning: only b.x
    List<Row> bx = df.selectExpr("b.x").collectAsList();
    assertThat(bx.get(0).getDouble(0)).isEqualTo(1.5);
  }

  @Test
  void higherRanksBecomeNestedArrays() {
    assertThat(type("r2").simpleString()).isEqualTo("array<double>");
    List<Row> r2 = read("r2").collectAsList();
    assertThat(r2).hasSize(3);
    assertThat(r2.get(2).getList(1)).containsExactly(8.0, 9.0, 10.0, 11.0);
    assertThat(type("r3").simpleString()).isEqualTo("array<array<smallint>>");
    List<Row> r3 = read("r3").collectAsList();
    assertThat(r3).hasSize(4);
    List<Object> row3 = r3.get(3).getList(1);
    assertThat(row3).hasSize(3);
    assertThat(((scala.collection.Seq<?>) row3.get(2)).apply(1)).isEqualTo((short) 23);
  }

  @Test
  void scalarContiguousEmptyOneAndOddRowCounts() {
    List<Row> scalar = read("scalar").collectAsList();
    assertThat(scalar).hasSize(1);
    assertThat(scalar.get(0).getLong(0)).isEqualTo(0);
    assertThat(scalar.get(0).getDouble(1)).isEqualTo(3.5);
    assertThat(values("contig")).containsExactly(0, 1, 2, 3, 4, 5, 6, 7, 8, 9);
    assertThat(read("empty").collectAsList()).isEmpty();
    assertThat(values("one")).containsExactly(42L);
    Dataset<Row> odd =
        reader(REDIS.url())
            .option("dataset", "odd")
            .option("partitionBytes", "32")
            .load(file.toString());
    assertThat(odd.selectExpr("sum(odd)", "count(*)").collectAsList().get(0).getLong(0))
        .isEqualTo(45);
    assertThat(ReadTestSupport.scanOf(odd.selectExpr("sum(odd)")).partitions()).hasSize(3);
  }

  @Test
  void unsupportedTypesNameDatasetAndType() {
    assertThatThrownBy(() -> read("opaque").collectAsList())
        .isInstanceOf(H5SwmrDataException.class)
        .hasMessageContaining("'/opaque'")
        .hasMessageContaining("opaque")
        .hasMessageContaining(file.toString());
    assertThatThrownBy(() -> read("ref").collectAsList())
        .isInstanceOf(H5SwmrDataException.class)
        .hasMessageContaining("'/ref'")
        .hasMessageContaining("reference");
    assertThatThrownBy(() -> read("vlenseq").collectAsList())
        .isInstanceOf(H5SwmrDataException.class)
        .hasMessageContaining("'/vlenseq'")
        .hasMessageContaining("vlen");
  }

  @Test
  void fileAndDatasetAttributesAreTableProperties() {
    java.util.Map<String, String> p =
        H5SwmrSchemaInference.tableProperties(
            io.h5swmr.config.H5SwmrOptions.of(
                java.util.Map.of(
                    "path", file.toString(), "dataset", "/comp", "redis.url", REDIS.url())));
    assertThat(p)
        .containsEntry("h5swmr.file.attr.title", "interop")
        .containsEntry("h5swmr.dataset.attr.units", "m/s")
        .containsEntry("h5swmr.dataset", "/comp");
  }
}
