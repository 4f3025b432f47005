package io.h5swmr.read;

import static io.h5swmr.read.ReadTestSupport.reader;
import static io.h5swmr.read.ReadTestSupport.scanOf;
import static org.assertj.core.api.Assertions.assertThat;

import io.h5swmr.config.H5SwmrOptions;
import io.h5swmr.hdf5.NativeWriters;
import io.h5swmr.stream.H5SwmrMicroBatchStream;
import io.h5swmr.testing.NativeWriterProcess;
import io.h5swmr.testing.RedisServerExtension;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import org.apache.spark.sql.Dataset;
import org.apache.spark.sql.Row;
import org.apache.spark.sql.catalyst.InternalRow;
import org.apache.spark.sql.connector.read.Batch;
import org.apache.spark.sql.connector.read.InputPartition;
import org.apache.spark.sql.connector.read.PartitionReader;
import org.apache.spark.sql.connector.read.PartitionReaderFactory;
import org.apache.spark.sql.types.StructType;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;
import org.junit.jupiter.api.io.TempDir;

/**
 * Files a native HDF5 SWMR writer (a real h5py process, see native_writer.py for the value of row
 * r) appends to while Spark scans them: every scan reads a flushed prefix, the one planned, with
 * correct values.
 */
class NativeSwmrReadTest {
  @RegisterExtension static final RedisServerExtension REDIS = RedisServerExtension.create();

  @TempDir Path dir;

  @BeforeAll
  static void h5py() {
    NativeWriterProcess.assumeAvailable();
  }

  private Batch plan(Path f, String dataset) {
    H5SwmrOptions o =
        H5SwmrOptions.of(
            Map.of(
                "path",
                f.toString(),
                "dataset",
                dataset,
                "redis.url",
                REDIS.url(),
                "partitionBytes",
                "64"));
    StructType schema = H5SwmrSchemaInference.infer(o);
    return new H5SwmrScanBuilder(schema, o, H5SwmrMicroBatchStream::new).build().toBatch();
  }

  private static List<InternalRow> run(Batch batch) throws Exception {
    PartitionReaderFactory factory = batch.createReaderFactory();
    List<InternalRow> out = new ArrayList<>();
    for (InputPartition p : batch.planInputPartitions()) {
      try (PartitionReader<InternalRow> r = factory.createReader(p)) {
        while (r.next()) {
          out.add(r.get().copy());
        }
      }
    }
    return out;
  }

  @Test
  void tasksReadTheExtentPlannedWhileTheWriterAppends() throws Exception {
    Path f = dir.resolve("live.h5");
    try (NativeWriterProcess w = NativeWriterProcess.start(f, "swmr")) {
      assertThat(w.append(30)).isEqualTo(30);
      Batch x = plan(f, "/data/x");
      Batch img = plan(f, "/data/img");
      assertThat(x.planInputPartitions()).hasSizeGreaterThan(2);
      assertThat(w.append(26)).isEqualTo(56); // the file grows after planning, before any task runs
      List<InternalRow> rows = run(x);
      assertThat(rows).hasSize(30);
      for (int r = 0; r < 30; r++) {
        assertThat(rows.get(r).getLong(0)).isEqualTo(r);
        assertThat(rows.get(r).getDouble(1)).isEqualTo(r / 2.0);
      }
      List<InternalRow> imgs = run(img);
      assertThat(imgs).hasSize(30);
      assertThat(imgs.get(29).getArray(1).toIntArray()).containsExactly(290, 291, 292);
      assertThat(NativeWriters.inspect(f).swmrMarked()).isTrue();
    }
  }

