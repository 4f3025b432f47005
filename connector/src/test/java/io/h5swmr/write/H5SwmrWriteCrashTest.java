package io.h5swmr.write;

import static io.h5swmr.write.WriteTestSupport.filesContaining;
import static io.h5swmr.write.WriteTestSupport.readBack;
import static io.h5swmr.write.WriteTestSupport.spark;
import static io.h5swmr.write.WriteTestSupport.writer;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.h5swmr.hdf5.H5Dataset;
import io.h5swmr.hdf5.H5File;
import io.h5swmr.lock.Lease;
import io.h5swmr.lock.LockKeys;
import io.h5swmr.lock.LockService;
import io.h5swmr.lock.LockSettings;
import io.h5swmr.testing.ChildJvm;
import io.h5swmr.testing.RedisServerExtension;
import java.io.BufferedReader;
import java.io.IOException;
import java.io.InputStreamReader;
import java.io.OutputStreamWriter;
import java.io.Writer;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.BasicFileAttributes;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.HashMap;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.LinkedBlockingQueue;
import java.util.concurrent.TimeUnit;
import org.apache.spark.sql.Row;
import org.apache.spark.sql.RowFactory;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

/**
 * Multi-process: {@code kill -9} of a writer at each step of its commit, then recovery by the next
 * writer (the kill campaigns of issue 9); and two Spark applications appending to one dataset at
 * once.
 */
class H5SwmrWriteCrashTest {
  @RegisterExtension static final RedisServerExtension REDIS = RedisServerExtension.create();

  static final Duration WAIT = Duration.ofSeconds(120);

  @TempDir Path dir;

  static final boolean LONG = Boolean.getBoolean("long");

  /**
   * Trials per commit step of each kill campaign: 20 by default, 60 with {@code -Dlong=true}. Both
   * CI builds (Spark 4.1 and Spark 3.5) run the full default campaigns: about 30 s each on the
   * 2-core CI VM.
   */
  static final int TRIALS = Integer.getInteger("h5swmr.crash.trials", LONG ? 60 : 20);

  /**
   * Writer processes per campaign: the trials run in ROUNDS rounds. In each round one writer
   * process holds one commit per file (TRIALS / ROUNDS files per step, rounded up), each paused at
   * its own step, and one {@code kill -9} ends them all there; then every file is checked and
   * committed to again. Each file so goes through ROUNDS crash-and-recover cycles in a row.
   */
  static final int ROUNDS = Integer.getInteger("h5swmr.crash.rounds", LONG ? 10 : 4);

  /**
   * Lease TTL of the killed writers: the next writer and the readers wait up to this long after a
   * kill. Long enough that a writer process holding a round's worth of leases renews them all in
   * time on a busy 2-core machine.
   */
  static final String KILLED_WRITER_TTL = "3s";

  /**
   * Steps of an in-place commit at which the writer is killed; from "journal-synced" on, the commit
   * survives.
   */
  static final List<String> STEPS =
      List.of(
          "locked",
          "fenced",
          "wrote-first-block",
          "closed",
          "data-synced",
          "journal-synced",
          "committed",
          "applied",
          "journal-deleted");

  static boolean survivesKill(String step) {
    return STEPS.indexOf(step) >= STEPS.indexOf("journal-synced");
  }

  /**
   * h5py and h5dump know nothing of the journal: before it is applied they see the old state, after
   * it the new.
   */
  static boolean appliedInPlace(String step) {
    return !survivesKill(step) || step.equals("applied") || step.equals("journal-deleted");
  }

