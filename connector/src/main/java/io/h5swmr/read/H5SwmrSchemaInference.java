package io.h5swmr.read;

import io.h5swmr.config.H5SwmrOptions;
import io.h5swmr.exceptions.H5SwmrException;
import java.util.Map;
import org.apache.spark.sql.types.StructType;

/**
 * Schema and table properties of the dataset(s) the options name, read on the driver under shared
 * leases.
 */
public final class H5SwmrSchemaInference {
  private H5SwmrSchemaInference() {}

  /**
   * The Spark schema: the index column (unless disabled), the dataset's columns with their
   * attributes as field metadata, then the file column when asked for. A single path that does not
   * exist yet gives an empty schema (a write may be about to create it); reading it fails in the
   * scan with "Path does not exist".
   */
  public static StructType infer(H5SwmrOptions options) {
    if (options.catalog() != null) { // a catalog view: a fixed schema, read nothing yet
      CatalogSchemas.check(options);
      return CatalogSchemas.of(options.catalog());
    }
    if (PathExpansion.isSingleMissingPath(options.paths(), hadoop(options))) {
      return new StructType();
    }
    return TableInspector.inspect(options, true).schema;
  }

  /**
   * Table properties shown by {@code DESCRIBE TABLE EXTENDED}: file count, dataset path(s), types,
   * dims, chunking and the file's and dataset's attributes ({@code h5swmr.file.attr.*}, {@code
   * h5swmr.dataset.attr.*}). Empty when the path does not exist yet.
   */
  public static Map<String, String> tableProperties(H5SwmrOptions options) {
    if (options.catalog() != null) {
      return Map.of("h5swmr.catalog", options.catalog().value());
    }
    if (options.paths().isEmpty()
        || PathExpansion.isSingleMissingPath(options.paths(), hadoop(options))) {
      return Map.of();
    }
    try {
      return TableInspector.inspect(options, true).properties;
    } catch (H5SwmrException e) {
      return Map.of("h5swmr.unavailable", String.valueOf(e.getMessage()));
    }
  }

  /** The query's Hadoop configuration, built only when a remote path needs it. */
  private static java.util.function.Supplier<org.apache.hadoop.conf.Configuration> hadoop(
      H5SwmrOptions options) {
    return () -> HadoopConf.forQuery(options).get();
  }
}
