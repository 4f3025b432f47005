package io.h5swmr.write;

import static io.h5swmr.write.WriteTestSupport.filesContaining;
import static io.h5swmr.write.WriteTestSupport.info;
import static io.h5swmr.write.WriteTestSupport.readBack;
import static io.h5swmr.write.WriteTestSupport.sha256;
import static io.h5swmr.write.WriteTestSupport.spark;
import static io.h5swmr.write.WriteTestSupport.writer;
import static org.assertj.core.api.Assertions.assertThat;

import io.h5swmr.testing.RedisServerExtension;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import org.apache.spark.sql.Dataset;
import org.apache.spark.sql.Row;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;
import org.junit.jupiter.api.io.TempDir;

/**
 * The four save modes through df.write, and INSERT INTO / INSERT OVERWRITE on a table created USING
 * h5swmr.
 */
class H5SwmrWriteModesTest {
  @RegisterExtension static final RedisServerExtension REDIS = RedisServerExtension.create();

  @TempDir Path dir;

  static Dataset<Row> range(long from, long to) {
    return spark().sql("select id as x, id * 2.0d as y from range(" + from + ", " + to + ", 1, 2)");
  }

  @Test
  void errorIfExistsCreatesThenRefuses() {
    Path f = dir.resolve("e.h5");
    writer(range(0, 5), REDIS.url(), "/a").save(f.toString()); // default mode: errorifexists
    assertThat(readBack(REDIS.url(), f, "/a")).hasSize(5);
    // another dataset in the existing file is fine
    writer(range(0, 3), REDIS.url(), "/b").mode("errorifexists").save(f.toString());
    assertThat(readBack(REDIS.url(), f, "/b")).hasSize(3);
    assertThat(readBack(REDIS.url(), f, "/a")).hasSize(5);
  }

  @Test
  void ignoreLeavesAnExistingDatasetAlone() {
    Path f = dir.resolve("i.h5");
    writer(range(0, 5), REDIS.url(), "/a").mode("ignore").save(f.toString());
    String before = sha256(f);
    writer(range(100, 200), REDIS.url(), "/a").mode("ignore").save(f.toString());
    assertThat(sha256(f)).isEqualTo(before);
    assertThat(readBack(REDIS.url(), f, "/a")).hasSize(5);
    assertThat(filesContaining(dir, ".h5swmr-")).isEmpty();
  }

  @Test
  void overwriteReplacesContentsAndKeepsOtherDatasets() {
    Path f = dir.resolve("o.h5");
    writer(range(0, 50), REDIS.url(), "/a").mode("append").save(f.toString());
    writer(range(0, 7), REDIS.url(), "/keep").mode("append").save(f.toString());
    Dataset<Row> other = spark().sql("select concat('s', id) as name from range(3)");
    writer(other, REDIS.url(), "/a").mode("overwrite").save(f.toString());
    assertThat(readBack(REDIS.url(), f, "/a"))
        .extracting(r -> r.getString(0))
        .containsExactly("s0", "s1", "s2");
    assertThat(info(f, "/a").attributes()).containsEntry(H5TargetDataset.ATTR_GENERATION, 2L);
    assertThat(readBack(REDIS.url(), f, "/keep")).hasSize(7);
    // overwrite of a file that does not exist yet creates it
    Path g = dir.resolve("new.h5");
    writer(range(0, 4), REDIS.url(), "/a").mode("overwrite").save(g.toString());
    assertThat(readBack(REDIS.url(), g, "/a")).hasSize(4);
    assertThat(filesContaining(dir, ".h5swmr-")).isEmpty();
  }

  @Test
  void twentyOverwritesInPlaceKeepTheFileSizeBoundedAndTheInode() throws Exception {
    Path f = dir.resolve("ow20.h5");
    writer(range(0, 20_000), REDIS.url(), "/keep").mode("append").save(f.toString());
    writer(range(0, 50_000), REDIS.url(), "/a").mode("append").save(f.toString());
    Object inode =
        Files.readAttributes(f, java.nio.file.attribute.BasicFileAttributes.class).fileKey();
    List<Long> sizes = new java.util.ArrayList<>();
    sizes.add(Files.size(f));
    for (int i = 0; i < 20; i++) {
      // the Spark write path's roles driven directly (no Spark job per overwrite: the test stays
      // fast)
      directWrite(f, "/a", WriteMode.OVERWRITE, i, 50_000 + i);
      sizes.add(Files.size(f));
    }
    System.out.println("H5SWMR-OVERWRITE-SIZES " + sizes);
    assertThat(Files.readAttributes(f, java.nio.file.attribute.BasicFileAttributes.class).fileKey())
        .isEqualTo(inode);
    List<Row> back = readBack(REDIS.url(), f, "/a");
    assertThat(back).hasSize(50_000);
    assertThat(back.get(0).getLong(0)).isEqualTo(19);
    assertThat(readBack(REDIS.url(), f, "/keep")).hasSize(20_000);
    // bounded: after 20 overwrites the file is at most one extra dataset's worth larger than after
    // the first
    assertThat(sizes.get(20)).isLessThanOrEqualTo(2 * sizes.get(1));
  }

