package io.h5swmr.read;

import org.apache.spark.sql.connector.metric.CustomSumMetric;

/** Spark UI metric "h5swmr lock wait time (ms)", summed over a scan's tasks. */
public final class LockWaitTimeMetric extends CustomSumMetric {
  static final String NAME = "lockWaitMs";

  @Override
  public String name() {
    return NAME;
  }

  @Override
  public String description() {
    return "h5swmr lock wait time (ms)";
  }
}
