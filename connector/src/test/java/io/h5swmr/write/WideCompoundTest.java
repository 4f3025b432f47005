package io.h5swmr.write;

import static io.h5swmr.write.WriteTestSupport.filesContaining;
import static io.h5swmr.write.WriteTestSupport.readBack;
import static io.h5swmr.write.WriteTestSupport.spark;
import static io.h5swmr.write.WriteTestSupport.writer;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.h5swmr.exceptions.H5SwmrDataException;
import io.h5swmr.testing.RedisServerExtension;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.atomic.AtomicLong;
import org.apache.spark.scheduler.SparkListener;
import org.apache.spark.scheduler.SparkListenerTaskStart;
import org.apache.spark.sql.Dataset;
import org.apache.spark.sql.Row;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;
import org.junit.jupiter.api.io.TempDir;

/**
 * Issue 29: a compound too wide for HDF5's 64 KiB object header message fails before any task
 * stages rows.
 */
class WideCompoundTest {
  @RegisterExtension static final RedisServerExtension REDIS = RedisServerExtension.create();

  @TempDir Path dir;

  static Dataset<Row> wide(int columns) {
    List<String> cols = new ArrayList<>();
    for (int i = 0; i < columns; i++) {
      cols.add("id * " + i + ".0d as c" + i);
    }
    return spark().range(0, 3, 1, 1).selectExpr(cols.toArray(new String[0]));
  }

  @Test
  void twoThousandColumnsFailBeforeStagingNamingTheLimit() throws Exception {
    Path f = dir.resolve("wide.h5");
    Dataset<Row> df = wide(2000);
    AtomicLong tasks = new AtomicLong();
    SparkListener count =
        new SparkListener() {
          @Override
          public void onTaskStart(SparkListenerTaskStart t) {
            tasks.incrementAndGet();
          }
        };
    spark().sparkContext().addSparkListener(count);
    try {
      assertThatThrownBy(() -> writer(df, REDIS.url(), "/w").mode("append").save(f.toString()))
          .isInstanceOf(H5SwmrDataException.class)
          .hasMessageContaining("2000 columns")
          .hasMessageContaining("64 KiB")
          .hasMessageContaining("object header message")
          .hasMessageContaining("/w");
    } finally {
      spark().sparkContext().listenerBus().waitUntilEmpty();
      spark().sparkContext().removeSparkListener(count);
    }
    assertThat(tasks.get()).as("tasks started").isZero();
    assertThat(Files.exists(f)).isFalse();
    assertThat(filesContaining(dir, ".h5swmr-")).isEmpty();
  }

  @Test
  void fiveHundredColumnsStillWrite() {
    Path f = dir.resolve("ok.h5");
    writer(wide(500), REDIS.url(), "/w").mode("append").save(f.toString());
    List<Row> back = readBack(REDIS.url(), f, "/w");
    assertThat(back).hasSize(3);
    assertThat(back.get(2).getDouble(499)).isEqualTo(2 * 499.0);
  }
}
