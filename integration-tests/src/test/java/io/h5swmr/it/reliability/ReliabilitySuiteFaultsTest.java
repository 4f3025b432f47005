package io.h5swmr.it.reliability;

import static org.assertj.core.api.Assertions.assertThat;

import io.h5swmr.lock.Lease;
import io.h5swmr.lock.LeaseMode;
import io.h5swmr.lock.LockKeys;
import io.h5swmr.lock.LockService;
import io.h5swmr.lock.LockSettings;
import io.h5swmr.lock.LockState;
import io.h5swmr.testing.ChildJvm;
import io.h5swmr.testing.RedisServerExtension;
import io.h5swmr.write.H5SwmrAppender;
import java.io.IOException;
import java.nio.file.DirectoryStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Collections;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Random;
import java.util.Set;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestInfo;
import org.junit.jupiter.api.extension.RegisterExtension;
import org.junit.jupiter.api.io.TempDir;

/**
 * Scenario 3, lock- and commit-level faults with plain-Java processes (the commit is the Spark
 * write path's): readers killed while holding a shared lease, writers killed before/during/after
 * their commit, writers frozen past their lease and resumed, Redis killed and restarted. After
 * each: the file opens, its content equals the acknowledged history, others progressed within TTL +
 * margin, nothing stays locked.
 */
class ReliabilitySuiteFaultsTest {
  @RegisterExtension static final RedisServerExtension REDIS = RedisServerExtension.create();

  static final long TTL = Reliability.TTL_MS;
  static final long BOUND = TTL + Reliability.MARGIN_MS;
  static final Pattern TORN = Pattern.compile("torn=(\\d+)");

  @TempDir Path dir;
  Random rnd;
  String prefix;

  @BeforeEach
  void setUp(TestInfo info) throws Exception {
    if (!REDIS.isRunning()) {
      REDIS.restart();
    }
    rnd = new Random(Reliability.SEED ^ info.getDisplayName().hashCode());
    prefix = "rel3-" + info.getTestMethod().orElseThrow().getName() + ":";
  }

  LockSettings settings() {
    return LockSettings.builder()
        .redisUrl(REDIS.url())
        .keyPrefix(prefix)
        .leaseTtl(Duration.ofMillis(TTL))
        .acquireTimeout(Duration.ofSeconds(60))
        .connectTimeout(Duration.ofSeconds(2))
        .build();
  }

  /** The test JVM's own appender (writer 0): the "other process" whose progress is measured. */
  final class Me implements AutoCloseable {
    final H5SwmrAppender app;
    final List<String> acked = new ArrayList<>();
    long seq;

    Me(Path file) {
      app = H5SwmrAppender.open(file, History.DATASET, History.SCHEMA, settings());
    }

    /** Appends one block; returns the milliseconds it took. */
    long append() {
      long t0 = System.nanoTime();
      seq++;
      app.append(History.block(0, seq, 1 + rnd.nextInt(32)));
      acked.add(History.id(0, seq));
      return (System.nanoTime() - t0) / 1_000_000;
    }

    @Override
    public void close() {
      app.close();
    }
  }

  static List<String> commitCopies(Path file) throws IOException {
    List<String> out = new ArrayList<>();
    try (DirectoryStream<Path> ds =
        Files.newDirectoryStream(
            file.getParent(), "." + file.getFileName() + ".h5swmr-{commit-*,journal}")) {
      ds.forEach(p -> out.add(p.getFileName().toString()));
    }
    return out;
  }

