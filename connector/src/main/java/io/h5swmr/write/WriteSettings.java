package io.h5swmr.write;

import io.h5swmr.config.H5SwmrOptions;
import java.io.Serializable;

/** The plain values of the options the commit needs (the options object itself stays on the driver). */
final class WriteSettings implements Serializable {
  private static final long serialVersionUID = 1L;

  final Long chunkRows;
  final long chunkTargetBytes;
  final boolean gzip;
  final int gzipLevel;
  final boolean shuffle;

  WriteSettings(Long chunkRows, long chunkTargetBytes, boolean gzip, int gzipLevel, boolean shuffle) {
    this.chunkRows = chunkRows;
    this.chunkTargetBytes = chunkTargetBytes;
    this.gzip = gzip;
    this.gzipLevel = gzipLevel;
    this.shuffle = shuffle;
  }

  static WriteSettings of(H5SwmrOptions o) {
    return new WriteSettings(o.chunkRows(), H5SwmrOptions.DEFAULT_CHUNK_BYTES,
        o.compression() == H5SwmrOptions.Compression.GZIP, o.compressionLevel(), o.shuffle());
  }
}
