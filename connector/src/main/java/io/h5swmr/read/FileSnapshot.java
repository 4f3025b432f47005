package io.h5swmr.read;

import java.io.Serializable;
import java.util.List;
import java.util.Objects;

/**
 * What planning saw of one file: its path, lock resource, position in the file list and, per
 * dataset read, the object identity; plus the common extent along dimension 0 and the chunk rows
 * partitions align to.
 */
final class FileSnapshot implements Serializable {
  private static final long serialVersionUID = 1L;

  final String file;
  final String lockResource;
  final List<String> datasets;
  final List<String> objectIds;

  /** Rows along dimension 0 at planning (1 for a scalar dataset). */
  final long extent;

  /** Rows per chunk along dimension 0 (1 when contiguous). */
  final long chunkRows;

  /** Rank of the (first) dataset: 0 for scalar datasets. */
  final int rank;

  /**
   * File size in bytes and last modification time (epoch ms) at planning: the {@code _metadata}
   * column.
   */
  final long fileSize;

  final long modifiedMillis;

  /**
   * Which file the path named at planning ({@link FileIdentity}): device and inode of a local file,
   * the ETag of a remote object where its file system offers one; "" when unknown. A file replaced
   * by a rename since then is not read.
   */
  final String fileIdentity;

  /**
   * A native SWMR writer had the file open (or crashed with it open) at planning: {@link #extent}
   * is what it had flushed then, and tasks read exactly those rows while it appends.
   */
  final boolean nativeSwmr;

  FileSnapshot(
      String file,
      String lockResource,
      List<String> datasets,
      List<String> objectIds,
      long extent,
      long chunkRows,
      int rank) {
    this(file, lockResource, datasets, objectIds, extent, chunkRows, rank, false, -1, -1, "");
  }

  FileSnapshot(
      String file,
      String lockResource,
      List<String> datasets,
      List<String> objectIds,
      long extent,
      long chunkRows,
      int rank,
      boolean nativeSwmr,
      long fileSize,
      long modifiedMillis,
      String fileIdentity) {
    this.fileIdentity = fileIdentity == null ? "" : fileIdentity;
    this.nativeSwmr = nativeSwmr;
    this.fileSize = fileSize;
    this.modifiedMillis = modifiedMillis;
    this.file = file;
    this.lockResource = lockResource;
    this.datasets = List.copyOf(datasets);
    this.objectIds = List.copyOf(objectIds);
    this.extent = extent;
    this.chunkRows = Math.max(1, chunkRows);
    this.rank = rank;
  }

  @Override
  public boolean equals(Object o) {
    if (!(o instanceof FileSnapshot)) {
      return false;
    }
    FileSnapshot f = (FileSnapshot) o;
    return file.equals(f.file)
        && lockResource.equals(f.lockResource)
        && datasets.equals(f.datasets)
        && objectIds.equals(f.objectIds)
        && extent == f.extent
        && chunkRows == f.chunkRows
        && rank == f.rank
        && nativeSwmr == f.nativeSwmr
        && fileIdentity.equals(f.fileIdentity);
  }

  @Override
  public int hashCode() {
    return Objects.hash(
        file, lockResource, datasets, objectIds, extent, chunkRows, rank, nativeSwmr, fileIdentity);
  }

  @Override
  public String toString() {
    return file
        + datasets
        + " rows="
        + extent
        + " chunk="
        + chunkRows
        + (nativeSwmr ? " swmr" : "");
  }
}
