package io.h5swmr.write;

import static io.h5swmr.write.WriteTestSupport.info;
import static io.h5swmr.write.WriteTestSupport.readBack;
import static io.h5swmr.write.WriteTestSupport.spark;
import static io.h5swmr.write.WriteTestSupport.writer;
import static org.assertj.core.api.Assertions.assertThat;

import io.h5swmr.hdf5.H5DatasetInfo;
import io.h5swmr.testing.RedisServerExtension;
import java.math.BigDecimal;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import org.apache.spark.sql.Dataset;
import org.apache.spark.sql.Row;
import org.apache.spark.sql.RowFactory;
import org.apache.spark.sql.types.DataTypes;
import org.apache.spark.sql.types.StructType;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;
import org.junit.jupiter.api.io.TempDir;

/**
 * Every row of the Spark → HDF5 type mapping: written with h5swmr, read back with h5swmr, values
 * equal.
 */
class H5SwmrWriteRoundTripTest {
  @RegisterExtension static final RedisServerExtension REDIS = RedisServerExtension.create();

  @TempDir Path dir;

  static final StructType ALL =
      new StructType()
          .add("b", DataTypes.ByteType, false)
          .add("s", DataTypes.ShortType, false)
          .add("i", DataTypes.IntegerType, false)
          .add("l", DataTypes.LongType, false)
          .add("f", DataTypes.FloatType, false)
          .add("d", DataTypes.DoubleType, false)
          .add("flag", DataTypes.BooleanType, false)
          .add("text", DataTypes.StringType, false)
          .add("u64", DataTypes.createDecimalType(20, 0), false)
          .add("vec", DataTypes.createArrayType(DataTypes.DoubleType, false), false)
          .add(
              "mat",
              DataTypes.createArrayType(
                  DataTypes.createArrayType(DataTypes.IntegerType, false), false),
              false)
          .add("names", DataTypes.createArrayType(DataTypes.StringType, false), false)
          .add(
              "st",
              new StructType()
                  .add("x", DataTypes.IntegerType, false)
                  .add("label", DataTypes.StringType, false)
                  .add("w", DataTypes.createArrayType(DataTypes.FloatType, false), false),
              false);

  static List<Row> allTypeRows(int n) {
    List<Row> rows = new ArrayList<>();
    String[] words = {"", "plain", "ünïcødé", "日本語", "emoji 🚀 done", "tab\there"};
    for (int k = 0; k < n; k++) {
      BigDecimal u =
          k == 0 ? new BigDecimal("18446744073709551615") : BigDecimal.valueOf(k * 1_000_003L);
      rows.add(
          RowFactory.create(
              (byte) (k - 128 + k % 7),
              (short) (k * 3 - 500),
              k * 100_003 - 7,
              k * 10_000_000_019L,
              k / 3.0f,
              -k / 7.0,
              k % 3 == 0,
              words[k % words.length] + k,
              u,
              new double[] {k, k + 0.5, -k},
              new int[][] {{k, k + 1}, {k + 2, k + 3}},
              new String[] {"a" + k, words[(k + 1) % words.length]},
              RowFactory.create(k * 2, "lbl-" + words[k % words.length], new float[] {k, -k})));
    }
    return rows;
  }

  @Test
  void aCommitOfManyBlocksDecodesThemOnItsSecondThreadWithEveryValueInPlace() {
    // 600 000 rows of 27 bytes stage 16 MB: more than one 8 MiB block, so the commit reads and
    // decodes the staged blocks on its second thread while it writes, then appends them in order;
    // then once more on top.
    Path f = dir.resolve("blocks.h5");
    String cols =
        "id as a, cast(id * 7 as int) as b, id * 0.5d as c, cast(id % 30000 as short) as d, "
            + "id % 3 = 0 as e, cast(id as float) * cast(0.25 as float) as g";
    writer(spark().sql("select " + cols + " from range(0, 600000, 1, 2)"), REDIS.url(), "/t")
        .mode("append")
        .save(f.toString());
    writer(spark().sql("select " + cols + " from range(600000, 1200000, 1, 3)"), REDIS.url(), "/t")
        .mode("append")
        .save(f.toString());
    List<Row> back = readBack(REDIS.url(), f, "/t");
    assertThat(back).hasSize(1_200_000);
    for (int k = 0; k < back.size(); k++) {
      Row r = back.get(k);
      long id = r.getLong(0);
      assertThat(id).as("row %d", k).isEqualTo(k);
      assertThat(r.getInt(1)).as("b of row %d", k).isEqualTo((int) (id * 7));
      assertThat(r.getDouble(2)).as("c of row %d", k).isEqualTo(id * 0.5);
      assertThat(r.getShort(3)).as("d of row %d", k).isEqualTo((short) (id % 30000));
      assertThat(r.getBoolean(4)).as("e of row %d", k).isEqualTo(id % 3 == 0);
      assertThat(r.getFloat(5)).as("g of row %d", k).isEqualTo((float) id * 0.25f);
    }
  }

