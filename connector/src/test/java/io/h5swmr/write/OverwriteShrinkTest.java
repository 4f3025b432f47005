package io.h5swmr.write;

import static io.h5swmr.write.WriteTestSupport.filesContaining;
import static io.h5swmr.write.WriteTestSupport.readBack;
import static io.h5swmr.write.WriteTestSupport.spark;
import static io.h5swmr.write.WriteTestSupport.writer;
import static org.assertj.core.api.Assertions.assertThat;

import io.h5swmr.testing.RedisServerExtension;
import java.nio.file.Path;
import java.util.List;
import org.apache.spark.sql.Dataset;
import org.apache.spark.sql.Row;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;
import org.junit.jupiter.api.io.TempDir;

/**
 * Overwrites whose result is smaller than what they replace (issue 29): 100 000 to 10 rows, 5 to 0
 * rows.
 */
class OverwriteShrinkTest {
  @RegisterExtension static final RedisServerExtension REDIS = RedisServerExtension.create();

  @TempDir Path dir;

  static Dataset<Row> range(long from, long to) {
    return spark().sql("select id as x, id * 2.0d as y from range(" + from + ", " + to + ", 1, 2)");
  }

  @Test
  void overwriteShrinks100000RowsTo10() throws Exception {
    Path f = dir.resolve("shrink.h5");
    writer(range(0, 7), REDIS.url(), "/keep").mode("append").save(f.toString());
    writer(range(0, 100_000), REDIS.url(), "/a")
        .mode("append")
        .save(f.toString()); // last in the file
    writer(range(500, 510), REDIS.url(), "/a").mode("overwrite").save(f.toString());
    List<Row> back = readBack(REDIS.url(), f, "/a");
    assertThat(back)
        .extracting(r -> r.getLong(0))
        .containsExactly(500L, 501L, 502L, 503L, 504L, 505L, 506L, 507L, 508L, 509L);
    assertThat(readBack(REDIS.url(), f, "/keep")).hasSize(7);
    assertThat(filesContaining(dir, ".h5swmr-")).isEmpty();
    assertThat(h5pyRows(f, "/a")).isEqualTo(10);
  }

  /** Rows of {@code dataset} as h5py reads them (all of them, so a damaged file fails here). */
  static long h5pyRows(Path f, String dataset) throws Exception {
    String out =
        WriteTestSupport.python(
            "import h5py\nwith h5py.File('"
                + f
                + "', 'r') as h:\n"
                + "    d = h['"
                + dataset
                + "'][...]\n    h.visititems(lambda n, o: o[...] if hasattr(o, 'shape') else None)\n"
                + "    print(len(d))\n");
    return Long.parseLong(out.trim());
  }

  @Test
  void overwriteShrinks5RowsTo0() throws Exception {
    Path f = dir.resolve("zero.h5");
    writer(range(0, 5), REDIS.url(), "/a").mode("append").save(f.toString());
    writer(range(0, 0), REDIS.url(), "/a").mode("overwrite").save(f.toString());
    assertThat(readBack(REDIS.url(), f, "/a")).isEmpty();
    assertThat(h5pyRows(f, "/a")).isEqualTo(0);
    writer(range(0, 3), REDIS.url(), "/a").mode("append").save(f.toString());
    assertThat(readBack(REDIS.url(), f, "/a")).hasSize(3);
  }
}
