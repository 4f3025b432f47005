package io.h5swmr;

import org.apache.spark.sql.SparkSessionExtensions;
import org.apache.spark.sql.SparkSessionExtensionsProvider;
import scala.runtime.BoxedUnit;

/**
 * Registers {@link H5SwmrTableRule} in every SparkSession. Spark (3.2+) loads this class through
 * {@code META-INF/services/org.apache.spark.sql.SparkSessionExtensionsProvider} when the h5swmr jar
 * is on the classpath: users configure nothing.
 */
public final class H5SwmrExtensions implements SparkSessionExtensionsProvider {
  @Override
  public BoxedUnit apply(SparkSessionExtensions extensions) {
    extensions.injectResolutionRule(session -> new H5SwmrTableRule());
    return BoxedUnit.UNIT;
  }
}
