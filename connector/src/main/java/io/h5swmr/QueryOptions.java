package io.h5swmr;

import io.h5swmr.config.H5SwmrOptions;
import java.util.Map;
import org.apache.spark.sql.internal.SQLConf;

/**
 * The typed options of one query, table or write: the options the user gave over the active
 * session's {@code spark.h5swmr.*} conf. Shared by {@link H5SwmrDataSource}, {@link H5SwmrTable}
 * and {@link H5SwmrTableRule}, so that none of them calls another for it.
 */
final class QueryOptions {
  private QueryOptions() {}

  /**
   * Per-query options over the active session's {@code spark.h5swmr.*} conf (reads and writes
   * alike).
   */
  static H5SwmrOptions of(Map<String, String> options) {
    return of(userOptions(options), H5SwmrOptions.Operation.ANY);
  }

  /**
   * The options the user gave. A catalog creating a table ({@code CREATE TABLE ... USING h5swmr})
   * passes its table properties: reserved ones ({@code provider}, {@code owner}, {@code location},
   * ...), {@code TBLPROPERTIES}, and the {@code OPTIONS} twice, plain and prefixed {@code option.};
   * only the prefixed ones (and the path) are options to check.
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

  /** As {@link #of(Map)}, the per-query options checked to apply to {@code op}. */
  static H5SwmrOptions of(Map<String, String> options, H5SwmrOptions.Operation op) {
    SQLConf conf = SQLConf.get();
    return H5SwmrOptions.of(options, key -> conf.getConfString(key, null), op);
  }
}
