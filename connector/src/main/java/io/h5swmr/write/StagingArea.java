package io.h5swmr.write;

import io.h5swmr.exceptions.H5SwmrConfigException;
import io.h5swmr.hdf5.journal.JournalFiles;
import io.h5swmr.hdf5.journal.JournalTransaction;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.DirectoryStream;
import java.nio.file.FileVisitResult;
import java.nio.file.Files;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.nio.file.SimpleFileVisitor;
import java.nio.file.attribute.BasicFileAttributes;
import java.nio.file.attribute.FileTime;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.Executors;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.TimeUnit;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * One query's staging directory ({@code <stagingRoot>/<queryId>/}): created and checked on the
 * driver before any task runs, kept alive by a heartbeat file the driver touches while the job runs
 * (so the next writer can tell a dead job's leftovers from a running job's files), deleted after
 * commit or abort.
 */
final class StagingArea implements AutoCloseable {
  private static final Logger LOG = LoggerFactory.getLogger(StagingArea.class);
  static final String STAGING_SUFFIX = ".h5swmr-staging";
  static final String HEARTBEAT = ".heartbeat";

  /** {@code <host> <pid> <process start, epoch ms>} of the driver that owns the directory. */
  static final String OWNER = ".owner";

  private final Path dir;
  private final ScheduledExecutorService beat;

  private StagingArea(Path dir, long beatMillis) {
    this.dir = dir;
    this.beat =
        Executors.newSingleThreadScheduledExecutor(
            r -> {
              Thread t = new Thread(r, "h5swmr-staging-heartbeat");
              t.setDaemon(true);
              return t;
            });
    beat.scheduleAtFixedRate(this::touch, beatMillis, beatMillis, TimeUnit.MILLISECONDS);
  }

  /** The default staging root beside the target: {@code .<name>.h5swmr-staging}. */
  static Path defaultRoot(Path target) {
    return target.resolveSibling("." + target.getFileName() + STAGING_SUFFIX);
  }

  /**
   * Deletes what interrupted writes left: commit copies of the target ({@link
   * JournalTransaction#commitCopy}), and staging directories under {@code stagingRoot} (but {@code
   * keep}) whose driver is gone (a dead process on this host, or a heartbeat older than {@code
   * staleAfterMillis}). Call only under the exclusive lease. Returns the paths removed.
   */
  static List<Path> removeLeftovers(
      Path target, Path stagingRoot, Path keep, long staleAfterMillis) {
    List<Path> removed = new ArrayList<>();
    Path real = JournalFiles.realTarget(target);
    Path dir = real.getParent();
    String prefix = "." + real.getFileName() + JournalTransaction.COMMIT_INFIX;
    try (DirectoryStream<Path> ds =
        Files.newDirectoryStream(dir, p -> p.getFileName().toString().startsWith(prefix))) {
      for (Path p : ds) {
        if (Files.deleteIfExists(p)) {
          removed.add(p);
        }
      }
    } catch (IOException e) {
      throw new UncheckedIOException("could not list " + dir + " for interrupted commits", e);
    }
    if (stagingRoot != null && Files.isDirectory(stagingRoot)) {
      try (DirectoryStream<Path> ds = Files.newDirectoryStream(stagingRoot)) {
        for (Path q : ds) {
          if (keep != null && q.equals(keep)) {
            continue;
          }
          if (isOrphan(q, staleAfterMillis)) {
            deleteTree(q);
            removed.add(q);
          }
        }
      } catch (IOException e) {
        throw new UncheckedIOException("could not list staging directory " + stagingRoot, e);
      }
    }
    if (!removed.isEmpty()) {
      LOG.warn("h5swmr: removed leftovers of interrupted writes to {}: {}", target, removed);
    }
    return removed;
  }

  /** Creates {@code root/queryId}, proves it writable, starts the heartbeat. */
  static StagingArea create(Path root, String queryId, long beatMillis) {
    Path dir = root.resolve(queryId);
    try {
      Files.createDirectories(dir);
      Path probe = Files.createTempFile(dir, ".probe", ".tmp");
      Files.delete(probe);
      Files.write(dir.resolve(HEARTBEAT), new byte[0]);
      Files.writeString(
          dir.resolve(OWNER),
          host()
              + " "
              + ProcessHandle.current().pid()
              + " "
              + startMillis(ProcessHandle.current()));
    } catch (IOException | SecurityException e) {
      throw new H5SwmrConfigException(
          "Staging directory "
              + dir
              + " is not writable ("
              + e
              + "). Set option 'stagingDir' (or spark.h5swmr.stagingDir) to a writable directory on a filesystem "
              + "the driver and every executor share; the default is a hidden directory beside the target file",
          e);
    }
    return new StagingArea(dir, Math.max(100, beatMillis));
  }

