package io.h5swmr.read;

import org.apache.spark.sql.catalyst.InternalRow;
import org.apache.spark.sql.connector.read.InputPartition;
import org.apache.spark.sql.connector.read.PartitionReader;
import org.apache.spark.sql.connector.read.PartitionReaderFactory;
import org.apache.spark.sql.vectorized.ColumnarBatch;

/** Creates a scan's readers on executors: columnar for all-primitive column sets, row-based otherwise. */
final class H5SwmrPartitionReaderFactory implements PartitionReaderFactory {
  private static final long serialVersionUID = 1L;
  private final ReadPlan plan;

  H5SwmrPartitionReaderFactory(ReadPlan plan) {
    this.plan = plan;
  }

  @Override
  public PartitionReader<InternalRow> createReader(InputPartition partition) {
    return new H5SwmrPartitionReader(plan, (H5SwmrInputPartition) partition);
  }

  @Override
  public PartitionReader<ColumnarBatch> createColumnarReader(InputPartition partition) {
    return new H5SwmrColumnarPartitionReader(plan, (H5SwmrInputPartition) partition);
  }

  @Override
  public boolean supportColumnarReads(InputPartition partition) {
    return plan.columnar;
  }
}
