package io.h5swmr.stream;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.h5swmr.config.H5SwmrOptions;
import io.h5swmr.exceptions.H5SwmrConfigException;
import io.h5swmr.exceptions.H5SwmrDataException;
import io.h5swmr.read.IncrementalScan.FileState;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;

/**
 * Offsets survive the checkpoint's JSON; rate limits are shared fairly; bad stream options fail by
 * name.
 */
class StreamOffsetAndOptionsTest {
  @Test
  void offsetRoundTripsThroughJsonAndEqualityFollowsIt() {
    FileState a = new FileState("/d/a b.h5", List.of("/rec"), List.of("2a0@17#3"), 4096, 1024);
    FileState b = new FileState("/d/b.h5", List.of("/c/x", "/c/y"), List.of("1", "2"), 7, 1);
    H5SwmrStreamOffset o =
        new H5SwmrStreamOffset(
            Map.of(
                a.file,
                new H5SwmrStreamOffset.Entry(a, 0),
                b.file,
                new H5SwmrStreamOffset.Entry(b, 2)));
    H5SwmrStreamOffset back = H5SwmrStreamOffset.fromJson(o.json());
    assertThat(back.json()).isEqualTo(o.json());
    assertThat(back).isEqualTo(o);
    assertThat(back.get(b.file).restarts).isEqualTo(2);
    assertThat(back.get(a.file).state).isEqualTo(a);
    assertThat(back.totalRows()).isEqualTo(4103);
    assertThat(o.json()).startsWith("{\"version\":1,\"files\":{\"/d/a b.h5\"");
  }

  @Test
  void offsetOfAnotherVersionOrDamagedFailsClearly() {
    assertThatThrownBy(() -> H5SwmrStreamOffset.fromJson("{\"version\":9,\"files\":{}}"))
        .isInstanceOf(H5SwmrDataException.class)
        .hasMessageContaining("version 9");
    assertThatThrownBy(() -> H5SwmrStreamOffset.fromJson("{not json"))
        .isInstanceOf(H5SwmrDataException.class)
        .hasMessageContaining("not valid JSON");
  }

  @Test
  void rateLimitIsSharedInProportionToEachFilesBacklog() {
    Map<String, Long> pending = new LinkedHashMap<>();
    pending.put("a", 900L);
    pending.put("b", 100L);
    pending.put("c", 0L);
    assertThat(H5SwmrMicroBatchStream.share(pending, 1000, 100))
        .containsExactly(Map.entry("a", 90L), Map.entry("b", 10L), Map.entry("c", 0L));
    assertThat(H5SwmrMicroBatchStream.share(pending, 1000, 5000)).isEqualTo(pending);
    Map<String, Long> g = H5SwmrMicroBatchStream.share(Map.of("x", 1L, "y", 1L, "z", 1L), 3, 2);
    assertThat(g.values().stream().mapToLong(Long::longValue).sum()).isEqualTo(2);
  }

  private static H5SwmrOptions opts(String key, String value) {
    return H5SwmrOptions.of(Map.of("path", "/tmp/x.h5", key, value));
  }

  @Test
  void streamOptionsAreTypedAndBadValuesNameTheOption() {
    assertThat(opts("startingPosition", "LATEST").startingPosition())
        .isEqualTo(H5SwmrOptions.StartingPosition.LATEST);
    assertThat(opts("maxRowsPerTrigger", "1_000").maxRowsPerTrigger()).isEqualTo(1000L);
    assertThat(opts("maxBytesPerTrigger", "64m").maxBytesPerTrigger()).isEqualTo(64L << 20);
    assertThat(opts("onDatasetChange", "restart").onDatasetChange())
        .isEqualTo(H5SwmrOptions.OnDatasetChange.RESTART);
    H5SwmrOptions none = H5SwmrOptions.of(Map.of("path", "/tmp/x.h5"));
    assertThat(none.maxRowsPerTrigger()).isNull();
    assertThat(none.maxBytesPerTrigger()).isNull();
    assertThat(none.startingPosition()).isEqualTo(H5SwmrOptions.StartingPosition.EARLIEST);
    assertThat(none.onDatasetChange()).isEqualTo(H5SwmrOptions.OnDatasetChange.FAIL);
    assertThatThrownBy(() -> opts("startingPosition", "newest").startingPosition())
        .isInstanceOf(H5SwmrConfigException.class)
        .hasMessageContaining("startingPosition")
        .hasMessageContaining("newest")
        .hasMessageContaining("earliest")
        .hasMessageContaining("latest");
    assertThatThrownBy(() -> opts("maxRowsPerTrigger", "0").maxRowsPerTrigger())
        .isInstanceOf(H5SwmrConfigException.class)
        .hasMessageContaining("maxRowsPerTrigger")
        .hasMessageContaining("'0'");
    assertThatThrownBy(() -> opts("maxBytesPerTrigger", "lots").maxBytesPerTrigger())
        .isInstanceOf(H5SwmrConfigException.class)
        .hasMessageContaining("maxBytesPerTrigger")
        .hasMessageContaining("lots");
    assertThatThrownBy(() -> opts("onDatasetChange", "ignore").onDatasetChange())
        .isInstanceOf(H5SwmrConfigException.class)
        .hasMessageContaining("onDatasetChange")
        .hasMessageContaining("fail")
        .hasMessageContaining("restart");
    // Session conf spark.h5swmr.<option> reaches stream options too.
    H5SwmrOptions session =
        H5SwmrOptions.of(
            Map.of("path", "/tmp/x.h5"),
            k -> k.equals("spark.h5swmr.maxRowsPerTrigger") ? "77" : null);
    assertThat(session.maxRowsPerTrigger()).isEqualTo(77L);
  }
}
