package io.h5swmr.write;

import io.h5swmr.config.H5SwmrOptions;
import org.apache.spark.sql.connector.write.LogicalWriteInfo;
import org.apache.spark.sql.connector.write.SupportsTruncate;
import org.apache.spark.sql.connector.write.Write;
import org.apache.spark.sql.connector.write.WriteBuilder;
import org.apache.spark.sql.types.StructType;

/**
 * Builds an append, or (after {@link #truncate()}, for overwrite) a replacement of the dataset's
 * contents.
 */
public final class H5SwmrWriteBuilder implements SupportsTruncate {
  private final LogicalWriteInfo info;
  private final H5SwmrOptions options;
  private final StructType tableSchema;
  private boolean truncate;

  /**
   * @param info Spark's description of the write
   * @param options merged table and write options
   * @param tableSchema the table's schema (SQL INSERT maps query columns to it by position), or
   *     null
   */
  public H5SwmrWriteBuilder(LogicalWriteInfo info, H5SwmrOptions options, StructType tableSchema) {
    this.info = info;
    this.options = options;
    this.tableSchema = tableSchema;
  }

  @Override
  public WriteBuilder truncate() {
    truncate = true;
    return this;
  }

  @Override
  public Write build() {
    return new H5SwmrWrite(info, options, tableSchema, truncate);
  }
}
