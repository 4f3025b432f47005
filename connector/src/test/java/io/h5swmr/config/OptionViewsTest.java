package io.h5swmr.config;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.h5swmr.exceptions.H5SwmrConfigException;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;

/** The registry, the parsers and the typed views behind {@link H5SwmrOptions}. */
class OptionViewsTest {
  @Test
  void streamOptionsAreCheckedWhenTheOptionsAreBuiltNotWhenRead() {
    for (Map.Entry<String, String> bad :
        Map.of(
                "startingPosition",
                "newest",
                "maxRowsPerTrigger",
                "0",
                "maxBytesPerTrigger",
                "lots",
                "onDatasetChange",
                "ignore")
            .entrySet()) {
      assertThatThrownBy(() -> H5SwmrOptions.of(Map.of(bad.getKey(), bad.getValue())))
          .isInstanceOf(H5SwmrConfigException.class)
          .hasMessageContaining("Option '" + bad.getKey() + "'")
          .hasMessageContaining("'" + bad.getValue() + "'");
    }
  }

  @Test
  void viewsHoldTheTypedValues() {
    H5SwmrOptions o =
        H5SwmrOptions.of(
            Map.of(
                "path",
                "/a.h5",
                "batchRows",
                "100",
                "compression",
                "gzip",
                "lock.ttl",
                "5s",
                "maxRowsPerTrigger",
                "7"));
    assertThat(o.read().paths()).containsExactly("/a.h5");
    assertThat(o.read().batchRows()).isEqualTo(100);
    assertThat(o.write().compression()).isEqualTo(H5SwmrOptions.Compression.GZIP);
    assertThat(o.write().shuffle()).isTrue();
    assertThat(o.lock().lockTtl()).hasSeconds(5);
    assertThat(o.lock().lockSettings().leaseTtl()).hasSeconds(5);
    assertThat(o.stream().maxRowsPerTrigger()).isEqualTo(7L);
  }

  @Test
  void everyRegisteredOptionHasASideAViewAndADoc() {
    assertThat(OptionRegistry.all()).hasSize(H5SwmrOptions.names().size());
    for (OptionRegistry.Option opt : OptionRegistry.all()) {
      assertThat(opt.side()).as(opt.name()).isNotNull();
      assertThat(opt.view()).as(opt.name()).isNotNull();
      assertThat(opt.doc()).as(opt.name()).isNotBlank();
      assertThat(opt.sessionKey()).isEqualTo("spark.h5swmr." + opt.name());
      assertThat(OptionRegistry.find(opt.name().toUpperCase(java.util.Locale.ROOT))).isSameAs(opt);
    }
    // the order messages list them in: the first ones as before
    assertThat(H5SwmrOptions.names())
        .startsWith("path", "paths", "dataset", "datasets", "fileColumn");
  }

  @Test
  void theJvmWideSwitchesAreOptionsWhoseDefaultIsTheirOldProperty() {
    assertThat(H5SwmrOptions.sideOf("parallelDeflate")).isEqualTo(H5SwmrOptions.Side.WRITE);
    assertThat(H5SwmrOptions.sideOf("releaseStagingPages")).isEqualTo(H5SwmrOptions.Side.WRITE);
    assertThat(H5SwmrOptions.sideOf("libdeflate")).isEqualTo(H5SwmrOptions.Side.BOTH);
    H5SwmrOptions off =
        H5SwmrOptions.of(
            Map.of(
                "parallelDeflate", "false", "releaseStagingPages", "FALSE", "libdeflate", "false"));
    assertThat(off.write().parallelDeflate()).isFalse();
    assertThat(off.write().releaseStagingPages()).isFalse();
    assertThat(off.write().libdeflate()).isFalse();
    assertThat(off.read().libdeflate()).isFalse();
    H5SwmrOptions session =
        H5SwmrOptions.of(Map.of(), Map.of("spark.h5swmr.parallelDeflate", "false")::get);
    assertThat(session.write().parallelDeflate()).isFalse();
    H5SwmrOptions none = H5SwmrOptions.of(Map.of());
    assertThat(none.write().parallelDeflate())
        .isEqualTo(!"false".equalsIgnoreCase(System.getProperty("h5swmr.parallelDeflate")));
    assertThat(none.write().releaseStagingPages())
        .isEqualTo(!"false".equalsIgnoreCase(System.getProperty("h5swmr.releaseStagingPages")));
    assertThat(none.read().libdeflate()).as("not set: each executor's JVM default").isNull();
    assertThat(none.write().libdeflate())
        .isEqualTo(!"false".equalsIgnoreCase(System.getProperty("h5swmr.libdeflate")));
    assertThatThrownBy(() -> H5SwmrOptions.of(Map.of("parallelDeflate", "off")))
        .isInstanceOf(H5SwmrConfigException.class)
        .hasMessage(
            "Option 'parallelDeflate' has an invalid value 'off': expected true or false (session conf: "
                + "spark.h5swmr.parallelDeflate)");
    assertThatThrownBy(
            () ->
                H5SwmrOptions.of(
                    Map.of("path", "/x.h5", "releaseStagingPages", "true"),
                    k -> null,
                    H5SwmrOptions.Operation.READ))
        .hasMessageContaining("applies to writes only");
  }

  @Test
  void pathsAreReadAsJsonWithEscapes() {
    assertThat(OptionParsers.jsonStringArray("[\"/a \\\"q\\\".h5\", \"/b\\\\c.h5\", \"\\/d.h5\"]"))
        .containsExactly("/a \"q\".h5", "/b\\c.h5", "/d.h5");
    assertThat(OptionParsers.jsonStringArray("[]")).isEmpty();
    assertThat(OptionParsers.jsonStringArray("[\"/a.h5\", 3]")).isNull();
    assertThat(OptionParsers.jsonStringArray("{\"a\": 1}")).isNull();
    assertThat(OptionParsers.jsonStringArray("[\"/a.h5\"")).isNull();
    assertThat(H5SwmrOptions.of(Map.of("paths", "[\"/a.h5\",\"/b.h5\"]", "path", "/a.h5")).paths())
        .containsExactly("/a.h5", "/b.h5");
  }

  @Test
  void editDistanceIsLevenshtein() {
    assertThat(OptionRegistry.editDistance("datset", "dataset")).isEqualTo(1);
    assertThat(OptionRegistry.editDistance("lock.til", "lock.ttl")).isEqualTo(1);
    assertThat(OptionRegistry.editDistance("", "abc")).isEqualTo(3);
    assertThat(OptionRegistry.suggestion("compresion")).isEqualTo(" (did you mean 'compression'?)");
    assertThat(OptionRegistry.suggestion("header")).isEmpty();
    assertThat(
            OptionRegistry.sideNotices(
                List.of("__partition_columns", "fs.s3a.endpoint", "checkpointLocation"),
                H5SwmrOptions.Operation.READ))
        .isEmpty();
  }
}
