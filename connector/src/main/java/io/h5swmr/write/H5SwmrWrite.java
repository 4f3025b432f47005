package io.h5swmr.write;

import io.h5swmr.config.H5SwmrOptions;
import java.util.HashSet;
import java.util.Set;
import org.apache.spark.sql.Column;
import org.apache.spark.sql.Dataset;
import org.apache.spark.sql.Row;
import org.apache.spark.sql.connector.write.BatchWrite;
import org.apache.spark.sql.connector.write.LogicalWriteInfo;
import org.apache.spark.sql.connector.write.V1Write;
import org.apache.spark.sql.sources.InsertableRelation;
import org.apache.spark.sql.types.StructField;
import org.apache.spark.sql.types.StructType;

/**
 * A logical write: append, or overwrite after {@code truncate()}. Spark runs it through {@link V1Write} (the
 * table reports {@code V1_BATCH_WRITE}, so every save mode reaches h5swmr; see docs/write.md), which hands the
 * query to {@link H5SwmrWriteJob}; {@link #toBatch()} gives the same {@link H5SwmrBatchWrite} for engines that
 * drive DSv2 batch writes themselves.
 */
final class H5SwmrWrite implements V1Write {
  private final LogicalWriteInfo info;
  private final H5SwmrOptions options;
  private final StructType tableSchema;
  private final boolean truncate;

  H5SwmrWrite(LogicalWriteInfo info, H5SwmrOptions options, StructType tableSchema, boolean truncate) {
    this.info = info;
    this.options = options;
    this.tableSchema = tableSchema;
    this.truncate = truncate;
  }

  private H5SwmrCommitter.Mode mode() {
    return truncate ? H5SwmrCommitter.Mode.OVERWRITE : H5SwmrCommitter.Mode.APPEND;
  }

  @Override
  public String description() {
    return "h5swmr " + mode().name().toLowerCase() + " " + options.paths() + " " + options.dataset();
  }

  @Override
  public BatchWrite toBatch() {
    return new H5SwmrBatchWrite(info.queryId(), info.schema(), options, mode());
  }

  @Override
  public InsertableRelation toInsertableRelation() {
    return (data, overwrite) -> H5SwmrWriteJob.run(byTablePosition(data), options,
        overwrite ? H5SwmrCommitter.Mode.OVERWRITE : mode());
  }

  /**
   * SQL {@code INSERT} is positional: when the query's column names are not the table's, but the counts
   * agree, the query's columns take the table's names (index column excluded) in order.
   */
  private Dataset<Row> byTablePosition(Dataset<Row> data) {
    if (tableSchema == null || tableSchema.isEmpty()) {
      return data;
    }
    java.util.List<String> names = new java.util.ArrayList<>();
    for (StructField f : tableSchema.fields()) {
      if (!f.name().equals(options.indexColumn()) && !f.name().equals(options.fileColumn())) {
        names.add(f.name());
      }
    }
    Set<String> have = new HashSet<>();
    for (String n : data.columns()) {
      have.add(n);
    }
    if (have.containsAll(names) || data.columns().length != names.size()) {
      return data;
    }
    Column[] renamed = new Column[names.size()];
    String[] cols = data.columns();
    for (int i = 0; i < cols.length; i++) {
      renamed[i] = data.col("`" + cols[i].replace("`", "``") + "`").as(names.get(i));
    }
    return data.select(renamed);
  }
}
