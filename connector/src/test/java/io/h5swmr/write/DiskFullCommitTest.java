package io.h5swmr.write;

import static io.h5swmr.write.WriteTestSupport.filesContaining;
import static io.h5swmr.write.WriteTestSupport.readBack;
import static io.h5swmr.write.WriteTestSupport.sha256;
import static io.h5swmr.write.WriteTestSupport.spark;
import static io.h5swmr.write.WriteTestSupport.writer;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

import io.h5swmr.testing.RedisServerExtension;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import org.apache.spark.sql.Dataset;
import org.apache.spark.sql.Row;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;
import org.junit.jupiter.api.io.TempDir;

/**
 * Issue 29: a commit that runs out of disk space says "No space left on device" and leaves the
 * target as it was. The target lives on a 2 MiB tmpfs this test mounts (needs root, as CI runs;
 * skipped otherwise); rows are staged on the ordinary temp filesystem, so the commit is what fills
 * the disk.
 */
class DiskFullCommitTest {
  @RegisterExtension static final RedisServerExtension REDIS = RedisServerExtension.create();

  @TempDir Path dir;

  Path small;

  @BeforeEach
  void mountSmallFilesystem() throws Exception {
    assumeTrue("root".equals(System.getProperty("user.name")), "needs root to mount a small tmpfs");
    small = Files.createDirectories(dir.resolve("small"));
    WriteTestSupport.Ran r =
        WriteTestSupport.run(
            List.of("mount", "-t", "tmpfs", "-o", "size=2m", "tmpfs", small.toString()));
    assumeTrue(r.exit == 0, "could not mount a tmpfs: " + r.output);
  }

  @AfterEach
  void unmount() throws Exception {
    if (small != null) {
      WriteTestSupport.run(List.of("umount", "-l", small.toString()));
    }
  }

  static Dataset<Row> rows(long n) {
    return spark().sql("select id as x, id * 2.0d as y from range(0, " + n + ", 1, 2)");
  }

  @Test
  void aNewFileThatDoesNotFitSaysNoSpaceLeftAndLeavesNothing() {
    Path f = small.resolve("new.h5");
    assertThatThrownBy(
            () ->
                writer(rows(300_000), REDIS.url(), "/a")
                    .option("stagingDir", dir.resolve("staging").toString())
                    .mode("append")
                    .save(f.toString()))
        .hasStackTraceContaining("No space left on device")
        .hasStackTraceContaining(f.toString());
    assertThat(Files.exists(f)).isFalse();
    assertThat(filesContaining(small, ".h5swmr-"))
        .as("no commit copy left on the full disk")
        .isEmpty();
  }

  @Test
  void anAppendThatDoesNotFitSaysNoSpaceLeftAndLeavesTheFileAsItWas() {
    Path f = small.resolve("grow.h5");
    writer(rows(1_000), REDIS.url(), "/a").mode("append").save(f.toString());
    String before = sha256(f);
    assertThatThrownBy(
            () ->
                writer(rows(300_000), REDIS.url(), "/a")
                    .option("stagingDir", dir.resolve("staging").toString())
                    .mode("append")
                    .save(f.toString()))
        .hasStackTraceContaining("No space left on device")
        .hasStackTraceContaining(f.toString());
    assertThat(sha256(f)).isEqualTo(before);
    assertThat(readBack(REDIS.url(), f, "/a")).hasSize(1_000);
  }
}
