package io.h5swmr.hdf5;

import java.io.IOException;
import java.nio.file.DirectoryStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.Paths;
import java.util.ArrayList;
import java.util.List;

/**
 * Processes on this host that hold a file open for writing, found through Linux's {@code
 * /proc/<pid>/fd} (the way {@code fuser} and {@code lsof} do). Only evidence of life: processes of
 * other users, in other containers (PID namespaces) or on other hosts of a shared filesystem are
 * not seen, so an empty answer never proves that no writer exists.
 */
final class LocalOpeners {
  private static final int O_ACCMODE = 3;

  private LocalOpeners() {}

  /**
   * Suffix of the write fence's lock file (the journal package's JournalFiles.lock names it so).
   */
  static final String FENCE_SUFFIX = ".h5swmr-lock";

  /**
   * The lock file an h5swmr writer of {@code realTarget} holds open for its whole write session:
   * {@code .<name>.h5swmr-lock} beside it. The journal package owns the fence and names the same
   * file (a test checks they agree); this package only recognises it and so does not depend on the
   * journal.
   */
  static Path fenceFile(Path realTarget) {
    return realTarget.resolveSibling("." + realTarget.getFileName() + FENCE_SUFFIX);
  }

  /** Whether this host has a {@code /proc} to look at. */
  static boolean available() {
    return Files.isDirectory(Paths.get("/proc/self/fd"));
  }

  /**
   * Other processes with {@code file} open for writing, as "pid N (command)"; empty when none is
   * seen or {@code /proc} is absent. This process is left out, and so are h5swmr writers (Java or
   * Python): they hold the file's write fence ({@code .<name>.h5swmr-lock}) open for their whole
   * write session, and the fence, not this check, serialises them (a paused h5swmr writer must make
   * the next one wait, not fail).
   */
  static List<String> writers(Path file) {
    List<String> out = new ArrayList<>();
    if (!available()) {
      return out;
    }
    String target;
    try {
      target = file.toRealPath().toString();
    } catch (IOException e) {
      return out;
    }
    String fence = fenceFile(Paths.get(target)).toString();
    long self = ProcessHandle.current().pid();
    try (DirectoryStream<Path> procs =
        Files.newDirectoryStream(Paths.get("/proc"), p -> isPid(p))) {
      for (Path proc : procs) {
        long pid = Long.parseLong(proc.getFileName().toString());
        if (pid != self && opensForWrite(proc, target, fence)) {
          out.add("pid " + pid + " (" + command(proc) + ")");
        }
      }
    } catch (IOException e) {
      // /proc unreadable: no evidence either way.
    }
    return out;
  }

  private static boolean isPid(Path p) {
    String n = p.getFileName().toString();
    return !n.isEmpty() && n.chars().allMatch(Character::isDigit);
  }

  /**
   * Whether the process has {@code target} open for writing and does not hold h5swmr's write fence
   * open.
   */
  private static boolean opensForWrite(Path proc, String target, String fence) {
    boolean writes = false;
    try (DirectoryStream<Path> fds = Files.newDirectoryStream(proc.resolve("fd"))) {
      for (Path fd : fds) {
        String link;
        try {
          link = Files.readSymbolicLink(fd).toString();
        } catch (IOException | UnsupportedOperationException e) {
          continue; // not ours to inspect, or closed meanwhile
        }
        if (link.equals(fence)) {
          return false;
        }
        writes |= link.equals(target) && writable(proc.resolve("fdinfo").resolve(fd.getFileName()));
      }
    } catch (IOException e) {
      // process gone, or its descriptors are not visible to this user
    }
    return writes;
  }

  /** Whether the descriptor's open flags (octal "flags:" line of fdinfo) include write access. */
  private static boolean writable(Path fdinfo) {
    try {
      for (String line : Files.readAllLines(fdinfo)) {
        if (line.startsWith("flags:")) {
          int flags = Integer.parseInt(line.substring(6).trim(), 8);
          return (flags & O_ACCMODE) != 0;
        }
      }
    } catch (IOException | RuntimeException e) {
      // closed meanwhile
    }
    return false;
  }

  private static String command(Path proc) {
    try {
      byte[] raw = Files.readAllBytes(proc.resolve("cmdline"));
      String s = new String(raw, java.nio.charset.StandardCharsets.UTF_8).replace('\0', ' ').trim();
      return s.length() > 80 ? s.substring(0, 80) + "..." : s;
    } catch (IOException e) {
      return "?";
    }
  }
}
