package io.h5swmr.stream;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.h5swmr.exceptions.H5SwmrConfigException;
import io.h5swmr.testing.SharedSpark;
import java.nio.file.Path;
import java.util.List;
import org.apache.spark.sql.SparkSession;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * A bad value of a streaming option fails at {@code readStream...load()}, on the driver, like every
 * other option: an {@link H5SwmrConfigException} naming the option, the value and what is valid,
 * before any stream starts (so before any lease or Redis: none is running here).
 */
class StreamOptionsUpFrontTest {
  @TempDir Path dir;

  private static SparkSession spark() {
    return SharedSpark.get();
  }

  private void assertLoadFails(String option, String value, String... valid) {
    Path f = dir.resolve("s.h5");
    if (!f.toFile().exists()) {
      StreamFixtures.createDoubles(f, 64);
    }
    int active = spark().streams().active().length;
    assertThatThrownBy(
            () ->
                spark()
                    .readStream()
                    .format("h5swmr")
                    .option("dataset", "/x")
                    .option(option, value)
                    .load(f.toString()))
        .isInstanceOf(H5SwmrConfigException.class)
        .hasMessageContaining("Option '" + option + "'")
        .hasMessageContaining("'" + value + "'")
        .satisfies(
            e -> {
              for (String v : valid) {
                assertThat(e.getMessage()).contains(v);
              }
            });
    assertThat(spark().streams().active()).hasSize(active);
  }

  @Test
  void badStartingPositionFailsAtLoad() {
    assertLoadFails("startingPosition", "newest", "earliest", "latest");
  }

  @Test
  void badMaxRowsPerTriggerFailsAtLoad() {
    assertLoadFails("maxRowsPerTrigger", "0", "positive row count");
    assertLoadFails("maxRowsPerTrigger", "many", "positive row count");
  }

  @Test
  void badMaxBytesPerTriggerFailsAtLoad() {
    assertLoadFails("maxBytesPerTrigger", "lots", "byte size", "64m");
    assertLoadFails("maxBytesPerTrigger", "-1m", "byte size");
  }

  @Test
  void badOnDatasetChangeFailsAtLoad() {
    assertLoadFails("onDatasetChange", "ignore", "fail", "restart");
  }

  @Test
  void aBadStreamingOptionInSessionConfFailsAtLoadToo() {
    Path f = dir.resolve("t.h5");
    StreamFixtures.createDoubles(f, 64);
    for (List<String> c :
        List.of(
            List.of("startingPosition", "oldest"),
            List.of("onDatasetChange", "skip"),
            List.of("maxRowsPerTrigger", "-3"),
            List.of("maxBytesPerTrigger", "1x"))) {
      String key = "spark.h5swmr." + c.get(0);
      spark().conf().set(key, c.get(1));
      try {
        assertThatThrownBy(
                () ->
                    spark()
                        .readStream()
                        .format("h5swmr")
                        .option("dataset", "/x")
                        .load(f.toString()))
            .isInstanceOf(H5SwmrConfigException.class)
            .hasMessageContaining("Option '" + c.get(0) + "'")
            .hasMessageContaining("'" + c.get(1) + "'")
            .hasMessageContaining("session conf: " + key);
      } finally {
        spark().conf().unset(key);
      }
    }
  }
}
