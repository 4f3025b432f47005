package io.h5swmr.hdf5.journal;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.LinkOption;
import java.nio.file.Path;

/**
 * Where the journal and the write-lock file of a target live: beside the real file, symlinks
 * resolved.
 */
public final class JournalFiles {
  public static final String JOURNAL_SUFFIX = ".h5swmr-journal";
  public static final String LOCK_SUFFIX = ".h5swmr-lock";
  private static final int MAX_LINKS = 40;

  private JournalFiles() {}

  /**
   * The file {@code target} really names: symlinks (also dangling ones, and in parent directories)
   * resolved, absolute and normalized. Writing through a symlink writes this file, and locks name
   * it.
   */
  public static Path realTarget(Path target) {
    Path p = target.toAbsolutePath().normalize();
    try {
      for (int i = 0; i < MAX_LINKS && Files.isSymbolicLink(p); i++) {
        Path link = Files.readSymbolicLink(p);
        p = p.resolveSibling(link).toAbsolutePath().normalize();
      }
      if (Files.exists(p, LinkOption.NOFOLLOW_LINKS)) {
        return p.toRealPath();
      }
      Path parent = p.getParent();
      return parent != null && Files.isDirectory(parent)
          ? parent.toRealPath().resolve(p.getFileName())
          : p;
    } catch (IOException e) {
      throw new UncheckedIOException("could not resolve " + target, e);
    }
  }

  /** {@code .<name>.h5swmr-journal} beside {@code realTarget}. */
  public static Path journal(Path realTarget) {
    return realTarget.resolveSibling("." + realTarget.getFileName() + JOURNAL_SUFFIX);
  }

  /**
   * {@code .<name>.h5swmr-lock} beside {@code realTarget}: the file writers hold a POSIX lock on.
   */
  public static Path lock(Path realTarget) {
    return realTarget.resolveSibling("." + realTarget.getFileName() + LOCK_SUFFIX);
  }
}