  /**
   * The kill campaign: a writer killed with {@code kill -9} at each step of its commit, TRIALS
   * times per step, for the driver commit of a Spark write ({@code direct}: {@link WriterChild}
   * drives Spark's write roles without a SparkSession: two staged partitions, then the driver's
   * commit) and for the plain {@link H5SwmrAppender} ({@code appender}). After each kill, readers
   * see exactly the old state (killed before "journal-synced") or the new one (killed at or after
   * it): h5swmr (a plain reader under the file's shared lease, as a Spark task reads, and a Spark
   * scan of all the files), and h5py and h5dump, which open the file and read every row (before the
   * journal is applied they see the old state). Then the next writer waits out the dead writer's
   * lease, recovers the journal and commits in place, and h5swmr, h5py and h5dump see that commit
   * too; no journal, commit copy or staging file is left and every file keeps its inode.
   */
  @ParameterizedTest(name = "kill -9 campaign: {0}")
  @ValueSource(strings = {"direct", "appender"})
  void killedCommitsLeaveOldOrNewAndTheNextWriterRecovers(String kind) throws Exception {
    // surefire keeps stdout in the test's output file: the campaign's counts and where its time
    // went
    System.out.println(campaign(kind));
  }

  /**
   * A bulk commit frees the staged bytes it has read as it goes ({@link StagingPages}). Its writer,
   * killed there (at "wrote-first-block" of a 64 MiB append, when part of a staging file is already
   * a hole), leaves the file as it was; the next writer waits out the dead writer's lease, rolls
   * back what it wrote beyond the old end of file, removes its half-freed staging files and appends
   * in place.
   */
  @Test
  void aBulkWriterKilledWhileFreeingItsStagedBytesLeavesTheOldFile() throws Exception {
    org.junit.jupiter.api.Assumptions.assumeTrue(
        StagingPages.unavailable() == null,
        "SKIPPED: staged pages are freed by deletion only here: " + StagingPages.unavailable());
    Path f = dir.resolve("bulk.h5");
    writer(
            spark().sql("select id as x, id * 0.5d as y from range(0, 1000, 1, 1)"),
            REDIS.url(),
            "/d")
        .mode("append")
        .save(f.toString());
    long size = Files.size(f);
    Object inode = Files.readAttributes(f, BasicFileAttributes.class).fileKey();
    long rows = 4_000_000; // two staged partitions of 32 MB each
    try (ChildJvm w =
        ChildJvm.start(
            WriterChild.class,
            List.of("-D" + io.h5swmr.testing.CommitPause.PROPERTY + "=wrote-first-block"),
            List.of("direct", REDIS.url(), f.toString(), "/d", "1000", Long.toString(rows)))) {
      w.awaitLine("H5SWMR-PAUSE wrote-first-block", WAIT);
      List<Path> staged = filesContaining(dir, ".kryo");
      assertThat(staged).as(w.output()).isNotEmpty();
      long punched = staged.stream().filter(k -> WriteTestSupport.firstLong(k) == 0).count();
      assertThat(punched)
          .as("a staging file already partly freed when the writer is killed")
          .isPositive();
      assertThat(Files.size(f))
          .as("the commit wrote new chunks beyond the old end of file")
          .isGreaterThan(size);
      w.kill9();
    }
    // readers ignore what lies beyond the committed end of file (they do not recover: writers do)
    assertThat(readBack(REDIS.url(), f, "/d")).hasSize(1000);
    long killedAt = Files.size(f);
    try (H5SwmrAppender a =
        H5SwmrAppender.open(f, "/d", WriterChild.SCHEMA, Map.of("redis.url", REDIS.url()))) {
      assertThat(a.append(new long[] {5000, 5001}, new double[] {2500, 2500.5})).isEqualTo(1002);
    }
    assertThat(Files.size(f))
        .as("the dead writer's bytes beyond the old end of file (" + killedAt + ") were cut")
        .isLessThan(size + (1 << 20));
    List<Row> back = readBack(REDIS.url(), f, "/d");
    assertThat(back).hasSize(1002);
    for (int k = 0; k < 1000; k++) {
      assertThat(back.get(k).getLong(0)).isEqualTo(k);
      assertThat(back.get(k).getDouble(1)).isEqualTo(k * 0.5);
    }
    assertThat(back.get(1001).getLong(0)).isEqualTo(5001);
    assertThat(Files.readAttributes(f, BasicFileAttributes.class).fileKey()).isEqualTo(inode);
    assertThat(filesContaining(dir, ".kryo"))
        .as("the dead writer's staging files removed")
        .isEmpty();
    assertThat(filesContaining(dir, ".h5swmr-journal")).isEmpty();
  }

