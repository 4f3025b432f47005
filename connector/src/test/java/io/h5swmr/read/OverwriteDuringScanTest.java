package io.h5swmr.read;

import static io.h5swmr.read.ReadTestSupport.reader;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.h5swmr.config.H5SwmrOptions;
import io.h5swmr.exceptions.H5SwmrDataException;
import io.h5swmr.stream.H5SwmrMicroBatchStream;
import io.h5swmr.testing.RedisServerExtension;
import io.h5swmr.testing.SharedSpark;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import org.apache.spark.sql.Dataset;
import org.apache.spark.sql.Row;
import org.apache.spark.sql.catalyst.InternalRow;
import org.apache.spark.sql.connector.read.Batch;
import org.apache.spark.sql.connector.read.InputPartition;
import org.apache.spark.sql.connector.read.PartitionReader;
import org.apache.spark.sql.connector.read.Scan;
import org.apache.spark.sql.types.StructType;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;
import org.junit.jupiter.api.io.TempDir;

/**
 * Issue 14 item 11: an overwrite after a scan was planned fails its tasks with advice the user can
 * act on (a Spark task retry cannot help: the snapshot is fixed at planning); appends never
 * invalidate a scan.
 */
class OverwriteDuringScanTest {
  @RegisterExtension static final RedisServerExtension REDIS = RedisServerExtension.create();

  @TempDir Path dir;

  private Scan planned(Path f) {
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
    return new H5SwmrScanBuilder(schema, o, H5SwmrMicroBatchStream::new).build();
  }

  private static List<Double> run(Batch batch) throws Exception {
    List<Double> out = new ArrayList<>();
    for (InputPartition p : batch.planInputPartitions()) {
      try (PartitionReader<InternalRow> r = batch.createReaderFactory().createReader(p)) {
        while (r.next()) {
          out.add(r.get().getDouble(1));
        }
      }
    }
    return out;
  }

  private void write(Path f, long rows, double add, String mode) {
    Dataset<Row> df =
        SharedSpark.get().range(rows).selectExpr("CAST(id AS DOUBLE) + " + add + " AS x");
    df.write()
        .format("h5swmr")
        .option("dataset", "/x")
        .option("redis.url", REDIS.url())
        .mode(mode)
        .save(f.toString());
  }

  @Test
  void overwriteAfterPlanningFailsSayingWhatToDo() {
    Path f = dir.resolve("p.h5");
    write(f, 100, 0, "append");
    Scan scan = planned(f);
    write(f, 60, 1000, "overwrite");
    assertThatThrownBy(() -> run(scan.toBatch()))
        .isInstanceOf(H5SwmrDataException.class)
        .hasMessageContaining("modified during the scan")
        .hasMessageContaining("Rerun the query")
        .hasMessageContaining("append instead of overwriting");
  }

  @Test
  void appendsAfterPlanningDoNotFailTheScan() throws Exception {
    Path f = dir.resolve("a.h5");
    write(f, 100, 0, "append");
    Scan scan = planned(f);
    write(f, 50, 0, "append");
    assertThat(run(scan.toBatch())).hasSize(100);
    assertThat(reader(REDIS.url()).option("dataset", "/x").load(f.toString()).count())
        .isEqualTo(150);
  }
}
