package io.h5swmr.write;

import static io.h5swmr.write.WriteTestSupport.readBack;
import static io.h5swmr.write.WriteTestSupport.spark;
import static io.h5swmr.write.WriteTestSupport.writer;
import static org.assertj.core.api.Assertions.assertThat;

import io.h5swmr.testing.ChildJvm;
import io.h5swmr.testing.CommitPause;
import io.h5swmr.testing.RedisServerExtension;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;
import org.apache.spark.sql.Row;
import org.junit.jupiter.api.extension.RegisterExtension;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

/**
 * Zombie writer: a writing process is frozen (SIGSTOP) at a commit step for longer than its lease
 * TTL, a second writer takes the lease and commits, then the zombie is resumed (SIGCONT). Before
 * the write fence (step "locked") the second writer commits at once and the resumed zombie is
 * fenced by its lease check, writing nothing. Inside its session the zombie still holds the write
 * fence (fcntl): the second writer waits and the file does not change while the zombie is frozen;
 * after resuming, a zombie that had not passed its lease check ("data-synced" and before) rolls
 * back and writes nothing, one that had (its COMMIT record is being written) finishes its commit
 * before the second writer starts. Nothing committed is ever lost, the file is never torn.
 */
class H5SwmrZombieWriterTest {
  @RegisterExtension static final RedisServerExtension REDIS = RedisServerExtension.create();

  static final long TTL_MS = 1000;

  @TempDir Path dir;

  @ParameterizedTest(name = "SIGSTOP at {0}")
  @ValueSource(
      strings = {
        "locked",
        "fenced",
        "wrote-first-block",
        "closed",
        "data-synced",
        "journal-synced",
        "committed",
        "applied"
      })
  void frozenWriterNeverChangesTheFileAfterAnotherWriterStarted(String step) throws Exception {
    Path f = dir.resolve("zombie.h5");
    writer(
            spark().sql("select id as x, id * 0.5d as y from range(0, 1000, 1, 1)"),
            REDIS.url(),
            "/d")
        .mode("append")
        .save(f.toString());
    boolean pastLeaseCheck = H5SwmrWriteCrashTest.survivesKill(step);
    boolean insideFence = !step.equals("locked");
    try (ChildJvm zombie =
        ChildJvm.start(
            WriterChild.class,
            List.of("-D" + CommitPause.STOP_PROPERTY + "=" + step),
            List.of("direct", REDIS.url(), f.toString(), "/d", "1000", "1000"))) {
      zombie.awaitLine("H5SWMR-AT " + step, Duration.ofSeconds(120));
      zombie.sigstop();
      byte[] frozenAt = Files.readAllBytes(f);
      Thread.sleep(TTL_MS + 500); // past the zombie's lease
      long secondFrom = 5000;
      CompletableFuture<Long> second =
          CompletableFuture.supplyAsync(
              () -> {
                try (H5SwmrAppender a =
                    H5SwmrAppender.open(
                        f,
                        "/d",
                        WriterChild.SCHEMA,
                        Map.of(
                            "redis.url", REDIS.url(), "lock.ttl", "1s", "lock.timeout", "60s"))) {
                  long[] x = new long[100];
                  double[] y = new double[100];
                  for (int k = 0; k < 100; k++) {
                    x[k] = secondFrom + k;
                    y[k] = x[k] * 0.5;
                  }
                  return a.append(x, y);
                }
              });
      if (insideFence) {
        // the second writer got the lease but waits for the zombie's write fence: nothing changes
        // meanwhile
        Thread.sleep(1500);
        assertThat(second).as("second writer must wait for the frozen writer's fence").isNotDone();
        assertThat(Files.readAllBytes(f))
            .as("file changed while the zombie was frozen")
            .isEqualTo(frozenAt);
      } else {
        second.get(120, TimeUnit.SECONDS);
      }
      byte[] beforeResume = Files.readAllBytes(f);
      zombie.sigcont();
      zombie.send("GO");
      int exit = zombie.waitFor(Duration.ofSeconds(120));
      long total = second.get(120, TimeUnit.SECONDS);
      if (pastLeaseCheck) {
        assertThat(exit).as(zombie.output()).isZero();
      } else {
        assertThat(exit).as("the zombie must be fenced: " + zombie.output()).isNotZero();
        assertThat(zombie.output()).containsIgnoringCase("lease");
        if (!insideFence) {
          assertThat(Files.readAllBytes(f))
              .as("the resumed zombie changed the file")
              .isEqualTo(beforeResume);
        }
      }
      List<Row> rows = readBack(REDIS.url(), f, "/d");
      long zombieRows = pastLeaseCheck ? 1000 : 0;
      assertThat(rows).hasSize((int) (1000 + zombieRows + 100));
      assertThat(total).isEqualTo(1000 + zombieRows + 100);
      for (int k = 0; k < 1000; k++) {
        assertThat(rows.get(k).getLong(0)).isEqualTo(k);
      }
      long zombieSeen =
          rows.stream().filter(r -> r.getLong(0) >= 1000 && r.getLong(0) < 2000).count();
      long secondSeen = rows.stream().filter(r -> r.getLong(0) >= secondFrom).count();
      assertThat(zombieSeen).isEqualTo(zombieRows);
      assertThat(secondSeen).isEqualTo(100);
    }
    assertThat(WriteTestSupport.filesContaining(dir, ".h5swmr-journal")).isEmpty();
  }
}
