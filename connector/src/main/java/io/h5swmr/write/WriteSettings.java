package io.h5swmr.write;

import io.h5swmr.config.H5SwmrOptions;
import io.h5swmr.config.WriteOptions;
import io.h5swmr.hdf5.H5Codecs;
import java.io.Serializable;

/**
 * The plain values of the options the commit needs (the options object itself stays on the driver).
 */
final class WriteSettings implements Serializable {
  private static final long serialVersionUID = 1L;

  final Long chunkRows;
  final long chunkTargetBytes;
  final boolean gzip;
  final int gzipLevel;
  final boolean shuffle;

  /**
   * Option {@code releaseStagingPages}: free staged pages as the commit reads them ({@link
   * StagingPages}).
   */
  final boolean releaseStagingPages;

  /**
   * Options {@code parallelDeflate} and {@code libdeflate}: how the native layer compresses whole
   * chunks.
   */
  final H5Codecs codecs;

  WriteSettings(
      Long chunkRows, long chunkTargetBytes, boolean gzip, int gzipLevel, boolean shuffle) {
    this(
        chunkRows,
        chunkTargetBytes,
        gzip,
        gzipLevel,
        shuffle,
        StagingPages.releaseByDefault(),
        H5Codecs.DEFAULT);
  }

  WriteSettings(
      Long chunkRows,
      long chunkTargetBytes,
      boolean gzip,
      int gzipLevel,
      boolean shuffle,
      boolean releaseStagingPages,
      H5Codecs codecs) {
    this.chunkRows = chunkRows;
    this.chunkTargetBytes = chunkTargetBytes;
    this.gzip = gzip;
    this.gzipLevel = gzipLevel;
    this.shuffle = shuffle;
    this.releaseStagingPages = releaseStagingPages;
    this.codecs = codecs;
  }

  static WriteSettings of(H5SwmrOptions o) {
    WriteOptions w = o.write();
    return new WriteSettings(
        w.chunkRows(),
        H5SwmrOptions.DEFAULT_CHUNK_BYTES,
        w.compression() == H5SwmrOptions.Compression.GZIP,
        w.compressionLevel(),
        w.shuffle(),
        w.releaseStagingPages(),
        H5Codecs.of(w.parallelDeflate(), w.libdeflate()));
  }
}
