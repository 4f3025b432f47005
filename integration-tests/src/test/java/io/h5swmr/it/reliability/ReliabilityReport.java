package io.h5swmr.it.reliability;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.ZonedDateTime;
import java.util.ArrayList;
import java.util.List;

/**
 * The suite's evidence table: one row per scenario, shared by every reliability test class of the
 * JVM. Each class adds its rows and rewrites {@code target/reliability-report.md} (and prints the
 * table) when it finishes, so the file always holds every scenario run so far.
 */
final class ReliabilityReport {
  /**
   * One scenario's counts. Anomalies: torn reads, lost or duplicated appends, double holders,
   * deadlocks.
   */
  static final class Row {
    final String scenario;
    final int processes;
    final long operations;
    final int faults;
    final long torn;
    final long lostOrDuplicated;
    final long doubleHolders;
    final long deadlocks;
    final long maxProgressMillis;
    final String notes;

    Row(
        String scenario,
        int processes,
        long operations,
        int faults,
        long torn,
        long lostOrDuplicated,
        long doubleHolders,
        long deadlocks,
        long maxProgressMillis,
        String notes) {
      this.scenario = scenario;
      this.processes = processes;
      this.operations = operations;
      this.faults = faults;
      this.torn = torn;
      this.lostOrDuplicated = lostOrDuplicated;
      this.doubleHolders = doubleHolders;
      this.deadlocks = deadlocks;
      this.maxProgressMillis = maxProgressMillis;
      this.notes = notes;
    }

    long anomalies() {
      return torn + lostOrDuplicated + doubleHolders + deadlocks;
    }
  }

  private static final List<Row> ROWS = new ArrayList<>();

  private ReliabilityReport() {}

  static synchronized void add(Row row) {
    ROWS.add(row);
  }

  static synchronized List<Row> rows() {
    return List.copyOf(ROWS);
  }

  /** The table in Markdown, with the run's seed, mode and machine. */
  static synchronized String markdown() {
    StringBuilder sb = new StringBuilder();
    sb.append("# h5swmr reliability report\n\n");
    sb.append("Run ")
        .append(ZonedDateTime.now())
        .append(" on ")
        .append(Runtime.getRuntime().availableProcessors())
        .append(" cores, ")
        .append(System.getProperty("os.name"))
        .append(' ')
        .append(System.getProperty("os.arch"))
        .append(", Java ")
        .append(System.getProperty("java.version"))
        .append("; seed ")
        .append(Reliability.SEED)
        .append(Reliability.LONG ? ", long run" : ", default run")
        .append(".\n\n");
    sb.append(
        "| scenario | processes | operations | faults injected | torn reads | lost/duplicated appends "
            + "| double holders | deadlocks | max time to progress after a fault |\n");
    sb.append("|---|---:|---:|---:|---:|---:|---:|---:|---:|\n");
    for (Row r : ROWS) {
      sb.append("| ")
          .append(r.scenario)
          .append(" | ")
          .append(r.processes)
          .append(" | ")
          .append(r.operations)
          .append(" | ")
          .append(r.faults)
          .append(" | ")
          .append(r.torn)
          .append(" | ")
          .append(r.lostOrDuplicated)
          .append(" | ")
          .append(r.doubleHolders)
          .append(" | ")
          .append(r.deadlocks)
          .append(" | ")
          .append(r.faults == 0 ? "n/a" : r.maxProgressMillis + " ms")
          .append(" |\n");
    }
    sb.append("\nNotes:\n");
    for (Row r : ROWS) {
      if (r.notes != null && !r.notes.isEmpty()) {
        sb.append("- ").append(r.scenario).append(": ").append(r.notes).append('\n');
      }
    }
    return sb.toString();
  }

  /**
   * Fails naming every scenario with an anomaly (each test asserts its own too; this guards the
   * table).
   */
  static synchronized void assertNoAnomalies() {
    StringBuilder bad = new StringBuilder();
    for (Row r : ROWS) {
      if (r.anomalies() != 0) {
        bad.append(r.scenario).append(": ").append(r.anomalies()).append(" anomalies; ");
      }
    }
    if (bad.length() > 0) {
      throw new AssertionError("reliability anomalies: " + bad);
    }
  }

  /** Prints the table and writes it to {@code target/reliability-report.md}. */
  static synchronized void publish() throws IOException {
    String md = markdown();
    System.out.println(md);
    Path out = Path.of(System.getProperty("reliability.report", "target/reliability-report.md"));
    if (out.getParent() != null) {
      Files.createDirectories(out.getParent());
    }
    Files.writeString(out, md);
  }
}