  /** Every message of {@code e} and its causes, joined. */
  private static String messages(Throwable e) {
    StringBuilder b = new StringBuilder();
    for (Throwable t = e; t != null; t = t.getCause()) {
      b.append(t.getMessage()).append(" | ");
    }
    return b.toString();
  }

  /**
   * A driver killed right after its commit point leaves a committed journal; the user then restores
   * the file from a backup with {@code cp} (same inode, one commit older). The next writer must not
   * replay the journal onto the restored file, nor may a Spark scan read through it: both fail
   * naming the journal and the file, and change neither. Once the user deletes the journal, the
   * restored file is written and read as it is.
   */
  @Test
  void aCommittedJournalIsNotReplayedOntoAFileRestoredFromABackup() throws Exception {
    Path f = dir.resolve("restored.h5");
    writer(
            spark().sql("select id as x, id * 0.5d as y from range(0, 1000, 1, 1)"),
            REDIS.url(),
            "/d")
        .mode("append")
        .save(f.toString());
    Path backup = dir.resolve("restored-backup.h5");
    assertThat(
            new ProcessBuilder("cp", f.toString(), backup.toString()).inheritIO().start().waitFor())
        .isZero();
    try (H5SwmrAppender a =
        H5SwmrAppender.open(f, "/d", WriterChild.SCHEMA, Map.of("redis.url", REDIS.url()))) {
      assertThat(a.append(new long[] {1000, 1001}, new double[] {500, 500.5})).isEqualTo(1002);
    }
    try (ChildJvm w =
        ChildJvm.start(
            WriterChild.class,
            List.of("-D" + io.h5swmr.testing.CommitPause.PROPERTY + "=committed"),
            List.of("direct", REDIS.url(), f.toString(), "/d", "2000", "1000"))) {
      w.awaitLine("H5SWMR-PAUSE committed", WAIT);
      w.kill9();
    }
    Path journal =
        io.h5swmr.hdf5.journal.JournalFiles.journal(
            io.h5swmr.hdf5.journal.JournalFiles.realTarget(f));
    assertThat(Files.exists(journal)).as("the killed commit left its committed journal").isTrue();
    assertThat(
            new ProcessBuilder("cp", backup.toString(), f.toString()).inheritIO().start().waitFor())
        .isZero();
    byte[] restored = Files.readAllBytes(f);
    byte[] kept = Files.readAllBytes(journal);
    assertThatThrownBy(
            () -> {
              try (H5SwmrAppender a =
                  H5SwmrAppender.open(
                      f, "/d", WriterChild.SCHEMA, Map.of("redis.url", REDIS.url()))) {
                a.append(new long[] {7}, new double[] {3.5});
              }
            })
        .satisfies(
            e ->
                assertThat(messages(e))
                    .contains(journal.toString())
                    .contains("was not written for")
                    .contains(f.toRealPath().toString()));
    assertThatThrownBy(() -> readBack(REDIS.url(), f, "/d"))
        .satisfies(e -> assertThat(messages(e)).contains(journal.toString()));
    assertThat(Files.readAllBytes(f)).as("the restored file was not changed").isEqualTo(restored);
    assertThat(Files.readAllBytes(journal)).as("the journal was kept").isEqualTo(kept);
    Files.delete(
        journal); // what the error tells the user to do when the restored file is what they want
    try (H5SwmrAppender a =
        H5SwmrAppender.open(f, "/d", WriterChild.SCHEMA, Map.of("redis.url", REDIS.url()))) {
      assertThat(a.append(new long[] {7}, new double[] {3.5})).isEqualTo(1001);
    }
    List<Row> back = readBack(REDIS.url(), f, "/d");
    assertThat(back).hasSize(1001);
    assertThat(back.get(999).getLong(0)).isEqualTo(999);
    assertThat(back.get(1000).getLong(0)).isEqualTo(7);
  }

