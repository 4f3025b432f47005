package io.h5swmr;

import io.h5swmr.config.H5SwmrOptions;
import io.h5swmr.read.H5SwmrSchemaInference;
import java.util.Map;
import org.apache.spark.sql.connector.catalog.Table;
import org.apache.spark.sql.connector.catalog.TableProvider;
import org.apache.spark.sql.connector.expressions.Transform;
import org.apache.spark.sql.internal.SQLConf;
import org.apache.spark.sql.sources.DataSourceRegister;
import org.apache.spark.sql.types.StructType;
import org.apache.spark.sql.util.CaseInsensitiveStringMap;

/**
 * Entry point of the {@code h5swmr} format: {@code spark.read.format("h5swmr")}, {@code df.write.format("h5swmr")}
 * and {@code CREATE TABLE ... USING h5swmr}.
 */
public final class H5SwmrDataSource implements TableProvider, DataSourceRegister {
  /** The short name users give to {@code format(...)} and {@code USING}. */
  public static final String SHORT_NAME = "h5swmr";

  @Override
  public String shortName() {
    return SHORT_NAME;
  }

  @Override
  public StructType inferSchema(CaseInsensitiveStringMap options) {
    return H5SwmrSchemaInference.infer(options(options));
  }

  @Override
  public Table getTable(StructType schema, Transform[] partitioning, Map<String, String> properties) {
    return new H5SwmrTable(schema, options(properties));
  }

  @Override
  public boolean supportsExternalMetadata() {
    return true;
  }

  /** Per-query options over the active session's {@code spark.h5swmr.*} conf. */
  static H5SwmrOptions options(Map<String, String> options) {
    SQLConf conf = SQLConf.get();
    return H5SwmrOptions.of(options, key -> conf.getConfString(key, null));
  }
}
