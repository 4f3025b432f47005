package io.h5swmr.write;

import static io.h5swmr.write.WriteTestSupport.filesContaining;
import static io.h5swmr.write.WriteTestSupport.readBack;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.h5swmr.exceptions.H5SwmrLeaseLostException;
import io.h5swmr.hdf5.H5Dataset;
import io.h5swmr.hdf5.H5File;
import io.h5swmr.hdf5.journal.JournalOverlay;
import io.h5swmr.lock.Lease;
import io.h5swmr.lock.LockKeys;
import io.h5swmr.lock.LockService;
import io.h5swmr.lock.LockSettings;
import io.h5swmr.testing.ChildJvm;
import io.h5swmr.testing.CommitPause;
import io.h5swmr.testing.RedisServerExtension;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicLong;
import org.apache.spark.sql.Row;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

/**
 * Append sessions: an {@link H5SwmrAppender} keeps the file's exclusive lease between appends
 * (docs/write.md), each append still one journaled commit checked against that lease; readers and
 * writers that queue make it yield; a lost lease refuses the next append; {@code kill -9} in the
 * middle of a session leaves the last committed append.
 */
class H5SwmrAppendSessionTest {
  @RegisterExtension static final RedisServerExtension REDIS = RedisServerExtension.create();

  /** Long enough that no session in these tests releases its lease for being idle. */
  static final Duration KEEP = Duration.ofMinutes(10);

  @TempDir Path dir;

  LockSettings lock() {
    return LockSettings.builder()
        .redisUrl(REDIS.url())
        .leaseTtl(Duration.ofSeconds(2))
        .acquireTimeout(Duration.ofSeconds(60))
        .build();
  }

  /** Block {@code b} of {@code rows} rows: x = b * 1_000_000 + k, y = x * 0.5. */
  static Object[] block(int b, int rows) {
    long[] x = new long[rows];
    double[] y = new double[rows];
    for (int k = 0; k < rows; k++) {
      x[k] = b * 1_000_000L + k;
      y[k] = x[k] * 0.5;
    }
    return new Object[] {x, y};
  }

  static long committedRows(Path file) {
    try (H5File h = H5File.openReadOnly(file.toString(), JournalOverlay.COMMITTED);
        H5Dataset d = h.openDataset("/d")) {
      return d.rows();
    }
  }

  static void assertBlocks(List<Row> rows, int blocks, int perBlock) {
    assertThat(rows).hasSize(blocks * perBlock);
    for (int b = 1; b <= blocks; b++) {
      for (int k = 0; k < perBlock; k++) {
        Row r = rows.get((b - 1) * perBlock + k);
        assertThat(r.getLong(0)).isEqualTo(b * 1_000_000L + k);
        assertThat(r.getDouble(1)).isEqualTo((b * 1_000_000L + k) * 0.5);
      }
    }
  }

  @Test
  void manyAppendsInOneSessionTakeOneLeaseAndReadBackExactlyBySparkAndH5py() throws Exception {
    Path file = dir.resolve("session.h5");
    int blocks = 60;
    int rows = 250;
    try (H5SwmrAppender a =
        H5SwmrAppender.open(file, "/d", WriterChild.SCHEMA, lock()).leaseLinger(KEEP)) {
      for (int b = 1; b <= blocks; b++) {
        assertThat(a.append(block(b, rows))).isEqualTo((long) b * rows);
        assertThat(a.session().holding()).as("lease kept after append " + b).isTrue();
      }
      assertThat(a.session().acquisitions()).as("one lease for the whole session").isEqualTo(1);
    }
    try (LockService s = LockService.open(lock())) {
      assertThat(s.state(LockKeys.forFile(file)).holders()).as("released at close").isEmpty();
    }
    assertBlocks(readBack(REDIS.url(), file, "/d"), blocks, rows);
    String out =
        WriteTestSupport.python(
            "import h5py, numpy as np\n"
                + "with h5py.File('"
                + file
                + "', 'r') as h:\n"
                + "    d = h['d'][:]\n"
                + "b = np.repeat(np.arange(1, "
                + (blocks + 1)
                + ", dtype='i8'), "
                + rows
                + ")\n"
                + "x = b * 1000000 + np.tile(np.arange("
                + rows
                + ", dtype='i8'), "
                + blocks
                + ")\n"
                + "print('ROWS', len(d), 'EXACT', bool((d['x'] == x).all() and (d['y'] == x * 0.5).all()))\n");
    assertThat(out).contains("ROWS " + blocks * rows + " EXACT True");
    assertThat(filesContaining(dir, ".h5swmr-journal")).isEmpty();
  }

