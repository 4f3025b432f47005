package io.h5swmr.read;

/**
 * The values of one piece, read and released: one Java array per leaf column, rows from {@link
 * #start}.
 */
final class PieceData {
  final String file;
  final long start;
  final int rows;

  /**
   * Per leaf (in {@link ReadPlan#leaves} order): byte[], short[], int[], long[], float[], double[]
   * or String[].
   */
  final Object[] leaves;

  PieceData(String file, long start, int rows, Object[] leaves) {
    this.file = file;
    this.start = start;
    this.rows = rows;
    this.leaves = leaves;
  }
}
