package io.h5swmr.write;

import static io.h5swmr.write.WriteTestSupport.python;
import static io.h5swmr.write.WriteTestSupport.readBack;
import static io.h5swmr.write.WriteTestSupport.spark;
import static io.h5swmr.write.WriteTestSupport.writer;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

import io.h5swmr.exceptions.H5SwmrDataException;
import io.h5swmr.hdf5.H5ColumnWrite;
import io.h5swmr.hdf5.H5Dataset;
import io.h5swmr.hdf5.H5DatasetSpec;
import io.h5swmr.hdf5.H5File;
import io.h5swmr.hdf5.H5Type;
import io.h5swmr.testing.RedisServerExtension;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import org.apache.spark.sql.Row;
import org.assertj.core.api.ThrowableAssert.ThrowingCallable;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;
import org.junit.jupiter.api.io.TempDir;

/**
 * Never store a value other than the one given, and never write what cannot be read back (issue 14
 * items 1–5): out-of-range appends, NUL characters, names that differ only in case or collide with
 * the index column, and appends to h5py's fixed-length strings and enums. Every refusal names the
 * column and the value and leaves the file byte-for-byte (and mtime) unchanged.
 */
class H5SwmrWriteValuesTest {
  @RegisterExtension static final RedisServerExtension REDIS = RedisServerExtension.create();

  @TempDir Path dir;

  private Path f;

  @BeforeEach
  void h5pyFile() throws Exception {
    assumeTrue(
        WriteTestSupport.hasH5py(),
        "/usr/bin/python3 with h5py is not installed: value tests skipped");
    f = dir.resolve("py.h5");
    python(
        "import h5py, numpy as np\n"
            + "with h5py.File('"
            + f
            + "', 'w') as h:\n"
            + "    for name, dt in [('u8', 'u1'), ('u16', 'u2'), ('u32', 'u4'), ('f16', 'f2'), ('i16', 'i2')]:\n"
            + "        h.create_dataset(name, data=np.zeros(1, dtype=dt), maxshape=(None,), chunks=(8,))\n"
            + "    h.create_dataset('u8x2', data=np.zeros((1, 2), dtype='u1'), maxshape=(None, 2), chunks=(8, 2))\n"
            + "    h.create_dataset('s4', data=np.array([b'ab'], dtype='S4'), maxshape=(None,), chunks=(8,))\n"
            + "    et = h5py.enum_dtype({'RED': 0, 'GREEN': 1, 'BLUE': 2}, basetype='i1')\n"
            + "    h.create_dataset('e', data=np.array([2], dtype=et), maxshape=(None,), chunks=(8,))\n"
            + "    h.create_dataset('c', data=np.zeros(1, dtype=[('a', 'u1'), ('s', 'S3')]), maxshape=(None,), chunks=(8,))\n");
  }

  /**
   * Asserts {@code write} fails with a message containing every part and leaves the file as it was.
   */
  private void refused(ThrowingCallable write, String... parts) throws Exception {
    String before = WriteTestSupport.sha256(f);
    var mtime = Files.getLastModifiedTime(f);
    var t = assertThatThrownBy(write);
    for (String p : parts) {
      t.hasStackTraceContaining(p);
    }
    assertThat(WriteTestSupport.sha256(f)).as("file bytes after the refusal").isEqualTo(before);
    assertThat(Files.getLastModifiedTime(f)).as("file mtime after the refusal").isEqualTo(mtime);
    assertThat(WriteTestSupport.filesContaining(dir, ".h5swmr-commit-")).isEmpty();
  }

  private void append(String sql, String dataset) {
    writer(spark().sql(sql), REDIS.url(), dataset).mode("append").save(f.toString());
  }

