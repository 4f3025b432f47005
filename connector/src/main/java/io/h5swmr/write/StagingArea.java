package io.h5swmr.write;

import io.h5swmr.exceptions.H5SwmrConfigException;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.FileVisitResult;
import java.nio.file.Files;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.nio.file.SimpleFileVisitor;
import java.nio.file.attribute.BasicFileAttributes;
import java.nio.file.attribute.FileTime;
import java.util.concurrent.Executors;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.TimeUnit;

/**
 * One query's staging directory ({@code <stagingRoot>/<queryId>/}): created and checked on the driver before
 * any task runs, kept alive by a heartbeat file the driver touches while the job runs (so the next writer can
 * tell a dead job's leftovers from a running job's files), deleted after commit or abort.
 */
final class StagingArea implements AutoCloseable {
  static final String HEARTBEAT = ".heartbeat";

  private final Path dir;
  private final ScheduledExecutorService beat;

  private StagingArea(Path dir, long beatMillis) {
    this.dir = dir;
    this.beat = Executors.newSingleThreadScheduledExecutor(r -> {
      Thread t = new Thread(r, "h5swmr-staging-heartbeat");
      t.setDaemon(true);
      return t;
    });
    beat.scheduleAtFixedRate(this::touch, beatMillis, beatMillis, TimeUnit.MILLISECONDS);
  }

  /** Creates {@code root/queryId}, proves it writable, starts the heartbeat. */
  static StagingArea create(Path root, String queryId, long beatMillis) {
    Path dir = root.resolve(queryId);
    try {
      Files.createDirectories(dir);
      Path probe = Files.createTempFile(dir, ".probe", ".tmp");
      Files.delete(probe);
      Files.write(dir.resolve(HEARTBEAT), new byte[0]);
    } catch (IOException | SecurityException e) {
      throw new H5SwmrConfigException("Staging directory " + dir + " is not writable (" + e
          + "). Set option 'stagingDir' (or spark.h5swmr.stagingDir) to a writable directory on a filesystem "
          + "the driver and every executor share; the default is a hidden directory beside the target file", e);
    }
    return new StagingArea(dir, Math.max(100, beatMillis));
  }

  Path dir() {
    return dir;
  }

  private void touch() {
    try {
      Files.setLastModifiedTime(dir.resolve(HEARTBEAT), FileTime.fromMillis(System.currentTimeMillis()));
    } catch (IOException ignored) {
      // directory already deleted (commit or abort finished)
    }
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

  /** Stops the heartbeat and deletes the directory with whatever is in it. */
  @Override
  public void close() {
    beat.shutdownNow();
    deleteTree(dir);
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
      Files.walkFileTree(p, new SimpleFileVisitor<>() {
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