  /**
   * A reader that queues while a session appends without pause gets its shared lease between two
   * appends (the session yields after the commit that finds it waiting) and sees only committed
   * blocks; the session then goes on. No sleeps: the appends run until the reader is in.
   */
  @Test
  void aReaderQueuingDuringASessionIsLetInBetweenAppendsAndSeesCommittedBlocks() throws Exception {
    Path file = dir.resolve("reader.h5");
    int rows = 100;
    int b = 1;
    try (H5SwmrAppender a =
            H5SwmrAppender.open(file, "/d", WriterChild.SCHEMA, lock()).leaseLinger(KEEP);
        LockService readers = LockService.open(lock())) {
      a.append(block(1, rows));
      assertThat(a.session().holding()).isTrue();
      CountDownLatch granted = new CountDownLatch(1);
      AtomicLong seen = new AtomicLong(-1);
      CompletableFuture<Void> reader =
          CompletableFuture.runAsync(
              () -> {
                try (Lease l = readers.acquireShared(LockKeys.forFile(file))) {
                  seen.set(committedRows(file));
                  granted.countDown();
                }
              });
      while (granted.getCount() > 0 && b < 5000) {
        b++;
        assertThat(a.append(block(b, rows))).isEqualTo((long) b * rows);
      }
      reader.get(60, TimeUnit.SECONDS);
      assertThat(granted.getCount()).as("the reader got in while the session appended").isZero();
      assertThat(seen.get()).isPositive();
      assertThat(seen.get() % rows).as("only whole committed blocks").isZero();
      assertThat(a.session().acquisitions())
          .as("the session yielded and took the lease again")
          .isGreaterThan(1);
      b++;
      assertThat(a.append(block(b, rows))).isEqualTo((long) b * rows);
      // an idle session yields to a reader that queues (the Spark scan below, in this thread)
      assertBlocks(readBack(REDIS.url(), file, "/d"), b, rows);
      b++;
      assertThat(a.append(block(b, rows))).isEqualTo((long) b * rows);
    }
    assertBlocks(readBack(REDIS.url(), file, "/d"), b, rows);
  }

  /** A second appender (a writer) queuing for the file is let in by a session too. */
  @Test
  void aWriterQueuingDuringASessionIsLetInAndBothSessionsLoseNothing() throws Exception {
    Path file = dir.resolve("writers.h5");
    try (H5SwmrAppender a =
            H5SwmrAppender.open(file, "/d", WriterChild.SCHEMA, lock()).leaseLinger(KEEP);
        H5SwmrAppender other =
            H5SwmrAppender.open(file, "/d", WriterChild.SCHEMA, lock()).leaseLinger(KEEP)) {
      a.append(block(1, 10));
      CompletableFuture<Long> second =
          CompletableFuture.supplyAsync(() -> other.append(block(2, 10)));
      int b = 2;
      while (!second.isDone() && b < 5000) {
        b++;
        a.append(block(b, 10));
      }
      assertThat(second.get(60, TimeUnit.SECONDS)).isPositive();
      other.close(); // releases the lease it kept
      a.append(block(b + 1, 10));
    }
    assertThat(committedRows(file) % 10).isZero();
    List<Row> rows = readBack(REDIS.url(), file, "/d");
    assertThat(rows.stream().filter(r -> r.getLong(0) / 1_000_000L == 2).count()).isEqualTo(10);
  }