  /** One kill campaign with writers of {@code kind} (see above); returns its report line. */
  private String campaign(String kind) throws Exception {
    int perRound = Math.max(1, (TRIALS + ROUNDS - 1) / ROUNDS);
    Path base = Files.createDirectories(dir.resolve(kind));
    Path seed = dir.resolve(kind + "-seed.h5");
    writer(
            spark().sql("select id as x, id * 0.5d as y from range(0, 1000, 1, 2)"),
            REDIS.url(),
            "/d")
        .mode("append")
        .save(seed.toString());
    List<Path> files = new ArrayList<>();
    List<String> steps = new ArrayList<>();
    for (String step : STEPS) {
      for (int j = 0; j < perRound; j++) {
        files.add(Files.copy(seed, base.resolve(step + "-" + j + ".h5")));
        steps.add(step);
      }
    }
    long t0 =
        System.nanoTime(); // after the seed's write: a first Spark query in this JVM starts Spark
    long[] phase =
        new long[5]; // nanos: writers until killed, h5py + h5dump, h5swmr reads, Spark scans, next
    // commits
    long[] expected = new long[files.size()];
    Arrays.fill(expected, 1000);
    List<Object> inodes = new ArrayList<>();
    for (Path f : files) {
      inodes.add(Files.readAttributes(f, BasicFileAttributes.class).fileKey());
    }
    int trials = 0;
    Path warmups = Files.createDirectories(dir.resolve(kind + "-warmup"));
    ExecutorService pool = Executors.newFixedThreadPool(4);
    List<ChildJvm> writers = new ArrayList<>();
    try (H5py h5py = H5py.startIfAvailable()) {
      writers.add(startWriters(kind, warmups.resolve("round-0.h5")));
      for (int round = 0; round < ROUNDS; round++) {
        long t = System.nanoTime();
        killAtSteps(writers.get(round), files, steps, expected);
        if (round + 1 < ROUNDS) { // the next round's writer warms up while this round is checked
          writers.add(startWriters(kind, warmups.resolve("round-" + (round + 1) + ".h5")));
        }
        t = lap(phase, 0, t);
        trials += files.size();
        long[] inH5py = new long[files.size()];
        for (int i = 0; i < files.size(); i++) {
          if (survivesKill(steps.get(i))) {
            expected[i] += 1000;
          }
          inH5py[i] = appliedInPlace(steps.get(i)) ? expected[i] : expected[i] - 1000;
        }
        String when = "after the kill in round " + round;
        // h5py and h5dump first (they take no lease), then h5swmr readers (they wait out the dead
        // writer's lease)
        assertOpensElsewhere(h5py, files, steps, inH5py, when);
        t = lap(phase, 1, t);
        assertH5swmrReads(files, steps, expected, when);
        t = lap(phase, 2, t);
        assertSparkScan(base, files, expected, when);
        t = lap(phase, 3, t);
        // the next writer waits out the dead writer's lease, recovers and commits in place
        nextCommits(pool, files, expected);
        t = lap(phase, 4, t);
        when = "after the next commit in round " + round;
        assertOpensElsewhere(h5py, files, steps, expected, when);
        t = lap(phase, 1, t);
        assertH5swmrReads(files, steps, expected, when);
        lap(phase, 2, t);
        assertThat(filesContaining(base, ".h5swmr-journal"))
            .as("journals recovered and removed")
            .isEmpty();
        assertThat(filesContaining(base, ".h5swmr-commit-")).as("no commit copies").isEmpty();
      }
    } finally {
      pool.shutdownNow();
      writers.forEach(ChildJvm::close);
    }
    for (int i = 0; i < files.size(); i++) {
      assertThat(Files.readAttributes(files.get(i), BasicFileAttributes.class).fileKey())
          .as("appends are in place: same inode")
          .isEqualTo(inodes.get(i));
    }
    assertThat(filesContaining(base, ".kryo")).as("orphan staging files removed").isEmpty();
    assertThat(trials).isEqualTo(STEPS.size() * perRound * ROUNDS);
    return String.format(
        "kill -9 campaign (%s): %d steps x %d trials = %d, all old-or-new; h5py and h5dump opened "
            + "every file; every next commit recovered and committed in place (%d writer processes, each killed with "
            + "%d commits paused at their steps; %.1f s: writers until killed %.1f s, h5py + h5dump %.1f s, h5swmr "
            + "reads %.1f s, Spark scans %.1f s, next commits %.1f s)",
        kind.equals("direct") ? "Spark driver commit, WriterChild direct" : "plain H5SwmrAppender",
        STEPS.size(),
        perRound * ROUNDS,
        trials,
        ROUNDS,
        files.size(),
        (System.nanoTime() - t0) / 1e9,
        phase[0] / 1e9,
        phase[1] / 1e9,
        phase[2] / 1e9,
        phase[3] / 1e9,
        phase[4] / 1e9);
  }

