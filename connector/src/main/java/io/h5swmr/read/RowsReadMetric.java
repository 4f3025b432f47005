package io.h5swmr.read;

import org.apache.spark.sql.connector.metric.CustomSumMetric;

/** Spark UI metric "h5swmr rows read", summed over a scan's tasks. */
public final class RowsReadMetric extends CustomSumMetric {
  static final String NAME = "h5RowsRead";

  @Override
  public String name() {
    return NAME;
  }

  @Override
  public String description() {
    return "h5swmr rows read";
  }
}
