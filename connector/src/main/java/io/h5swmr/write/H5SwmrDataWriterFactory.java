package io.h5swmr.write;

import org.apache.spark.sql.catalyst.InternalRow;
import org.apache.spark.sql.connector.write.DataWriter;
import org.apache.spark.sql.connector.write.DataWriterFactory;

/**
 * Shipped to executors: the write schema, the stored types to check values against and the staging
 * directory.
 */
final class H5SwmrDataWriterFactory implements DataWriterFactory {
  private static final long serialVersionUID = 1L;

  private final WriteSchema schema;
  private final String stagingDir;
  private final long blockBytes;
  private final StoredTypes stored;

  H5SwmrDataWriterFactory(
      WriteSchema schema, String stagingDir, long blockBytes, StoredTypes stored) {
    this.schema = schema;
    this.stored = stored;
    this.stagingDir = stagingDir;
    this.blockBytes = blockBytes;
  }

  @Override
  public DataWriter<InternalRow> createWriter(int partitionId, long taskId) {
    return new H5SwmrDataWriter(
        schema, java.nio.file.Paths.get(stagingDir), partitionId, taskId, blockBytes, stored);
  }
}
