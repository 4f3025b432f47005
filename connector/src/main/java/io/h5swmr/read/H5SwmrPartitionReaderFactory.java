package io.h5swmr.read;

import io.h5swmr.lock.Lease;
import java.util.function.Consumer;
import org.apache.spark.sql.catalyst.InternalRow;
import org.apache.spark.sql.connector.read.InputPartition;
import org.apache.spark.sql.connector.read.PartitionReader;
import org.apache.spark.sql.connector.read.PartitionReaderFactory;
import org.apache.spark.sql.vectorized.ColumnarBatch;

/**
 * Creates a scan's readers on executors: columnar for all-primitive column sets, row-based
 * otherwise.
 */
final class H5SwmrPartitionReaderFactory implements PartitionReaderFactory {
  private static final long serialVersionUID = 1L;
  private final ReadPlan plan;

  /** See {@link #afterEachRead}; null in production (and never shipped to executors). */
  private final transient Consumer<Lease> afterRead;

  H5SwmrPartitionReaderFactory(ReadPlan plan) {
    this(plan, null);
  }

  private H5SwmrPartitionReaderFactory(ReadPlan plan, Consumer<Lease> afterRead) {
    this.plan = plan;
    this.afterRead = afterRead;
  }

  /**
   * This factory with readers that run {@code hook} with each piece's lease after its HDF5 reads,
   * before the lease is checked (tests make the lease lapse there). In-process only: the hook is
   * not serialized.
   */
  H5SwmrPartitionReaderFactory afterEachRead(Consumer<Lease> hook) {
    return new H5SwmrPartitionReaderFactory(plan, hook);
  }

  @Override
  public PartitionReader<InternalRow> createReader(InputPartition partition) {
    return new H5SwmrPartitionReader(plan, (H5SwmrInputPartition) partition, afterRead);
  }

  @Override
  public PartitionReader<ColumnarBatch> createColumnarReader(InputPartition partition) {
    return new H5SwmrColumnarPartitionReader(plan, (H5SwmrInputPartition) partition, afterRead);
  }

  @Override
  public boolean supportColumnarReads(InputPartition partition) {
    return plan.columnar;
  }
}