  /**
   * Rows (x, 2x) for x in [from, to) written by the batch-write roles without a Spark job, as
   * WriterChild does.
   */
  static void directWrite(Path f, String dataset, WriteMode mode, long from, long to)
      throws Exception {
    java.util.Map<String, String> o = new java.util.HashMap<>();
    o.put("redis.url", REDIS.url());
    o.put("path", f.toString());
    o.put("dataset", dataset);
    org.apache.spark.sql.types.StructType schema =
        new org.apache.spark.sql.types.StructType()
            .add("x", org.apache.spark.sql.types.DataTypes.LongType, false)
            .add("y", org.apache.spark.sql.types.DataTypes.DoubleType, false);
    H5SwmrBatchWrite write =
        new H5SwmrBatchWrite(
            java.util.UUID.randomUUID().toString(),
            schema,
            io.h5swmr.config.H5SwmrOptions.of(o),
            mode,
            io.h5swmr.hdf5.journal.CommitHook.NONE);
    org.apache.spark.sql.connector.write.DataWriter<org.apache.spark.sql.catalyst.InternalRow> w =
        write.createBatchWriterFactory(() -> 1).createWriter(0, 0);
    for (long x = from; x < to; x++) {
      w.write(
          new org.apache.spark.sql.catalyst.expressions.GenericInternalRow(
              new Object[] {x, x * 2.0}));
    }
    org.apache.spark.sql.connector.write.WriterCommitMessage m = w.commit();
    w.close();
    write.commit(new org.apache.spark.sql.connector.write.WriterCommitMessage[] {m});
  }

  @Test
  void aFailedJobLeavesNoStagingAndNoTarget() {
    Path f = dir.resolve("abort.h5");
    Dataset<Row> failing =
        spark()
            .sql(
                "select id as x, if(id = 7000, raise_error('boom at 7000'), id * 1.0d) as y "
                    + "from range(0, 10000, 1, 4)");
    org.assertj.core.api.Assertions.assertThatThrownBy(
            () -> writer(failing, REDIS.url(), "/a").mode("append").save(f.toString()))
        .hasStackTraceContaining("boom at 7000");
    assertThat(Files.exists(f)).as("target never created").isFalse();
    assertThat(filesContaining(dir, ".h5swmr-")).as("staging and commit files").isEmpty();
    // and against an existing target: untouched
    writer(range(0, 5), REDIS.url(), "/a").mode("append").save(f.toString());
    String before = sha256(f);
    org.assertj.core.api.Assertions.assertThatThrownBy(
            () -> writer(failing, REDIS.url(), "/a").mode("append").save(f.toString()))
        .hasStackTraceContaining("boom at 7000");
    assertThat(sha256(f)).isEqualTo(before);
    assertThat(filesContaining(dir, ".h5swmr-")).isEmpty();
  }

  @Test
  void insertIntoAndInsertOverwriteOnATableUsingH5swmr() {
    Path f = dir.resolve("sql.h5");
    String table = "h5swmr_sql_" + Long.toHexString(System.nanoTime());
    spark()
        .sql(
            "CREATE TABLE "
                + table
                + " (x BIGINT, y DOUBLE) USING h5swmr OPTIONS (path '"
                + f
                + "', dataset '/sql/t', `redis.url` '"
                + REDIS.url()
                + "')");
    try {
      spark().sql("INSERT INTO " + table + " VALUES (1, 1.5), (2, 2.5)");
      spark().sql("INSERT INTO " + table + " SELECT id + 10, id * 0.5d FROM range(3)");
      List<Row> rows = spark().sql("SELECT x, y FROM " + table + " ORDER BY x").collectAsList();
      assertThat(rows).extracting(r -> r.getLong(0)).containsExactly(1L, 2L, 10L, 11L, 12L);
      assertThat(rows).extracting(r -> r.getDouble(1)).containsExactly(1.5, 2.5, 0.0, 0.5, 1.0);
      spark().sql("INSERT OVERWRITE " + table + " VALUES (7, 7.5)");
      List<Row> after = spark().sql("SELECT x, y FROM " + table).collectAsList();
      assertThat(after).hasSize(1);
      assertThat(after.get(0).getLong(0)).isEqualTo(7L);
      assertThat(after.get(0).getDouble(1)).isEqualTo(7.5);
      assertThat(readBack(REDIS.url(), f, "/sql/t")).hasSize(1);
    } finally {
      spark().sql("DROP TABLE IF EXISTS " + table);
    }
    assertThat(Files.exists(f)).isTrue();
  }
}
