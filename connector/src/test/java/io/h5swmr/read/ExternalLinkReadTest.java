package io.h5swmr.read;

import static io.h5swmr.read.ReadTestSupport.reader;
import static org.apache.spark.sql.functions.col;
import static org.apache.spark.sql.functions.flatten;
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
 * Datasets reached through external links (an Eiger master file's links to its {@code
 * data_00000N.h5} files) read the linked file's values: their chunk addresses are offsets in the
 * linked file, never read from the master file's bytes (which once returned the master's unrelated
 * bytes as values).
 */
class ExternalLinkReadTest {
  @RegisterExtension static final RedisServerExtension REDIS = RedisServerExtension.create();

  @TempDir static Path dir;

  static Path master;

  @BeforeAll
  static void writeFixture() throws Exception {
    H5py.assumeAvailable();
    master = dir.resolve("master.h5");
    H5py.run(
        master,
        String.join(
            "\n",
            "import sys, os, h5py, numpy as np",
            "d = os.path.dirname(sys.argv[1])",
            "v = np.arange(6*8*8, dtype='<u2').reshape(6, 8, 8)",
            "with h5py.File(os.path.join(d, 'data_000001.h5'), 'w') as g:",
            "    g.create_dataset('plain', data=v, chunks=(1, 8, 8))",
            "    g.create_dataset('gzip', data=v, chunks=(1, 8, 8), compression='gzip', shuffle=True)",
            "    g.create_dataset('contiguous', data=v)",
            "with h5py.File(sys.argv[1], 'w') as f:",
            // Master-file bytes where the linked file has chunks: a wrong read returns 7s.
            "    f.create_dataset('pad', data=np.full(100000, 7, dtype='<u2'))",
            "    for n in ('plain', 'gzip', 'contiguous'):",
            "        f['entry/' + n] = h5py.ExternalLink('data_000001.h5', '/' + n)",
            ""));
  }

  @Test
  void everyLayoutReadsTheLinkedFilesValues() {
    for (String ds : new String[] {"entry/plain", "entry/gzip", "entry/contiguous"}) {
      for (boolean direct : new boolean[] {true, false}) {
        Dataset<Row> df =
            reader(REDIS.url())
                .option("dataset", ds)
                .option("directRead", String.valueOf(direct))
                .load(master.toString());
        List<Row> rows =
            df.select(col("index"), flatten(col(df.columns()[1]))).orderBy("index").collectAsList();
        assertThat(rows).as(ds).hasSize(6);
        for (int f = 0; f < 6; f++) {
          List<Integer> frame = rows.get(f).getList(1);
          assertThat(frame).as("%s directRead=%s frame %d", ds, direct, f).hasSize(64);
          for (int i = 0; i < 64; i++) {
            assertThat(frame.get(i))
                .as("%s directRead=%s frame %d element %d", ds, direct, f, i)
                .isEqualTo(f * 64 + i);
          }
        }
      }
    }
  }
}
