package io.h5swmr;

import io.h5swmr.config.H5SwmrOptions;
import io.h5swmr.read.CatalogSchemas;
import io.h5swmr.read.H5SwmrSchemaInference;
import io.h5swmr.write.H5SwmrSaveRelation;
import io.h5swmr.write.H5SwmrV1Relation;
import java.util.Map;
import org.apache.spark.sql.Dataset;
import org.apache.spark.sql.Row;
import org.apache.spark.sql.SQLContext;
import org.apache.spark.sql.SaveMode;
import org.apache.spark.sql.connector.catalog.Table;
import org.apache.spark.sql.connector.catalog.TableProvider;
import org.apache.spark.sql.connector.expressions.Transform;
import org.apache.spark.sql.sources.BaseRelation;
import org.apache.spark.sql.sources.CreatableRelationProvider;
import org.apache.spark.sql.sources.DataSourceRegister;
import org.apache.spark.sql.sources.RelationProvider;
import org.apache.spark.sql.sources.SchemaRelationProvider;
import org.apache.spark.sql.types.StructType;
import org.apache.spark.sql.util.CaseInsensitiveStringMap;

/**
 * Entry point of the {@code h5swmr} format: {@code spark.read.format("h5swmr")}, {@code
 * df.write.format("h5swmr")} and {@code CREATE TABLE ... USING h5swmr}.
 */
public final class H5SwmrDataSource
    implements TableProvider,
        DataSourceRegister,
        CreatableRelationProvider,
        RelationProvider,
        SchemaRelationProvider {
  /** The short name users give to {@code format(...)} and {@code USING}. */
  public static final String SHORT_NAME = "h5swmr";

  @Override
  public String shortName() {
    return SHORT_NAME;
  }

  @Override
  public StructType inferSchema(CaseInsensitiveStringMap options) {
    return H5SwmrSchemaInference.infer(QueryOptions.of(options.asCaseSensitiveMap()));
  }

  @Override
  public Table getTable(
      StructType schema, Transform[] partitioning, Map<String, String> properties) {
    return new H5SwmrTable(schema, QueryOptions.of(properties));
  }

  @Override
  public boolean supportsExternalMetadata() {
    return true;
  }

  /**
   * {@code df.write.format("h5swmr").mode(m).save(path)}: every save mode (append, overwrite,
   * errorifexists, ignore) arrives here because the table reports V1_BATCH_WRITE; the write itself
   * is h5swmr's staged, lease-protected commit.
   */
  @Override
  public BaseRelation createRelation(
      SQLContext sqlContext,
      SaveMode mode,
      scala.collection.immutable.Map<String, String> parameters,
      Dataset<Row> data) {
    H5SwmrOptions options = QueryOptions.of(javaMap(parameters), H5SwmrOptions.Operation.WRITE);
    CatalogSchemas.refuseWrite(options);
    return H5SwmrSaveRelation.save(sqlContext, mode, options, data);
  }

  /**
   * A table created {@code USING h5swmr}, as Spark 3.5's session catalog resolves it (Spark 4.x
   * uses the DSv2 table): reads delegate to the DSv2 reader, {@code INSERT} to the write job.
   */
  @Override
  public BaseRelation createRelation(
      SQLContext sqlContext, scala.collection.immutable.Map<String, String> parameters) {
    Map<String, String> opts = javaMap(parameters);
    H5SwmrOptions options = QueryOptions.of(opts);
    if (options.catalog() != null) {
      CatalogSchemas.check(options);
      return new CatalogV1Relation(sqlContext, opts, options);
    }
    return new H5SwmrV1Relation(sqlContext, opts, options, H5SwmrSchemaInference.infer(options));
  }

  @Override
  public BaseRelation createRelation(
      SQLContext sqlContext,
      scala.collection.immutable.Map<String, String> parameters,
      StructType schema) {
    Map<String, String> opts = javaMap(parameters);
    H5SwmrOptions options = QueryOptions.of(opts);
    if (options.catalog() != null) {
      CatalogSchemas.check(options);
      return new CatalogV1Relation(sqlContext, opts, options);
    }
    return new H5SwmrV1Relation(sqlContext, opts, options, schema);
  }

  private static Map<String, String> javaMap(
      scala.collection.immutable.Map<String, String> parameters) {
    Map<String, String> opts = new java.util.HashMap<>();
    scala.collection.Iterator<scala.Tuple2<String, String>> it = parameters.iterator();
    while (it.hasNext()) {
      scala.Tuple2<String, String> kv = it.next();
      opts.put(kv._1(), kv._2());
    }
    return opts;
  }
}
