package io.h5swmr.read;

import io.h5swmr.hdf5.H5Type;
import java.nio.charset.StandardCharsets;
import org.apache.spark.sql.connector.metric.CustomTaskMetric;
import org.apache.spark.sql.connector.read.PartitionReader;
import org.apache.spark.sql.execution.vectorized.OffHeapColumnVector;
import org.apache.spark.sql.execution.vectorized.OnHeapColumnVector;
import org.apache.spark.sql.execution.vectorized.WritableColumnVector;
import org.apache.spark.sql.types.StructType;
import org.apache.spark.sql.vectorized.ColumnVector;
import org.apache.spark.sql.vectorized.ColumnarBatch;

/**
 * Columnar reader for primitive columns: reads each piece whole under that file's lease (see
 * {@link PieceReader}), then fills one reused {@link ColumnarBatch} of Spark's on- or off-heap vectors per
 * {@code batchRows} rows with bulk copies (reset, fill, setNumRows) and no lease held.
 */
final class H5SwmrColumnarPartitionReader implements PartitionReader<ColumnarBatch> {
  private final ReadPlan plan;
  private final H5SwmrInputPartition partition;
  private final ReadMetrics metrics = new ReadMetrics();
  private WritableColumnVector[] vectors;
  private ColumnarBatch batch;
  private int[] leafOf;
  private int nextPiece;
  private PieceData data;
  private int offset;
  private byte[] fileBytes;
  private boolean closed;

  H5SwmrColumnarPartitionReader(ReadPlan plan, H5SwmrInputPartition partition) {
    this.plan = plan;
    this.partition = partition;
  }

  private void allocate() {
    StructType schema = ReadPlan.schema(plan.columns);
    vectors = plan.offHeap ? OffHeapColumnVector.allocateColumns(plan.batchRows, schema)
        : OnHeapColumnVector.allocateColumns(plan.batchRows, schema);
    batch = new ColumnarBatch(vectors.clone());
    leafOf = new int[plan.columns.size()];
    for (int i = 0; i < leafOf.length; i++) {
      ReadColumn c = plan.columns.get(i);
      leafOf[i] = c.source == ReadColumn.Source.DATA ? plan.leafIndex(c) : -1;
    }
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
        data = null;
        return false;
      }
      data = PieceReader.read(plan, partition.pieces().get(nextPiece++), metrics);
      fileBytes = data.file.getBytes(StandardCharsets.UTF_8);
      offset = 0;
    }
    int n = Math.min(plan.batchRows, data.rows - offset);
    for (int i = 0; i < vectors.length; i++) {
      WritableColumnVector v = vectors[i];
      v.reset();
      fill(v, plan.columns.get(i), leafOf[i], n);
    }
    batch.setNumRows(n);
    offset += n;
    return true;
  }

  private void fill(WritableColumnVector v, ReadColumn c, int leaf, int n) {
    switch (c.source) {
      case INDEX:
        long first = data.start + offset;
        for (int r = 0; r < n; r++) {
          v.putLong(r, first + r);
        }
        return;
      case FILE:
        for (int r = 0; r < n; r++) {
          v.putByteArray(r, fileBytes);
        }
        return;
      default:
        break;
    }
    Object a = data.leaves[leaf];
    if (c.type.kind() == H5Type.Kind.ENUM) { // h5py boolean
      byte[] b = (byte[]) a;
      for (int r = 0; r < n; r++) {
        v.putBoolean(r, b[offset + r] != 0);
      }
    } else if (a instanceof double[]) {
      v.putDoubles(0, n, (double[]) a, offset);
    } else if (a instanceof float[]) {
      v.putFloats(0, n, (float[]) a, offset);
    } else if (a instanceof long[]) {
      v.putLongs(0, n, (long[]) a, offset);
    } else if (a instanceof int[]) {
      v.putInts(0, n, (int[]) a, offset);
    } else if (a instanceof short[]) {
      v.putShorts(0, n, (short[]) a, offset);
    } else {
      v.putBytes(0, n, (byte[]) a, offset);
    }
  }

  @Override
  public ColumnarBatch get() {
    return batch;
  }

  @Override
  public CustomTaskMetric[] currentMetricsValues() {
    return metrics.values();
  }

  @Override
  public void close() {
    if (closed) {
      return;
    }
    closed = true;
    data = null;
    if (batch != null) {
      batch.close();
      batch = null;
    }
    vectors = null;
  }
}
