package io.h5swmr.write;

import io.h5swmr.config.H5SwmrOptions;
import org.apache.spark.sql.connector.write.LogicalWriteInfo;
import org.apache.spark.sql.connector.write.WriteBuilder;

/** PLACEHOLDER owned by the write path: replace wholesale. */
public final class H5SwmrWriteBuilder implements WriteBuilder {
  public H5SwmrWriteBuilder(LogicalWriteInfo info, H5SwmrOptions options) {}
}
