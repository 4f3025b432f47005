package io.h5swmr;

import io.h5swmr.config.H5SwmrOptions;
import io.h5swmr.read.H5SwmrSchemaInference;
import java.util.Map;
import org.apache.spark.sql.connector.catalog.Table;
import org.apache.spark.sql.connector.catalog.TableProvider;
import org.apache.spark.sql.connector.expressions.Transform;
import org.apache.spark.sql.internal.SQLConf;
import io.h5swmr.write.H5SwmrSaveRelation;
import io.h5swmr.write.H5SwmrV1Relation;
import org.apache.spark.sql.Dataset;
import org.apache.spark.sql.Row;
import org.apache.spark.sql.SQLContext;
import org.apache.spark.sql.SaveMode;
import org.apache.spark.sql.sources.BaseRelation;
import org.apache.spark.sql.sources.CreatableRelationProvider;
import org.apache.spark.sql.sources.DataSourceRegister;
import org.apache.spark.sql.sources.RelationProvider;
import org.apache.spark.sql.sources.SchemaRelationProvider;
import org.apache.spark.sql.types.StructType;
import org.apache.spark.sql.util.CaseInsensitiveStringMap;

/**
 * Entry point of the {@code h5swmr} format: {@code spark.read.format("h5swmr")}, {@code df.write.format("h5swmr")}
 * and {@code CREATE TABLE ... USING h5swmr}.
 */
public final class H5SwmrDataSource implements TableProvider, DataSourceRegister, CreatableRelationProvider,
    RelationProvider, SchemaRelationProvider {
  /** The short name users give to {@code format(...)} and {@code USING}. */
  public static final String SHORT_NAME = "h5swmr";

  @Override
  public String shortName() {
    return SHORT_NAME;
  }

  @Override
  public StructType inferSchema(CaseInsensitiveStringMap options) {
    return H5SwmrSchemaInference.infer(options(options.asCaseSensitiveMap()));
  }

  @Override
  public Table getTable(StructType schema, Transform[] partitioning, Map<String, String> properties) {
    return new H5SwmrTable(schema, options(properties));
  }

  @Override
  public boolean supportsExternalMetadata() {
    return true;
  }

  /**
   * {@code df.write.format("h5swmr").mode(m).save(path)}: every save mode (append, overwrite, errorifexists,
   * ignore) arrives here because the table reports V1_BATCH_WRITE; the write itself is h5swmr's staged,
   * lease-protected commit.
   */
  @Override
  public BaseRelation createRelation(SQLContext sqlContext, SaveMode mode,
      scala.collection.immutable.Map<String, String> parameters, Dataset<Row> data) {
    return H5SwmrSaveRelation.save(sqlContext, mode, options(javaMap(parameters), H5SwmrOptions.Operation.WRITE),
        data);
  }

  /**
   * A table created {@code USING h5swmr}, as Spark 3.5's session catalog resolves it (Spark 4.x uses the DSv2
   * table): reads delegate to the DSv2 reader, {@code INSERT} to the write job.
   */
  @Override
  public BaseRelation createRelation(SQLContext sqlContext, scala.collection.immutable.Map<String, String> parameters) {
    Map<String, String> opts = javaMap(parameters);
    return new H5SwmrV1Relation(sqlContext, opts, options(opts), null);
  }

  @Override
  public BaseRelation createRelation(SQLContext sqlContext, scala.collection.immutable.Map<String, String> parameters,
      StructType schema) {
    Map<String, String> opts = javaMap(parameters);
    return new H5SwmrV1Relation(sqlContext, opts, options(opts), schema);
  }

  private static Map<String, String> javaMap(scala.collection.immutable.Map<String, String> parameters) {
    Map<String, String> opts = new java.util.HashMap<>();
    scala.collection.Iterator<scala.Tuple2<String, String>> it = parameters.iterator();
    while (it.hasNext()) {
      scala.Tuple2<String, String> kv = it.next();
      opts.put(kv._1(), kv._2());
    }
    return opts;
  }

  /** Per-query options over the active session's {@code spark.h5swmr.*} conf (reads and writes alike). */
  static H5SwmrOptions options(Map<String, String> options) {
    return options(userOptions(options), H5SwmrOptions.Operation.ANY);
  }

  /**
   * The options the user gave. A catalog creating a table ({@code CREATE TABLE ... USING h5swmr}) passes its table
   * properties: reserved ones ({@code provider}, {@code owner}, {@code location}, ...), {@code TBLPROPERTIES},
   * and the {@code OPTIONS} twice, plain and prefixed {@code option.}; only the prefixed ones (and the path) are
   * options to check.
   */
  static Map<String, String> userOptions(Map<String, String> properties) {
    boolean catalog = false;
    for (String k : properties.keySet()) {
      catalog |= k.equalsIgnoreCase(TABLE_PROVIDER);
    }
    if (!catalog) {
      return properties;
    }
    Map<String, String> out = new java.util.HashMap<>();
    for (Map.Entry<String, String> e : properties.entrySet()) {
      String k = e.getKey();
      if (k.regionMatches(true, 0, OPTION_PREFIX, 0, OPTION_PREFIX.length())) {
        out.put(k.substring(OPTION_PREFIX.length()), e.getValue());
      } else if (k.equalsIgnoreCase(H5SwmrOptions.PATH)) {
        out.put(H5SwmrOptions.PATH, e.getValue());
      }
    }
    return out;
  }

  /** {@code TableCatalog.PROP_PROVIDER} and {@code TableCatalog.OPTION_PREFIX}. */
  private static final String TABLE_PROVIDER = "provider";
  private static final String OPTION_PREFIX = "option.";

  /** As {@link #options(Map)}, the per-query options checked to apply to {@code op}. */
  static H5SwmrOptions options(Map<String, String> options, H5SwmrOptions.Operation op) {
    SQLConf conf = SQLConf.get();
    return H5SwmrOptions.of(options, key -> conf.getConfString(key, null), op);
  }
}