  @Test
  void outOfRangeIntegersAreRefusedNamingColumnValueAndRange() throws Exception {
    refused(
        () -> append("select cast(v as smallint) as v from values (5), (300) as t(v)", "/u8"),
        "Column 'v' holds 300",
        "uint8",
        "0 to 255",
        "never clamps");
    refused(() -> append("select cast(-1 as smallint) as v", "/u8"), "holds -1", "0 to 255");
    refused(() -> append("select cast(70000 as int) as v", "/u16"), "holds 70000", "0 to 65535");
    refused(() -> append("select cast(-1 as bigint) as v", "/u32"), "holds -1", "0 to 4294967295");
    refused(
        () -> append("select cast(8589934592 as bigint) as v", "/u32"),
        "holds 8589934592",
        "0 to 4294967295");
    // Compound member: named by its path.
    refused(
        () -> append("select cast(256 as smallint) as a, 'x' as s", "/c"),
        "Column 'a' holds 256",
        "uint8");
    // Array elements (extra dimensions) too.
    refused(
        () -> append("select array(cast(1 as smallint), cast(300 as smallint)) as v", "/u8x2"),
        "Column 'v' holds 300",
        "0 to 255");
    // The limits themselves are stored as given.
    append("select cast(v as smallint) as v from values (0), (255) as t(v)", "/u8");
    append("select cast(4294967295 as bigint) as v", "/u32");
    String out =
        python(
            "import h5py\n"
                + "with h5py.File('"
                + f
                + "', 'r') as h:\n"
                + "    print(sorted(h['u8'][:].tolist()), h['u32'][:].tolist())\n");
    assertThat(out.trim()).isEqualTo("[0, 0, 255] [0, 4294967295]");
  }

  @Test
  void floatsThatWouldBecomeInfinityOrZeroInFloat16AreRefused() throws Exception {
    refused(
        () -> append("select cast(1e10 as float) as v", "/f16"),
        "holds 1.0E10",
        "float16",
        "65504");
    refused(() -> append("select cast(-70000 as float) as v", "/f16"), "holds -70000.0", "65504");
    refused(() -> append("select cast(1e-9 as float) as v", "/f16"), "holds 1.0E-9", "2^-25");
    // In range: rounded to float16's precision (documented), NaN and infinity kept.
    append(
        "select cast(v as float) as v from values ('65504'), ('-0.5'), ('NaN'), ('Infinity') as t(v)",
        "/f16");
    String out =
        python(
            "import h5py\n"
                + "with h5py.File('"
                + f
                + "', 'r') as h:\n"
                + "    print(h['f16'][:].tolist())\n");
    assertThat(out.trim()).isEqualTo("[0.0, 65504.0, -0.5, nan, inf]");
  }

  @Test
  void stringsWithNulAreRefusedOnWriteAndNulPaddedOnesReadBackWhole() throws Exception {
    refused(
        () ->
            writer(spark().sql("select concat('a', char(0), 'b') as s"), REDIS.url(), "/new")
                .mode("append")
                .save(f.toString()),
        "Column 's' holds \"a\\0b\"",
        "NUL");
    refused(() -> append("select concat('a', char(0)) as v", "/s4"), "NUL");
    // The HDF5 layer refuses them too (every writer, not only Spark tasks).
    Path g = dir.resolve("layer.h5");
    try (H5File h = H5File.create(g.toString());
        H5Dataset d = h.createDataset("/s", H5DatasetSpec.of(H5Type.vlenUtf8()))) {
      assertThatThrownBy(() -> d.append(1, H5ColumnWrite.from(new String[] {"a\0b"}, 0)))
          .isInstanceOf(H5SwmrDataException.class)
          .hasMessageContaining("\"a\\0b\"")
          .hasMessageContaining("NUL");
      assertThat(d.rows()).isZero();
    }
    // Other direction: a NUL inside an h5py fixed-length (NUL-padded) value reads back whole.
    python(
        "import h5py, numpy as np\n"
            + "with h5py.File('"
            + f
            + "', 'a') as h:\n"
            + "    h.create_dataset('nul', data=np.array([b'a\\x00b'], dtype='S4'))\n");
    List<Row> back = readBack(REDIS.url(), f, "/nul");
    assertThat(back.get(0).getString(0)).isEqualTo("a\0b");
  }

