package io.h5swmr.read;

import org.apache.spark.sql.connector.metric.CustomTaskMetric;

/** One task's value of a custom metric. */
final class TaskMetric implements CustomTaskMetric {
  private final String name;
  private final long value;

  TaskMetric(String name, long value) {
    this.name = name;
    this.value = value;
  }

  @Override
  public String name() {
    return name;
  }

  @Override
  public long value() {
    return value;
  }
}
