package io.h5swmr.config;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.h5swmr.exceptions.H5SwmrConfigException;
import java.time.Duration;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;

class H5SwmrOptionsTest {

  @Test
  void defaults() {
    H5SwmrOptions o = H5SwmrOptions.of(Map.of("path", "/data/a.h5"));
    assertThat(o.paths()).containsExactly("/data/a.h5");
    assertThat(o.redisUrl()).isEqualTo("redis://localhost:6379");
    assertThat(o.lockPrefix()).isEqualTo("h5swmr:");
    assertThat(o.lockTtl()).isEqualTo(Duration.ofSeconds(30));
    assertThat(o.lockTimeout()).isEqualTo(Duration.ofMinutes(10));
    assertThat(o.indexColumn()).isEqualTo("index");
    assertThat(o.partitionBytes()).isEqualTo(128L << 20);
    assertThat(o.compression()).isEqualTo(H5SwmrOptions.Compression.NONE);
    assertThat(o.shuffle()).isFalse();
    assertThat(o.chunkRows()).isNull();
  }

  @Test
  void hadoopSettingsAreKeptAsGivenAndNeverShown() {
    Map<String, String> given = new HashMap<>();
    given.put("path", "s3a://bucket/a.h5");
    given.put("fs.s3a.endpoint", "http://127.0.0.1:9000");
    given.put("spark.hadoop.fs.s3a.secret.key", "not-for-logs");
    H5SwmrOptions o = H5SwmrOptions.of(given);
    assertThat(o.hadoopOptions())
        .containsOnly(
            Map.entry("fs.s3a.endpoint", "http://127.0.0.1:9000"),
            Map.entry("fs.s3a.secret.key", "not-for-logs"));
    assertThat(o.toString()).contains("fs.s3a.secret.key").doesNotContain("not-for-logs");
    assertThat(o.lockResource("s3a://bucket/a.h5")).isEqualTo("s3a://bucket/a.h5");
    given.put("lock.key", "run-7");
    assertThat(H5SwmrOptions.of(given).lockResource("s3a://bucket/a.h5")).isEqualTo("run-7");
  }

  @Test
  void optionsAreCaseInsensitiveAndOverrideSessionConf() {
    Map<String, String> session =
        Map.of(
            "spark.h5swmr.redis.url", "redis://session-host:7000",
            "spark.h5swmr.partitionBytes", "8m",
            "spark.h5swmr.lock.ttl", "5s");
    H5SwmrOptions o =
        H5SwmrOptions.of(
            Map.of("REDIS.URL", "redis://query-host:7001", "PartitionBytes", "1k"), session::get);
    assertThat(o.redisUrl()).isEqualTo("redis://query-host:7001");
    assertThat(o.partitionBytes()).isEqualTo(1024);
    assertThat(o.lockTtl()).isEqualTo(Duration.ofSeconds(5));
  }

  @Test
  void sparkMaxPartitionBytesIsTheDefaultPartitionSize() {
    H5SwmrOptions o =
        H5SwmrOptions.of(Map.of(), Map.of("spark.sql.files.maxPartitionBytes", "32m")::get);
    assertThat(o.partitionBytes()).isEqualTo(32L << 20);
  }

  @Test
  void pathsFromSparkJsonArrayAndPathNeverSplitOnCommas() {
    H5SwmrOptions o =
        H5SwmrOptions.of(Map.of("paths", "[\"/a/x.h5\",\"/b/y,1.h5\"]", "path", "/c/z.h5,/d/w.h5"));
    assertThat(o.paths()).containsExactly("/a/x.h5", "/b/y,1.h5", "/c/z.h5,/d/w.h5");
    assertThat(H5SwmrOptions.of(Map.of("path", "/runs/a,b.h5")).singlePath())
        .isEqualTo("/runs/a,b.h5");
    assertBad("paths", "/a.h5,/b.h5", "'paths'", "'/a.h5,/b.h5'", "JSON array", "never split");
  }

