package io.h5swmr.read;

import org.apache.spark.sql.connector.metric.CustomSumMetric;

/** Spark UI metric "h5swmr bytes read", summed over a scan's tasks. */
public final class BytesReadMetric extends CustomSumMetric {
  static final String NAME = "h5BytesRead";

  @Override
  public String name() {
    return NAME;
  }

  @Override
  public String description() {
    return "h5swmr bytes read";
  }
}