  /** Adds the time since {@code since} to {@code phase[i]}; returns now. */
  private static long lap(long[] phase, int i, long since) {
    long now = System.nanoTime();
    phase[i] += now - since;
    return now;
  }

  /**
   * A writer process for one round: it warms up (outside the campaign's files), then waits for its
   * commits.
   */
  private static ChildJvm startWriters(String kind, Path warmup) throws IOException {
    return ChildJvm.start(
        WriterChild.class,
        List.of("-XX:+UseSerialGC"),
        List.of("killable", kind, REDIS.url(), "/d", "1000", KILLED_WRITER_TTL, warmup.toString()));
  }

  /**
   * Has the warmed-up writer process append 1000 rows to every file at once, each commit pausing at
   * its step; waits until all paused, then kills the process.
   */
  private static void killAtSteps(
      ChildJvm child, List<Path> files, List<String> steps, long[] expected) throws Exception {
    child.awaitLine("READY", WAIT);
    for (int i = 0; i < files.size(); i++) {
      child.send(steps.get(i) + " " + expected[i] + " " + files.get(i));
    }
    child.send("GO");
    Set<Integer> paused = new HashSet<>();
    while (paused.size() < files.size()) {
      String line =
          child.awaitLine(
              l ->
                  l.startsWith("H5SWMR-PAUSE ")
                      || l.startsWith("COMMITTED ")
                      || l.startsWith("FAILED "),
              "every commit paused at its step",
              WAIT);
      String[] w = line.split(" ");
      assertThat(w[0])
          .as("a commit that should have paused: " + line + "\n" + child.output())
          .isEqualTo("H5SWMR-PAUSE");
      int i = Integer.parseInt(w[2]);
      assertThat(w[1]).as("step of " + files.get(i)).isEqualTo(steps.get(i));
      assertThat(paused.add(i)).as("paused once: " + line).isTrue();
    }
    child.kill9();
  }

  /**
   * Appends rows {@code expected[i] .. +99} to every file with H5SwmrAppender, a few files at a
   * time.
   */
  private static void nextCommits(ExecutorService pool, List<Path> files, long[] expected)
      throws Exception {
    List<Future<?>> done = new ArrayList<>();
    for (int i = 0; i < files.size(); i++) {
      Path f = files.get(i);
      long first = expected[i];
      done.add(
          pool.submit(
              () -> {
                try (H5SwmrAppender a =
                    H5SwmrAppender.open(
                        f,
                        "/d",
                        WriterChild.SCHEMA,
                        Map.of(
                            "redis.url", REDIS.url(), "lock.ttl", "3s", "lock.timeout", "60s"))) {
                  long[] x = new long[100];
                  double[] y = new double[100];
                  for (int k = 0; k < 100; k++) {
                    x[k] = first + k;
                    y[k] = x[k] * 0.5;
                  }
                  assertThat(a.append(x, y)).as("next commit to " + f).isEqualTo(first + 100);
                }
                return null;
              }));
      expected[i] += 100;
    }
    for (Future<?> d : done) {
      try {
        d.get(WAIT.toMillis(), TimeUnit.MILLISECONDS);
      } catch (ExecutionException e) {
        if (e.getCause() instanceof Error) {
          throw (Error) e.getCause();
        }
        throw e;
      }
    }
  }

