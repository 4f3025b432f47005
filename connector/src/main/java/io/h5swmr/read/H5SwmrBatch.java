package io.h5swmr.read;

import java.util.List;
import org.apache.spark.sql.connector.read.Batch;
import org.apache.spark.sql.connector.read.InputPartition;
import org.apache.spark.sql.connector.read.PartitionReaderFactory;

/** The planned partitions of a scan and the factory of their readers. */
final class H5SwmrBatch implements Batch {
  private final List<H5SwmrInputPartition> partitions;
  private final ReadPlan plan;

  H5SwmrBatch(List<H5SwmrInputPartition> partitions, ReadPlan plan) {
    this.partitions = partitions;
    this.plan = plan;
  }

  @Override
  public InputPartition[] planInputPartitions() {
    return partitions.toArray(new InputPartition[0]);
  }

  @Override
  public PartitionReaderFactory createReaderFactory() {
    return new H5SwmrPartitionReaderFactory(plan);
  }
}
