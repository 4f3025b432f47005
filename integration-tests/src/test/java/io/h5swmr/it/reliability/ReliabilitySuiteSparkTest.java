package io.h5swmr.it.reliability;

import static org.assertj.core.api.Assertions.assertThat;

import io.h5swmr.lock.LeaseMode;
import io.h5swmr.lock.LockKeys;
import io.h5swmr.lock.LockService;
import io.h5swmr.lock.LockSettings;
import io.h5swmr.lock.LockState;
import io.h5swmr.testing.ChildJvm;
import io.h5swmr.testing.RedisServerExtension;
import io.h5swmr.write.H5SwmrAppender;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.List;
import java.util.Map;
import java.util.Random;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import java.util.stream.Stream;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestInfo;
import org.junit.jupiter.api.extension.RegisterExtension;
import org.junit.jupiter.api.io.TempDir;

/**
 * Scenarios with Spark applications in their own processes: the history check (scenario 2) with a
 * scanning application whose executors are separate JVMs ({@code local-cluster[2,1,1024]}), and the
 * Spark-level faults of scenario 3 (a writing driver killed before, during and after its commit;
 * the staging directory removed under a running job).
 */
class ReliabilitySuiteSparkTest {
  @RegisterExtension static final RedisServerExtension REDIS = RedisServerExtension.create();

  /** Spark processes on a loaded 2-core machine: a longer TTL than the lock-level faults. */
  static final long TTL = 3000;

  static final long BOUND = TTL + Reliability.MARGIN_MS;
  static final Pattern PIDS = Pattern.compile("PIDS driver=(\\d+) executors=\\[([\\d, ]*)]");
  static final Pattern END_SCAN = Pattern.compile("END scans=(\\d+) torn=(\\d+) failed=(\\d+)");
  static final Pattern END_READ = Pattern.compile("END reads=(\\d+) torn=(\\d+)");

  @TempDir Path dir;
  Random rnd;
  String prefix;

  @BeforeEach
  void setUp(TestInfo info) throws Exception {
    if (!REDIS.isRunning()) {
      REDIS.restart();
    }
    rnd = new Random(Reliability.SEED ^ info.getDisplayName().hashCode());
    prefix = "rel2-" + info.getTestMethod().orElseThrow().getName() + ":";
  }

  LockSettings settings() {
    return LockSettings.builder()
        .redisUrl(REDIS.url())
        .keyPrefix(prefix)
        .leaseTtl(Duration.ofMillis(TTL))
        .acquireTimeout(Duration.ofSeconds(120))
        .build();
  }

  /**
   * Creates the history file with 64-row chunks (so scans split into many partitions); block 0:1.
   */
  H5SwmrAppender firstAppend(Path file) {
    H5SwmrAppender app =
        H5SwmrAppender.open(
            file,
            History.DATASET,
            History.SCHEMA,
            Map.of(
                "redis.url",
                REDIS.url(),
                "lock.prefix",
                prefix,
                "lock.ttl",
                TTL + "ms",
                "chunkRows",
                "64"));
    app.append(History.block(0, 1, 10));
    return app;
  }

  static List<String> sparkJvm() {
    List<String> jvm = new ArrayList<>(Reliability.sparkJvm());
    jvm.add("-Dreliability.executorOpts=" + Reliability.opens());
    return jvm;
  }

  ChildJvm sparkAppender(Path file, int writer, int max, long slowMs, List<String> extraJvm)
      throws IOException {
    List<String> jvm = sparkJvm();
    jvm.addAll(extraJvm);
    return ChildJvm.start(
        SparkAppendApp.class,
        jvm,
        List.of(
            "local[2]",
            REDIS.url(),
            prefix,
            Long.toString(TTL),
            file.toString(),
            Integer.toString(writer),
            Integer.toString(max),
            Long.toString(slowMs),
            Long.toString(Reliability.SEED + writer)));
  }

  static List<List<String>> snapshots(Path f) throws IOException {
    List<List<String>> out = new ArrayList<>();
    if (Files.exists(f)) {
      for (String l : Files.readAllLines(f)) {
        out.add(l.isEmpty() ? List.of() : List.of(l.split(" ")));
      }
    }
    return out;
  }

