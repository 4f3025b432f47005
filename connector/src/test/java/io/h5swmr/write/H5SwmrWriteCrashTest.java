package io.h5swmr.write;

import static io.h5swmr.write.WriteTestSupport.filesContaining;
import static io.h5swmr.write.WriteTestSupport.readBack;
import static io.h5swmr.write.WriteTestSupport.spark;
import static io.h5swmr.write.WriteTestSupport.writer;
import static org.assertj.core.api.Assertions.assertThat;

import io.h5swmr.testing.ChildJvm;
import io.h5swmr.testing.RedisServerExtension;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import org.apache.spark.sql.Row;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

/**
 * Multi-process: {@code kill -9} of a writing driver at each step of its commit, then recovery by the next
 * writer; and two Spark applications appending to one dataset at once.
 */
class H5SwmrWriteCrashTest {
  @RegisterExtension
  static final RedisServerExtension REDIS = RedisServerExtension.create();

  static final Duration WAIT = Duration.ofSeconds(120);

  @TempDir
  Path dir;

  @ParameterizedTest(name = "kill -9 at {0}")
  @ValueSource(strings = {"locked", "copied", "wrote-first-block", "before-rename", "renamed"})
  void killedCommitLeavesLastCommittedStateAndTheNextWriterRecovers(String step) throws Exception {
    Path f = dir.resolve("crash.h5");
    writer(spark().sql("select id as x, id * 0.5d as y from range(0, 1000, 1, 2)"), REDIS.url(), "/d")
        .mode("append").save(f.toString());
    try (ChildJvm child = ChildJvm.start(WriterChild.class,
        List.of("-D" + H5SwmrCommitter.PAUSE_PROPERTY + "=" + step),
        List.of("direct", REDIS.url(), f.toString(), "/d", "1000", "5000"))) {
      child.awaitLine("H5SWMR-PAUSE " + step, WAIT);
      child.kill9();
    }
    boolean published = step.equals("renamed");
    long expected = published ? 6000 : 1000;
    // the file opens (h5py and h5dump when present) and holds exactly the last committed state
    assertOpensElsewhere(f);
    assertSequence(readBack(REDIS.url(), f, "/d"), expected);
    if (!step.equals("locked")) {
      assertThat(filesContaining(dir, ".h5swmr-")).as("leftovers before recovery").isNotEmpty();
    }
    // the next writer waits out the dead writer's lease, cleans up and commits
    writer(spark().sql("select id as x, id * 0.5d as y from range(" + expected + ", " + (expected + 500)
        + ", 1, 2)"), REDIS.url(), "/d").mode("append").save(f.toString());
    assertSequence(readBack(REDIS.url(), f, "/d"), expected + 500);
    assertThat(filesContaining(dir, ".h5swmr-commit-")).as("orphan commit copies removed").isEmpty();
    assertThat(filesContaining(dir, ".kryo")).as("orphan staging files removed").isEmpty();
  }

  @Test
  void twoSparkApplicationsAppendingAtOnceBothLandWithoutInterleaving() throws Exception {
    Path f = dir.resolve("two.h5");
    writer(spark().sql("select id as x, id * 0.5d as y from range(0, 10, 1, 1)"), REDIS.url(), "/d")
        .mode("append").save(f.toString());
    List<String> opens = new ArrayList<>();
    for (String arg : java.lang.management.ManagementFactory.getRuntimeMXBean().getInputArguments()) {
      if (arg.startsWith("--add-opens") || arg.startsWith("-Djdk.reflect") || arg.startsWith("-Dio.netty")) {
        opens.add(arg);
      }
    }
    opens.add("-Xmx700m");
    try (ChildJvm a = ChildJvm.start(WriterChild.class, opens,
            List.of("spark", REDIS.url(), f.toString(), "/d", "1000000", "40000"));
        ChildJvm b = ChildJvm.start(WriterChild.class, opens,
            List.of("spark", REDIS.url(), f.toString(), "/d", "2000000", "40000"))) {
      a.awaitLine("COMMITTED", Duration.ofMinutes(4));
      b.awaitLine("COMMITTED", Duration.ofMinutes(4));
      assertThat(a.waitFor(WAIT)).as(a.output()).isZero();
      assertThat(b.waitFor(WAIT)).as(b.output()).isZero();
    }
    List<Row> rows = readBack(REDIS.url(), f, "/d");
    assertThat(rows).hasSize(80010);
    for (int k = 0; k < 10; k++) {
      assertThat(rows.get(k).getLong(0)).isEqualTo(k);
    }
    long firstBlock = rows.get(10).getLong(0);
    long secondBlock = firstBlock == 1_000_000 ? 2_000_000 : 1_000_000;
    assertThat(firstBlock).isIn(1_000_000L, 2_000_000L);
    for (int k = 0; k < 40000; k++) {
      assertThat(rows.get(10 + k).getLong(0)).isEqualTo(firstBlock + k);
      assertThat(rows.get(40010 + k).getLong(0)).isEqualTo(secondBlock + k);
      assertThat(rows.get(40010 + k).getDouble(1)).isEqualTo((secondBlock + k) * 0.5);
    }
  }

  private static void assertSequence(List<Row> rows, long n) {
    assertThat(rows).hasSize((int) n);
    for (int k = 0; k < n; k++) {
      assertThat(rows.get(k).getLong(0)).isEqualTo(k);
      assertThat(rows.get(k).getDouble(1)).isEqualTo(k * 0.5);
    }
  }

  private static void assertOpensElsewhere(Path f) throws Exception {
    if (WriteTestSupport.hasH5dump()) {
      WriteTestSupport.Ran r = WriteTestSupport.run(List.of("h5dump", "-H", f.toString()));
      assertThat(r.exit).as(r.output).isZero();
    }
    if (WriteTestSupport.hasH5py()) {
      assertThat(WriteTestSupport.python("import h5py\nwith h5py.File('" + f + "', 'r') as h:\n"
          + "    print('rows', h['d'].shape[0])\n")).startsWith("rows ");
    }
    assertThat(Files.size(f)).isPositive();
  }
}
