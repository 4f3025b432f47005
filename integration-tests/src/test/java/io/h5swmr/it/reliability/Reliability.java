package io.h5swmr.it.reliability;

import java.lang.management.ManagementFactory;
import java.util.ArrayList;
import java.util.List;

/**
 * Switches and shared settings of the reliability suite. {@code -Dlong=true} runs the full trial
 * counts and scale; {@code -Dseed=N} reproduces a run's random choices (the seed is printed and
 * written to the report).
 */
final class Reliability {
  static final boolean LONG = Boolean.getBoolean("long");
  static final long SEED = Long.getLong("seed", System.nanoTime() & 0xFFFF_FFFFL);

  /**
   * Lease TTL of the fault scenarios: short, so recovery is fast; the liveness bound is TTL plus
   * MARGIN_MS.
   */
  static final long TTL_MS = 1500;

  /** Slack for JVM pauses and a loaded 2-core machine on top of the TTL in liveness checks. */
  static final long MARGIN_MS = 5000;

  static {
    System.out.println(
        "h5swmr reliability suite: seed "
            + SEED
            + " (-Dseed="
            + SEED
            + " reproduces), "
            + (LONG ? "long run" : "default run (-Dlong=true for full counts)"));
  }

  private Reliability() {}

  /** {@code prop} when set, else the long or the default value. */
  static int count(String prop, int dflt, int longValue) {
    return Integer.getInteger(prop, LONG ? longValue : dflt);
  }

  /** Sends {@code line} to a worker, failing with its output when it already exited. */
  static void send(io.h5swmr.testing.ChildJvm c, String line) {
    try {
      c.send(line);
    } catch (java.io.IOException e) {
      String out = c.output();
      throw new AssertionError(
          c
              + " is gone ("
              + e
              + "); its output ends:\n"
              + out.substring(Math.max(0, out.length() - 6000)),
          e);
    }
  }

  /** JVM options of small worker processes. */
  static List<String> smallJvm() {
    return List.of("-Xmx128m", "-XX:TieredStopAtLevel=1", "-Xshare:auto", "-XX:+UseSerialGC");
  }

  /**
   * JVM options of Spark driver processes: this JVM's --add-opens and friends, and a larger heap.
   */
  static List<String> sparkJvm() {
    List<String> out = new ArrayList<>();
    for (String a : ManagementFactory.getRuntimeMXBean().getInputArguments()) {
      if (a.startsWith("--add-opens")
          || a.startsWith("-XX:+IgnoreUnrecognizedVMOptions")
          || a.startsWith("-Djdk.reflect")
          || a.startsWith("-Dio.netty")) {
        out.add(a);
      }
    }
    java.net.URL log = Reliability.class.getResource("/log4j2-reliability.properties");
    if (log != null) {
      out.add("-Dlog4j.configurationFile=" + log);
    }
    out.add("-Xmx768m");
    out.add("-XX:+UseSerialGC");
    return out;
  }

  /** The --add-opens flags alone, joined, for Spark executors' extraJavaOptions. */
  static String opens() {
    List<String> out = new ArrayList<>();
    for (String a : sparkJvm()) {
      if (!a.startsWith("-Xmx") && !a.startsWith("-XX:+UseSerialGC")) { // log config and opens
        out.add(a);
      }
    }
    return String.join(" ", out);
  }
}
