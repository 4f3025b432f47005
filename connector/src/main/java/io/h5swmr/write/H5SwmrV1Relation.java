package io.h5swmr.write;

import io.h5swmr.config.H5SwmrOptions;
import java.util.Map;
import org.apache.spark.rdd.RDD;
import org.apache.spark.sql.DataFrameReader;
import org.apache.spark.sql.Dataset;
import org.apache.spark.sql.Row;
import org.apache.spark.sql.SQLContext;
import org.apache.spark.sql.sources.BaseRelation;
import org.apache.spark.sql.sources.InsertableRelation;
import org.apache.spark.sql.sources.TableScan;
import org.apache.spark.sql.types.StructType;

/**
 * A table created {@code USING h5swmr} as Spark 3.5's session catalog sees it (a V1 relation; Spark
 * 4.x loads the DSv2 table instead and never builds this). Reads never use {@link #buildScan} while
 * the h5swmr analyzer rule is registered (it is, through ServiceLoader): the rule replaces this
 * relation by the DSv2 table. buildScan remains for sessions built without extensions: it delegates
 * to the DSv2 reader; {@code INSERT INTO}/ {@code INSERT OVERWRITE} to the h5swmr write job, so
 * both Spark versions share one read and one write path.
 */
public final class H5SwmrV1Relation extends BaseRelation implements InsertableRelation, TableScan {
  private final SQLContext sqlContext;
  private final Map<String, String> rawOptions;
  private final H5SwmrOptions options;
  private final StructType schema;

  /**
   * @param rawOptions the table's options as given
   * @param options the same, typed (session conf applied)
   * @param schema the table's schema: as declared, or inferred from the file by the caller (the
   *     data source)
   */
  public H5SwmrV1Relation(
      SQLContext sqlContext,
      Map<String, String> rawOptions,
      H5SwmrOptions options,
      StructType schema) {
    this.sqlContext = sqlContext;
    this.rawOptions = rawOptions;
    this.options = options;
    this.schema = schema;
  }

  /**
   * The table's options as given (for the DSv2 table the analyzer puts in this relation's place).
   */
  public Map<String, String> tableOptions() {
    return rawOptions;
  }

  @Override
  public SQLContext sqlContext() {
    return sqlContext;
  }

  @Override
  public StructType schema() {
    return schema;
  }

  @Override
  public RDD<Row> buildScan() {
    Map<String, String> readOptions = new java.util.HashMap<>();
    rawOptions.forEach(
        (k, v) -> {
          H5SwmrOptions.Side side = H5SwmrOptions.sideOf(k);
          if (side
              != H5SwmrOptions.Side
                  .WRITE) { // a table's write options serve its INSERTs, not this read
            readOptions.put(k, v);
          }
        });
    DataFrameReader r = sqlContext.sparkSession().read().format("h5swmr").options(readOptions);
    if (!schema.isEmpty()) {
      r = r.schema(schema);
    }
    return r.load().rdd();
  }

  @Override
  public void insert(Dataset<Row> data, boolean overwrite) {
    H5SwmrWriteJob.run(
        H5SwmrWrite.toTableSchema(data, schema, options),
        options,
        WriteMode.ofInsert(overwrite),
        SparkCommitHook.SPARK_WRITES);
  }
}
