package io.h5swmr.read;

import io.h5swmr.config.H5SwmrOptions;
import org.apache.spark.sql.connector.read.streaming.MicroBatchStream;

/**
 * Makes the streaming source of a planned scan ({@code spark.readStream}) over its {@link
 * IncrementalScan}. The stream package supplies it (the table hands it to the scan builder), so the
 * read path never names the stream package: stream builds on read, not the other way round.
 */
@FunctionalInterface
public interface StreamFactory {
  /**
   * The micro-batch stream reading {@code scan}'s columns, its checkpoint at {@code
   * checkpointLocation}.
   */
  MicroBatchStream create(IncrementalScan scan, H5SwmrOptions options, String checkpointLocation);
}