  @Test
  void numberColumnsBetweenStringArrayAndStructColumnsKeepEveryValueAcrossBlocks() {
    // Top-level numbers and booleans are stored by a fast path, the string, uint64, array and
    // struct columns between them by the general one: 300 000 rows of ~70 bytes stage more than one
    // 8 MiB block per task, so both paths cross block boundaries (and the fast path's room for 256
    // rows at a time) in the same rows.
    Path f = dir.resolve("mixed.h5");
    String cols =
        "id as a, concat('r', id) as s, cast(id * 3 as int) as b, array(id * 0.5d, -id * 1.0d) as v, "
            + "cast(id as decimal(20,0)) as u, named_struct('x', cast(id % 1000 as short), 'y', id * 2.0d) as st, "
            + "id % 2 = 0 as e";
    writer(spark().sql("select " + cols + " from range(0, 300000, 1, 2)"), REDIS.url(), "/m")
        .mode("append")
        .save(f.toString());
    List<Row> back = readBack(REDIS.url(), f, "/m");
    assertThat(back).hasSize(300_000);
    for (int k = 0; k < back.size(); k++) {
      Row r = back.get(k);
      assertThat(r.getLong(0)).as("a of row %d", k).isEqualTo(k);
      assertThat(r.getString(1)).as("s of row %d", k).isEqualTo("r" + k);
      assertThat(r.getInt(2)).as("b of row %d", k).isEqualTo(k * 3);
      assertThat(r.getList(3)).as("v of row %d", k).containsExactly(k * 0.5, -k * 1.0);
      assertThat(r.getDecimal(4).longValueExact()).as("u of row %d", k).isEqualTo(k);
      assertThat(r.getStruct(5).getShort(0)).as("st.x of row %d", k).isEqualTo((short) (k % 1000));
      assertThat(r.getStruct(5).getDouble(1)).as("st.y of row %d", k).isEqualTo(k * 2.0);
      assertThat(r.getBoolean(6)).as("e of row %d", k).isEqualTo(k % 2 == 0);
    }
  }

  @Test
  void theCommitDeletesEachStagingFileOnceItsBlocksAreDecoded() throws Exception {
    // Three tasks stage three files of ~6 MiB (more than one 8 MiB block in all, so the decoding
    // thread runs). By the time HDF5 is closed (before the journal commit) every staging file is
    // gone: the commit released each one's page cache as soon as it was read, not at the end of the
    // write.
    Path f = dir.resolve("released.h5");
    Path staging = StagingArea.defaultRoot(f);
    List<String> leftAtClose = new ArrayList<>();
    int[] seenAtClose = {0};
    SparkCommitHook.set(
        step -> {
          if (step.equals("closed")) {
            seenAtClose[0]++;
            try (java.util.stream.Stream<Path> s = java.nio.file.Files.walk(staging)) {
              s.filter(p -> p.getFileName().toString().endsWith(".kryo"))
                  .forEach(p -> leftAtClose.add(p.toString()));
            } catch (java.io.IOException e) {
              throw new java.io.UncheckedIOException(e);
            }
          }
        });
    try {
      writer(
              spark()
                  .sql("select id as a, id * 0.5d as b, id * 2 as c from range(0, 800000, 1, 3)"),
              REDIS.url(),
              "/r")
          .mode("append")
          .save(f.toString());
    } finally {
      SparkCommitHook.set(null);
    }
    assertThat(seenAtClose[0]).isEqualTo(1);
    assertThat(leftAtClose).isEmpty();
    List<Row> back = readBack(REDIS.url(), f, "/r");
    assertThat(back).hasSize(800_000);
    for (int k = 0; k < back.size(); k += 7919) {
      assertThat(back.get(k).getLong(0)).isEqualTo(k);
      assertThat(back.get(k).getDouble(1)).isEqualTo(k * 0.5);
    }
  }

