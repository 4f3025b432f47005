package io.h5swmr.it.reliability;

import io.h5swmr.testing.ChildJvm;
import io.h5swmr.testing.RedisServerExtension;
import java.io.IOException;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Set;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/** Starting worker processes and reading back what they acknowledged. */
final class Workload {
  private static final Pattern LINE =
      Pattern.compile("^(BEGIN|ACK|FAIL) (\\d+) (\\d+)(?: at=(\\d+))?.*");

  private Workload() {}

  static ChildJvm appender(
      RedisServerExtension redis,
      String prefix,
      long ttlMs,
      Path file,
      int writer,
      int max,
      long delayMs,
      long seed,
      List<String> extraJvm)
      throws IOException {
    List<String> jvm = new ArrayList<>(Reliability.smallJvm());
    jvm.addAll(extraJvm);
    return ChildJvm.start(
        AppenderWorker.class,
        jvm,
        List.of(
            redis.url(),
            prefix,
            Long.toString(ttlMs),
            file.toString(),
            Integer.toString(writer),
            Integer.toString(max),
            Long.toString(delayMs),
            Long.toString(seed)));
  }

  static ChildJvm reader(
      RedisServerExtension redis, String prefix, long ttlMs, Path file, String mode, Path snapshots)
      throws IOException {
    List<String> args =
        new ArrayList<>(List.of(redis.url(), prefix, Long.toString(ttlMs), file.toString(), mode));
    if (snapshots != null) {
      args.add(snapshots.toString());
    }
    return ChildJvm.start(ReaderWorker.class, Reliability.smallJvm(), args);
  }

  /** Outcomes reported by appender processes (BEGIN/ACK/FAIL lines). */
  static final class Outcomes {
    final Set<String> acked = new LinkedHashSet<>();
    final Set<String> failed = new LinkedHashSet<>();
    final Set<String> begun = new LinkedHashSet<>();

    /**
     * Begun but neither acknowledged nor failed: the process died not knowing; may be published
     * once.
     */
    Set<String> unknown() {
      Set<String> u = new LinkedHashSet<>(begun);
      u.removeAll(acked);
      u.removeAll(failed);
      return u;
    }

    void add(List<String> lines) {
      for (String l : lines) {
        Matcher m = LINE.matcher(l);
        if (!m.matches()) {
          continue;
        }
        String id = History.id(Integer.parseInt(m.group(2)), Long.parseLong(m.group(3)));
        switch (m.group(1)) {
          case "BEGIN" -> begun.add(id);
          case "ACK" -> acked.add(id);
          default -> failed.add(id);
        }
      }
    }
  }

  /** {@code at=} millis of an ACK/FAIL line, or -1. */
  static long at(String line) {
    Matcher m = LINE.matcher(line);
    return m.matches() && m.group(4) != null ? Long.parseLong(m.group(4)) : -1;
  }
}
