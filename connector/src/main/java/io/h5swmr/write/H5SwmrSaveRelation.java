package io.h5swmr.write;

import io.h5swmr.config.H5SwmrOptions;
import org.apache.spark.sql.Dataset;
import org.apache.spark.sql.Row;
import org.apache.spark.sql.SQLContext;
import org.apache.spark.sql.SaveMode;
import org.apache.spark.sql.sources.BaseRelation;
import org.apache.spark.sql.types.StructType;

/**
 * {@code df.write.format("h5swmr").mode(m).save(path)} for all four save modes: the V1 {@code
 * CreatableRelationProvider} entry of {@code H5SwmrDataSource} delegates here. Existence checks for
 * errorifexists/ignore run in the pre-flight under a shared lease and again at commit under the
 * exclusive lease.
 */
public final class H5SwmrSaveRelation extends BaseRelation {
  private final SQLContext sqlContext;
  private final StructType schema;

  private H5SwmrSaveRelation(SQLContext sqlContext, StructType schema) {
    this.sqlContext = sqlContext;
    this.schema = schema;
  }

  /** Writes {@code data} to the target the options name, honouring {@code mode}. */
  public static BaseRelation save(
      SQLContext sqlContext, SaveMode mode, H5SwmrOptions options, Dataset<Row> data) {
    H5SwmrWriteJob.run(data, options, WriteMode.of(mode), SparkCommitHook.SPARK_WRITES);
    return new H5SwmrSaveRelation(sqlContext, data.schema());
  }

  @Override
  public SQLContext sqlContext() {
    return sqlContext;
  }

  @Override
  public StructType schema() {
    return schema;
  }
}
