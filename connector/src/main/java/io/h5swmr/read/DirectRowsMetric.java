package io.h5swmr.read;

import org.apache.spark.sql.connector.metric.CustomSumMetric;

/**
 * Spark UI metric "h5swmr values read without the native lock": leaf-column rows whose chunks were
 * read with positional I/O and decoded in Java (the rest went through the HDF5 library). Summed
 * over a scan's tasks.
 */
public final class DirectRowsMetric extends CustomSumMetric {
  static final String NAME = "h5DirectRows";

  @Override
  public String name() {
    return NAME;
  }

  @Override
  public String description() {
    return "h5swmr column rows decoded in Java (no native lock)";
  }
}
