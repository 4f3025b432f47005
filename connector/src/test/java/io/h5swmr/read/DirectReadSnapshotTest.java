package io.h5swmr.read;

import static org.assertj.core.api.Assertions.assertThat;

import io.h5swmr.config.H5SwmrOptions;
import io.h5swmr.hdf5.H5ColumnWrite;
import io.h5swmr.hdf5.H5Dataset;
import io.h5swmr.hdf5.H5DatasetSpec;
import io.h5swmr.hdf5.H5File;
import io.h5swmr.hdf5.H5StoredBlock;
import io.h5swmr.hdf5.H5Type;
import io.h5swmr.stream.H5SwmrMicroBatchStream;
import io.h5swmr.testing.ChildJvm;
import io.h5swmr.testing.RedisServerExtension;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import org.apache.spark.sql.connector.read.Batch;
import org.apache.spark.sql.connector.read.InputPartition;
import org.apache.spark.sql.connector.read.PartitionReader;
import org.apache.spark.sql.connector.read.PartitionReaderFactory;
import org.apache.spark.sql.vectorized.ColumnarBatch;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;
import org.junit.jupiter.api.io.TempDir;

/**
 * The Java chunk path under in-place appends: chunk locations are looked up under the task's lease,
 * so a compressed chunk that an append rewrote (and HDF5 moved) after planning is read from where
 * it is now, and the scan still returns exactly the planned rows with their values.
 */
class DirectReadSnapshotTest {
  @RegisterExtension static final RedisServerExtension REDIS = RedisServerExtension.create();

  private static final int BLOCK = 100;

  @TempDir Path dir;

  private static void create(Path f, int rows) {
    double[] v = new double[rows];
    for (int i = 0; i < rows; i++) {
      v[i] = GzipAppenderMain.value(i, BLOCK);
    }
    Fixtures.write(
        f,
        "/x",
        H5DatasetSpec.of(H5Type.float64()).withChunkRows(64).withDeflate(6).withShuffle(true),
        rows,
        H5ColumnWrite.from(v, 0));
  }

  private Batch plan(Path f, boolean direct, String partitionBytes) {
    Map<String, String> m =
        new HashMap<>(
            Map.of(
                "path",
                f.toString(),
                "dataset",
                "/x",
                "redis.url",
                REDIS.url(),
                "partitionBytes",
                partitionBytes));
    m.put(H5SwmrOptions.DIRECT_READ, String.valueOf(direct));
    H5SwmrOptions o = H5SwmrOptions.of(m);
    return new H5SwmrScanBuilder(H5SwmrSchemaInference.infer(o), o, H5SwmrMicroBatchStream::new)
        .build()
        .toBatch();
  }

  /**
   * Runs every partition with the columnar reader; checks each row's value; returns rows and direct
   * rows.
   */
  private static long[] runAndVerify(Batch batch) throws Exception {
    PartitionReaderFactory factory = batch.createReaderFactory();
    long rows = 0;
    long direct = 0;
    for (InputPartition p : batch.planInputPartitions()) {
      assertThat(factory.supportColumnarReads(p)).isTrue();
      try (PartitionReader<ColumnarBatch> r = factory.createColumnarReader(p)) {
        while (r.next()) {
          ColumnarBatch b = r.get();
          for (int i = 0; i < b.numRows(); i++) {
            long index = b.column(0).getLong(i);
            assertThat(Double.doubleToRawLongBits(b.column(1).getDouble(i)))
                .as("row %d", index)
                .isEqualTo(Double.doubleToRawLongBits(GzipAppenderMain.value(index, BLOCK)));
            assertThat(index).isEqualTo(rows);
            rows++;
          }
        }
        for (var m : r.currentMetricsValues()) {
          if (m.name().equals(DirectRowsMetric.NAME)) {
            direct += m.value();
          }
        }
      }
    }
    return new long[] {rows, direct};
  }

  @Test
  void chunkMovedByAnAppendAfterPlanningIsReadWhereItIsNow() throws Exception {
    Path f = dir.resolve("moved.h5");
    create(
        f,
        130); // rows 100..129 are in the hashed block: the last chunk [128, 192) is partly filled
    Batch planned = plan(f, true, "4096");
    List<H5StoredBlock> before;
    try (H5File h = H5File.openReadOnly(f.toString());
        H5Dataset d = h.openDataset("/x")) {
      before = d.storedBlocks(0, 130);
    }
    // In place, as the in-place committer does: rewrites the partly filled chunks with
    // incompressible values.
    try (H5File h = H5File.openReadWrite(f.toString());
        H5Dataset d = h.openDataset("/x")) {
      double[] v = new double[170];
      for (int i = 0; i < v.length; i++) {
        v[i] = GzipAppenderMain.value(130 + i, BLOCK);
      }
      d.append(v.length, H5ColumnWrite.from(v, 0));
    }
    List<H5StoredBlock> after;
    try (H5File h = H5File.openReadOnly(f.toString());
        H5Dataset d = h.openDataset("/x")) {
      after = d.storedBlocks(0, 130);
    }
    assertThat(after).as("the append moved a chunk the plan covers").isNotEqualTo(before);
    long[] got = runAndVerify(planned);
    assertThat(got[0]).as("the planned rows, not the appended ones").isEqualTo(130);
    assertThat(got[1]).as("read by the Java chunk path").isEqualTo(130);
    assertThat(runAndVerify(plan(f, true, "4096"))[0]).isEqualTo(300);
  }

  @Test
  void scansPlannedBeforeConcurrentInPlaceAppendsReadExactlyThePlannedValues() throws Exception {
    Path f = dir.resolve("live.h5");
    create(f, 50);
    List<Long> seen = new ArrayList<>();
    long direct = 0;
    try (ChildJvm appender =
        ChildJvm.start(GzipAppenderMain.class, f.toString(), REDIS.url(), String.valueOf(BLOCK))) {
      appender.awaitLine("BLOCK 0", Duration.ofSeconds(60));
      for (int scan = 0; scan < 4; scan++) {
        Batch planned = plan(f, true, "65536");
        int blocks = appender.stdoutLines().size();
        // Let at least one more in-place commit land between planning and the tasks.
        appender.awaitLine(
            l -> l.equals("BLOCK " + blocks), "a commit after planning", Duration.ofSeconds(60));
        long[] got = runAndVerify(planned);
        seen.add(got[0]);
        direct += got[1];
      }
      assertThat(appender.isAlive()).as("appender still appending during the scans").isTrue();
      appender.send("STOP");
      appender.awaitLine("DONE", Duration.ofSeconds(120));
    }
    for (int i = 1; i < seen.size(); i++) {
      assertThat(seen.get(i)).isGreaterThan(seen.get(i - 1));
    }
    assertThat(direct)
        .as("rows read by the Java chunk path")
        .isEqualTo(seen.stream().mapToLong(x -> x).sum());
    System.out.println("scans planned before in-place appends, rows: " + seen);
  }
}
