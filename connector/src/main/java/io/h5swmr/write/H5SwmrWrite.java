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
import org.apache.spark.sql.connector.write.streaming.StreamingWrite;
import org.apache.spark.sql.sources.InsertableRelation;
import org.apache.spark.sql.types.StructField;
import org.apache.spark.sql.types.StructType;

/**
 * A logical write: append, or overwrite after {@code truncate()}. Spark runs it through {@link
 * V1Write} (the table reports {@code V1_BATCH_WRITE}, so every save mode reaches h5swmr; see
 * docs/write.md), which hands the query to {@link H5SwmrWriteJob}; {@link #toBatch()} gives the
 * same {@link H5SwmrBatchWrite} for engines that drive DSv2 batch writes themselves.
 */
final class H5SwmrWrite implements V1Write {
  private final LogicalWriteInfo info;
  private final H5SwmrOptions options;
  private final StructType tableSchema;
  private final boolean truncate;

  H5SwmrWrite(
      LogicalWriteInfo info, H5SwmrOptions options, StructType tableSchema, boolean truncate) {
    this.info = info;
    this.options = options;
    this.tableSchema = tableSchema;
    this.truncate = truncate;
  }

  private WriteMode mode() {
    return WriteMode.ofInsert(truncate);
  }

  @Override
  public String description() {
    return "h5swmr " + mode().label() + " " + options.paths() + " " + options.dataset();
  }

  @Override
  public BatchWrite toBatch() {
    return new H5SwmrBatchWrite(
        info.queryId(), info.schema(), options, mode(), SparkCommitHook.SPARK_WRITES);
  }

  /**
   * {@code df.writeStream.format("h5swmr")}: one commit per micro-batch (complete mode arrives
   * truncated).
   */
  @Override
  public StreamingWrite toStreaming() {
    return new H5SwmrStreamingWrite(
        info.queryId(), info.schema(), options, mode(), SparkCommitHook.SPARK_WRITES);
  }

  @Override
  public InsertableRelation toInsertableRelation() {
    return (data, overwrite) ->
        H5SwmrWriteJob.run(
            toTableSchema(data, tableSchema, options),
            options,
            overwrite ? WriteMode.OVERWRITE : mode(),
            SparkCommitHook.SPARK_WRITES);
  }

  /**
   * SQL {@code INSERT} into a table with a declared schema: the query's columns take the table's
   * names (by name when every table column is present, else by position when the counts agree) and
   * are cast to the table's types, as Spark does for its own tables (ANSI casts: overflow fails).
   * Otherwise the query is written as is.
   */
  static Dataset<Row> toTableSchema(
      Dataset<Row> data, StructType tableSchema, H5SwmrOptions options) {
    if (tableSchema == null || tableSchema.isEmpty()) {
      return data;
    }
    java.util.List<StructField> target = new java.util.ArrayList<>();
    for (StructField f : tableSchema.fields()) {
      if (!f.name().equals(options.indexColumn()) && !f.name().equals(options.fileColumn())) {
        target.add(f);
      }
    }
    Set<String> have = new HashSet<>(java.util.Arrays.asList(data.columns()));
    boolean byName = target.stream().allMatch(f -> have.contains(f.name()));
    String[] cols = data.columns();
    if (!byName && cols.length != target.size()) {
      return data;
    }
    Column[] out = new Column[target.size()];
    for (int i = 0; i < target.size(); i++) {
      StructField f = target.get(i);
      String source = byName ? f.name() : cols[i];
      out[i] = data.col("`" + source.replace("`", "``") + "`").cast(f.dataType()).as(f.name());
    }
    return data.select(out);
  }
}