  /**
   * Each file read by h5swmr under its shared lease, as a Spark task reads it, holds exactly rows
   * 0..n-1.
   */
  private static void assertH5swmrReads(
      List<Path> files, List<String> steps, long[] expected, String when) {
    try (LockService locks =
        LockService.open(
            LockSettings.builder()
                .redisUrl(REDIS.url())
                .leaseTtl(Duration.ofSeconds(2))
                .acquireTimeout(WAIT)
                .build())) {
      for (int i = 0; i < files.size(); i++) {
        Path f = files.get(i);
        String what = f.getFileName() + " (killed at " + steps.get(i) + ") read by h5swmr " + when;
        try (Lease lease = locks.acquireShared(LockKeys.forFile(f));
            H5File h =
                H5File.openReadOnly(f.toString(), io.h5swmr.hdf5.journal.JournalOverlay.COMMITTED);
            H5Dataset d = h.openDataset("/d")) {
          long n = d.rows();
          assertThat(n).as("rows of " + what).isEqualTo(expected[i]);
          long[] x = (long[]) d.readColumn(0, n, "x");
          double[] y = (double[]) d.readColumn(0, n, "y");
          for (int k = 0; k < n; k++) {
            if (x[k] != k || y[k] != k * 0.5) {
              throw new AssertionError(
                  "row " + k + " of " + what + " is (" + x[k] + ", " + y[k] + ")");
            }
          }
        }
      }
    }
  }

  /**
   * One Spark scan of every file (a directory read with a file column) sees exactly rows 0..n-1 of
   * each.
   */
  private static void assertSparkScan(Path base, List<Path> files, long[] expected, String when) {
    Map<String, List<Row>> scanned = new HashMap<>();
    for (Row r :
        WriteTestSupport.reader(REDIS.url(), "/d")
            .option("fileColumn", "file")
            .load(base.toString())
            .select("file", "x", "y")
            .orderBy("file", "index")
            .collectAsList()) {
      String file = r.getString(0);
      scanned
          .computeIfAbsent(file.substring(file.lastIndexOf('/') + 1), k -> new ArrayList<>())
          .add(RowFactory.create(r.getLong(1), r.getDouble(2)));
    }
    assertThat(scanned.keySet()).as("files of a Spark scan " + when).hasSize(files.size());
    for (int i = 0; i < files.size(); i++) {
      List<Row> rows = scanned.get(files.get(i).getFileName().toString());
      assertThat(rows).as("Spark scan of " + files.get(i).getFileName() + " " + when).isNotNull();
      assertSequence(rows, expected[i]);
    }
  }

  /**
   * h5dump opens every file and h5py reads every row of each: {@code rows[i]} rows, x = 0..n-1, y =
   * x / 2.
   */
  private static void assertOpensElsewhere(
      H5py h5py, List<Path> files, List<String> steps, long[] rows, String when) throws Exception {
    for (Path f : files) {
      assertThat(Files.size(f)).isPositive();
    }
    if (WriteTestSupport.hasH5dump()) {
      List<String> cmd = new ArrayList<>(List.of("h5dump", "-H"));
      files.forEach(f -> cmd.add(f.toString()));
      WriteTestSupport.Ran r = WriteTestSupport.run(cmd);
      assertThat(r.exit).as("h5dump " + when + ":\n" + r.output).isZero();
      for (Path f : files) {
        assertThat(r.output).as("h5dump " + when).contains("HDF5 \"" + f + "\" {");
      }
    }
    if (h5py != null) {
      List<String> lines = h5py.read(files);
      for (int i = 0; i < files.size(); i++) {
        assertThat(lines.get(i))
            .as(
                "h5py reading "
                    + files.get(i).getFileName()
                    + " (killed at "
                    + steps.get(i)
                    + ") "
                    + when)
            .isEqualTo(i + " " + rows[i] + " " + (rows[i] - 1) + " True");
      }
    }
  }

