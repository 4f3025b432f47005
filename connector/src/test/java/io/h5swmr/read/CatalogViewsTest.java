package io.h5swmr.read;

import static io.h5swmr.read.ReadTestSupport.reader;
import static io.h5swmr.read.ReadTestSupport.spark;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.h5swmr.exceptions.H5SwmrConfigException;
import io.h5swmr.exceptions.H5SwmrNotFoundException;
import io.h5swmr.testing.RedisServerExtension;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import org.apache.spark.sql.Dataset;
import org.apache.spark.sql.Row;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;
import org.junit.jupiter.api.io.TempDir;
import scala.collection.JavaConverters;

/**
 * Option {@code catalog}: one row per file, dataset or attribute of the paths, read under shared
 * leases; SQL tables over it; bad input refused before any task.
 */
class CatalogViewsTest {
  @RegisterExtension static final RedisServerExtension REDIS = RedisServerExtension.create();

  @TempDir static Path dir;

  static Path file;

  /** A file written by h5py with several kinds of datasets, groups and attributes. */
  static final String SCRIPT =
      String.join(
          "\n",
          "import sys, h5py, numpy as np",
          "with h5py.File(sys.argv[1], 'w') as f:",
          "    f.attrs['title'] = 'run 7'",
          "    f.attrs['version'] = 3",
          "    f.attrs['gains'] = np.array([1.5, 2.0])",
          "    f.attrs['tags'] = np.array(['a', 'b\"c'], dtype=h5py.string_dtype())",
          "    f.attrs['long'] = 'x' * 5000",
          "    ct = np.dtype([('id', '<i4'), ('v', '<f8')])",
          "    c = f.create_dataset('events', data=np.zeros(5, dtype=ct), chunks=(2,),"
              + " maxshape=(None,))",
          "    c.attrs['units'] = 'mV'",
          "    f.create_dataset('grp/sub/names', data=np.array(['x', 'yy', 'zzz'],"
              + " dtype=h5py.string_dtype()))",
          "    f['grp'].attrs['kind'] = 'group'",
          "    f.create_dataset('grp/gz', data=np.zeros(1000, dtype='<u2'), chunks=(100,),"
              + " compression='gzip', shuffle=True)",
          "    f.create_dataset('flat', data=np.arange(12, dtype='<f4').reshape(4, 3))",
          "");

  @BeforeAll
  static void write() throws Exception {
    H5py.assumeAvailable();
    file = dir.resolve("a.h5");
    H5py.run(file, SCRIPT);
  }

  private static Dataset<Row> catalog(String view, String path) {
    return reader(REDIS.url()).option("catalog", view).load(path);
  }

  private static Map<String, String> map(Row r, String col) {
    return JavaConverters.mapAsJavaMap(r.<scala.collection.Map<String, String>>getAs(col));
  }

  private static List<Long> longs(Row r, String col) {
    List<Long> out = new ArrayList<>();
    if (r.isNullAt(r.fieldIndex(col))) {
      return null;
    }
    r.<Long>getList(r.fieldIndex(col)).forEach(out::add);
    return out;
  }

