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
 * Tasks of one JVM reading the same compound dataset with a variable-length string member at once.
 * The HDF5 library shares one open dataset among all handles of a file in a process, with the vlen
 * type bound to the handle that opened it first; a task closing that handle while another still
 * decoded strings crashed the JVM (SIGSEGV in H5F_addr_decode, seen in CI). Such reads now hold the
 * native guard from open to close.
 */
class VlenParallelReadTest {
  @RegisterExtension static final RedisServerExtension REDIS = RedisServerExtension.create();

  @TempDir Path dir;

  @Test
  void manyTasksReadACompoundWithAVlenMemberAndEveryValueComesBack() {
    Path f = dir.resolve("vlen.h5");
    spark()
        .sql("select id as a, concat('row-', id) as s, id * 0.5d as x from range(0, 200000, 1, 2)")
        .write()
        .format("h5swmr")
        .option("redis.url", REDIS.url())
        .option("dataset", "/t")
        .mode("append")
        .save(f.toString());
    for (int round = 0; round < 8; round++) {
      // 512 KiB partitions of ~48-byte rows: tasks two at a time on local[2], each opening and
      // closing the file
      List<Row> rows =
          reader(REDIS.url())
              .option("dataset", "/t")
              .option("partitionBytes", "512k")
              .load(f.toString())
              .selectExpr("a", "s", "x")
              .collectAsList();
      assertThat(rows).hasSize(200_000);
      for (Row r : rows) {
        long a = r.getLong(0);
        assertThat(r.getString(1)).isEqualTo("row-" + a);
        assertThat(r.getDouble(2)).isEqualTo(a * 0.5);
      }
    }
  }

  @Test
  void aQueryOfTheNumberMembersRunsBesideAQueryOfTheStringsOfTheSameCompound() throws Exception {
    // The number-only scan reads the same shared open dataset; its handles must not be the first
    // opener that closes while the string scan decodes, so its pieces too are read under the guard
    // from open to close.
    Path f = dir.resolve("both.h5");
    spark()
        .sql("select id as a, concat('row-', id) as s, id * 0.5d as x from range(0, 100000, 1, 2)")
        .write()
        .format("h5swmr")
        .option("redis.url", REDIS.url())
        .option("dataset", "/t")
        .mode("append")
        .save(f.toString());
    java.util.concurrent.ExecutorService pool =
        java.util.concurrent.Executors.newFixedThreadPool(2);
    try {
      java.util.concurrent.Future<Double> numbers =
          pool.submit(
              () -> {
                double last = 0;
                for (int round = 0; round < 6; round++) {
                  last =
                      reader(REDIS.url())
                          .option("dataset", "/t")
                          .option("partitionBytes", "256k")
                          .load(f.toString())
                          .selectExpr("sum(x + a)")
                          .collectAsList()
                          .get(0)
                          .getDouble(0);
                }
                return last;
              });
      java.util.concurrent.Future<Long> strings =
          pool.submit(
              () -> {
                long bad = 0;
                for (int round = 0; round < 6; round++) {
                  bad +=
                      reader(REDIS.url())
                          .option("dataset", "/t")
                          .option("partitionBytes", "256k")
                          .load(f.toString())
                          .where("s != concat('row-', a)")
                          .count();
                }
                return bad;
              });
      // sum of 1.5 * a for a < 100 000: every partial sum is a multiple of 0.5, exact in float64
      assertThat(numbers.get()).isEqualTo(1.5 * 99_999 * 100_000 / 2);
      assertThat(strings.get()).isZero();
    } finally {
      pool.shutdownNow();
    }
  }
}
