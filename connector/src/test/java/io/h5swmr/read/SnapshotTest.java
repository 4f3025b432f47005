package io.h5swmr.read;

import static io.h5swmr.read.ReadTestSupport.reader;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.h5swmr.config.H5SwmrOptions;
import io.h5swmr.exceptions.H5SwmrDataException;
import io.h5swmr.exceptions.H5SwmrLeaseLostException;
import io.h5swmr.hdf5.H5ColumnWrite;
import io.h5swmr.hdf5.H5Dataset;
import io.h5swmr.hdf5.H5DatasetSpec;
import io.h5swmr.hdf5.H5File;
import io.h5swmr.hdf5.H5Type;
import io.h5swmr.lock.LockKeys;
import io.h5swmr.lock.LockService;
import io.h5swmr.stream.H5SwmrMicroBatchStream;
import io.h5swmr.testing.ChildJvm;
import io.h5swmr.testing.RedisServerExtension;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;
import org.apache.spark.sql.Row;
import org.apache.spark.sql.catalyst.InternalRow;
import org.apache.spark.sql.connector.read.Batch;
import org.apache.spark.sql.connector.read.InputPartition;
import org.apache.spark.sql.connector.read.PartitionReader;
import org.apache.spark.sql.connector.read.PartitionReaderFactory;
import org.apache.spark.sql.types.StructType;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;
import org.junit.jupiter.api.io.TempDir;

/**
 * Snapshot semantics: a scan reads the extent seen at planning; a modified dataset fails the task.
 */
class SnapshotTest {
  @RegisterExtension static final RedisServerExtension REDIS = RedisServerExtension.create();

  @TempDir Path dir;

  private Batch plan(Path f) {
    H5SwmrOptions o =
        H5SwmrOptions.of(
            Map.of(
                "path",
                f.toString(),
                "dataset",
                "/x",
                "redis.url",
                REDIS.url(),
                "partitionBytes",
                "256"));
    StructType schema = H5SwmrSchemaInference.infer(o);
    return new H5SwmrScanBuilder(schema, o, H5SwmrMicroBatchStream::new).build().toBatch();
  }

  /** Runs every partition of a planned batch with the row reader; returns the index values read. */
  private static List<Long> run(Batch batch) throws Exception {
    return run(batch, batch.createReaderFactory());
  }

  private static List<Long> run(Batch batch, PartitionReaderFactory factory) throws Exception {
    List<Long> out = new ArrayList<>();
    for (InputPartition p : batch.planInputPartitions()) {
      try (PartitionReader<InternalRow> r = factory.createReader(p)) {
        while (r.next()) {
          out.add(r.get().getLong(0));
        }
      }
    }
    return out;
  }

  private static void append(Path f, int rows) {
    try (H5File file = H5File.openReadWrite(f.toString());
        H5Dataset d = file.openDataset("/x")) {
      d.append(rows, H5ColumnWrite.from(new double[rows], 0));
    }
  }

  @Test
  void rowsAppendedAfterPlanningAreInvisibleUntilTheNextScan() throws Exception {
    Path f = dir.resolve("grow.h5");
    Fixtures.doubles(f, "/x", 100, 16);
    Batch planned = plan(f);
    append(f, 37);
    assertThat(run(planned)).hasSize(100).doesNotHaveDuplicates().allMatch(i -> i < 100);
    assertThat(run(plan(f))).hasSize(137);
    assertThat(reader(REDIS.url()).option("dataset", "/x").load(f.toString()).count())
        .isEqualTo(137);
  }

  @Test
  void replacedDatasetFailsWithModifiedDuringTheScan() {
    Path f = dir.resolve("replaced.h5");
    Fixtures.doubles(f, "/x", 100, 16);
    Batch planned = plan(f);
    try (H5File file = H5File.openReadWrite(f.toString())) {
      file.delete("/x");
    }
    Fixtures.doubles(f, "/x", 200, 16);
    assertThatThrownBy(() -> run(planned))
        .isInstanceOf(H5SwmrDataException.class)
        .hasMessageContaining("Dataset '/x' in file " + f)
        .hasMessageContaining("modified during the scan")
        .hasMessageContaining("replaced");
  }

  @Test
  void sparkOverwriteAfterPlanningFailsWithModifiedDuringTheScan() {
    // The committer deletes and re-creates the dataset inside one HDF5 session, where HDF5 may
    // reuse the object's address: the created-token attribute it writes keeps the identity
    // distinct.
    Path f = dir.resolve("overwritten.h5");
    org.apache.spark.sql.SparkSession spark = io.h5swmr.testing.SharedSpark.get();
    org.apache.spark.sql.Dataset<org.apache.spark.sql.Row> rows =
        spark.range(100).selectExpr("CAST(id AS DOUBLE) AS x");
    rows.write()
        .format("h5swmr")
        .option("dataset", "/x")
        .option("redis.url", REDIS.url())
        .mode("append")
        .save(f.toString());
    Batch planned = plan(f);
    rows.selectExpr("x + 1000 AS x")
        .write()
        .format("h5swmr")
        .option("dataset", "/x")
        .option("redis.url", REDIS.url())
        .mode("overwrite")
        .save(f.toString());
    assertThatThrownBy(() -> run(planned))
        .isInstanceOf(H5SwmrDataException.class)
        .hasMessageContaining("modified during the scan")
        .hasMessageContaining("replaced");
  }