  @Test
  void aSessionWhoseLeaseWasLostIsRefusedAtTheNextAppendAndTheFileKeepsItsLastCommit()
      throws Exception {
    Path file = dir.resolve("lost.h5");
    try (H5SwmrAppender a =
            H5SwmrAppender.open(file, "/d", WriterChild.SCHEMA, lock()).leaseLinger(KEEP);
        LockService admin = LockService.open(lock())) {
      a.append(block(1, 50));
      a.append(block(2, 50));
      assertThat(a.session().holding()).isTrue();
      // an operator (or Redis losing its state) takes the lease away between two appends
      assertThat(admin.forceReleaseAll(LockKeys.forFile(file))).isEqualTo(1);
      String before = WriteTestSupport.sha256(file);
      assertThatThrownBy(() -> a.append(block(3, 50)))
          .isInstanceOf(H5SwmrLeaseLostException.class)
          .hasMessageContaining("lost the exclusive lease it kept between appends")
          .hasMessageContaining("nothing of it was written")
          .hasMessageContaining("(100 rows)");
      assertThat(WriteTestSupport.sha256(file)).isEqualTo(before);
      assertThat(committedRows(file)).isEqualTo(100);
      assertThat(a.session().holding()).isFalse();
      // the next append takes a new lease
      assertThat(a.append(block(3, 50))).isEqualTo(150);
    }
    assertBlocks(readBack(REDIS.url(), file, "/d"), 3, 50);
  }

  @Test
  void zeroLingerTheDefaultReleasesTheLeaseAfterEveryAppend() throws Exception {
    Path file = dir.resolve("zero.h5");
    try (H5SwmrAppender a = H5SwmrAppender.open(file, "/d", WriterChild.SCHEMA, lock());
        LockService s = LockService.open(lock())) {
      for (int b = 1; b <= 3; b++) {
        a.append(block(b, 10));
        assertThat(a.session().holding()).isFalse();
        assertThat(s.state(LockKeys.forFile(file)).holders()).isEmpty();
      }
      // a session turned off releases the lease it kept at the next append
      a.leaseLinger(KEEP).append(block(4, 10));
      assertThat(a.session().holding()).isTrue();
      a.leaseLinger(Duration.ZERO).append(block(5, 10));
      assertThat(a.session().holding()).isFalse();
      assertThat(s.state(LockKeys.forFile(file)).holders()).isEmpty();
      assertThatThrownBy(() -> a.leaseLinger(Duration.ofMillis(-1)))
          .hasMessageContaining("leaseLinger must be zero or positive");
    }
    assertBlocks(readBack(REDIS.url(), file, "/d"), 5, 10);
  }

  /**
   * {@code kill -9} of a JVM in the middle of a session, at a step of its last append's commit:
   * readers see every earlier append and the last one only from the commit point on; the next
   * writer waits out the dead session's lease, recovers and appends.
   */
  @ParameterizedTest(name = "kill -9 at {0} of the 5th append of a session")
  @ValueSource(
      strings = {"locked", "wrote-first-block", "data-synced", "journal-synced", "applied"})
  void aSessionKilledInTheMiddleLeavesItsLastCommitAndTheNextWriterRecovers(String step)
      throws Exception {
    Path file = dir.resolve("killed.h5");
    int blocks = 5;
    int rows = 200;
    try (ChildJvm w =
        ChildJvm.start(
            WriterChild.class,
            List.of("-D" + CommitPause.PROPERTY + "=" + step),
            List.of(
                "session",
                REDIS.url(),
                file.toString(),
                "/d",
                Integer.toString(blocks),
                Integer.toString(rows)))) {
      w.awaitLine("H5SWMR-PAUSE " + step, Duration.ofSeconds(120));
      assertThat(w.output()).contains("APPENDED " + (blocks - 1) + " " + (blocks - 1) * rows);
      w.kill9();
    }
    int kept = H5SwmrWriteCrashTest.survivesKill(step) ? blocks : blocks - 1;
    assertBlocks(readBack(REDIS.url(), file, "/d"), kept, rows);
    try (H5SwmrAppender next = H5SwmrAppender.open(file, "/d", WriterChild.SCHEMA, lock())) {
      assertThat(next.append(block(kept + 1, rows))).isEqualTo((long) (kept + 1) * rows);
    }
    assertBlocks(readBack(REDIS.url(), file, "/d"), kept + 1, rows);
    assertThat(filesContaining(dir, ".h5swmr-journal")).isEmpty();
    assertThat(Files.exists(file)).isTrue();
  }
}
