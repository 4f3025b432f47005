package io.h5swmr.read;

import io.h5swmr.config.LocalPaths;
import io.h5swmr.hdf5.H5File;

/**
 * Opens a planned file read-only: a local path as before, a remote URI through Hadoop ({@link
 * H5File#openRemote}).
 */
final class ReadFiles {
  private ReadFiles() {}

  /**
   * Opens {@code file} (a local path or a remote URI as {@link PathExpansion} listed it).
   *
   * @param hadoop the scan's Hadoop configuration; needed (non-null) for remote files only
   */
  static H5File open(String file, HadoopConf hadoop) {
    if (LocalPaths.isRemote(file)) {
      if (hadoop == null) {
        throw new IllegalStateException(
            "remote file " + file + " planned without a Hadoop configuration");
      }
      return H5File.openRemote(file, hadoop.get());
    }
    return H5File.openReadOnly(file, io.h5swmr.hdf5.journal.JournalOverlay.COMMITTED);
  }

  /**
   * Whether remote {@code file} still exists (true when that cannot be told: the open's error then
   * stands).
   */
  static boolean remoteExists(String file, HadoopConf hadoop) {
    return RemotePaths.exists(file, hadoop.get(), true);
  }
}