  @Test
  void deletedDatasetFailsWithModifiedDuringTheScan() {
    Path f = dir.resolve("deleted.h5");
    Fixtures.doubles(f, "/x", 100, 16);
    Fixtures.doubles(f, "/other", 1, 16);
    Batch planned = plan(f);
    try (H5File file = H5File.openReadWrite(f.toString())) {
      file.delete("/x");
    }
    assertThatThrownBy(() -> run(planned))
        .isInstanceOf(H5SwmrDataException.class)
        .hasMessageContaining("modified during the scan")
        .hasMessageContaining("no longer exists");
  }

  @Test
  void leaseLostDuringAPartitionReadFailsTheTask() throws Exception {
    Path f = dir.resolve("lost.h5");
    Fixtures.doubles(f, "/x", 64, 16);
    H5SwmrOptions o =
        H5SwmrOptions.of(
            Map.of(
                "path",
                f.toString(),
                "dataset",
                "/x",
                "redis.url",
                REDIS.url(),
                "lock.ttl",
                "600ms"));
    Batch batch =
        new H5SwmrScanBuilder(H5SwmrSchemaInference.infer(o), o, H5SwmrMicroBatchStream::new)
            .build()
            .toBatch();
    LockService admin = LockService.shared(o.lockSettings());
    java.util.function.Consumer<io.h5swmr.lock.Lease> loseLease =
        lease -> {
          CountDownLatch lost = new CountDownLatch(1);
          lease.onLost(reason -> lost.countDown());
          admin.forceReleaseAll(lease.resource());
          try {
            assertThat(lost.await(10, TimeUnit.SECONDS))
                .as("watchdog notices the lost lease")
                .isTrue();
          } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
          }
        };
    PartitionReaderFactory losing =
        ((H5SwmrPartitionReaderFactory) batch.createReaderFactory()).afterEachRead(loseLease);
    assertThatThrownBy(() -> run(batch, losing))
        .isInstanceOf(H5SwmrLeaseLostException.class)
        .hasMessageContaining(LockKeys.forFile(f));
    assertThat(run(batch)).hasSize(64);
  }

  @Test
  void concurrentAppenderProcessOnlyEverShowsWholeCheckedBlocks() throws Exception {
    Path f = dir.resolve("live.h5");
    H5Type rec =
        H5Type.compound(
            List.of("seq", "value", "check"),
            List.of(H5Type.int64(), H5Type.float64(), H5Type.int64()));
    Fixtures.write(f, "/rec", H5DatasetSpec.of(rec).withChunkRows(64), 0);
    int blockRows = 100;
    int blocks = 1_000_000;
    List<Long> seen = new ArrayList<>();
    try (ChildJvm appender =
        ChildJvm.start(
            AppenderMain.class,
            f.toString(),
            REDIS.url(),
            String.valueOf(blocks),
            String.valueOf(blockRows))) {
      appender.awaitLine("BLOCK 0", Duration.ofSeconds(60));
      while (seen.size() < 6) {
        seen.add(verifiedRows(f, blockRows));
      }
      assertThat(appender.isAlive()).as("appender still appending during the scans").isTrue();
      appender.send("STOP");
      appender.awaitLine("DONE", Duration.ofSeconds(120));
    }
    long last = verifiedRows(f, blockRows);
    seen.add(last);
    for (int i = 1; i < seen.size(); i++) {
      assertThat(seen.get(i))
          .as("scan %d never goes back", i)
          .isGreaterThanOrEqualTo(seen.get(i - 1));
    }
    assertThat(seen.get(0)).isGreaterThan(0);
    System.out.println("concurrent scans: " + seen.size() + ", rows seen: " + seen);
  }

  /**
   * One Spark scan of /rec: a prefix of whole blocks whose checksums verify; returns its row count.
   */
  private long verifiedRows(Path f, int blockRows) {
    List<Row> rows =
        new ArrayList<>(
            reader(REDIS.url())
                .option("dataset", "/rec")
                .option("partitionBytes", "4k")
                .load(f.toString())
                .collectAsList());
    rows.sort((a, b) -> Long.compare(a.getLong(0), b.getLong(0)));
    assertThat(rows.size() % blockRows).as("whole blocks only").isZero();
    long blockSum = 0;
    for (int i = 0; i < rows.size(); i++) {
      Row r = rows.get(i);
      assertThat(r.getLong(0)).isEqualTo(i);
      assertThat(r.getLong(1)).as("seq").isEqualTo(i);
      assertThat(r.getDouble(2)).isEqualTo(i * 0.25);
      blockSum += i;
      if (i % blockRows == blockRows - 1) {
        for (int j = i - blockRows + 1; j <= i; j++) {
          assertThat(rows.get(j).getLong(3)).as("checksum of row %d", j).isEqualTo(blockSum);
        }
        blockSum = 0;
      }
    }
    return rows.size();
  }
}
