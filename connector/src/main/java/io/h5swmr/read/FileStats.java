package io.h5swmr.read;

import io.h5swmr.exceptions.H5SwmrNotFoundException;
import io.h5swmr.hdf5.H5File;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.Paths;

/**
 * Size and modification time of an open file: what the storage reported at open for a remote file,
 * the file system's for a local one.
 */
final class FileStats {
  final long size;
  final long modifiedMillis;

  private FileStats(long size, long modifiedMillis) {
    this.size = size;
    this.modifiedMillis = modifiedMillis;
  }

  static FileStats of(H5File h, String file) {
    if (h.remoteLength() >= 0) {
      return new FileStats(h.remoteLength(), h.remoteModificationTime());
    }
    Path p = Paths.get(file);
    try {
      return new FileStats(Files.size(p), Files.getLastModifiedTime(p).toMillis());
    } catch (IOException e) {
      throw new H5SwmrNotFoundException("Cannot read the size of " + file + ": " + e, e);
    }
  }
}