  @Test
  void readerKilledWhileHoldingSharedLease() throws Exception {
    int trials = Reliability.count("reliability.trials.killReader", 20, 50);
    Path file = dir.resolve("kill-reader.h5");
    long torn = 0;
    long bad = 0;
    long stuck = 0;
    long maxProgress = 0;
    StringBuilder why = new StringBuilder();
    List<ChildJvm> readers = new ArrayList<>();
    try (Me me = new Me(file);
        LockService service = LockService.open(settings())) {
      me.append();
      String resource = LockKeys.forFile(file);
      for (int i = 0; i < trials; i++) {
        readers.add(Workload.reader(REDIS, prefix, TTL, file, "hold", null));
      }
      for (ChildJvm r : readers) {
        r.awaitLine("READY", Duration.ofMinutes(3));
      }
      for (ChildJvm r : readers) {
        Reliability.send(r, "GO");
        String holding = r.awaitLine("HOLDING", Duration.ofSeconds(60));
        Matcher m = TORN.matcher(holding);
        torn += m.find() ? Long.parseLong(m.group(1)) : 1;
        assertThat(service.state(resource).holders())
            .as("the reader's shared lease")
            .anySatisfy(h -> assertThat(h.pid()).isEqualTo(r.pid()));
        Thread.sleep(rnd.nextInt((int) TTL)); // random point in the lease's renewal cycle
        r.kill9();
        long waited = me.append();
        maxProgress = Math.max(maxProgress, waited);
        History.Snapshot s = History.read(file);
        torn += s.torn;
        if (!s.blocks.equals(me.acked)) {
          bad++;
          why.append("after kill of ")
              .append(r)
              .append(": file ")
              .append(s.blocks)
              .append(" != acked ")
              .append(me.acked)
              .append("; ");
        }
        if (!service.state(resource).holders().isEmpty()) {
          stuck++;
        }
      }
    } finally {
      readers.forEach(ChildJvm::close);
    }
    ReliabilityReport.add(
        new ReliabilityReport.Row(
            "3a. kill -9 reader holding a shared lease",
            trials + 1,
            trials * 2L + 1,
            trials,
            torn,
            bad,
            0,
            stuck,
            maxProgress,
            "writer waited for the dead reader's lease to expire (TTL "
                + TTL
                + " ms); bound TTL + "
                + Reliability.MARGIN_MS
                + " ms"
                + (why.length() > 0 ? "; " + why : "")));
    assertThat(torn).isZero();
    assertThat(bad).as(why.toString()).isZero();
    assertThat(stuck).as("locks still held after a trial").isZero();
    assertThat(maxProgress).as("time for the writer to progress after the kill").isLessThan(BOUND);
  }

