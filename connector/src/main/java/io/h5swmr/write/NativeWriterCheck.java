package io.h5swmr.write;

import io.h5swmr.config.H5SwmrOptions;
import io.h5swmr.exceptions.H5SwmrConfigException;
import io.h5swmr.hdf5.NativeWriters;
import java.nio.file.Files;
import java.nio.file.Path;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The entry checks of every write (Spark writes and {@link H5SwmrAppender}) about writers h5swmr does not
 * coordinate: the lock service is required, and a target a native HDF5 writer has open (see {@link NativeWriters})
 * is refused before anything is staged and again under the exclusive lease, just before the commit.
 */
final class NativeWriterCheck {
  private static final Logger LOG = LoggerFactory.getLogger(NativeWriterCheck.class);

  private NativeWriterCheck() {}

  /** Writes need the lock service: option {@code lock=none} is for reads only. */
  static void requireLockService(H5SwmrOptions o) {
    if (o.lockMode() == H5SwmrOptions.LockMode.NONE) {
      throw new H5SwmrConfigException("Option '" + H5SwmrOptions.LOCK + "' is 'none', which only reads accept: a "
          + "write must hold the file's exclusive lease in the lock service (Redis) so that h5swmr readers never see "
          + "a half-committed file, two h5swmr writers never commit at once, and a writer that lost its lease is "
          + "fenced; set " + H5SwmrOptions.LOCK + "=redis (the default) and '" + H5SwmrOptions.REDIS_URL + "' for this "
          + "write (session conf " + H5SwmrOptions.SESSION_PREFIX + H5SwmrOptions.LOCK + ")");
    }
  }

  /**
   * Pre-flight, before staging: refuses a target a native writer has, or may have, open.
   *
   * @param lookForLocalProcesses also scan this host's processes ({@code /proc}); false for a caller that commits
   *     right after staging, in the same process ({@link H5SwmrAppender}), where {@link #beforeCommit} repeats the
   *     whole check moments later and a second scan would only add its cost
   */
  static void beforeStaging(Path target, H5SwmrOptions o, boolean lookForLocalProcesses) {
    if (Files.exists(target)) {
      NativeWriters.inspect(target).checkWritable(o.clearStaleFlags(), lookForLocalProcesses);
    }
  }

  /**
   * Under the exclusive lease, just before the commit: refuses as {@link #beforeStaging} does (a native writer may
   * have started meanwhile) and clears a crashed SWMR writer's mark when the user allowed it.
   */
  static void beforeCommit(Path target, H5SwmrOptions o) {
    if (!Files.exists(target)) {
      return;
    }
    NativeWriters state = NativeWriters.inspect(target);
    if (state.checkWritable(o.clearStaleFlags())) {
      NativeWriters.clearFlags(target);
      LOG.warn("h5swmr: cleared the SWMR-writer mark a native writer left in {} ({}; no HDF5 file lock held, no "
          + "process on this host had it open for writing; option {}=true)", target, state.superblock(),
          H5SwmrOptions.CLEAR_STALE_FLAGS);
    }
  }
}