  @Test
  void appendsToH5pyFixedStringsAndEnumsWorkAndBadValuesFailEarly() throws Exception {
    append("select s as v from values ('abcd'), ('x'), ('é') as t(s)", "/s4");
    append("select 'GREEN' as v union all select 'RED'", "/e");
    append("select cast(7 as smallint) as a, 'xyz' as s", "/c");
    String out =
        python(
            "import h5py\n"
                + "with h5py.File('"
                + f
                + "', 'r') as h:\n"
                + "    print(h['s4'][:].tolist())\n"
                + "    print(sorted(h['e'][:].tolist()))\n"
                + "    print(h['c'][:].tolist())\n");
    assertThat(out.trim().split("\n"))
        .containsExactly(
            "[b'ab', b'abcd', b'x', b'\\xc3\\xa9']", "[0, 1, 2]", "[(0, b''), (7, b'xyz')]");
    assertThat(readBack(REDIS.url(), f, "/e"))
        .extracting(r -> r.getString(0))
        .contains("GREEN", "RED", "BLUE");
    refused(
        () -> append("select 'abcde' as v", "/s4"),
        "Column 'v' holds \"abcde\"",
        "5 UTF-8 bytes",
        "at most 4 bytes",
        "never truncates");
    refused(
        () -> append("select 'PURPLE' as v", "/e"),
        "Column 'v' holds \"PURPLE\"",
        "not a member",
        "valid values are [BLUE, GREEN, RED]");
    refused(
        () -> append("select cast(1 as smallint) as a, 'long' as s", "/c"),
        "Column 's' holds \"long\"",
        "at most 3 bytes");
  }

  @Test
  void namesThatCannotBeReadBackAreRefusedBeforeAnyTask() throws Exception {
    refused(
        () -> append("select 1 as a, 2 as A", "/new"), "Columns 'a' and 'A' differ only in case");
    refused(
        () -> append("select named_struct('x', 1, 'X', 2) as s", "/new"),
        "Struct fields 's.x' and 's.X' differ only in case");
    refused(
        () -> append("select 1 as Index, 2.0d as v", "/new"),
        "Column 'Index' has the name of the index " + "column ('index'",
        "indexColumn");
    // Issue 14 item 4: a column `index` is no longer dropped silently.
    refused(
        () -> append("select id as index, id * 2 as v from range(3)", "/new"),
        "Column 'index'",
        "drop");
    assertThat(WriteTestSupport.filesContaining(dir, ".h5swmr-staging")).isEmpty();
    // Opt-in: with the index column renamed, a data column `index` is stored (and read back the
    // same way).
    writer(spark().sql("select id as index, id * 2 as v from range(3)"), REDIS.url(), "/kept")
        .option("indexColumn", "row")
        .mode("append")
        .save(f.toString());
    List<Row> back =
        WriteTestSupport.reader(REDIS.url(), "/kept")
            .option("indexColumn", "row")
            .load(f.toString())
            .orderBy("row")
            .collectAsList();
    assertThat(back).extracting(r -> r.getLong(r.fieldIndex("index"))).containsExactly(0L, 1L, 2L);
  }

  @Test
  void theHdf5LayerRefusesOutOfRangeValuesAndKeepsTheExtent() {
    Path g = dir.resolve("layer-range.h5");
    try (H5File h = H5File.create(g.toString());
        H5Dataset d = h.createDataset("/u8", H5DatasetSpec.of(H5Type.integer(1, false)))) {
      d.append(2, H5ColumnWrite.from(new short[] {0, 255}, 0));
      assertThatThrownBy(() -> d.append(2, H5ColumnWrite.from(new short[] {1, 300}, 0)))
          .isInstanceOf(H5SwmrDataException.class)
          .hasMessageContaining("value 300")
          .hasMessageContaining("uint8")
          .hasMessageContaining("0 to 255");
      assertThat(d.rows()).isEqualTo(2);
      assertThat((short[]) d.readColumn(0, 2)).containsExactly(0, 255);
    }
  }
}
