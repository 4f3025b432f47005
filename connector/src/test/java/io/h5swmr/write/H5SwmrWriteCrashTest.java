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

  /** Trials per step: 2 by default (the whole campaign stays near a minute), 20 with {@code -Dlong=true}. */
  static final int TRIALS = Boolean.getBoolean("long") ? 20 : 2;

  /** Steps of an in-place commit at which the writer is killed; from "journal-synced" on, the commit survives. */
  static final List<String> STEPS = List.of("locked", "fenced", "wrote-first-block", "closed", "data-synced",
      "journal-synced", "committed", "applied", "journal-deleted");

  static boolean survivesKill(String step) {
    return STEPS.indexOf(step) >= STEPS.indexOf("journal-synced");
  }

  @ParameterizedTest(name = "kill -9 at {0}")
  @ValueSource(strings = {"locked", "fenced", "wrote-first-block", "closed", "data-synced", "journal-synced",
      "committed", "applied", "journal-deleted"})
  void killedCommitLeavesOldOrNewAndTheNextWriterRecovers(String step) throws Exception {
    Path f = dir.resolve("crash.h5");
    writer(spark().sql("select id as x, id * 0.5d as y from range(0, 1000, 1, 2)"), REDIS.url(), "/d")
        .mode("append").save(f.toString());
    Object inode = Files.readAttributes(f, java.nio.file.attribute.BasicFileAttributes.class).fileKey();
    long expected = 1000;
    for (int trial = 0; trial < TRIALS; trial++) {
      try (ChildJvm child = ChildJvm.start(WriterChild.class,
          List.of("-D" + io.h5swmr.testing.CommitPause.PROPERTY + "=" + step),
          List.of("direct", REDIS.url(), f.toString(), "/d", Long.toString(expected), "1000"))) {
        child.awaitLine("H5SWMR-PAUSE " + step, WAIT);
        child.kill9();
      }
      if (survivesKill(step)) {
        expected += 1000;
      }
      // readers (h5swmr through a committed journal's overlay; h5py and h5dump on the file) see old or new
      assertSequence(readBack(REDIS.url(), f, "/d"), expected);
      // h5py/h5dump know nothing of the journal: before it is applied they see the old state, after it the new
      boolean applied = !survivesKill(step) || step.equals("applied") || step.equals("journal-deleted");
      assertOpensElsewhere(f, applied ? expected : expected - 1000);
      // the next writer waits out the dead writer's lease, recovers and commits in place
      try (H5SwmrAppender a = H5SwmrAppender.open(f, "/d", WriterChild.SCHEMA, java.util.Map.of(
          "redis.url", REDIS.url(), "lock.ttl", "1s", "lock.timeout", "60s"))) {
        long[] x = new long[100];
        double[] y = new double[100];
        for (int k = 0; k < 100; k++) {
          x[k] = expected + k;
          y[k] = x[k] * 0.5;
        }
        assertThat(a.append(x, y)).isEqualTo(expected + 100);
      }
      expected += 100;
      assertSequence(readBack(REDIS.url(), f, "/d"), expected);
      assertOpensElsewhere(f, expected);
      assertThat(filesContaining(dir, ".h5swmr-journal")).as("journal recovered and removed").isEmpty();
      assertThat(filesContaining(dir, ".h5swmr-commit-")).as("no commit copies").isEmpty();
    }
    assertThat(Files.readAttributes(f, java.nio.file.attribute.BasicFileAttributes.class).fileKey())
        .as("appends are in place: same inode").isEqualTo(inode);
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

  private static void assertOpensElsewhere(Path f, long rows) throws Exception {
    if (WriteTestSupport.hasH5dump()) {
      WriteTestSupport.Ran r = WriteTestSupport.run(List.of("h5dump", "-H", f.toString()));
      assertThat(r.exit).as(r.output).isZero();
    }
    if (WriteTestSupport.hasH5py()) {
      assertThat(WriteTestSupport.python("import h5py\nwith h5py.File('" + f + "', 'r') as h:\n"
          + "    d = h['d'][:]\n    print('rows', d.shape[0], int(d[-1][0]))\n"))
          .startsWith("rows " + rows + " " + (rows - 1));
    }
    assertThat(Files.size(f)).isPositive();
  }
}
