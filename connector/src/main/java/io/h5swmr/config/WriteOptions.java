package io.h5swmr.config;

import static io.h5swmr.config.OptionParsers.blankToNull;
import static io.h5swmr.config.OptionParsers.invalid;
import static io.h5swmr.config.OptionParsers.key;

import io.h5swmr.config.H5SwmrOptions.Compression;
import java.util.Map;

/**
 * The typed, immutable options of how a write stores what it writes: chunking, compression,
 * staging, and the switches of the native layer's fast paths. The commit gets plain values derived
 * from it ({@code WriteSettings}).
 */
public final class WriteOptions {
  private final Long chunkRows;
  private final Compression compression;
  private final int compressionLevel;
  private final boolean shuffle;
  private final String stagingDir;
  private final boolean clearStaleFlags;
  private final boolean parallelDeflate;
  private final boolean releaseStagingPages;
  private final boolean libdeflate;

  WriteOptions(Map<String, String> merged) {
    String chunk = merged.get(key(H5SwmrOptions.CHUNK_ROWS));
    this.chunkRows =
        chunk == null
            ? null
            : OptionParsers.positive(
                H5SwmrOptions.CHUNK_ROWS,
                merged,
                1,
                OptionParsers::parseLong,
                "a positive row count, e.g. 65536");
    this.compression =
        OptionParsers.oneOf(H5SwmrOptions.COMPRESSION, merged, Compression.class, Compression.NONE);
    String level = merged.get(key(H5SwmrOptions.COMPRESSION_LEVEL));
    if (level != null) {
      long l = OptionParsers.parseLongOr(level.trim(), -1);
      if (l < 1 || l > 9) {
        throw invalid(
            H5SwmrOptions.COMPRESSION_LEVEL, level, "an integer from 1 (fastest) to 9 (smallest)");
      }
      this.compressionLevel = (int) l;
    } else {
      this.compressionLevel = H5SwmrOptions.DEFAULT_COMPRESSION_LEVEL;
    }
    this.shuffle =
        OptionParsers.bool(H5SwmrOptions.SHUFFLE, merged, compression == Compression.GZIP);
    this.stagingDir = blankToNull(merged.get(key(H5SwmrOptions.STAGING_DIR)));
    this.clearStaleFlags = OptionParsers.bool(H5SwmrOptions.CLEAR_STALE_FLAGS, merged, false);
    this.parallelDeflate =
        OptionParsers.bool(
            H5SwmrOptions.PARALLEL_DEFLATE,
            merged,
            OptionParsers.jvmDefault(H5SwmrOptions.PARALLEL_DEFLATE_PROPERTY));
    this.releaseStagingPages =
        OptionParsers.bool(
            H5SwmrOptions.RELEASE_STAGING_PAGES,
            merged,
            OptionParsers.jvmDefault(H5SwmrOptions.RELEASE_STAGING_PAGES_PROPERTY));
    this.libdeflate =
        OptionParsers.bool(
            H5SwmrOptions.LIBDEFLATE,
            merged,
            OptionParsers.jvmDefault(H5SwmrOptions.LIBDEFLATE_PROPERTY));
  }

  /** Chunk rows given by the user, or null for the ~1 MiB-per-chunk default the writer computes. */
  public Long chunkRows() {
    return chunkRows;
  }

  public Compression compression() {
    return compression;
  }

  public int compressionLevel() {
    return compressionLevel;
  }

  public boolean shuffle() {
    return shuffle;
  }

  /** Staging directory given by the user, or null for the default beside the target file. */
  public String stagingDir() {
    return stagingDir;
  }

  /** Whether a write may clear the mark a crashed native SWMR writer left in the superblock. */
  public boolean clearStaleFlags() {
    return clearStaleFlags;
  }

  /**
   * Whether whole chunks of a gzip dataset are compressed on every core before they are stored
   * (option {@code parallelDeflate}; default: the JVM property {@code h5swmr.parallelDeflate}, true
   * when unset).
   */
  public boolean parallelDeflate() {
    return parallelDeflate;
  }

  /**
   * Whether the commit frees a staging file's pages as soon as it has read them (option {@code
   * releaseStagingPages}; default: the JVM property {@code h5swmr.releaseStagingPages}, true when
   * unset).
   */
  public boolean releaseStagingPages() {
    return releaseStagingPages;
  }

  /**
   * Whether chunks compressed in Java may use the system's libdeflate (option {@code libdeflate}).
   */
  public boolean libdeflate() {
    return libdeflate;
  }
}
