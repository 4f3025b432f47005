package io.h5swmr.read;

import io.h5swmr.config.H5SwmrOptions;
import io.h5swmr.exceptions.H5SwmrConfigException;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.HashSet;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Set;

/**
 * Makes the column names of a scan unique the way Spark sees names: ignoring case unless {@code
 * spark.sql.caseSensitive=true}. Columns whose names collide — compound members {@code a} and
 * {@code A} written by h5py, a member {@code Index} next to the index column, two column datasets
 * {@code /g1/x} and {@code /g2/x} — each get their 0-based position in the schema appended ({@code
 * a0}, {@code A1}), as Spark's CSV reader does with duplicate header names. Struct fields follow
 * the same rule among their siblings. Only the column names change; the values are read from the
 * members and datasets they came from. An index or file column whose name the user chose explicitly
 * is not renamed: a collision there fails naming the option.
 */
final class ColumnNames {
  private ColumnNames() {}

  static List<ReadColumn> unique(List<ReadColumn> cols, boolean caseSensitive, H5SwmrOptions o) {
    Map<String, Integer> count = new HashMap<>();
    for (ReadColumn c : cols) {
      count.merge(key(c.name, caseSensitive), 1, Integer::sum);
    }
    List<ReadColumn> out = new ArrayList<>();
    for (int i = 0; i < cols.size(); i++) {
      ReadColumn c = cols.get(i);
      if (c.isStruct()) {
        c = c.withChildren(unique(c.children, caseSensitive, null));
      }
      if (count.get(key(c.name, caseSensitive)) > 1) {
        if (o != null) {
          refuseExplicit(c, cols, o);
        }
        c = c.renamed(c.name + i);
      }
      out.add(c);
    }
    Set<String> seen = new HashSet<>();
    for (ReadColumn c : out) {
      if (!seen.add(key(c.name, caseSensitive))) {
        throw new H5SwmrConfigException(
            "Column names "
                + TableInspector.names(cols)
                + " collide (case "
                + (caseSensitive ? "" : "in")
                + "sensitively) even after appending positions ("
                + TableInspector.names(out)
                + "); choose the columns with option '"
                + H5SwmrOptions.DATASET
                + "'/'"
                + H5SwmrOptions.DATASETS
                + "' or rename them with a schema of "
                + cols.size()
                + " columns (.schema(...) renames by position)");
      }
    }
    return out;
  }

  private static void refuseExplicit(ReadColumn c, List<ReadColumn> cols, H5SwmrOptions o) {
    String option =
        c.source == ReadColumn.Source.INDEX && o.raw(H5SwmrOptions.INDEX_COLUMN) != null
            ? H5SwmrOptions.INDEX_COLUMN
            : c.source == ReadColumn.Source.FILE ? H5SwmrOptions.FILE_COLUMN : null;
    if (option != null) {
      throw new H5SwmrConfigException(
          "Option '"
              + option
              + "' names column '"
              + c.name
              + "', which the data "
              + "already has (columns: "
              + TableInspector.names(cols)
              + "); choose another name with option '"
              + option
              + "'"
              + (H5SwmrOptions.INDEX_COLUMN.equals(option) ? " (or '' for no index column)" : ""));
    }
  }

  private static String key(String name, boolean caseSensitive) {
    return caseSensitive ? name : name.toLowerCase(Locale.ROOT);
  }
}
