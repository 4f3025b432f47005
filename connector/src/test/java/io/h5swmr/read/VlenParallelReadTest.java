package io.h5swmr.read;

import static io.h5swmr.read.ReadTestSupport.reader;
import static io.h5swmr.read.ReadTestSupport.spark;
import static org.assertj.core.api.Assertions.assertThat;

import io.h5swmr.testing.RedisServerExtension;
import java.nio.file.Path;
import java.util.List;
import org.apache.spark.sql.Row;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;
import org.junit.jupiter.api.io.TempDir;

/**
 * Tasks of one JVM reading the same compound dataset with a variable-length string member at once. The HDF5
 * library shares one open dataset among all handles of a file in a process, with the vlen type bound to the
 * handle that opened it first; a task closing that handle while another still decoded strings crashed the JVM
 * (SIGSEGV in H5F_addr_decode, seen in CI). Such reads now hold the native guard from open to close.
 */
class VlenParallelReadTest {
  @RegisterExtension
  static final RedisServerExtension REDIS = RedisServerExtension.create();

  @TempDir
  Path dir;

  @Test
  void manyTasksReadACompoundWithAVlenMemberAndEveryValueComesBack() {
    Path f = dir.resolve("vlen.h5");
    spark().sql("select id as a, concat('row-', id) as s, id * 0.5d as x from range(0, 200000, 1, 2)").write()
        .format("h5swmr").option("redis.url", REDIS.url()).option("dataset", "/t").mode("append").save(f.toString());
    for (int round = 0; round < 8; round++) {
      // 512 KiB partitions of ~48-byte rows: tasks two at a time on local[2], each opening and closing the file
      List<Row> rows = reader(REDIS.url()).option("dataset", "/t").option("partitionBytes", "512k").load(f.toString())
          .selectExpr("a", "s", "x").collectAsList();
      assertThat(rows).hasSize(200_000);
      for (Row r : rows) {
        long a = r.getLong(0);
        assertThat(r.getString(1)).isEqualTo("row-" + a);
        assertThat(r.getDouble(2)).isEqualTo(a * 0.5);
      }
    }
  }
}
