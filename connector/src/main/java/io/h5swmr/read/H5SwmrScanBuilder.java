package io.h5swmr.read;

import io.h5swmr.config.H5SwmrOptions;
import org.apache.spark.sql.connector.read.Scan;
import org.apache.spark.sql.connector.read.ScanBuilder;
import org.apache.spark.sql.types.StructType;

/** PLACEHOLDER owned by the read path: replace wholesale. */
public final class H5SwmrScanBuilder implements ScanBuilder {
  public H5SwmrScanBuilder(StructType schema, H5SwmrOptions options) {}

  @Override
  public Scan build() {
    throw new UnsupportedOperationException("read path not built yet");
  }
}
