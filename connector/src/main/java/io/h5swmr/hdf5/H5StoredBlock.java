package io.h5swmr.hdf5;

import java.io.Serializable;

/**
 * Where a run of a dataset's rows is stored in its file: one chunk (its rows along dimension 0,
 * file address, stored size and filter mask) or, for a contiguous dataset, all of its rows.
 * Addresses are absolute byte offsets in the file. Only valid while no writer can change the file:
 * look blocks up under the same lease as the bytes are read (see docs/read.md, "Chunk reads without
 * the native lock").
 */
public final class H5StoredBlock implements Serializable {
  private static final long serialVersionUID = 1L;

  private final long firstRow;
  private final long rows;
  private final long address;
  private final long storedBytes;
  private final int filterMask;

  H5StoredBlock(long firstRow, long rows, long address, long storedBytes, int filterMask) {
    this.firstRow = firstRow;
    this.rows = rows;
    this.address = address;
    this.storedBytes = storedBytes;
    this.filterMask = filterMask;
  }

  /** First row (along dimension 0) the block holds. */
  public long firstRow() {
    return firstRow;
  }

  /** Rows the block holds (a chunk's rows, or the whole extent of a contiguous dataset). */
  public long rows() {
    return rows;
  }

  /** Absolute file offset of the stored bytes. */
  public long address() {
    return address;
  }

  /** Stored (possibly compressed) size in bytes. */
  public long storedBytes() {
    return storedBytes;
  }

  /** Bit i set: filter i of the pipeline was skipped for this chunk. */
  public int filterMask() {
    return filterMask;
  }

  @Override
  public boolean equals(Object o) {
    if (!(o instanceof H5StoredBlock)) {
      return false;
    }
    H5StoredBlock b = (H5StoredBlock) o;
    return firstRow == b.firstRow
        && rows == b.rows
        && address == b.address
        && storedBytes == b.storedBytes
        && filterMask == b.filterMask;
  }

  @Override
  public int hashCode() {
    return java.util.Objects.hash(firstRow, rows, address, storedBytes, filterMask);
  }

  @Override
  public String toString() {
    return "rows["
        + firstRow
        + "+"
        + rows
        + "]@"
        + address
        + "("
        + storedBytes
        + " B, mask "
        + filterMask
        + ")";
  }
}