  @Test
  void datasetsViewHasOneRowPerDatasetWithItsLayout() {
    Dataset<Row> df = catalog("datasets", file.toString());
    assertThat(df.schema().fieldNames())
        .containsExactly(
            "file",
            "dataset",
            "hdf5_type",
            "spark_type",
            "shape",
            "max_shape",
            "chunk_shape",
            "layout",
            "filters",
            "stored_bytes",
            "rows",
            "attributes");
    List<Row> rows = df.collectAsList();
    assertThat(rows)
        .extracting(r -> r.getString(1))
        .containsExactly("/events", "/flat", "/grp/gz", "/grp/sub/names");
    Row events = rows.get(0);
    assertThat(events.getString(0)).isEqualTo(file.toString());
    assertThat(events.getString(2)).startsWith("compound{").contains("id").contains("v");
    assertThat(events.getString(3)).isEqualTo("struct<id:int,v:double>");
    assertThat(longs(events, "shape")).containsExactly(5L);
    assertThat(longs(events, "max_shape")).containsExactly(-1L);
    assertThat(longs(events, "chunk_shape")).containsExactly(2L);
    assertThat(events.getString(7)).isEqualTo("chunked");
    assertThat(events.getLong(10)).isEqualTo(5);
    assertThat(map(events, "attributes")).containsEntry("units", "mV");

    Row flat = rows.get(1);
    assertThat(flat.getString(2)).isEqualTo("float32");
    assertThat(flat.getString(3)).isEqualTo("array<float>");
    assertThat(longs(flat, "shape")).containsExactly(4L, 3L);
    assertThat(longs(flat, "max_shape")).containsExactly(4L, 3L);
    assertThat(flat.isNullAt(6)).isTrue();
    assertThat(flat.getString(7)).isEqualTo("contiguous");
    assertThat(flat.getList(8)).isEmpty();
    assertThat(flat.getLong(9)).isEqualTo(48);
    assertThat(flat.getLong(10)).isEqualTo(4);

    Row gz = rows.get(2);
    assertThat(gz.getString(2)).isEqualTo("uint16");
    assertThat(gz.getString(3)).isEqualTo("int");
    assertThat(gz.<String>getList(8)).containsExactly("shuffle", "deflate (gzip)");
    assertThat(gz.getLong(9)).isPositive().isLessThan(2000);

    Row names = rows.get(3);
    assertThat(names.getString(2)).isEqualTo("vlen utf-8 string");
    assertThat(names.getString(3)).isEqualTo("string");
    assertThat(names.getLong(10)).isEqualTo(3);
  }

  @Test
  void filesViewHasOneRowPerFile() throws Exception {
    Row r = catalog("files", file.toString()).collectAsList().get(0);
    assertThat(r.getString(0)).isEqualTo(file.toString());
    assertThat(r.getLong(1)).isEqualTo(Files.size(file));
    assertThat(r.getTimestamp(2).getTime()).isEqualTo(Files.getLastModifiedTime(file).toMillis());
    assertThat(r.getInt(3)).isEqualTo(4);
    assertThat(map(r, "attributes"))
        .containsEntry("title", "run 7")
        .containsEntry("version", "3")
        .containsEntry("gains", "[1.5, 2.0]");
    assertThat(r.getBoolean(5)).isFalse();
  }

  @Test
  void attributesViewHasEveryAttributeOfRootGroupsAndDatasetsUntruncated() {
    List<Row> rows =
        catalog("attributes", file.toString())
            .select("object", "name", "value", "type")
            .collectAsList();
    List<String> seen = new ArrayList<>();
    rows.forEach(r -> seen.add(r.getString(0) + " " + r.getString(1)));
    assertThat(seen)
        .containsExactly(
            "/ gains", "/ long", "/ tags", "/ title", "/ version", "/events units", "/grp kind");
    Row tags = rows.get(2);
    assertThat(tags.getString(2)).isEqualTo("[\"a\", \"b\\\"c\"]");
    assertThat(tags.getString(3)).isEqualTo("string[2]");
    assertThat(rows.get(1).getString(2)).hasSize(5000);
    assertThat(rows.get(4).getString(3)).isEqualTo("int64");
    assertThat(rows.get(0).getString(3)).isEqualTo("float64[2]");
  }

  @Test
  void globOverSeveralFilesAndPruning() throws Exception {
    Path d = Files.createDirectories(dir.resolve("many"));
    for (int i = 0; i < 3; i++) {
      Fixtures.doubles(d.resolve("f" + i + ".h5"), "/x", 10 + i, 4);
    }
    Dataset<Row> df = catalog("datasets", d.resolve("f*.h5").toString()).select("file", "rows");
    assertThat(df.collectAsList().toString())
        .isEqualTo(
            "[["
                + d.resolve("f0.h5")
                + ",10], ["
                + d.resolve("f1.h5")
                + ",11], ["
                + d.resolve("f2.h5")
                + ",12]]");
    assertThat(df.queryExecution().executedPlan().toString())
        .contains("catalog=datasets")
        .contains("columns=[file, rows]");
    assertThat(catalog("files", d.toString()).where("datasets = 1").count()).isEqualTo(3);
  }

