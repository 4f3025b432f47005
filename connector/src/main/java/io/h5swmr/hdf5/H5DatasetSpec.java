package io.h5swmr.hdf5;

import io.h5swmr.exceptions.H5SwmrDataException;
import java.util.Arrays;
import java.util.Objects;

/**
 * How to create a dataset: element type, trailing dimensions (each row's shape; empty for 1-D),
 * rows per chunk, optional deflate level 1–9 and byte shuffle. Datasets are always chunked and
 * extensible along dimension 0. Immutable; the {@code with...} methods return changed copies.
 */
public final class H5DatasetSpec {
  /** Default rows per chunk when none is given. */
  public static final long DEFAULT_CHUNK_ROWS = 65_536;

  private static final long MAX_CHUNK_BYTES = 0xFFFF_FFFFL;

  private final H5Type type;
  private final long[] trailingDims;
  private final long chunkRows;
  private final int deflateLevel;
  private final boolean shuffle;
  private final long initialRows;

  private H5DatasetSpec(
      H5Type type,
      long[] trailingDims,
      long chunkRows,
      int deflateLevel,
      boolean shuffle,
      long initialRows) {
    this.type = type;
    this.trailingDims = trailingDims;
    this.chunkRows = chunkRows;
    this.deflateLevel = deflateLevel;
    this.shuffle = shuffle;
    this.initialRows = initialRows;
  }

  /** A 1-D dataset of {@code type}, uncompressed, {@link #DEFAULT_CHUNK_ROWS} rows per chunk. */
  public static H5DatasetSpec of(H5Type type) {
    if (Objects.requireNonNull(type, "type").kind() == H5Type.Kind.UNSUPPORTED) {
      throw new H5SwmrDataException("cannot create a dataset of unsupported type " + type);
    }
    return new H5DatasetSpec(type, new long[0], DEFAULT_CHUNK_ROWS, 0, false, 0).checked();
  }

  /** Each row is an array of these dimensions (the dataset's dimensions 1..rank-1). */
  public H5DatasetSpec withTrailingDims(long... dims) {
    for (long d : dims) {
      if (d < 1) {
        throw new H5SwmrDataException(
            "trailing dimensions must be positive, got " + Arrays.toString(dims));
      }
    }
    return new H5DatasetSpec(type, dims.clone(), chunkRows, deflateLevel, shuffle, initialRows)
        .checked();
  }

  /** Rows per chunk (≥ 1). */
  public H5DatasetSpec withChunkRows(long rows) {
    if (rows < 1) {
      throw new H5SwmrDataException("chunk rows must be at least 1, got " + rows);
    }
    return new H5DatasetSpec(type, trailingDims, rows, deflateLevel, shuffle, initialRows)
        .checked();
  }

  /** Deflate (gzip) level 1–9, or 0 for none. */
  public H5DatasetSpec withDeflate(int level) {
    if (level < 0 || level > 9) {
      throw new H5SwmrDataException("deflate level must be 0 (none) or 1-9, got " + level);
    }
    return new H5DatasetSpec(type, trailingDims, chunkRows, level, shuffle, initialRows);
  }

  /** Whether to add the byte shuffle filter (before deflate). */
  public H5DatasetSpec withShuffle(boolean on) {
    return new H5DatasetSpec(type, trailingDims, chunkRows, deflateLevel, on, initialRows);
  }

  /** Rows the dataset starts with (filled with the type's fill value, zero/empty); default 0. */
  public H5DatasetSpec withInitialRows(long rows) {
    if (rows < 0) {
      throw new H5SwmrDataException("initial rows must be >= 0, got " + rows);
    }
    return new H5DatasetSpec(type, trailingDims, chunkRows, deflateLevel, shuffle, rows);
  }

  private H5DatasetSpec checked() {
    long rowBytes = Math.max(1, type.storageSize());
    for (long d : trailingDims) {
      rowBytes *= d;
    }
    if (rowBytes > MAX_CHUNK_BYTES || chunkRows > MAX_CHUNK_BYTES / rowBytes) {
      long fit = Math.max(1, MAX_CHUNK_BYTES / rowBytes);
      throw new H5SwmrDataException(
          "a chunk of "
              + chunkRows
              + " rows of "
              + rowBytes
              + " bytes exceeds HDF5's "
              + "4 GiB chunk limit; use at most "
              + fit
              + " rows per chunk");
    }
    return this;
  }

  public H5Type type() {
    return type;
  }

  public long[] trailingDims() {
    return trailingDims.clone();
  }

  public long chunkRows() {
    return chunkRows;
  }

  public int deflateLevel() {
    return deflateLevel;
  }

  public boolean shuffle() {
    return shuffle;
  }

  public long initialRows() {
    return initialRows;
  }

  @Override
  public String toString() {
    return "H5DatasetSpec{"
        + type
        + ", rowShape="
        + Arrays.toString(trailingDims)
        + ", chunkRows="
        + chunkRows
        + (deflateLevel > 0 ? ", deflate=" + deflateLevel : "")
        + (shuffle ? ", shuffle" : "")
        + (initialRows > 0 ? ", initialRows=" + initialRows : "")
        + "}";
  }
}
