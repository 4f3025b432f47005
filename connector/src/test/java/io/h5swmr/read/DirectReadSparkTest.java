package io.h5swmr.read;

import static io.h5swmr.read.ReadTestSupport.metric;
import static io.h5swmr.read.ReadTestSupport.reader;
import static org.assertj.core.api.Assertions.assertThat;

import io.h5swmr.testing.RedisServerExtension;
import java.nio.file.Path;
import java.util.List;
import org.apache.spark.sql.Dataset;
import org.apache.spark.sql.Row;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;
import org.junit.jupiter.api.io.TempDir;

/**
 * Spark scans of h5py-written files give the same rows with the Java chunk path on and off (option
 * {@code directRead}); columns it cannot decode fall back to the library within the same scan.
 */
class DirectReadSparkTest {
  @RegisterExtension static final RedisServerExtension REDIS = RedisServerExtension.create();

  @TempDir static Path dir;

  static Path file;

  @BeforeAll
  static void writeFixture() throws Exception {
    H5py.assumeAvailable();
    file = dir.resolve("direct.h5");
    H5py.run(
        file,
        String.join(
            "\n",
            "import sys, h5py, numpy as np",
            "rng = np.random.default_rng(5)",
            "n = 5000",
            "with h5py.File(sys.argv[1], 'w') as f:",
            "    f.create_dataset('cols/a', data=rng.normal(size=n), chunks=(256,), compression='gzip', shuffle=True)",
            "    f.create_dataset('cols/b', data=rng.integers(-2**31, 2**31, n, dtype='<i4').astype('>i4'), chunks=(300,),",
            "                     fletcher32=True, compression='gzip')",
            "    f.create_dataset('cols/c', data=rng.integers(0, 2, n).astype('?'), chunks=(1000,))",
            "    f.create_dataset('cols/d', data=rng.integers(0, 65536, n).astype('<u2'))",
            "    f.create_dataset('cols/e', data=rng.integers(0, 9, n, dtype='<i4'), chunks=(128,), scaleoffset=0)",
            "    f.create_dataset('m', data=rng.normal(size=(n, 3)), chunks=(100, 3), compression='gzip')",
            "    f.create_dataset('s', data=[str(i) for i in range(n)], dtype=h5py.string_dtype(), chunks=(500,))",
            ""));
  }

  private static Dataset<Row> load(String option, String value, boolean direct) {
    return reader(REDIS.url())
        .option(option, value)
        .option("directRead", String.valueOf(direct))
        .option("partitionBytes", "16k")
        .load(file.toString());
  }

  @Test
  void sameRowsWithAndWithoutTheJavaChunkPath() {
    for (String[] q :
        new String[][] {{"datasets", "/cols"}, {"dataset", "/m"}, {"dataset", "/s"}}) {
      Dataset<Row> on = load(q[0], q[1], true);
      Dataset<Row> off = load(q[0], q[1], false);
      List<Row> a = new java.util.ArrayList<>(on.collectAsList());
      List<Row> b = new java.util.ArrayList<>(off.collectAsList());
      a.sort(java.util.Comparator.comparingLong(r -> r.getLong(0)));
      b.sort(java.util.Comparator.comparingLong(r -> r.getLong(0)));
      assertThat(a).as("%s", q[1]).hasSize(5000).isEqualTo(b);
      assertThat(metric(off, DirectRowsMetric.NAME)).isZero();
      long direct = metric(on, DirectRowsMetric.NAME);
      switch (q[1]) {
        case "/cols": // a, b, c, d read in Java; e (scaleoffset) through the library
          assertThat(direct).isEqualTo(4 * 5000);
          break;
        case "/m":
          assertThat(direct).isEqualTo(5000);
          break;
        default: // strings: the library
          assertThat(direct).isZero();
      }
    }
  }

  @Test
  void bitshuffleLz4FramesAsDetectorsWriteThemReadWithoutAnyHdf5Plugin() throws Exception {
    Path eiger = dir.resolve("eiger.h5");
    H5py.run(
        eiger,
        String.join(
            "\n",
            "import sys, h5py, numpy as np",
            "try:",
            "    import hdf5plugin",
            "    with h5py.File(sys.argv[1], 'w') as f:",
            "        v = (np.arange(3000 * 16) % 65536).astype('<u2').reshape(3000, 16)",
            "        f.create_dataset('entry/data', data=v, chunks=(100, 16), **hdf5plugin.Bitshuffle(cname='lz4'))",
            "except Exception as e:", // no plugin: no file
            "    import os",
            "    if os.path.exists(sys.argv[1]): os.remove(sys.argv[1])",
            ""));
    org.junit.jupiter.api.Assumptions.assumeTrue(
        java.nio.file.Files.exists(eiger),
        "SKIPPED: bitshuffle frames "
            + "through Spark: h5py cannot write bitshuffle here (apt-get install python3-hdf5plugin bitshuffle)");
    Dataset<Row> df =
        reader(REDIS.url())
            .option("dataset", "/entry/data")
            .option("partitionBytes", "16k")
            .load(eiger.toString());
    List<Row> rows = new java.util.ArrayList<>(df.collectAsList());
    rows.sort(java.util.Comparator.comparingLong(r -> r.getLong(0)));
    assertThat(rows).hasSize(3000);
    for (Row r : rows) {
      long i = r.getLong(0);
      List<Object> frame = r.getList(1);
      assertThat(frame).hasSize(16);
      for (int j = 0; j < 16; j++) {
        assertThat(((Number) frame.get(j)).longValue())
            .as("row %s pixel %s", i, j)
            .isEqualTo((i * 16 + j) % 65536);
      }
    }
    assertThat(metric(df, DirectRowsMetric.NAME)).isEqualTo(3000);
  }
}