  @Test
  void sqlTable() {
    spark().sql("DROP TABLE IF EXISTS h5swmr_catalog_t");
    try {
      spark()
          .sql(
              "CREATE TABLE h5swmr_catalog_t USING h5swmr OPTIONS (catalog 'datasets', path '"
                  + file
                  + "', `redis.url` '"
                  + REDIS.url()
                  + "')");
      assertThat(
              spark()
                  .sql(
                      "SELECT dataset, rows FROM h5swmr_catalog_t WHERE layout = 'contiguous' AND rows > 3")
                  .collectAsList()
                  .toString())
          .isEqualTo("[[/flat,4]]");
    } finally {
      spark().sql("DROP TABLE IF EXISTS h5swmr_catalog_t");
    }
  }

  @Test
  void sqlInsertIntoACatalogTableIsRefused() {
    spark().sql("DROP TABLE IF EXISTS h5swmr_catalog_attrs");
    try {
      spark()
          .sql(
              "CREATE TABLE h5swmr_catalog_attrs USING h5swmr OPTIONS (catalog 'attributes', path '"
                  + file
                  + "', `redis.url` '"
                  + REDIS.url()
                  + "')");
      assertThat(spark().sql("SELECT count(*) FROM h5swmr_catalog_attrs").first().getLong(0))
          .isEqualTo(7);
      assertThatThrownBy(
              () ->
                  spark()
                      .sql("INSERT INTO h5swmr_catalog_attrs VALUES ('f', '/', 'n', 'v', 'string')")
                      .collect())
          .hasStackTraceContaining("Option 'catalog' ('attributes')")
          .hasStackTraceContaining("cannot be written");
      assertThat(spark().sql("SELECT count(*) FROM h5swmr_catalog_attrs").first().getLong(0))
          .isEqualTo(7);
    } finally {
      spark().sql("DROP TABLE IF EXISTS h5swmr_catalog_attrs");
    }
  }

  @Test
  void lockNoneNeedsNoRedis() {
    List<Row> rows =
        spark()
            .read()
            .format("h5swmr")
            .option("redis.url", LockNoneReadTest.NO_REDIS)
            .option("lock", "none")
            .option("catalog", "files")
            .load(file.toString())
            .collectAsList();
    assertThat(rows).hasSize(1);
  }

  @Test
  void anAppendInPlaceShowsItsCommittedRows() {
    Path f = dir.resolve("grow.h5");
    Dataset<Row> block = spark().sql("select id as x from range(0, 7, 1, 1)");
    block
        .write()
        .format("h5swmr")
        .option("redis.url", REDIS.url())
        .option("dataset", "/x")
        .mode("append")
        .save(f.toString());
    assertThat(catalog("datasets", f.toString()).select("rows").first().getLong(0)).isEqualTo(7);
    block
        .write()
        .format("h5swmr")
        .option("redis.url", REDIS.url())
        .option("dataset", "/x")
        .mode("append")
        .save(f.toString());
    assertThat(catalog("datasets", f.toString()).select("rows").first().getLong(0)).isEqualTo(14);
  }

