package io.h5swmr.read;

import io.h5swmr.config.H5SwmrOptions;
import io.h5swmr.config.ReadOptions.Catalog;
import io.h5swmr.exceptions.H5SwmrConfigException;
import org.apache.spark.sql.catalyst.InternalRow;
import org.apache.spark.sql.connector.read.Batch;
import org.apache.spark.sql.connector.read.InputPartition;
import org.apache.spark.sql.connector.read.PartitionReader;
import org.apache.spark.sql.connector.read.PartitionReaderFactory;
import org.apache.spark.sql.connector.read.Scan;
import org.apache.spark.sql.connector.read.streaming.MicroBatchStream;
import org.apache.spark.sql.types.StructType;

/** A catalog view's scan: its rows were read when the scan was built; tasks hand them out. */
public final class CatalogScan implements Scan, Batch {
  private final Catalog view;
  private final StructType schema;
  private final CatalogPartition[] partitions;
  private final int rowCount;

  CatalogScan(Catalog view, StructType schema, CatalogPartition[] partitions, int rowCount) {
    this.view = view;
    this.schema = schema;
    this.partitions = partitions;
    this.rowCount = rowCount;
  }

  @Override
  public StructType readSchema() {
    return schema;
  }

  @Override
  public String description() {
    return "h5swmr catalog="
        + view.value()
        + " rows="
        + rowCount
        + " columns="
        + java.util.Arrays.toString(schema.fieldNames());
  }

  @Override
  public Batch toBatch() {
    return this;
  }

  @Override
  public MicroBatchStream toMicroBatchStream(String checkpointLocation) {
    throw new H5SwmrConfigException(
        "Option '"
            + H5SwmrOptions.CATALOG
            + "' ('"
            + view.value()
            + "') is a batch read of the files' catalog: spark.readStream cannot stream it; use "
            + "spark.read");
  }

  @Override
  public InputPartition[] planInputPartitions() {
    return partitions.clone();
  }

  @Override
  public PartitionReaderFactory createReaderFactory() {
    return new Readers();
  }

  /** Reads a {@link CatalogPartition}'s rows. */
  private static final class Readers implements PartitionReaderFactory {
    private static final long serialVersionUID = 1L;

    @Override
    public PartitionReader<InternalRow> createReader(InputPartition partition) {
      InternalRow[] rows = ((CatalogPartition) partition).rows;
      return new PartitionReader<>() {
        private int next = -1;

        @Override
        public boolean next() {
          return ++next < rows.length;
        }

        @Override
        public InternalRow get() {
          return rows[next];
        }

        @Override
        public void close() {}
      };
    }
  }
}