  @Test
  void aBulkCommitFreesTheStagedBytesItHasReadWhileItReadsOn() throws Exception {
    org.junit.jupiter.api.Assumptions.assumeTrue(
        StagingPages.unavailable() == null,
        "SKIPPED: staged pages are freed by deletion only here: " + StagingPages.unavailable());
    // One task stages one ~64 MiB file (8 blocks). When the commit has written its first block, the
    // decoding thread (at most a few blocks ahead) has not finished the file, yet the bytes it read
    // are already a hole (they read back as zeros; the file's header was not zero), and every value
    // still arrives.
    Path f = dir.resolve("punched.h5");
    Path staging = StagingArea.defaultRoot(f);
    long[] headAtFirstBlock = {-1};
    long[] sizeAtFirstBlock = {-1};
    SparkCommitHook.set(
        step -> {
          if (step.equals("wrote-first-block")) {
            try (java.util.stream.Stream<Path> s = java.nio.file.Files.walk(staging)) {
              Path kryo =
                  s.filter(p -> p.getFileName().toString().endsWith(".kryo"))
                      .findFirst()
                      .orElseThrow();
              headAtFirstBlock[0] = WriteTestSupport.firstLong(kryo);
              sizeAtFirstBlock[0] = java.nio.file.Files.size(kryo);
            } catch (java.io.IOException e) {
              throw new java.io.UncheckedIOException(e);
            }
          }
        });
    try {
      writer(
              spark().sql("select id as a, id * 0.5d as b from range(0, 4000000, 1, 1)"),
              REDIS.url(),
              "/p")
          .mode("append")
          .save(f.toString());
    } finally {
      SparkCommitHook.set(null);
    }
    assertThat(sizeAtFirstBlock[0]).isGreaterThan(60L << 20);
    assertThat(headAtFirstBlock[0]).isZero();
    List<Row> back = readBack(REDIS.url(), f, "/p");
    assertThat(back).hasSize(4_000_000);
    for (int k = 0; k < back.size(); k += 9973) {
      assertThat(back.get(k).getLong(0)).isEqualTo(k);
      assertThat(back.get(k).getDouble(1)).isEqualTo(k * 0.5);
    }
  }

  @Test
  void everyTypeRoundTripsThroughACompoundDataset() {
    Path f = dir.resolve("all.h5");
    List<Row> rows = allTypeRows(1000);
    Dataset<Row> df = spark().createDataFrame(rows, ALL).repartition(3);
    writer(df, REDIS.url(), "/group/sub/table").mode("append").save(f.toString());

    List<Row> back = readBack(REDIS.url(), f, "/group/sub/table");
    assertThat(back).hasSize(1000);
    // repartition shuffles rows; compare as multisets of normalised rows
    assertThat(normalise(back)).containsExactlyInAnyOrderElementsOf(normalise(rows));
    H5DatasetInfo info = info(f, "/group/sub/table");
    assertThat(info.dims()).containsExactly(1000);
    assertThat(info.maxDims()).containsExactly(H5DatasetInfo.UNLIMITED);
    assertThat(info.attributes())
        .containsEntry(H5TargetDataset.ATTR_ROWS, 1000L)
        .containsEntry(H5TargetDataset.ATTR_GENERATION, 1L)
        .containsKey(H5TargetDataset.ATTR_FENCE);
  }

