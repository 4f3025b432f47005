package io.h5swmr.write;

import io.h5swmr.config.H5SwmrOptions;
import io.h5swmr.exceptions.H5SwmrConfigException;
import io.h5swmr.hdf5.NativeWriters;
import java.nio.file.Files;
import java.nio.file.Path;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The entry checks of every write (Spark writes and {@link H5SwmrAppender}) about writers h5swmr
 * does not coordinate: the lock service is required, and a target a native HDF5 writer has open
 * (see {@link NativeWriters}) is refused before anything is staged and again under the exclusive
 * lease, just before the commit.
 */
final class NativeWriterCheck {
  private static final Logger LOG = LoggerFactory.getLogger(NativeWriterCheck.class);

  private NativeWriterCheck() {}

  /** Writes need the lock service: option {@code lock=none} is for reads only. */
  static void requireLockService(H5SwmrOptions o) {
    if (o.lockMode() == H5SwmrOptions.LockMode.NONE) {
      throw new H5SwmrConfigException(
          "Option '"
              + H5SwmrOptions.LOCK
              + "' is 'none', which only reads accept: a "
              + "write must hold the file's exclusive lease in the lock service (Redis) so that h5swmr readers never see "
              + "a half-committed file, two h5swmr writers never commit at once, and a writer that lost its lease is "
              + "fenced; set "
              + H5SwmrOptions.LOCK
              + "=redis (the default) and '"
              + H5SwmrOptions.REDIS_URL
              + "' for this "
              + "write (session conf "
              + H5SwmrOptions.SESSION_PREFIX
              + H5SwmrOptions.LOCK
              + ")");
    }
  }

  /** Pre-flight, before staging: refuses a target a native writer has, or may have, open. */
  static void beforeStaging(Path target, H5SwmrOptions o, Cadence rescan) {
    if (Files.exists(target)) {
      NativeWriters.inspect(target).checkWritable(o.clearStaleFlags(), rescan.everyTime());
    }
  }

  /**
   * Under the exclusive lease, just before the commit: refuses as {@link #beforeStaging} does (a
   * native writer may have started meanwhile) and clears a crashed SWMR writer's mark when the user
   * allowed it.
   *
   * <p>{@code rescan} says when this host's processes are scanned (the costly part of the check:
   * every descriptor of every process): for a Spark write, {@link Cadence#always()}, before staging
   * and again here; for an {@link H5SwmrAppender}, which commits many small blocks, at its first
   * commit and then at most once per interval. The superblock flags and HDF5's file lock, which
   * catch SWMR writers, every version-3 file's writers and writers that keep HDF5's file locking
   * on, are still checked at every commit; only a writer of an older-superblock file with file
   * locking disabled can go unseen that long.
   */
  static void beforeCommit(Path target, H5SwmrOptions o, Cadence rescan) {
    if (!Files.exists(target)) {
      return;
    }
    NativeWriters state = NativeWriters.inspect(target);
    boolean scan = rescan.due();
    if (state.checkWritable(o.clearStaleFlags(), scan)) {
      NativeWriters.clearFlags(target);
      LOG.warn(
          "h5swmr: cleared the SWMR-writer mark a native writer left in {} ({}; no HDF5 file lock held, no "
              + "process on this host had it open for writing; option {}=true)",
          target,
          state.superblock(),
          H5SwmrOptions.CLEAR_STALE_FLAGS);
    }
    if (scan) {
      rescan.done();
    }
  }
}