  @Test
  void writerKilledBeforeDuringAfterCommit() throws Exception {
    int trials = Reliability.count("reliability.trials.killWriter", 20, 60);
    List<String> steps =
        List.of(
            "queued",
            "locked",
            "fenced",
            "wrote-first-block",
            "closed",
            "data-synced",
            "journal-synced",
            "committed",
            "applied",
            "journal-deleted");
    List<String> published = List.of("journal-synced", "committed", "applied", "journal-deleted");
    List<String> plan = new ArrayList<>();
    for (int i = 0; i < trials; i++) {
      plan.add(steps.get(i % steps.size()));
    }
    Collections.shuffle(plan, rnd);
    Path file = dir.resolve("kill-writer.h5");
    long bad = 0;
    long stuck = 0;
    long torn = 0;
    long maxProgress = 0;
    List<String> copiesLeft = new ArrayList<>();
    StringBuilder why = new StringBuilder();
    Set<String> acked = new LinkedHashSet<>();
    Set<String> maybe = new LinkedHashSet<>();
    List<ChildJvm> writers = new ArrayList<>();
    try (Me me = new Me(file);
        LockService service = LockService.open(settings())) {
      me.append();
      String resource = LockKeys.forFile(file);
      for (int i = 0; i < trials; i++) {
        List<String> jvm =
            plan.get(i).equals("queued")
                ? List.of()
                : List.of("-D" + io.h5swmr.testing.CommitPause.PROPERTY + "=" + plan.get(i));
        writers.add(
            Workload.appender(REDIS, prefix, TTL, file, 100 + i, 1, 0, Reliability.SEED + i, jvm));
      }
      for (ChildJvm w : writers) {
        w.awaitLine("READY", Duration.ofMinutes(3));
      }
      for (int i = 0; i < trials; i++) {
        ChildJvm w = writers.get(i);
        String step = plan.get(i);
        String id = History.id(100 + i, 1);
        if (step.equals("queued")) {
          try (Lease blocker = service.acquireExclusive(resource)) {
            Reliability.send(w, "GO");
            w.awaitLine("BEGIN", Duration.ofSeconds(60));
            Thread.sleep(
                rnd.nextInt(300)); // random point while it queues behind our exclusive lease
            w.kill9();
          }
        } else {
          Reliability.send(w, "GO");
          w.awaitLine("H5SWMR-PAUSE " + step, Duration.ofSeconds(60));
          w.kill9();
        }
        if (published.contains(step)) {
          acked.add(
              id); // the COMMIT record was written: the block is published, the writer just never
          // said so
        }
        long waited = me.append();
        maxProgress = Math.max(maxProgress, waited);
        History.Snapshot s = History.read(file);
        torn += s.torn;
        List<String> all = new ArrayList<>(acked);
        all.addAll(me.acked);
        long b = History.lostOrDuplicated(s.blocks, all, maybe, why);
        if (b > 0) {
          why.append("(after kill at ").append(step).append(") ");
        }
        bad += b;
        copiesLeft.addAll(commitCopies(file));
        if (!service.state(resource).holders().isEmpty()) {
          stuck++;
        }
      }
    } finally {
      writers.forEach(ChildJvm::close);
    }
    ReliabilityReport.add(
        new ReliabilityReport.Row(
            "3b. kill -9 writer before/during/after commit (plain appender)",
            trials + 1,
            trials * 2L + 1,
            trials,
            torn,
            bad,
            0,
            stuck,
            maxProgress,
            "kill points (shuffled, "
                + trials
                + " trials): queued behind a writer, and the committer's crash points "
                + steps.subList(1, steps.size())
                + "; the killed commit's block must be absent unless its COMMIT record "
                + "was written, then present once (replayed by the next writer); commit copies left after the next commit: "
                + copiesLeft.size()
                + (why.length() > 0 ? "; " + why : "")));
    assertThat(torn).isZero();
    assertThat(bad).as(why.toString()).isZero();
    assertThat(copiesLeft).as("commit copies left after the next writer's commit").isEmpty();
    assertThat(stuck).isZero();
    assertThat(maxProgress).isLessThan(BOUND);
  }

