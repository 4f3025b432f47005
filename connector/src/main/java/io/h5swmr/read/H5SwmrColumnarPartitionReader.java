package io.h5swmr.read;

import io.h5swmr.lock.Lease;
import java.util.function.Consumer;
import org.apache.spark.sql.connector.metric.CustomTaskMetric;
import org.apache.spark.sql.connector.read.PartitionReader;
import org.apache.spark.sql.vectorized.ColumnarBatch;
import org.apache.spark.unsafe.types.UTF8String;

/**
 * Columnar reader for primitive columns: reads each piece whole into pooled arrays under that
 * file's lease (see {@link PieceReader}: chunks decoded in Java where possible, else the library),
 * then hands Spark one reused {@link ColumnarBatch} per {@code batchRows} rows whose {@link
 * PieceColumnVector}s view those arrays in place: no value is copied again (a copy into Spark's own
 * vectors cost 0.1 s per GiB, see docs/read.md).
 */
final class H5SwmrColumnarPartitionReader implements PartitionReader<ColumnarBatch> {
  private final ReadPlan plan;
  private final H5SwmrInputPartition partition;
  private final ReadMetrics metrics = new ReadMetrics();
  private final Consumer<Lease> afterRead;
  private PieceColumnVector[] vectors;
  private ColumnarBatch batch;
  private int[] leafOf;
  private int nextPiece;
  private PieceData data;
  private int offset;
  private UTF8String fileName;
  private boolean closed;

  H5SwmrColumnarPartitionReader(
      ReadPlan plan, H5SwmrInputPartition partition, Consumer<Lease> afterRead) {
    this.plan = plan;
    this.afterRead = afterRead;
    this.partition = partition;
  }

  private void allocate() {
    vectors = new PieceColumnVector[plan.columns.size()];
    leafOf = new int[vectors.length];
    for (int i = 0; i < vectors.length; i++) {
      ReadColumn c = plan.columns.get(i);
      vectors[i] = new PieceColumnVector(c.sparkType);
      leafOf[i] = c.source == ReadColumn.Source.DATA ? plan.leafIndex(c) : -1;
    }
    batch = new ColumnarBatch(vectors.clone());
  }

  @Override
  public boolean next() {
    if (closed) {
      return false;
    }
    if (vectors == null) {
      allocate();
    }
    while (data == null || offset >= data.rows) {
      if (nextPiece >= partition.pieces().size()) {
        release();
        return false;
      }
      release();
      data = PieceReader.read(plan, partition.pieces().get(nextPiece++), metrics, afterRead);
      fileName = UTF8String.fromString(data.file);
      offset = 0;
    }
    int n = Math.min(plan.batchRows, data.rows - offset);
    for (int i = 0; i < vectors.length; i++) {
      switch (plan.columns.get(i).source) {
        case INDEX:
          vectors[i].sequence(data.start + offset);
          break;
        case FILE:
          vectors[i].constant(fileName);
          break;
        default:
          vectors[i].view(data.leaves[leafOf[i]], offset);
      }
    }
    batch.setNumRows(n);
    offset += n;
    return true;
  }

  @Override
  public ColumnarBatch get() {
    return batch;
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
    if (closed) {
      return;
    }
    closed = true;
    release();
    if (batch != null) {
      batch.close();
      batch = null;
    }
    vectors = null;
  }
}
