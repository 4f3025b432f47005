package io.h5swmr.read;

import io.h5swmr.config.H5SwmrOptions;
import io.h5swmr.config.ReadOptions.Catalog;
import io.h5swmr.exceptions.H5SwmrConfigException;
import java.util.ArrayList;
import java.util.List;
import org.apache.spark.sql.connector.read.Scan;
import org.apache.spark.sql.connector.read.ScanBuilder;
import org.apache.spark.sql.connector.read.SupportsPushDownRequiredColumns;
import org.apache.spark.sql.types.StructField;
import org.apache.spark.sql.types.StructType;

/**
 * Plans a catalog read (option {@code catalog}): takes column pruning (filters stay with Spark,
 * which evaluates them on the catalog's rows), then reads the files' metadata on the driver under
 * shared leases when the scan is built, so a missing path or an unreadable file fails before any
 * task.
 */
public final class CatalogScanBuilder implements ScanBuilder, SupportsPushDownRequiredColumns {
  private final H5SwmrOptions options;
  private final Catalog view;
  private StructType required;

  public CatalogScanBuilder(H5SwmrOptions options) {
    this.options = options;
    this.view = options.catalog();
    CatalogSchemas.check(options);
    this.required = CatalogSchemas.of(view);
  }

  @Override
  public void pruneColumns(StructType requiredSchema) {
    StructType all = CatalogSchemas.of(view);
    List<StructField> keep = new ArrayList<>();
    for (StructField f : requiredSchema.fields()) {
      if (!java.util.Arrays.asList(all.fieldNames()).contains(f.name())) {
        throw new H5SwmrConfigException(
            "Column '"
                + f.name()
                + "' is not a column of catalog view '"
                + view.value()
                + "' (columns: "
                + String.join(", ", all.fieldNames())
                + ")");
      }
      keep.add(all.apply(f.name()));
    }
    required = new StructType(keep.toArray(new StructField[0]));
  }

  @Override
  public Scan build() {
    StructType all = CatalogSchemas.of(view);
    int[] ordinals = new int[required.fields().length];
    for (int i = 0; i < ordinals.length; i++) {
      ordinals[i] = all.fieldIndex(required.fields()[i].name());
    }
    List<Object[]> rows = CatalogInspector.rows(options, view);
    return new CatalogScan(view, required, CatalogPartition.split(rows, ordinals), rows.size());
  }
}
