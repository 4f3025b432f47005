package io.h5swmr.read;

import static org.assertj.core.api.Assertions.assertThat;

import io.h5swmr.hdf5.H5ColumnWrite;
import io.h5swmr.hdf5.H5Dataset;
import io.h5swmr.hdf5.H5DatasetSpec;
import io.h5swmr.hdf5.H5File;
import io.h5swmr.hdf5.H5Type;
import io.h5swmr.testing.SharedSpark;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import org.apache.spark.sql.Dataset;
import org.apache.spark.sql.Row;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * Option {@code libdeflate} of a read reaches its tasks as a plain value of the plan (set: that
 * value; not set: null, each executor's JVM default), and a gzip dataset reads the same rows either
 * way.
 */
class LibdeflateOptionTest {
  @TempDir static Path dir;

  static Path file;
  static final int N = 5000;

  @BeforeAll
  static void writeFixture() {
    file = dir.resolve("gz.h5");
    double[] x = new double[N];
    for (int i = 0; i < N; i++) {
      x[i] = Math.sin(i / 50.0) * 1000;
    }
    try (H5File f = H5File.create(file.toString());
        H5Dataset d =
            f.createDataset(
                "/x",
                H5DatasetSpec.of(H5Type.float64())
                    .withChunkRows(256)
                    .withDeflate(6)
                    .withShuffle(true))) {
      d.append(N, List.of(H5ColumnWrite.from(x, 0)));
    }
  }

  private static Dataset<Row> load(Map<String, String> extra) {
    return SharedSpark.get()
        .read()
        .format("h5swmr")
        .option("lock", "none")
        .option("dataset", "/x")
        .option("partitionBytes", "8k")
        .options(extra)
        .load(file.toString());
  }

  private static Boolean planned(Dataset<Row> df) throws Exception {
    java.lang.reflect.Field f = H5SwmrScan.class.getDeclaredField("plan");
    f.setAccessible(true);
    return ((ReadPlan) f.get(ReadTestSupport.scanOf(df))).libdeflate;
  }

  @Test
  void theOptionReachesThePlanAndTheRowsAreTheSame() throws Exception {
    Dataset<Row> unset = load(Map.of());
    List<Row> expected = unset.orderBy("index").collectAsList();
    assertThat(expected).hasSize(N);
    assertThat(planned(unset)).isNull();
    for (String v : new String[] {"true", "false"}) {
      Dataset<Row> df = load(Map.of("libdeflate", v));
      assertThat(df.orderBy("index").collectAsList()).as("libdeflate=%s", v).isEqualTo(expected);
      assertThat(planned(df)).isEqualTo(Boolean.valueOf(v));
    }
  }
}
