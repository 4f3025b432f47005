package io.h5swmr.write;

import java.util.Arrays;
import java.util.Objects;
import org.apache.spark.sql.connector.write.WriterCommitMessage;

/**
 * What one successful task attempt staged: its file, row and byte counts, the CRC32C of the file
 * and the array lengths of every leaf column (null entries when the task saw no rows), so the
 * driver can check array lengths across tasks before writing anything.
 */
final class H5SwmrWriterCommitMessage implements WriterCommitMessage {
  private static final long serialVersionUID = 1L;

  private final int partitionId;
  private final String stagingFile;
  private final long rows;
  private final long bytes;
  private final long checksum;
  private final int[][] leafDims;

  H5SwmrWriterCommitMessage(
      int partitionId, String stagingFile, long rows, long bytes, long checksum, int[][] leafDims) {
    this.partitionId = partitionId;
    this.stagingFile = stagingFile;
    this.rows = rows;
    this.bytes = bytes;
    this.checksum = checksum;
    this.leafDims = leafDims;
  }

  int partitionId() {
    return partitionId;
  }

  String stagingFile() {
    return stagingFile;
  }

  long rows() {
    return rows;
  }

  long bytes() {
    return bytes;
  }

  long checksum() {
    return checksum;
  }

  /** Array lengths of leaf {@code i}, or null when this task wrote no rows. */
  int[] leafDims(int i) {
    return leafDims[i];
  }

  @Override
  public boolean equals(Object o) {
    if (!(o instanceof H5SwmrWriterCommitMessage)) {
      return false;
    }
    H5SwmrWriterCommitMessage m = (H5SwmrWriterCommitMessage) o;
    return partitionId == m.partitionId
        && stagingFile.equals(m.stagingFile)
        && rows == m.rows
        && bytes == m.bytes
        && checksum == m.checksum
        && Arrays.deepEquals(leafDims, m.leafDims);
  }

  @Override
  public int hashCode() {
    return Objects.hash(
        partitionId, stagingFile, rows, bytes, checksum, Arrays.deepHashCode(leafDims));
  }

  @Override
  public String toString() {
    return "H5SwmrWriterCommitMessage{partition="
        + partitionId
        + ", file="
        + stagingFile
        + ", rows="
        + rows
        + ", bytes="
        + bytes
        + ", crc32c="
        + Long.toHexString(checksum)
        + "}";
  }
}
