package io.h5swmr.write;

import io.h5swmr.config.H5SwmrOptions;
import io.h5swmr.hdf5.journal.CommitHook;
import java.util.ArrayList;
import java.util.Collections;
import java.util.Iterator;
import java.util.List;
import java.util.UUID;
import org.apache.spark.TaskContext;
import org.apache.spark.api.java.JavaRDD;
import org.apache.spark.sql.Dataset;
import org.apache.spark.sql.Row;
import org.apache.spark.sql.catalyst.InternalRow;
import org.apache.spark.sql.connector.write.DataWriter;
import org.apache.spark.sql.connector.write.DataWriterFactory;
import org.apache.spark.sql.connector.write.WriterCommitMessage;

/**
 * Runs one write of a DataFrame through the DSv2 write roles: {@link H5SwmrBatchWrite}
 * (pre-flight), one {@link H5SwmrDataWriter} per partition staging its rows, then the driver commit
 * (or abort on any failure). Used by every entry point: {@code df.write...save()} in all four save
 * modes (through {@code CreatableRelationProvider}) and SQL {@code INSERT INTO}/{@code INSERT
 * OVERWRITE} (through {@code V1Write}), so they all share one commit protocol.
 */
final class H5SwmrWriteJob {
  private H5SwmrWriteJob() {}

  /**
   * Writes {@code data} with {@code mode}, every commit step reported to {@code hook}; returns the
   * commit result (null when skipped by ignore).
   */
  static H5SwmrCommitter.Result run(
      Dataset<Row> data, H5SwmrOptions options, WriteMode mode, CommitHook hook) {
    H5SwmrBatchWrite write =
        new H5SwmrBatchWrite(UUID.randomUUID().toString(), data.schema(), options, mode, hook);
    if (write.skip()) {
      write.discard();
      return null;
    }
    JavaRDD<InternalRow> rows = data.queryExecution().toRdd().toJavaRDD();
    int partitions = rows.getNumPartitions();
    DataWriterFactory factory = write.createBatchWriterFactory(() -> partitions);
    List<WriterCommitMessage> messages = Collections.emptyList();
    try {
      messages =
          rows.mapPartitionsWithIndex((partition, it) -> stage(factory, partition, it), false)
              .collect();
      write.commit(messages.toArray(new WriterCommitMessage[0]));
      return write.lastResult();
    } catch (Throwable e) { // also SparkException, which Scala throws unchecked
      write.abort(messages.toArray(new WriterCommitMessage[0]));
      throw e;
    }
  }

  private static Iterator<WriterCommitMessage> stage(
      DataWriterFactory factory, int partition, Iterator<InternalRow> it) throws Exception {
    TaskContext ctx = TaskContext.get();
    long taskId = ctx == null ? partition : ctx.taskAttemptId();
    DataWriter<InternalRow> w = factory.createWriter(partition, taskId);
    try {
      while (it.hasNext()) {
        w.write(it.next());
      }
      List<WriterCommitMessage> out = new ArrayList<>(1);
      out.add(w.commit());
      return out.iterator();
    } catch (Throwable t) {
      try {
        w.abort();
      } catch (RuntimeException suppressed) {
        t.addSuppressed(suppressed);
      }
      throw t;
    } finally {
      w.close();
    }
  }
}
