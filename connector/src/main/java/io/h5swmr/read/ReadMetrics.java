package io.h5swmr.read;

import org.apache.spark.sql.connector.metric.CustomMetric;
import org.apache.spark.sql.connector.metric.CustomTaskMetric;

/** A reader's running totals of the custom metrics. */
final class ReadMetrics {
  long lockWaitNanos;
  long leases;
  long bytes;
  long rows;

  /** Leaf-column rows read by the Java chunk path (one count per column). */
  long directRows;

  static CustomMetric[] supported() {
    return new CustomMetric[] {
      new LockWaitTimeMetric(),
      new LeasesTakenMetric(),
      new BytesReadMetric(),
      new RowsReadMetric(),
      new DirectRowsMetric()
    };
  }

  CustomTaskMetric[] values() {
    return new CustomTaskMetric[] {
      new TaskMetric(LockWaitTimeMetric.NAME, lockWaitNanos / 1_000_000),
      new TaskMetric(LeasesTakenMetric.NAME, leases),
      new TaskMetric(BytesReadMetric.NAME, bytes),
      new TaskMetric(RowsReadMetric.NAME, rows),
      new TaskMetric(DirectRowsMetric.NAME, directRows)
    };
  }
}