  @Test
  void unknownOptionNamesFailNamingTheClosestKnownOne() {
    assertThatThrownBy(() -> H5SwmrOptions.of(Map.of("datset", "/x")))
        .isInstanceOf(H5SwmrConfigException.class)
        .hasMessageContaining("Unknown option 'datset'")
        .hasMessageContaining("did you mean 'dataset'?");
    assertThatThrownBy(() -> H5SwmrOptions.of(Map.of("compresion", "gzip")))
        .hasMessageContaining("'compresion'")
        .hasMessageContaining("did you mean 'compression'?");
    assertThatThrownBy(() -> H5SwmrOptions.of(Map.of("LOCK.TIL", "5s")))
        .hasMessageContaining("'LOCK.TIL'")
        .hasMessageContaining("did you mean 'lock.ttl'?");
    // far from every name: no guess, but the list of valid names
    assertThatThrownBy(() -> H5SwmrOptions.of(Map.of("header", "true")))
        .hasMessageContaining("Unknown option 'header'")
        .hasMessageNotContaining("did you mean")
        .hasMessageContaining("valid options: path, paths, dataset");
    // keys Spark adds itself pass
    assertThat(H5SwmrOptions.of(Map.of("path", "/x.h5", "__partition_columns", "[]")).paths())
        .containsExactly("/x.h5");
  }

  @Test
  void readsRefuseWriteOnlyOptionsAndWritesOnlyNoteReadOnlyOnes() {
    Map<String, String> session = Map.of("spark.h5swmr.compression", "gzip");
    assertThatThrownBy(
            () ->
                H5SwmrOptions.of(
                    Map.of("path", "/x.h5", "Compression", "gzip"),
                    k -> null,
                    H5SwmrOptions.Operation.READ))
        .isInstanceOf(H5SwmrConfigException.class)
        .hasMessageContaining("Option 'compression' applies to writes only")
        .hasMessageContaining("options of a read: path, paths");
    // session conf serves reads and writes: never refused
    assertThat(
            H5SwmrOptions.of(Map.of("path", "/x.h5"), session::get, H5SwmrOptions.Operation.READ)
                .compression())
        .isEqualTo(H5SwmrOptions.Compression.GZIP);
    assertThat(
            H5SwmrOptions.sideNotices(
                List.of("fileColumn", "dataset"), H5SwmrOptions.Operation.WRITE))
        .containsExactly(
            "Option 'fileColumn' applies to reads only: this write ignores it (a table created by "
                + "this write keeps it for its reads)");
    assertThat(
            H5SwmrOptions.sideNotices(
                List.of("compression", "fileColumn"), H5SwmrOptions.Operation.ANY))
        .isEmpty();
  }

  @Test
  void everyKeyIsRegisteredWithItsSide() {
    assertThat(H5SwmrOptions.names()).contains("path", "lock.ttl", "chunkRows", "fileColumn");
    assertThat(H5SwmrOptions.sideOf("CHUNKROWS")).isEqualTo(H5SwmrOptions.Side.WRITE);
    assertThat(H5SwmrOptions.sideOf("partitionBytes")).isEqualTo(H5SwmrOptions.Side.READ);
    assertThat(H5SwmrOptions.sideOf("redis.url")).isEqualTo(H5SwmrOptions.Side.BOTH);
    assertThat(H5SwmrOptions.sideOf("nope")).isNull();
  }

  @Test
  void theConfStaysOnTheDriver() {
    assertThat(java.io.Serializable.class.isAssignableFrom(H5SwmrOptions.class)).isFalse();
  }

  @Test
  void emptyIndexColumnDisablesIt() {
    assertThat(H5SwmrOptions.of(Map.of("indexColumn", "")).indexColumn()).isNull();
    assertThat(H5SwmrOptions.of(Map.of("indexColumn", "row")).indexColumn()).isEqualTo("row");
  }

  @Test
  void durationsAndSizes() {
    assertThat(H5SwmrOptions.parseDuration("500ms")).isEqualTo(Duration.ofMillis(500));
    assertThat(H5SwmrOptions.parseDuration("10min")).isEqualTo(Duration.ofMinutes(10));
    assertThat(H5SwmrOptions.parseDuration("2h")).isEqualTo(Duration.ofHours(2));
    assertThat(H5SwmrOptions.parseDuration("45s")).isEqualTo(Duration.ofSeconds(45));
    assertThatThrownBy(() -> H5SwmrOptions.parseDuration("45"))
        .isInstanceOf(NumberFormatException.class);
    assertThat(H5SwmrOptions.parseBytes("64m")).isEqualTo(64L << 20);
    assertThat(H5SwmrOptions.parseBytes("1gb")).isEqualTo(1L << 30);
    assertThat(H5SwmrOptions.parseBytes("4096")).isEqualTo(4096);
  }

