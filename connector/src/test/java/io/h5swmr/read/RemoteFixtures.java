package io.h5swmr.read;

import static org.assertj.core.api.Assertions.assertThat;

import java.nio.file.Path;
import java.util.List;
import org.apache.spark.sql.DataFrameReader;
import org.apache.spark.sql.Dataset;
import org.apache.spark.sql.Row;
import org.apache.spark.sql.functions;

/**
 * The h5py-written files the remote-read tests put on HDFS and S3 and read back from there and from
 * local disk: several types as column datasets of group {@code /t} — a contiguous int32,
 * chunked+gzip+shuffle float64 and uint16, a chunked+gzip fixed-length string, a bool — and a
 * chunked+gzip 2-D float32 dataset {@code /m}.
 */
final class RemoteFixtures {
  static final int ROWS_A = 5000;
  static final int ROWS_B = 3000;

  static final String SCRIPT =
      String.join(
          "\n",
          "import sys, h5py, numpy as np",
          "n, seed = int(sys.argv[2]), int(sys.argv[3])",
          "r = np.random.default_rng(seed)",
          "with h5py.File(sys.argv[1], 'w') as f:",
          "    g = f.create_group('t')",
          "    g.create_dataset('i32', data=r.integers(-2**31, 2**31 - 1, n).astype('<i4'))",
          "    g.create_dataset('f64', data=r.standard_normal(n), chunks=(700,), compression='gzip', shuffle=True)",
          "    g.create_dataset('u16', data=r.integers(0, 65535, n).astype('>u2'), chunks=(512,), compression='gzip')",
          "    g.create_dataset('s', data=np.array([('r%d' % i).encode() for i in range(n)], dtype='S8'),",
          "                     chunks=(1000,), compression='gzip')",
          "    g.create_dataset('b', data=r.integers(0, 2, n).astype(bool))",
          "    f.create_dataset('m', data=r.standard_normal((n, 3)).astype('<f4'), chunks=(400, 3), compression='gzip')",
          "");

  private RemoteFixtures() {}

  private static Path written;

  /**
   * A directory holding {@code a.h5} and {@code b.h5} (different rows and values), written by h5py
   * once per JVM and shared by the remote-read test classes (read-only); skips the test visibly
   * without h5py.
   */
  static synchronized Path dir() throws Exception {
    H5py.assumeAvailable();
    if (written == null) {
      Path d = java.nio.file.Files.createTempDirectory("h5swmr-remote-fixtures");
      H5py.run(
          d.resolve("a.h5"), SCRIPT.replace("int(sys.argv[2]), int(sys.argv[3])", ROWS_A + ", 1"));
      H5py.run(
          d.resolve("b.h5"), SCRIPT.replace("int(sys.argv[2]), int(sys.argv[3])", ROWS_B + ", 2"));
      Runtime.getRuntime()
          .addShutdownHook(
              new Thread(
                  () -> {
                    for (String f : new String[] {"a.h5", "b.h5", ""}) {
                      d.resolve(f).toFile().delete();
                    }
                  },
                  "delete-remote-fixtures"));
      written = d;
    }
    return written;
  }

  /** The columns of group /t (five datasets) of {@code path}, ordered by file name and index. */
  static List<Row> table(DataFrameReader reader, String path) {
    return reader
        .option("datasets", "/t")
        .option("partitionBytes", "16k")
        .load(path)
        .select(
            functions.col("_metadata.file_name"),
            functions.col("index"),
            functions.col("i32"),
            functions.col("f64"),
            functions.col("u16"),
            functions.col("s"),
            functions.col("b"))
        .orderBy("file_name", "index")
        .collectAsList();
  }

  /**
   * The 2-D dataset /m of {@code path} (columnar, read by the Java chunk path), ordered by index.
   */
  static Dataset<Row> matrix(DataFrameReader reader, String path) {
    return reader.option("dataset", "/m").option("partitionBytes", "16k").load(path);
  }

  /**
   * {@code rows} (index first) sorted by index, without a Spark sort (whose sampling would read
   * twice).
   */
  static List<Row> byIndex(List<Row> rows) {
    List<Row> out = new java.util.ArrayList<>(rows);
    out.sort(java.util.Comparator.comparingLong(r -> r.getLong(0)));
    return out;
  }

  static void assertSameRows(List<Row> remote, List<Row> local, int expectedRows) {
    assertThat(local).hasSize(expectedRows);
    assertThat(remote).hasSize(expectedRows);
    for (int i = 0; i < local.size(); i++) {
      assertThat(remote.get(i)).as("row %d", i).isEqualTo(local.get(i));
    }
  }
}
