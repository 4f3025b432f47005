package io.h5swmr.read;

import io.h5swmr.hdf5.H5ColumnRead;
import io.h5swmr.hdf5.H5MemKind;
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
 * Columnar reader for primitive columns; one reused {@link ColumnarBatch}. On-heap vectors: reads each piece
 * whole into pooled arrays under that file's lease (see {@link PieceReader}), then fills the batch per
 * {@code batchRows} rows with bulk copies (reset, fill, setNumRows) with no lease held. Off-heap vectors
 * ({@code spark.sql.columnVector.offheap.enabled}): HDF5 reads each piece straight into the vectors' native
 * memory and the piece is returned as one batch, without any copy.
 */
final class H5SwmrColumnarPartitionReader implements PartitionReader<ColumnarBatch> {
  private final ReadPlan plan;
  private final H5SwmrInputPartition partition;
  private final ReadMetrics metrics = new ReadMetrics();
  private WritableColumnVector[] vectors;
  private ColumnarBatch batch;
  private int[] leafOf;
  private int[] columnOfLeaf;
  private boolean direct;
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
    columnOfLeaf = new int[plan.leaves.size()];
    for (int i = 0; i < leafOf.length; i++) {
      if (leafOf[i] >= 0) {
        columnOfLeaf[leafOf[i]] = i;
      }
    }
    direct = plan.offHeap;
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
      H5SwmrInputPartition.Piece piece = partition.pieces().get(nextPiece++);
      if (direct) {
        return readDirect(piece);
      }
      data = PieceReader.read(plan, piece, metrics);
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

  /**
   * Off-heap vectors: HDF5 reads each column straight into the vector's native memory, sized to the whole piece,
   * which becomes one batch (no copy; the lease is released before the batch is returned).
   */
  private boolean readDirect(H5SwmrInputPartition.Piece piece) {
    int rows = Math.toIntExact(piece.count);
    for (WritableColumnVector v : vectors) {
      v.reset();
      v.reserve(Math.max(1, rows));
    }
    PieceData d = PieceReader.read(plan, piece, metrics, (index, leaf, n, arrays) -> {
      OffHeapColumnVector v = (OffHeapColumnVector) vectors[columnOfLeaf[index]];
      H5MemKind kind = leaf.type.memKind();
      return H5ColumnRead.intoAddress(v.valuesNativeAddress(), (long) Math.max(1, n) * kind.bytes(), kind,
          leaf.memberPath);
    });
    byte[] file = d.file.getBytes(StandardCharsets.UTF_8);
    for (int i = 0; i < vectors.length; i++) {
      ReadColumn c = plan.columns.get(i);
      if (c.source == ReadColumn.Source.INDEX) {
        for (int r = 0; r < rows; r++) {
          vectors[i].putLong(r, d.start + r);
        }
      } else if (c.source == ReadColumn.Source.FILE) {
        for (int r = 0; r < rows; r++) {
          vectors[i].putByteArray(r, file);
        }
      }
    }
    batch.setNumRows(rows);
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
