package io.h5swmr.read;

import io.h5swmr.lock.Lease;
import java.util.function.Consumer;
import org.apache.spark.sql.catalyst.InternalRow;
import org.apache.spark.sql.catalyst.expressions.GenericInternalRow;
import org.apache.spark.sql.connector.metric.CustomTaskMetric;
import org.apache.spark.sql.connector.read.PartitionReader;

/**
 * Row reader: reads each piece of its partition whole under that file's lease (see {@link
 * PieceReader}), then hands out its rows as {@link GenericInternalRow}s with no lease held.
 */
final class H5SwmrPartitionReader implements PartitionReader<InternalRow> {
  private final ReadPlan plan;
  private final H5SwmrInputPartition partition;
  private final ReadMetrics metrics = new ReadMetrics();
  private final Consumer<Lease> afterRead;
  private int nextPiece;
  private PieceData data;
  private RowValues.Getter[] getters;
  private int row = -1;
  private GenericInternalRow current;
  private boolean closed;

  H5SwmrPartitionReader(ReadPlan plan, H5SwmrInputPartition partition, Consumer<Lease> afterRead) {
    this.plan = plan;
    this.afterRead = afterRead;
    this.partition = partition;
  }

  @Override
  public boolean next() {
    if (closed) {
      return false;
    }
    while (data == null || row + 1 >= data.rows) {
      if (nextPiece >= partition.pieces().size()) {
        release();
        return false;
      }
      release();
      H5SwmrInputPartition.Piece piece = partition.pieces().get(nextPiece++);
      data = PieceReader.read(plan, piece, metrics, afterRead);
      getters = new RowValues.Getter[plan.columns.size()];
      for (int i = 0; i < getters.length; i++) {
        getters[i] = RowValues.getter(plan.columns.get(i), plan, data, piece.file);
      }
      row = -1;
    }
    row++;
    Object[] values = new Object[getters.length];
    for (int i = 0; i < values.length; i++) {
      values[i] = getters[i].get(row);
    }
    current = new GenericInternalRow(values);
    return true;
  }

  @Override
  public InternalRow get() {
    return current;
  }

  @Override
  public CustomTaskMetric[] currentMetricsValues() {
    return metrics.values();
  }

  /** Returns the current piece's arrays to this thread's pool; the piece is not used afterwards. */
  private void release() {
    if (data != null) {
      ArrayPool.giveBack(data.leaves);
      data = null;
    }
  }

  @Override
  public void close() {
    closed = true;
    release();
    getters = null;
    current = null;
  }
}