  @Test
  void frozenWriterIsFencedWhileAnotherProceeds() throws Exception {
    int trials = Reliability.count("reliability.trials.sigstop", 20, 50);
    Path file = dir.resolve("frozen.h5");
    long maxProgress = 0;
    int fenced = 0;
    int finishedFirst = 0;
    int proceededWhileFrozen = 0;
    long stuck = 0;
    StringBuilder why = new StringBuilder();
    Workload.Outcomes out = new Workload.Outcomes();
    try (Me me = new Me(file);
        LockService service = LockService.open(settings())) {
      me.append();
      String resource = LockKeys.forFile(file);
      try (ChildJvm a =
              Workload.appender(
                  REDIS, prefix, TTL, file, 1, Integer.MAX_VALUE, 0, Reliability.SEED, List.of());
          ChildJvm b =
              Workload.appender(
                  REDIS,
                  prefix,
                  TTL,
                  file,
                  2,
                  Integer.MAX_VALUE,
                  20,
                  Reliability.SEED + 1,
                  List.of())) {
        a.awaitLine("READY", Duration.ofMinutes(2));
        b.awaitLine("READY", Duration.ofMinutes(2));
        Reliability.send(a, "GO");
        Reliability.send(b, "GO");
        for (int t = 0; t < trials; t++) {
          awaitExclusiveHolder(service, resource, a.pid());
          a.sigstop();
          long stopAt = System.currentTimeMillis();
          Thread.sleep(100); // let the pump threads drain what a printed before the stop
          long seq = lastBegun(a.stdoutLines());
          // Keep it frozen past its lease. If it froze inside its commit session it still holds the
          // write fence
          // (fcntl): b then waits for it instead of racing it; otherwise b commits meanwhile.
          long frozen = System.currentTimeMillis() - stopAt;
          if (frozen < TTL + 500) {
            Thread.sleep(TTL + 500 - frozen);
          }
          if (b.stdoutLines().stream()
              .anyMatch(l -> l.startsWith("ACK ") && Workload.at(l) > stopAt)) {
            proceededWhileFrozen++;
          }
          a.sigcont();
          String next =
              b.awaitLine(
                  l -> l.startsWith("ACK ") && Workload.at(l) > stopAt,
                  "an ACK after the freeze",
                  Duration.ofMillis(BOUND + 10_000));
          maxProgress = Math.max(maxProgress, Workload.at(next) - stopAt);
          String outcome =
              a.awaitLine(
                  l -> l.startsWith("ACK 1 " + seq + " ") || l.startsWith("FAIL 1 " + seq + " "),
                  "the outcome of block 1:" + seq,
                  Duration.ofSeconds(60));
          if (outcome.startsWith("FAIL")) {
            fenced++;
          } else {
            finishedFirst++;
          }
        }
        Reliability.send(a, "STOP");
        Reliability.send(b, "STOP");
        a.awaitLine("END", Duration.ofSeconds(60));
        b.awaitLine("END", Duration.ofSeconds(60));
        out.add(a.stdoutLines());
        out.add(b.stdoutLines());
      }
      History.Snapshot s = History.read(file);
      List<String> acked = new ArrayList<>(out.acked);
      acked.addAll(me.acked);
      long bad = History.lostOrDuplicated(s.blocks, acked, out.unknown(), why);
      if (!service.state(resource).holders().isEmpty()) {
        stuck++;
      }
      ReliabilityReport.add(
          new ReliabilityReport.Row(
              "3c. SIGSTOP writer in its commit past TTL, SIGCONT",
              3,
              acked.size() + out.failed.size(),
              trials,
              s.torn,
              bad,
              0,
              stuck,
              maxProgress,
              fenced
                  + " of "
                  + trials
                  + " frozen commits were refused after resuming (fenced), "
                  + finishedFirst
                  + " finished their append after resuming (frozen before taking the lease, or past the lease check "
                  + "while holding the write fence); the "
                  + "other writer committed while it was frozen in "
                  + proceededWhileFrozen
                  + " trials and otherwise "
                  + "waited for the write fence"
                  + (why.length() > 0 ? "; " + why : "")));
      assertThat(s.torn).isZero();
      assertThat(bad).as(why.toString()).isZero();
      assertThat(fenced).as("frozen commits that were fenced").isPositive();
      assertThat(stuck).isZero();
      assertThat(maxProgress).isLessThan(BOUND);
    }
  }