  @Test
  void historyCheckWithExecutorsInSeparateJvms() throws Exception {
    int plainBlocks = Reliability.count("reliability.history.blocks", 30, 150);
    int sparkBlocks = Reliability.count("reliability.history.sparkBlocks", 8, 40);
    Path file = dir.resolve("history.h5");
    Path scanSnaps = dir.resolve("scan.snapshots");
    Path readSnaps = dir.resolve("read.snapshots");
    Workload.Outcomes out = new Workload.Outcomes();
    Set<Long> sharedHolderPids = ConcurrentHashMap.newKeySet();
    long driverPid;
    List<Long> executorPids = new ArrayList<>();
    long scanTorn;
    long scans;
    long scanFailed;
    long readTorn;
    try (H5SwmrAppender first = firstAppend(file);
        LockService service = LockService.open(settings())) {
      String resource = LockKeys.forFile(file);
      try (ChildJvm scan =
              ChildJvm.start(
                  SparkScanApp.class,
                  sparkJvm(),
                  List.of(
                      "local-cluster[2,1,1024]",
                      REDIS.url(),
                      prefix,
                      Long.toString(TTL),
                      file.toString(),
                      scanSnaps.toString()));
          ChildJvm spark = sparkAppender(file, 100, sparkBlocks, 0, List.of());
          ChildJvm a =
              Workload.appender(
                  REDIS, prefix, TTL, file, 1, plainBlocks, 20, Reliability.SEED, List.of());
          ChildJvm b =
              Workload.appender(
                  REDIS, prefix, TTL, file, 2, plainBlocks, 20, Reliability.SEED + 1, List.of());
          ChildJvm r = Workload.reader(REDIS, prefix, TTL, file, "loop", readSnaps)) {
        String pids = scan.awaitLine("PIDS", Duration.ofMinutes(4));
        Matcher m = PIDS.matcher(pids);
        assertThat(m.find()).as(pids).isTrue();
        driverPid = Long.parseLong(m.group(1));
        for (String p : m.group(2).split(",\\s*")) {
          executorPids.add(Long.parseLong(p.trim()));
        }
        for (ChildJvm c : List.of(scan, spark, a, b, r)) {
          c.awaitLine("READY", Duration.ofMinutes(4));
        }
        Thread watcher =
            new Thread(
                () -> {
                  while (!Thread.currentThread().isInterrupted()) {
                    try {
                      for (LockState.Holder h : service.state(resource).holders()) {
                        if (h.mode() == LeaseMode.SHARED) {
                          sharedHolderPids.add(h.pid());
                        }
                      }
                    } catch (RuntimeException e) {
                      return;
                    }
                  }
                },
                "lease-watcher");
        watcher.setDaemon(true);
        watcher.start();
        for (ChildJvm c : List.of(scan, spark, a, b, r)) {
          Reliability.send(c, "GO");
        }
        for (ChildJvm c : List.of(spark, a, b)) {
          c.awaitLine("END", Duration.ofMinutes(8));
        }
        Reliability.send(scan, "STOP");
        Reliability.send(r, "STOP");
        String endScan = scan.awaitLine("END", Duration.ofMinutes(3));
        String endRead = r.awaitLine("END", Duration.ofMinutes(1));
        watcher.interrupt();
        Matcher ms = END_SCAN.matcher(endScan);
        assertThat(ms.find()).as(endScan).isTrue();
        scans = Long.parseLong(ms.group(1));
        scanTorn = Long.parseLong(ms.group(2));
        scanFailed = Long.parseLong(ms.group(3));
        Matcher mr = END_READ.matcher(endRead);
        assertThat(mr.find()).as(endRead).isTrue();
        readTorn = Long.parseLong(mr.group(2));
        for (ChildJvm c : List.of(spark, a, b)) {
          out.add(c.stdoutLines());
        }
        if (scanFailed > 0) {
          System.out.println(scan.output());
        }
      }
    }
    History.Snapshot fin = History.read(file);
    List<String> acked = new ArrayList<>(out.acked);
    acked.add(History.id(0, 1));
    StringBuilder why = new StringBuilder();
    long bad = History.lostOrDuplicated(fin.blocks, acked, out.unknown(), why);
    List<List<String>> scanSnapshots = snapshots(scanSnaps);
    List<List<String>> readSnapshots = snapshots(readSnaps);
    long notPrefix = 0;
    for (List<String> s : scanSnapshots) {
      notPrefix += History.isPrefix(s, fin.blocks) ? 0 : 1;
    }
    for (List<String> s : readSnapshots) {
      notPrefix += History.isPrefix(s, fin.blocks) ? 0 : 1;
    }
    boolean executorLeases = executorPids.stream().anyMatch(sharedHolderPids::contains);
    ReliabilityReport.add(
        new ReliabilityReport.Row(
            "2. history check (Spark + plain appenders, Spark scans on "
                + "local-cluster executors)",
            8,
            acked.size() + scans,
            0,
            fin.torn + scanTorn + readTorn + notPrefix,
            bad,
            0,
            0,
            0,
            acked.size()
                + " acknowledged blocks ("
                + out.failed.size()
                + " failed cleanly), "
                + scans
                + " Spark scans ("
                + scanFailed
                + " refused), "
                + scanSnapshots.size()
                + " + "
                + readSnapshots.size()
                + " distinct snapshots (Spark / plain reader), all prefixes of the final history; scan driver pid "
                + driverPid
                + ", executor pids "
                + executorPids
                + ", shared leases seen from pids "
                + sharedHolderPids
                + (why.length() > 0 ? "; " + why : "")));
    assertThat(executorPids).as("executor JVMs").hasSize(2).doesNotContain(driverPid);
    assertThat(executorLeases)
        .as("shared leases taken by executor JVMs " + executorPids + ", seen: " + sharedHolderPids)
        .isTrue();
    assertThat(fin.torn + scanTorn + readTorn).as("torn blocks").isZero();
    assertThat(notPrefix).as("snapshots that are not a prefix of the final history").isZero();
    assertThat(bad).as(why.toString()).isZero();
    assertThat(scans).as("Spark scans that completed").isPositive();
    assertThat(scanFailed)
        .as(
            "Spark scans refused as 'modified during the scan' although the workload only "
                + "appends")
        .isZero();
  }