  @Test
  void sparkScansSeveralFilesAndDatasetsWhileTwoWritersAppend() throws Exception {
    Path a = dir.resolve("a.h5");
    Path b = dir.resolve("b.h5");
    try (NativeWriterProcess wa = NativeWriterProcess.start(a, "swmr", 7, Map.of());
        NativeWriterProcess wb = NativeWriterProcess.start(b, "swmr", 5, Map.of())) {
      wa.append(12);
      wb.append(3);
      wa.run(5);
      wb.run(3);
      long growth = 0;
      for (int round = 0; round < 3; round++) {
        long[] lowA = {wa.flushed()};
        long lowB = wb.flushed();
        Dataset<Row> x =
            reader(REDIS.url())
                .option("dataset", "/data/x")
                .option("fileColumn", "file")
                .load(dir.resolve("*.h5").toString());
        List<Row> xs = x.collectAsList();
        long highA = wa.flushed();
        long highB = wb.flushed();
        Map<String, List<Row>> byFile = new HashMap<>();
        for (Row r : xs) {
          byFile.computeIfAbsent(r.getString(2), k -> new ArrayList<>()).add(r);
        }
        checkPrefix(
            byFile.get(a.toString()), lowA[0], highA, r -> r.getDouble(1) == r.getLong(0) / 2.0);
        checkPrefix(
            byFile.get(b.toString()), lowB, highB, r -> r.getDouble(1) == r.getLong(0) / 2.0);
        assertThat(scanOf(x).description())
            .contains("swmr=2 file(s) open by a native SWMR writer")
            .contains("lock=redis");

        long low = wa.flushed();
        List<Row> comp =
            reader(REDIS.url()).option("dataset", "/data/comp").load(a.toString()).collectAsList();
        checkPrefix(
            comp,
            low,
            wa.flushed(),
            r ->
                r.getLong(1) == r.getLong(0)
                    && r.getFloat(2) == 2f * r.getLong(0)
                    && r.getString(3).equals("r" + r.getLong(0)));

        low = wb.flushed();
        List<Row> img =
            reader(REDIS.url()).option("dataset", "/data/img").load(b.toString()).collectAsList();
        checkPrefix(
            img,
            low,
            wb.flushed(),
            r ->
                r.getList(1)
                    .equals(
                        List.of(
                            (int) r.getLong(0) * 10,
                            (int) r.getLong(0) * 10 + 1,
                            (int) r.getLong(0) * 10 + 2)));

        low = wa.flushed();
        List<Row> cols =
            reader(REDIS.url())
                .option("datasets", "/data/x,/data/gz")
                .option("lock", "none")
                .load(a.toString())
                .collectAsList();
        checkPrefix(
            cols,
            low,
            wa.flushed(),
            r ->
                r.getDouble(1) == r.getLong(0) / 2.0
                    && r.getLong(2) == r.getLong(0) * r.getLong(0));
        growth = wa.flushed() - lowA[0];
      }
      assertThat(growth).as("the writer appended while Spark scanned").isPositive();
      long finalA = wa.stop();
      long finalB = wb.stop();
      assertThat(reader(REDIS.url()).option("dataset", "/data/gz").load(a.toString()).count())
          .isEqualTo(finalA);
      assertThat(reader(REDIS.url()).option("dataset", "/data/comp").load(b.toString()).count())
          .isEqualTo(finalB);
    }
  }

  @Test
  void aWriterKilledMidRunLeavesTheFileReadableUpToWhatItFlushed() throws Exception {
    Path f = dir.resolve("killed.h5");
    long seen;
    try (NativeWriterProcess w = NativeWriterProcess.start(f, "swmr")) {
      w.append(40);
      w.run(9);
      seen = w.awaitFlushed(200);
      w.kill();
    }
    assertThat(NativeWriters.inspect(f).swmrMarked())
        .as("a killed writer leaves its mark")
        .isTrue();
    List<Row> rows =
        reader(REDIS.url()).option("dataset", "/data/comp").load(f.toString()).collectAsList();
    // At least every row it reported flushed; a flush may have completed after the last line was
    // read.
    checkPrefix(
        rows,
        seen,
        Long.MAX_VALUE,
        r -> r.getLong(1) == r.getLong(0) && r.getString(3).equals("r" + r.getLong(0)));
    assertThat(rows.size() % 9).isEqualTo(40 % 9);
    Dataset<Row> noRedis =
        reader("redis://127.0.0.1:1")
            .option("lock", "none")
            .option("dataset", "/data/img")
            .load(f.toString());
    assertThat(noRedis.count()).isEqualTo(rows.size());
  }

  /** Rows are exactly indexes 0..n-1 in order, n within [low, high], each satisfying {@code ok}. */
  private static void checkPrefix(
      List<Row> rows, long low, long high, java.util.function.Predicate<Row> ok) {
    assertThat(rows).isNotNull();
    assertThat((long) rows.size()).isBetween(low, high);
    for (int i = 0; i < rows.size(); i++) {
      Row r = rows.get(i);
      assertThat(r.getLong(0)).isEqualTo(i);
      assertThat(ok.test(r)).as("values of row %s: %s", i, r).isTrue();
    }
  }
}
