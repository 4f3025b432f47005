package io.h5swmr.read;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.h5swmr.config.H5SwmrOptions;
import io.h5swmr.exceptions.H5SwmrDataException;
import io.h5swmr.stream.H5SwmrMicroBatchStream;
import io.h5swmr.testing.RedisServerExtension;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
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
 * Issue 29: a local file replaced by a rename between planning and the tasks, by h5py with the same
 * layout (so the dataset's object id is the same), fails the scan's tasks instead of mixing old and
 * new rows.
 */
class FileReplacedDuringScanTest {
  @RegisterExtension static final RedisServerExtension REDIS = RedisServerExtension.create();

  @TempDir Path dir;

  private static final String MAKE =
      "import sys, os, h5py, numpy as np\n"
          + "n, add = int(sys.argv[2]), float(sys.argv[3])\n"
          + "tmp = sys.argv[1] + '.tmp'\n"
          + "with h5py.File(tmp, 'w') as h:\n"
          + "    h.create_dataset('x', data=np.arange(n, dtype='<f8') + add, maxshape=(None,), chunks=(1000,))\n"
          + "os.replace(tmp, sys.argv[1])\n";

  private void make(Path f, long rows, double add) throws Exception {
    Path py = dir.resolve("make.py");
    Files.writeString(py, MAKE);
    Process p =
        new ProcessBuilder(
                H5py.PYTHON, py.toString(), f.toString(), String.valueOf(rows), String.valueOf(add))
            .redirectErrorStream(true)
            .start();
    String out =
        new String(p.getInputStream().readAllBytes(), java.nio.charset.StandardCharsets.UTF_8);
    assertThat(p.waitFor()).as(out).isZero();
  }

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
                "64k"));
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

  @Test
  void aFileRenamedOverThePathAfterPlanningFailsTheTasks() throws Exception {
    H5py.assumeAvailable();
    Path f = dir.resolve("r.h5");
    make(f, 20_000, 0);
    Scan scan = planned(f);
    make(f, 200_000, 1_000_000); // same layout: the dataset object sits at the same address
    assertThatThrownBy(() -> run(scan.toBatch()))
        .isInstanceOf(H5SwmrDataException.class)
        .hasMessageContaining(f.toString())
        .hasMessageContaining("was replaced during the scan")
        .hasMessageContaining("Rerun the query");
    // a new scan reads the new file
    assertThat(run(planned(f).toBatch())).hasSize(200_000).first().isEqualTo(1_000_000.0);
  }

  @Test
  void theSameFileChangedInPlaceIsNotAReplacement() throws Exception {
    H5py.assumeAvailable();
    Path f = dir.resolve("same.h5");
    make(f, 5_000, 0);
    Scan scan = planned(f);
    H5py.run(
        f,
        "import sys, h5py\nwith h5py.File(sys.argv[1], 'a') as h:\n"
            + "    d = h['x']; d.resize((6000,)); d[5000:] = 7\n");
    assertThat(run(scan.toBatch())).hasSize(5_000);
  }
}