  @Test
  void redisKilledAndRestartedMidRun() throws Exception {
    int trials = Reliability.count("reliability.trials.redis", 20, 50);
    Path file = dir.resolve("redis-restart.h5");
    Path snaps = dir.resolve("redis-restart.snapshots");
    long maxProgress = 0;
    long stuck = 0;
    StringBuilder why = new StringBuilder();
    Workload.Outcomes out = new Workload.Outcomes();
    long readerTorn;
    List<String> snapshots;
    try (Me me = new Me(file)) {
      me.append();
      try (ChildJvm a =
              Workload.appender(
                  REDIS, prefix, TTL, file, 1, Integer.MAX_VALUE, 30, Reliability.SEED, List.of());
          ChildJvm b =
              Workload.appender(
                  REDIS,
                  prefix,
                  TTL,
                  file,
                  2,
                  Integer.MAX_VALUE,
                  30,
                  Reliability.SEED + 1,
                  List.of());
          ChildJvm r = Workload.reader(REDIS, prefix, TTL, file, "loop", snaps)) {
        for (ChildJvm c : List.of(a, b, r)) {
          c.awaitLine("READY", Duration.ofMinutes(2));
          Reliability.send(c, "GO");
        }
        a.awaitLine("ACK", Duration.ofSeconds(60));
        b.awaitLine("ACK", Duration.ofSeconds(60));
        for (int t = 0; t < trials; t++) {
          Thread.sleep(300 + rnd.nextInt(900)); // random point in the run
          REDIS.kill9();
          Thread.sleep(rnd.nextInt(500)); // random outage
          REDIS.restart();
          long up = System.currentTimeMillis();
          for (ChildJvm c : List.of(a, b)) {
            String ack =
                c.awaitLine(
                    l -> l.startsWith("ACK ") && Workload.at(l) > up,
                    "an ACK after the restart",
                    Duration.ofMillis(BOUND + 20_000));
            maxProgress = Math.max(maxProgress, Workload.at(ack) - up);
          }
        }
        for (ChildJvm c : List.of(a, b, r)) {
          Reliability.send(c, "STOP");
        }
        a.awaitLine("END", Duration.ofSeconds(60));
        b.awaitLine("END", Duration.ofSeconds(60));
        String end = r.awaitLine("END", Duration.ofSeconds(60));
        Matcher m = TORN.matcher(end);
        readerTorn = m.find() ? Long.parseLong(m.group(1)) : 1;
        out.add(a.stdoutLines());
        out.add(b.stdoutLines());
      }
      snapshots = Files.readAllLines(snaps);
    }
    History.Snapshot s = History.read(file);
    List<String> acked = new ArrayList<>(out.acked);
    acked.add(History.id(0, 1));
    long bad = History.lostOrDuplicated(s.blocks, acked, out.unknown(), why);
    long notPrefix = 0;
    for (String line : snapshots) {
      List<String> snap = line.isEmpty() ? List.of() : List.of(line.split(" "));
      if (!History.isPrefix(snap, s.blocks)) {
        notPrefix++;
      }
    }
    try (LockService service = LockService.open(settings())) {
      if (!service.list().isEmpty()) {
        stuck++;
      }
    }
    ReliabilityReport.add(
        new ReliabilityReport.Row(
            "3d. Redis kill -9 + restart (state lost) mid-run",
            4,
            acked.size() + out.failed.size(),
            trials,
            s.torn + readerTorn + notPrefix,
            bad,
            0,
            stuck,
            maxProgress,
            "2 appenders + 1 snapshot reader; "
                + out.failed.size()
                + " appends failed cleanly during outages and were "
                + "retried; "
                + snapshots.size()
                + " distinct reader snapshots, all prefixes of the final history "
                + "unless counted as torn; progress measured from the restart (grants are held back one TTL after a "
                + "restart)"
                + (why.length() > 0 ? "; " + why : "")));
    assertThat(s.torn + readerTorn).isZero();
    assertThat(notPrefix)
        .as("reader snapshots that are not a prefix of the final history")
        .isZero();
    assertThat(bad).as(why.toString()).isZero();
    assertThat(stuck).isZero();
    assertThat(maxProgress).isLessThan(BOUND);
  }

  static void awaitExclusiveHolder(LockService service, String resource, long pid)
      throws InterruptedException {
    long deadline = System.nanoTime() + Duration.ofSeconds(60).toNanos();
    while (System.nanoTime() < deadline) {
      for (LockState.Holder h : service.state(resource).holders()) {
        if (h.mode() == LeaseMode.EXCLUSIVE && h.pid() == pid) {
          return;
        }
      }
      Thread.onSpinWait();
    }
    throw new AssertionError("process " + pid + " never held the exclusive lease of " + resource);
  }

  static long lastBegun(List<String> lines) {
    long seq = -1;
    for (String l : lines) {
      if (l.startsWith("BEGIN 1 ")) {
        seq = Long.parseLong(l.split(" ")[2]);
      }
    }
    return seq;
  }

  @AfterAll
  static void report() throws Exception {
    ReliabilityReport.publish();
    ReliabilityReport.assertNoAnomalies();
  }
}
