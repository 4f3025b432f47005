package io.h5swmr.read;

import org.apache.spark.sql.connector.metric.CustomSumMetric;

/** Spark UI metric "h5swmr shared leases taken", summed over a scan's tasks. */
public final class LeasesTakenMetric extends CustomSumMetric {
  static final String NAME = "leasesTaken";

  @Override
  public String name() {
    return NAME;
  }

  @Override
  public String description() {
    return "h5swmr shared leases taken";
  }
}