  @Test
  void appendKeepsOrderOfPartitionsAndCommits() {
    Path f = dir.resolve("seq.h5");
    StructType schema =
        new StructType().add("v", DataTypes.LongType, false).add("w", DataTypes.DoubleType, false);
    for (int round = 0; round < 3; round++) {
      List<Row> rows = new ArrayList<>();
      for (long k = 0; k < 5000; k++) {
        long v = round * 5000L + k;
        rows.add(RowFactory.create(v, v * 0.5));
      }
      writer(spark().createDataFrame(rows, schema).coalesce(4), REDIS.url(), "/t")
          .mode("append")
          .save(f.toString());
    }
    List<Row> back = readBack(REDIS.url(), f, "/t");
    assertThat(back).hasSize(15000);
    for (int k = 0; k < back.size(); k++) {
      assertThat(back.get(k).getLong(0)).isEqualTo(k);
      assertThat(back.get(k).getDouble(1)).isEqualTo(k * 0.5);
    }
    assertThat(info(f, "/t").attributes())
        .containsEntry(H5TargetDataset.ATTR_GENERATION, 3L)
        .containsEntry(H5TargetDataset.ATTR_ROWS, 15000L);
  }

  @Test
  void oneColumnWritesAPlainDatasetAndArraysBecomeExtraDimensions() {
    Path f = dir.resolve("plain.h5");
    StructType schema =
        new StructType()
            .add(
                "m",
                DataTypes.createArrayType(
                    DataTypes.createArrayType(DataTypes.FloatType, false), false));
    List<Row> rows = new ArrayList<>();
    for (int k = 0; k < 50; k++) {
      rows.add(RowFactory.create((Object) new float[][] {{k, 1, 2}, {3, 4, -k}}));
    }
    writer(spark().createDataFrame(rows, schema).coalesce(1), REDIS.url(), "/m")
        .mode("append")
        .save(f.toString());
    H5DatasetInfo info = info(f, "/m");
    assertThat(info.dims()).containsExactly(50, 2, 3);
    assertThat(info.type().toString()).isEqualTo("float32");
    List<Row> back = readBack(REDIS.url(), f, "/m");
    assertThat(normalise(back)).containsExactlyElementsOf(normalise(rows));

    StructType strings = new StructType().add("s", DataTypes.StringType);
    writer(
            spark()
                .createDataFrame(List.of(RowFactory.create("α"), RowFactory.create("βγ")), strings)
                .coalesce(1),
            REDIS.url(),
            "/s")
        .mode("append")
        .save(f.toString());
    assertThat(info(f, "/s").type().toString()).isEqualTo("vlen utf-8 string");
    assertThat(readBack(REDIS.url(), f, "/s"))
        .extracting(r -> r.getString(0))
        .containsExactly("α", "βγ");
  }

  /** Rows as strings with arrays expanded, so equality is by value. */
  static List<String> normalise(List<Row> rows) {
    List<String> out = new ArrayList<>();
    for (Row r : rows) {
      out.add(render(r));
    }
    return out;
  }

  private static String render(Object v) {
    if (v instanceof Row) {
      Row r = (Row) v;
      StringBuilder b = new StringBuilder("(");
      for (int i = 0; i < r.length(); i++) {
        b.append(i == 0 ? "" : ", ").append(render(r.get(i)));
      }
      return b.append(')').toString();
    }
    if (v instanceof scala.collection.Seq) {
      List<String> parts = new ArrayList<>();
      scala.collection.Iterator<?> it = ((scala.collection.Seq<?>) v).iterator();
      while (it.hasNext()) {
        parts.add(render(it.next()));
      }
      return parts.toString();
    }
    if (v instanceof double[]) {
      return render(toSeq(Arrays.stream((double[]) v).boxed().toArray()));
    }
    if (v instanceof float[]) {
      float[] a = (float[]) v;
      Object[] o = new Object[a.length];
      for (int i = 0; i < a.length; i++) {
        o[i] = a[i];
      }
      return render(toSeq(o));
    }
    if (v instanceof int[]) {
      return render(toSeq(Arrays.stream((int[]) v).boxed().toArray()));
    }
    if (v instanceof Object[]) {
      Object[] a = (Object[]) v;
      List<String> parts = new ArrayList<>();
      for (Object o : a) {
        parts.add(render(o));
      }
      return parts.toString();
    }
    if (v instanceof BigDecimal) {
      return ((BigDecimal) v).toBigInteger().toString();
    }
    return String.valueOf(v);
  }

  private static Object toSeq(Object[] a) {
    return a;
  }
}