  /**
   * A writer stopped inside its commit (journal synced): a catalog read without leases (the writer
   * holds the exclusive one) sees the rows a data read sees at that moment, through the same
   * committed view; once the commit completes, a leased catalog read shows the new rows.
   */
  @Test
  void aCommitInProgressShowsWhatADataReadSees() throws Exception {
    Path f = dir.resolve("journaled.h5");
    spark()
        .sql("select id as x, id * 0.5d as y from range(0, 1000, 1, 1)")
        .write()
        .format("h5swmr")
        .option("redis.url", REDIS.url())
        .option("dataset", "/d")
        .mode("append")
        .save(f.toString());
    String step = io.h5swmr.hdf5.journal.JournalSession.STEP_JOURNAL_SYNCED;
    try (io.h5swmr.testing.ChildJvm w =
        io.h5swmr.testing.ChildJvm.start(
            io.h5swmr.write.WriterChild.class,
            List.of("-D" + io.h5swmr.testing.CommitPause.STOP_PROPERTY + "=" + step),
            List.of("direct", REDIS.url(), f.toString(), "/d", "1000", "1000"))) {
      w.awaitLine("H5SWMR-AT " + step, java.time.Duration.ofSeconds(120));
      Row mid =
          reader(REDIS.url())
              .option("lock", "none")
              .option("catalog", "datasets")
              .load(f.toString())
              .first();
      long dataRows =
          reader(REDIS.url())
              .option("lock", "none")
              .option("dataset", "/d")
              .load(f.toString())
              .count();
      assertThat(mid.getLong(mid.fieldIndex("rows"))).as(w.output()).isEqualTo(dataRows);
      assertThat(longs(mid, "shape")).containsExactly(dataRows);
      w.send("GO");
      w.awaitLine("COMMITTED", java.time.Duration.ofSeconds(120));
    }
    Row after = catalog("datasets", f.toString()).first();
    assertThat(after.getLong(after.fieldIndex("rows"))).isEqualTo(2000);
  }

  @Test
  void aNativeSwmrFileShowsItsWriterAndFlushedRows() throws Exception {
    io.h5swmr.testing.NativeWriterProcess.assumeAvailable();
    Path f = dir.resolve("live.h5");
    try (io.h5swmr.testing.NativeWriterProcess w =
        io.h5swmr.testing.NativeWriterProcess.start(f, "swmr")) {
      assertThat(w.append(30)).isEqualTo(30);
      assertThat(catalog("files", f.toString()).select("swmr_writer").first().getBoolean(0))
          .isTrue();
      Row x = catalog("datasets", f.toString()).where("dataset = '/data/x'").first();
      assertThat(x.getLong(x.fieldIndex("rows"))).isEqualTo(30);
      assertThat(w.append(26)).isEqualTo(56);
      x = catalog("datasets", f.toString()).where("dataset = '/data/x'").first();
      assertThat(x.getLong(x.fieldIndex("rows"))).isEqualTo(56);
    }
  }

  @Test
  void aStreamOfACatalogIsRefused() {
    assertThatThrownBy(
            () ->
                spark()
                    .readStream()
                    .format("h5swmr")
                    .option("redis.url", REDIS.url())
                    .option("catalog", "files")
                    .load(file.toString())
                    .writeStream()
                    .format("memory")
                    .queryName("h5swmr_catalog_stream")
                    .start()
                    .processAllAvailable())
        .hasStackTraceContaining("Option 'catalog' ('files')")
        .hasStackTraceContaining("batch");
  }

  @Test
  void badInputFailsAtLoadNamingTheOption() {
    assertThatThrownBy(() -> catalog("tables", file.toString()))
        .isInstanceOf(H5SwmrConfigException.class)
        .hasMessageContaining("'catalog'")
        .hasMessageContaining("'tables'")
        .hasMessageContaining("files, datasets or attributes");
    assertThatThrownBy(
            () ->
                reader(REDIS.url())
                    .option("catalog", "datasets")
                    .option("dataset", "/x")
                    .option("indexColumn", "i")
                    .load(file.toString()))
        .isInstanceOf(H5SwmrConfigException.class)
        .hasMessageContaining("'dataset', 'indexColumn'")
        .hasMessageContaining("'catalog'");
    assertThatThrownBy(() -> catalog("files", dir.resolve("missing.h5").toString()).collect())
        .isInstanceOf(H5SwmrNotFoundException.class)
        .hasMessageContaining("Path does not exist");
  }

  @Test
  void writingWithCatalogIsRefused() {
    Path f = dir.resolve("w.h5");
    assertThatThrownBy(
            () ->
                spark()
                    .sql("select id as x from range(3)")
                    .write()
                    .format("h5swmr")
                    .option("redis.url", REDIS.url())
                    .option("catalog", "datasets")
                    .mode("append")
                    .save(f.toString()))
        .isInstanceOf(H5SwmrConfigException.class)
        .hasMessageContaining("'catalog'")
        .hasMessageContaining("cannot be written");
    assertThat(f).doesNotExist();
  }
}