  @Test
  void twoSparkApplicationsAppendingAtOnceBothLandWithoutInterleaving() throws Exception {
    Path f = dir.resolve("two.h5");
    writer(spark().sql("select id as x, id * 0.5d as y from range(0, 10, 1, 1)"), REDIS.url(), "/d")
        .mode("append")
        .save(f.toString());
    List<String> opens = new ArrayList<>();
    for (String arg :
        java.lang.management.ManagementFactory.getRuntimeMXBean().getInputArguments()) {
      if (arg.startsWith("--add-opens")
          || arg.startsWith("-Djdk.reflect")
          || arg.startsWith("-Dio.netty")) {
        opens.add(arg);
      }
    }
    opens.add("-Xmx700m");
    try (ChildJvm a =
            ChildJvm.start(
                WriterChild.class,
                opens,
                List.of("spark", REDIS.url(), f.toString(), "/d", "1000000", "40000"));
        ChildJvm b =
            ChildJvm.start(
                WriterChild.class,
                opens,
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

  /**
   * One h5py process for a whole campaign (its start costs more than reading a round's files): each
   * request is a list of files; for file i it prints {@code i rows lastX ok} after reading every
   * row ({@code ok}: x = 0..n-1 and y = x / 2), or {@code i ERROR <exception>} when h5py cannot
   * open or read it.
   */
  static final class H5py implements AutoCloseable {
    private static final String SCRIPT =
        "import sys, h5py, numpy as np\n"
            + "while True:\n"
            + "    line = sys.stdin.readline()\n"
            + "    if not line:\n"
            + "        break\n"
            + "    for i, p in enumerate(line.rstrip('\\n').split('\\t')):\n"
            + "        try:\n"
            + "            with h5py.File(p, 'r') as h:\n"
            + "                d = h['d'][:]\n"
            + "                n = d.shape[0]\n"
            + "                ok = bool((d['x'] == np.arange(n)).all() and (d['y'] == d['x'] * 0.5).all())\n"
            + "                print(i, n, int(d[-1][0]), ok)\n"
            + "        except Exception as e:\n"
            + "            print(i, 'ERROR', repr(e).replace('\\n', ' '))\n"
            + "    print('END', flush=True)\n";
    private final Process process;
    private final Writer in;
    private final LinkedBlockingQueue<String> out = new LinkedBlockingQueue<>();

    private H5py(Process process) {
      this.process = process;
      this.in = new OutputStreamWriter(process.getOutputStream(), StandardCharsets.UTF_8);
      Thread pump =
          new Thread(
              () -> {
                try (BufferedReader r =
                    new BufferedReader(
                        new InputStreamReader(process.getInputStream(), StandardCharsets.UTF_8))) {
                  String l;
                  while ((l = r.readLine()) != null) {
                    out.add(l);
                  }
                } catch (IOException ignored) {
                  // process gone
                }
                out.add("EOF");
              },
              "h5py-stdout");
      pump.setDaemon(true);
      pump.start();
    }

    /**
     * The reader process, or null when /usr/bin/python3 has no h5py (the h5py checks are then
     * skipped).
     */
    static H5py startIfAvailable() throws IOException {
      if (!WriteTestSupport.hasH5py()) {
        return null;
      }
      return new H5py(
          new ProcessBuilder(WriteTestSupport.PYTHON, "-u", "-c", SCRIPT)
              .redirectErrorStream(true)
              .start());
    }

    /** One line per file, in order (see the class doc). */
    List<String> read(List<Path> files) throws IOException, InterruptedException {
      List<String> paths = new ArrayList<>();
      files.forEach(f -> paths.add(f.toString()));
      in.write(String.join("\t", paths) + "\n");
      in.flush();
      List<String> got = new ArrayList<>();
      List<String> other = new ArrayList<>();
      while (true) {
        String l = out.poll(WAIT.toMillis(), TimeUnit.MILLISECONDS);
        if (l == null || l.equals("EOF")) {
          throw new AssertionError(
              "h5py reader "
                  + (l == null ? "timed out" : "exited")
                  + "; it printed "
                  + got
                  + " "
                  + other);
        }
        if (l.equals("END")) {
          break;
        }
        (l.matches("\\d+ .*") ? got : other).add(l);
      }
      assertThat(got).as("h5py output (other lines: " + other + ")").hasSize(files.size());
      return got;
    }

    @Override
    public void close() throws IOException {
      in.close();
      process.destroyForcibly();
    }
  }
}