  @Test
  void sparkDriverKilledBeforeDuringAfterCommit() throws Exception {
    List<String> steps =
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
    int trials = Reliability.count("reliability.trials.killDriver", 3, 20);
    List<String> plan = new ArrayList<>();
    for (int i = 0; i < trials; i++) {
      plan.add(
          trials <= 3
              ? List.of("wrote-first-block", "data-synced", "committed").get(i)
              : steps.get(i % steps.size()));
    }
    Path file = dir.resolve("driver-kill.h5");
    long bad = 0;
    long torn = 0;
    long maxProgress = 0;
    long stuck = 0;
    StringBuilder why = new StringBuilder();
    List<String> acked = new ArrayList<>();
    acked.add(History.id(0, 1));
    try (H5SwmrAppender me = firstAppend(file);
        LockService service = LockService.open(settings())) {
      String resource = LockKeys.forFile(file);
      for (int i = 0; i < trials; i++) {
        String step = plan.get(i);
        try (ChildJvm d =
            sparkAppender(
                file,
                200 + i,
                1,
                0,
                List.of("-D" + io.h5swmr.testing.CommitPause.PROPERTY + "=" + step))) {
          d.awaitLine("READY", Duration.ofMinutes(4));
          Reliability.send(d, "GO");
          d.awaitLine("H5SWMR-PAUSE " + step, Duration.ofMinutes(4));
          d.kill9();
        }
        if (steps.indexOf(step) >= steps.indexOf("journal-synced")) {
          acked.add(
              History.id(200 + i, 1)); // the COMMIT record was written: the next writer replays it
        }
        long t0 = System.nanoTime();
        me.append(History.block(0, 2 + i, 5));
        maxProgress = Math.max(maxProgress, (System.nanoTime() - t0) / 1_000_000);
        acked.add(History.id(0, 2 + i));
        History.Snapshot s = History.read(file);
        torn += s.torn;
        bad += History.lostOrDuplicated(s.blocks, acked, List.of(), why);
        if (!service.state(resource).holders().isEmpty()) {
          stuck++;
        }
      }
    }
    ReliabilityReport.add(
        new ReliabilityReport.Row(
            "3e. kill -9 Spark driver before/during/after commit",
            trials + 1,
            trials * 2L + 1,
            trials,
            torn,
            bad,
            0,
            stuck,
            maxProgress,
            "kill points "
                + plan
                + "; the next writer's wait covers the dead driver's lease expiry (TTL "
                + TTL
                + " ms)"
                + (why.length() > 0 ? "; " + why : "")));
    assertThat(torn).isZero();
    assertThat(bad).as(why.toString()).isZero();
    assertThat(stuck).isZero();
    assertThat(maxProgress).isLessThan(BOUND);
  }