  Path dir() {
    return dir;
  }

  private void touch() {
    try {
      Files.setLastModifiedTime(
          dir.resolve(HEARTBEAT), FileTime.fromMillis(System.currentTimeMillis()));
    } catch (IOException ignored) {
      // directory already deleted (commit or abort finished)
    }
  }

  private static String host() {
    try {
      return java.net.InetAddress.getLocalHost().getHostName();
    } catch (IOException e) {
      return "unknown-host";
    }
  }

  /** A process's start time (epoch ms), or -1 when the system does not say. */
  private static long startMillis(ProcessHandle p) {
    return p.info().startInstant().map(java.time.Instant::toEpochMilli).orElse(-1L);
  }

  /**
   * True when a staging directory's driver is certainly gone: it ran on this host and its process
   * no longer exists (or the pid now belongs to a process started at another time: the pid was
   * reused), or its heartbeat is older than {@code staleAfterMillis} (a live driver touches it
   * every lock.ttl/3, so this also covers a reused pid on a system that gives no start times, and
   * drivers on other hosts).
   */
  static boolean isOrphan(Path queryDir, long staleAfterMillis) {
    try {
      String[] owner = Files.readString(queryDir.resolve(OWNER)).trim().split(" ");
      if (owner.length >= 2 && owner[0].equals(host())) {
        java.util.Optional<ProcessHandle> p = ProcessHandle.of(Long.parseLong(owner[1]));
        if (p.isEmpty() || !p.get().isAlive()) {
          return true;
        }
        long recorded = owner.length >= 3 ? Long.parseLong(owner[2]) : -1;
        long now = startMillis(p.get());
        if (recorded >= 0 && now >= 0 && Math.abs(recorded - now) > 1000) {
          return true; // the pid was reused by another process
        }
      }
    } catch (IOException | RuntimeException e) {
      // no readable owner: fall back to the heartbeat
    }
    return System.currentTimeMillis() - lastHeartbeat(queryDir) > staleAfterMillis;
  }

  /** Millis of the last heartbeat of a staging directory (its own mtime when it has none). */
  static long lastHeartbeat(Path queryDir) {
    try {
      Path hb = queryDir.resolve(HEARTBEAT);
      return Files.getLastModifiedTime(Files.exists(hb) ? hb : queryDir).toMillis();
    } catch (IOException e) {
      return 0;
    }
  }

  /**
   * Stops the heartbeat and deletes the directory with whatever is in it. The directory is first
   * renamed away, so a straggling task (still running after its job failed) cannot create a file in
   * it any more; never throws (what cannot be deleted is logged and left to the next writer's
   * orphan cleanup).
   */
  @Override
  public void close() {
    beat.shutdownNow();
    Path trash = dir.resolveSibling(dir.getFileName() + ".deleting");
    try {
      Files.move(dir, trash, java.nio.file.StandardCopyOption.ATOMIC_MOVE);
    } catch (IOException e) {
      trash = dir;
    }
    try {
      deleteTree(trash);
    } catch (UncheckedIOException e) {
      org.slf4j.LoggerFactory.getLogger(StagingArea.class)
          .warn(
              "h5swmr: could not delete staging directory {} (the next writer will): {}",
              trash,
              e.getCause());
    }
    Path root = dir.getParent();
    try {
      Files.deleteIfExists(root); // only succeeds when no other query stages here
    } catch (IOException ignored) {
      // not empty: another job is staging
    }
  }

  static void deleteTree(Path p) {
    if (!Files.exists(p)) {
      return;
    }
    try {
      Files.walkFileTree(
          p,
          new SimpleFileVisitor<>() {
            @Override
            public FileVisitResult visitFile(Path f, BasicFileAttributes a) throws IOException {
              Files.deleteIfExists(f);
              return FileVisitResult.CONTINUE;
            }

            @Override
            public FileVisitResult visitFileFailed(Path f, IOException e) {
              return FileVisitResult.CONTINUE;
            }

            @Override
            public FileVisitResult postVisitDirectory(Path d, IOException e) throws IOException {
              Files.deleteIfExists(d);
              return FileVisitResult.CONTINUE;
            }
          });
    } catch (NoSuchFileException ignored) {
      // already gone
    } catch (IOException e) {
      throw new UncheckedIOException("could not delete staging directory " + p, e);
    }
  }
}
