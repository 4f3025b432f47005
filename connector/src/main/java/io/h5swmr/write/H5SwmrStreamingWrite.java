package io.h5swmr.write;

import io.h5swmr.config.H5SwmrOptions;
import io.h5swmr.hdf5.journal.CommitHook;
import java.util.Map;
import org.apache.spark.sql.catalyst.InternalRow;
import org.apache.spark.sql.connector.write.DataWriter;
import org.apache.spark.sql.connector.write.DataWriterFactory;
import org.apache.spark.sql.connector.write.PhysicalWriteInfo;
import org.apache.spark.sql.connector.write.WriterCommitMessage;
import org.apache.spark.sql.connector.write.streaming.StreamingDataWriterFactory;
import org.apache.spark.sql.connector.write.streaming.StreamingWrite;
import org.apache.spark.sql.types.StructType;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The streaming sink ({@code df.writeStream.format("h5swmr")}): every micro-batch is one batch
 * write of its own (pre-flight, staging by tasks, one commit under the exclusive lease), append in
 * append mode and overwrite in complete mode. The commit records the query's batch id as the
 * dataset attribute {@link #batchAttribute} in the same atomic commit; a batch Spark replays after
 * a driver crash finds its id there and writes nothing.
 */
final class H5SwmrStreamingWrite implements StreamingWrite {
  private static final Logger LOG = LoggerFactory.getLogger(H5SwmrStreamingWrite.class);

  /**
   * Prefix of the attribute holding a streaming query's last committed batch id (followed by the
   * query id).
   */
  static final String BATCH_ATTRIBUTE_PREFIX = "h5swmr.stream.batch.";

  private final String queryId;
  private final StructType schema;
  private final H5SwmrOptions options;
  private final WriteMode mode;

  /** Told every commit step of every micro-batch ({@link CommitHook#NONE} in production). */
  private final CommitHook hook;

  /** The write of the micro-batch in flight (Spark runs one at a time per query). */
  private H5SwmrBatchWrite current;

  H5SwmrStreamingWrite(
      String queryId, StructType schema, H5SwmrOptions options, WriteMode mode, CommitHook hook) {
    this.queryId = queryId;
    this.hook = hook;
    this.schema = schema;
    this.options = options;
    this.mode = mode;
    // Pre-flight now, on the driver, before the first batch's tasks: options, dataset, target,
    // compatibility.
    H5SwmrBatchWrite.datasetOf(options);
    H5SwmrBatchWrite.targetPath(options.singlePath());
  }

  /**
   * The dataset attribute recording the last batch id committed by streaming query {@code queryId}.
   */
  static String batchAttribute(String queryId) {
    return BATCH_ATTRIBUTE_PREFIX + queryId;
  }

  @Override
  public synchronized StreamingDataWriterFactory createStreamingWriterFactory(
      PhysicalWriteInfo info) {
    if (current != null) {
      current.discard();
    }
    current = new H5SwmrBatchWrite(queryId, schema, options, mode, hook);
    return new Factory(current.createBatchWriterFactory(info));
  }

  @Override
  public boolean useCommitCoordinator() {
    return true;
  }

  @Override
  public synchronized void commit(long epochId, WriterCommitMessage[] messages) {
    H5SwmrBatchWrite w = take(epochId);
    long rows = 0;
    for (WriterCommitMessage m : messages) {
      rows += m == null ? 0 : ((H5SwmrWriterCommitMessage) m).rows();
    }
    if (rows == 0 && mode == WriteMode.APPEND) {
      // Nothing to append: a replay of an empty batch writes nothing either, so no commit (and no
      // file copy).
      w.discard();
      return;
    }
    boolean written = w.commit(messages, Map.of(batchAttribute(queryId), epochId));
    if (!written) {
      LOG.info(
          "h5swmr streaming query {}: batch {} was already committed to {} before a restart; skipped",
          queryId,
          epochId,
          options.singlePath());
    }
  }

  @Override
  public synchronized void abort(long epochId, WriterCommitMessage[] messages) {
    if (current != null) {
      take(epochId).abort(messages);
    }
  }

  private H5SwmrBatchWrite take(long epochId) {
    H5SwmrBatchWrite w = current;
    if (w == null) {
      throw new IllegalStateException(
          "h5swmr streaming write: batch " + epochId + " has no writer factory");
    }
    current = null;
    return w;
  }

  @Override
  public String toString() {
    return "H5SwmrStreamingWrite["
        + mode.label()
        + " "
        + options.singlePath()
        + " "
        + options.dataset()
        + "]";
  }

  /** The batch write's task-side factory, with Spark's streaming signature. */
  private static final class Factory implements StreamingDataWriterFactory {
    private static final long serialVersionUID = 1L;
    private final DataWriterFactory delegate;

    Factory(DataWriterFactory delegate) {
      this.delegate = delegate;
    }

    @Override
    public DataWriter<InternalRow> createWriter(int partitionId, long taskId, long epochId) {
      return delegate.createWriter(partitionId, taskId);
    }
  }
}