  @Test
  void stagingDirectoryRemovedUnderRunningJob() throws Exception {
    int trials = Reliability.count("reliability.trials.staging", 5, 20);
    Path file = dir.resolve("staging.h5");
    Path stagingRoot = dir.resolve(".staging.h5.h5swmr-staging");
    long maxProgress = 0;
    int refused = 0;
    Workload.Outcomes out = new Workload.Outcomes();
    StringBuilder why = new StringBuilder();
    try (H5SwmrAppender first = firstAppend(file)) {
      try (ChildJvm app = sparkAppender(file, 300, Integer.MAX_VALUE, 1500, List.of())) {
        app.awaitLine("READY", Duration.ofMinutes(4));
        Reliability.send(app, "GO");
        for (int t = 0; t < trials; t++) {
          long victim = 2L * t + 1;
          app.awaitLine("STAGING " + victim, Duration.ofMinutes(2));
          awaitDirectory(stagingRoot);
          Thread.sleep(rnd.nextInt(1000)); // random point while the tasks run
          deleteTree(stagingRoot);
          long removedAt = System.currentTimeMillis();
          String outcome =
              app.awaitLine(
                  l ->
                      l.startsWith("ACK 300 " + victim + " ")
                          || l.startsWith("FAIL 300 " + victim + " "),
                  "the outcome of block " + victim,
                  Duration.ofMinutes(2));
          refused += outcome.startsWith("FAIL") ? 1 : 0;
          String next = app.awaitLine("ACK 300 " + (victim + 1) + " ", Duration.ofMinutes(2));
          maxProgress = Math.max(maxProgress, Workload.at(next) - removedAt);
        }
        Reliability.send(app, "STOP");
        app.awaitLine("END", Duration.ofMinutes(2));
        out.add(app.stdoutLines());
      }
    }
    History.Snapshot s = History.read(file);
    List<String> acked = new ArrayList<>(out.acked);
    acked.add(History.id(0, 1));
    long bad = History.lostOrDuplicated(s.blocks, acked, out.unknown(), why);
    ReliabilityReport.add(
        new ReliabilityReport.Row(
            "3f. staging directory removed under a running Spark job",
            2,
            acked.size() + out.failed.size(),
            trials,
            s.torn,
            bad,
            0,
            0,
            maxProgress,
            refused
                + " of "
                + trials
                + " jobs failed cleanly (nothing published), the others committed whole; "
                + "progress = removal to the next acknowledged append (includes a 1.5 s slow job)"
                + (why.length() > 0 ? "; " + why : "")));
    assertThat(s.torn).isZero();
    assertThat(bad).as(why.toString()).isZero();
    assertThat(maxProgress).isLessThan(BOUND);
  }

  static void awaitDirectory(Path p) throws InterruptedException {
    long deadline = System.nanoTime() + Duration.ofMinutes(1).toNanos();
    while (!Files.isDirectory(p)) {
      if (System.nanoTime() > deadline) {
        throw new AssertionError(p + " never appeared");
      }
      Thread.sleep(5); // polling the file system: no event to wait on
    }
  }

  static void deleteTree(Path p) throws IOException {
    if (!Files.exists(p)) {
      return;
    }
    try (Stream<Path> walk = Files.walk(p)) {
      for (Path q : walk.sorted(Comparator.reverseOrder()).toList()) {
        Files.deleteIfExists(q);
      }
    } catch (java.io.UncheckedIOException | java.nio.file.NoSuchFileException e) {
      // a file vanished while walking (the job deleted it): what is left is deleted below
      if (Files.exists(p)) {
        deleteTree(p);
      }
    }
  }

  @AfterAll
  static void report() throws Exception {
    ReliabilityReport.publish();
    ReliabilityReport.assertNoAnomalies();
  }
}
