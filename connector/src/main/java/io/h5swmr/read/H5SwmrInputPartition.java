package io.h5swmr.read;

import java.io.Serializable;
import java.util.List;
import java.util.Objects;
import org.apache.spark.sql.connector.read.InputPartition;

/**
 * One Spark task's share of a scan: one or more row ranges ("pieces"), each of one file's
 * dataset(s), with what planning saw of that file (extent and object identities) so the task can
 * tell a modified dataset apart. The selected columns are the same for every partition and travel
 * in the reader factory.
 */
public final class H5SwmrInputPartition implements InputPartition {
  private static final long serialVersionUID = 1L;

  /** Rows {@code [start, start + count)} along dimension 0 of one file's dataset(s). */
  static final class Piece implements Serializable {
    private static final long serialVersionUID = 1L;
    final FileSnapshot file;
    final long start;
    final long count;

    Piece(FileSnapshot file, long start, long count) {
      this.file = file;
      this.start = start;
      this.count = count;
    }

    @Override
    public boolean equals(Object o) {
      return o instanceof Piece
          && ((Piece) o).file.equals(file)
          && ((Piece) o).start == start
          && ((Piece) o).count == count;
    }

    @Override
    public int hashCode() {
      return Objects.hash(file, start, count);
    }

    @Override
    public String toString() {
      return file.file + file.datasets + "[" + start + ", " + (start + count) + ")";
    }
  }

  private final int index;
  private final List<Piece> pieces;

  H5SwmrInputPartition(int index, List<Piece> pieces) {
    this.index = index;
    this.pieces = List.copyOf(pieces);
  }

  /** Position of this partition in the scan. */
  public int index() {
    return index;
  }

  List<Piece> pieces() {
    return pieces;
  }

  /** Rows this partition reads. */
  public long rows() {
    long n = 0;
    for (Piece p : pieces) {
      n += p.count;
    }
    return n;
  }

  /** The row ranges, as {@code {start, count}} pairs per piece (for tests and plan inspection). */
  public long[][] ranges() {
    long[][] out = new long[pieces.size()][];
    for (int i = 0; i < out.length; i++) {
      out[i] = new long[] {pieces.get(i).start, pieces.get(i).count};
    }
    return out;
  }

  @Override
  public boolean equals(Object o) {
    return o instanceof H5SwmrInputPartition
        && ((H5SwmrInputPartition) o).index == index
        && ((H5SwmrInputPartition) o).pieces.equals(pieces);
  }

  @Override
  public int hashCode() {
    return Objects.hash(index, pieces);
  }

  @Override
  public String toString() {
    return "H5SwmrInputPartition#" + index + pieces;
  }
}
