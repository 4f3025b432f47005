package io.h5swmr;

import io.h5swmr.config.H5SwmrOptions;
import io.h5swmr.read.CatalogSchemas;
import java.util.Map;
import org.apache.spark.rdd.RDD;
import org.apache.spark.sql.Dataset;
import org.apache.spark.sql.Row;
import org.apache.spark.sql.SQLContext;
import org.apache.spark.sql.sources.BaseRelation;
import org.apache.spark.sql.sources.InsertableRelation;
import org.apache.spark.sql.sources.TableScan;
import org.apache.spark.sql.types.StructType;

/**
 * A catalog-view table ({@code CREATE TABLE ... USING h5swmr OPTIONS (catalog '...')}) as Spark
 * 3.5's session catalog sees it: {@link H5SwmrTableRule} replaces it by the DSv2 table for reads
 * (buildScan serves sessions without the rule), and {@code INSERT} is refused naming the option.
 */
final class CatalogV1Relation extends BaseRelation implements InsertableRelation, TableScan {
  private final SQLContext sqlContext;
  private final Map<String, String> rawOptions;
  private final H5SwmrOptions options;

  CatalogV1Relation(SQLContext sqlContext, Map<String, String> rawOptions, H5SwmrOptions options) {
    this.sqlContext = sqlContext;
    this.rawOptions = rawOptions;
    this.options = options;
  }

  /** The table's options as given. */
  Map<String, String> tableOptions() {
    return rawOptions;
  }

  @Override
  public SQLContext sqlContext() {
    return sqlContext;
  }

  @Override
  public StructType schema() {
    return CatalogSchemas.of(options.catalog());
  }

  @Override
  public RDD<Row> buildScan() {
    return sqlContext.sparkSession().read().format("h5swmr").options(rawOptions).load().rdd();
  }

  @Override
  public void insert(Dataset<Row> data, boolean overwrite) {
    CatalogSchemas.refuseWrite(options);
  }
}
