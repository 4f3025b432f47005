package io.h5swmr.config;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.h5swmr.exceptions.H5SwmrConfigException;
import java.nio.file.Path;
import org.junit.jupiter.api.Test;

class LocalPathsTest {

  @Test
  void fileUrisInEveryFormSparkProduces() {
    Path expected = Path.of("/data/out dir/run 1.h5");
    assertThat(LocalPaths.toPath("/data/out dir/run 1.h5")).isEqualTo(expected);
    assertThat(LocalPaths.toPath("file:/data/out dir/run 1.h5"))
        .as("catalog form, unencoded")
        .isEqualTo(expected);
    assertThat(LocalPaths.toPath("file:///data/out dir/run 1.h5")).isEqualTo(expected);
    assertThat(LocalPaths.toPath("file:/data/out%20dir/run%201.h5"))
        .as("encoded")
        .isEqualTo(expected);
    assertThat(LocalPaths.toPath("file:///data/out%20dir/run%201.h5")).isEqualTo(expected);
    assertThat(LocalPaths.toPath("FILE://localhost/data/out dir/run 1.h5")).isEqualTo(expected);
    assertThat(LocalPaths.toPath("relative/x.h5")).isEqualTo(Path.of("relative/x.h5"));
  }

  @Test
  void globPatternsLoseOnlyTheScheme() {
    assertThat(LocalPaths.stripFileScheme("file:///data/run-*.h5")).isEqualTo("/data/run-*.h5");
    assertThat(LocalPaths.stripFileScheme("file:/data/run-*.h5")).isEqualTo("/data/run-*.h5");
    assertThat(LocalPaths.stripFileScheme("/data/run-*.h5")).isEqualTo("/data/run-*.h5");
  }

  @Test
  void otherSchemesAreRefusedNamingThePathAndTheScheme() {
    for (String p :
        new String[] {"s3a://bucket/run.h5", "hdfs://nn:8020/run.h5", "abfss://c@acct/run.h5"}) {
      assertThatThrownBy(() -> LocalPaths.toPath(p))
          .isInstanceOf(H5SwmrConfigException.class)
          .hasMessageContaining("'" + p + "'")
          .hasMessageContaining("scheme '" + p.substring(0, p.indexOf(':')) + "'")
          .hasMessageContaining("POSIX");
    }
  }

  @Test
  void remoteUrisAreRecognisedAndRefusedAsWriteTargetsSayingWhy() {
    assertThat(LocalPaths.isRemote("s3a://bucket/run.h5")).isTrue();
    assertThat(LocalPaths.isRemote("hdfs:/data/x.h5")).isTrue();
    assertThat(LocalPaths.isRemote("file:/data/x.h5")).isFalse();
    assertThat(LocalPaths.isRemote("/data/run:7.h5")).isFalse();
    assertThat(LocalPaths.isRemote("run:7.h5")).isFalse();
    assertThatThrownBy(() -> LocalPaths.toPath("gs://b/x.h5"))
        .hasMessageContaining("does not write them")
        .hasMessageContaining("cannot rewrite bytes in place")
        .hasMessageContaining("copy the finished file");
  }

  @Test
  void colonsAndCommasInFileNamesArePartOfTheName() {
    assertThat(LocalPaths.toPath("run:7.h5")).isEqualTo(Path.of("run:7.h5"));
    assertThat(LocalPaths.toPath("/data/shot:2026-01-01,a.h5"))
        .isEqualTo(Path.of("/data/shot:2026-01-01,a.h5"));
    assertThat(LocalPaths.toPath("C:/data/x.h5")).isEqualTo(Path.of("C:/data/x.h5"));
    assertThat(LocalPaths.schemeOf("run:7.h5")).isNull();
    assertThat(LocalPaths.schemeOf("hdfs:/data/x.h5")).isEqualTo("hdfs");
    assertThat(LocalPaths.schemeOf("weird://host/x.h5")).isEqualTo("weird");
    assertThatThrownBy(() -> LocalPaths.toPath("hdfs:/data/x.h5"))
        .hasMessageContaining("scheme 'hdfs'");
  }

  @Test
  void aPathThatCannotBeAPathIsNamed() {
    assertThatThrownBy(() -> LocalPaths.toPath("/data/bad\0name.h5"))
        .isInstanceOf(H5SwmrConfigException.class)
        .hasMessageContaining("Invalid path '/data/bad");
  }
}