  @Test
  void gzipTurnsShuffleOnUnlessSaidOtherwise() {
    H5SwmrOptions o = H5SwmrOptions.of(Map.of("compression", "GZIP", "compressionLevel", "6"));
    assertThat(o.compression()).isEqualTo(H5SwmrOptions.Compression.GZIP);
    assertThat(o.compressionLevel()).isEqualTo(6);
    assertThat(o.shuffle()).isTrue();
    assertThat(H5SwmrOptions.of(Map.of("compression", "gzip", "shuffle", "false")).shuffle())
        .isFalse();
  }

  @Test
  void badValuesNameTheOptionTheValueAndWhatIsAllowed() {
    assertBad("partitionBytes", "lots", "partitionBytes", "'lots'", "byte size");
    assertBad("partitionBytes", "0", "partitionBytes", "'0'", "byte size");
    assertBad("batchRows", "-5", "batchRows", "'-5'", "row count");
    assertBad("lock.ttl", "forever", "lock.ttl", "'forever'", "duration");
    assertBad("lock.ttl", "10ms", "lock.ttl", "'10ms'", "at least 500ms");
    assertBad("lock.timeout", "0s", "lock.timeout", "'0s'", "positive duration");
    assertBad("lock.ttl", "30000", "lock.ttl", "'30000'", "with a unit", "30000ms or 30000s");
    assertBad("redis.connectTimeout", "5", "redis.connectTimeout", "'5'", "with a unit");
    assertBad("compression", "lz4", "compression", "'lz4'", "[gzip, none]");
    assertBad("compressionLevel", "12", "compressionLevel", "'12'", "1 (fastest) to 9");
    assertBad("shuffle", "yes", "shuffle", "'yes'", "true or false");
    assertBad("chunkRows", "many", "chunkRows", "'many'", "positive row count");
    assertBad("lock.prefix", "a{b}", "lock.prefix", "'a{b}'", "without '{'");
    assertBad("redis.url", "localhost:6379", "redis.url", "'localhost:6379'", "redis://");
  }

  @Test
  void exclusiveOptionsAreRejected() {
    Map<String, String> both = Map.of("dataset", "/a", "datasets", "/b,/c");
    assertThatThrownBy(() -> H5SwmrOptions.of(both))
        .isInstanceOf(H5SwmrConfigException.class)
        .hasMessageContaining("'dataset'")
        .hasMessageContaining("'datasets'");
    Map<String, String> same = Map.of("fileColumn", "index");
    assertThatThrownBy(() -> H5SwmrOptions.of(same))
        .isInstanceOf(H5SwmrConfigException.class)
        .hasMessageContaining("fileColumn")
        .hasMessageContaining("indexColumn");
  }

  @Test
  void passwordNeverShown() {
    Map<String, String> m = new HashMap<>();
    m.put("redis.url", "redis://alice:s3cretpw@db.example:6380/2");
    H5SwmrOptions o = H5SwmrOptions.of(m);
    assertThat(o.toString()).doesNotContain("s3cretpw").contains("alice:***@db.example:6380/2");
    assertThat(o.redactedRedisUrl()).isEqualTo("redis://alice:***@db.example:6380/2");
    assertThat(H5SwmrOptions.redact("rediss://:pw@h:1")).isEqualTo("rediss://:***@h:1");
    assertThat(H5SwmrOptions.redact("redis://onlysecret@h:1")).isEqualTo("redis://***@h:1");
    assertThat(H5SwmrOptions.redact("redis://h:1")).isEqualTo("redis://h:1");
    m.put("redis.url", "bogus://alice:s3cretpw@h:1");
    assertThatThrownBy(() -> H5SwmrOptions.of(m))
        .hasMessageNotContaining("s3cretpw")
        .hasMessageContaining("redis.url");
  }

  @Test
  void singlePathForWrites() {
    assertThat(H5SwmrOptions.of(Map.of("path", "/x.h5")).singlePath()).isEqualTo("/x.h5");
    assertThatThrownBy(() -> H5SwmrOptions.of(Map.of()).singlePath())
        .hasMessageContaining("'path'");
    assertThat(H5SwmrOptions.of(Map.of("datasets", "/g/a, /g/b")).datasets())
        .isEqualTo(List.of("/g/a", "/g/b"));
  }

  private static void assertBad(String option, String value, String... fragments) {
    assertThatThrownBy(() -> H5SwmrOptions.of(Map.of(option, value)))
        .isInstanceOf(H5SwmrConfigException.class)
        .satisfies(
            e -> {
              for (String f : fragments) {
                assertThat(e.getMessage()).contains(f);
              }
            });
  }
}
