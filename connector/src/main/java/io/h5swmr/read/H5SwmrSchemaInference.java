package io.h5swmr.read;

import io.h5swmr.config.H5SwmrOptions;
import io.h5swmr.exceptions.H5SwmrException;
import java.util.Map;
import org.apache.spark.sql.types.StructType;

/** PLACEHOLDER owned by the read path: replace wholesale. */
public final class H5SwmrSchemaInference {
  private H5SwmrSchemaInference() {}

  /** The Spark schema of the dataset(s) the options name (driver side, under a shared lease). */
  public static StructType infer(H5SwmrOptions options) {
    throw new H5SwmrException("schema inference not built yet");
  }

  /** Table properties shown by DESCRIBE (dataset and file attributes). */
  public static Map<String, String> tableProperties(H5SwmrOptions options) {
    return Map.of();
  }
}
