package io.h5swmr.read;

import io.h5swmr.config.H5SwmrOptions;
import io.h5swmr.config.ReadOptions.Catalog;
import io.h5swmr.exceptions.H5SwmrConfigException;
import java.util.ArrayList;
import java.util.List;
import org.apache.spark.sql.types.DataType;
import org.apache.spark.sql.types.DataTypes;
import org.apache.spark.sql.types.StructType;

/**
 * The fixed schemas of the catalog views (option {@code catalog}), and the check that a catalog
 * read is given no option that names what to read as data. Column names are snake_case, as the
 * fields of {@code _metadata} ({@link FileMetadata}).
 */
public final class CatalogSchemas {
  private CatalogSchemas() {}

  static final String FILE = "file";
  static final String ATTRIBUTES = "attributes";

  private static final DataType LONGS = DataTypes.createArrayType(DataTypes.LongType, false);
  private static final DataType STRINGS = DataTypes.createArrayType(DataTypes.StringType, false);
  private static final DataType TEXT_MAP =
      DataTypes.createMapType(DataTypes.StringType, DataTypes.StringType, false);

  /** {@code catalog=files}: one row per file. */
  static final StructType FILES =
      new StructType()
          .add(FILE, DataTypes.StringType, false)
          .add("size", DataTypes.LongType, false)
          .add("modification_time", DataTypes.TimestampType, false)
          .add("datasets", DataTypes.IntegerType, false)
          .add(ATTRIBUTES, TEXT_MAP, false)
          .add("swmr_writer", DataTypes.BooleanType, false);

  /** {@code catalog=datasets}: one row per dataset. */
  static final StructType DATASETS =
      new StructType()
          .add(FILE, DataTypes.StringType, false)
          .add("dataset", DataTypes.StringType, false)
          .add("hdf5_type", DataTypes.StringType, false)
          .add("spark_type", DataTypes.StringType, true)
          .add("shape", LONGS, false)
          .add("max_shape", LONGS, false)
          .add("chunk_shape", LONGS, true)
          .add("layout", DataTypes.StringType, false)
          .add("filters", STRINGS, false)
          .add("stored_bytes", DataTypes.LongType, false)
          .add("rows", DataTypes.LongType, false)
          .add(ATTRIBUTES, TEXT_MAP, false);

  /** {@code catalog=attributes}: one row per attribute of the root group, a group or a dataset. */
  static final StructType ATTRIBUTE_ROWS =
      new StructType()
          .add(FILE, DataTypes.StringType, false)
          .add("object", DataTypes.StringType, false)
          .add("name", DataTypes.StringType, false)
          .add("value", DataTypes.StringType, false)
          .add("type", DataTypes.StringType, false);

  /** The schema of catalog view {@code c}. */
  public static StructType of(Catalog c) {
    switch (c) {
      case FILES:
        return FILES;
      case DATASETS:
        return DATASETS;
      default:
        return ATTRIBUTE_ROWS;
    }
  }

  /** Options that choose what to read as data, or how to stream it: none applies to a catalog. */
  private static final List<String> NOT_WITH_CATALOG =
      List.of(
          H5SwmrOptions.DATASET,
          H5SwmrOptions.DATASETS,
          H5SwmrOptions.FILE_COLUMN,
          H5SwmrOptions.INDEX_COLUMN,
          H5SwmrOptions.STARTING_POSITION,
          H5SwmrOptions.MAX_ROWS_PER_TRIGGER,
          H5SwmrOptions.MAX_BYTES_PER_TRIGGER,
          H5SwmrOptions.ON_DATASET_CHANGE);

  /**
   * Refuses options that make no sense with a catalog view, naming them.
   *
   * @throws H5SwmrConfigException naming the options and the view
   */
  public static void check(H5SwmrOptions o) {
    List<String> given = new ArrayList<>();
    for (String name : NOT_WITH_CATALOG) {
      if (o.raw(name) != null) {
        given.add("'" + name + "'");
      }
    }
    if (!given.isEmpty()) {
      throw new H5SwmrConfigException(
          "Option"
              + (given.size() == 1 ? " " : "s ")
              + String.join(", ", given)
              + " cannot be combined with option '"
              + H5SwmrOptions.CATALOG
              + "' ('"
              + o.catalog().value()
              + "'): a catalog read lists every file, dataset or attribute of the paths with a fixed "
              + "schema; remove "
              + (given.size() == 1 ? "it" : "them")
              + " (a catalog read takes the paths, '"
              + H5SwmrOptions.LOCK
              + "' and the Redis/lease options)");
    }
  }

  /**
   * Refuses a write to a table or path read as a catalog view.
   *
   * @throws H5SwmrConfigException naming the option
   */
  public static void refuseWrite(H5SwmrOptions o) {
    if (o.catalog() != null) {
      throw new H5SwmrConfigException(
          "Option '"
              + H5SwmrOptions.CATALOG
              + "' ('"
              + o.catalog().value()
              + "') makes a read-only view of the files' catalog: it cannot be written; write to "
              + "the files without option '"
              + H5SwmrOptions.CATALOG
              + "'");
    }
  }
}
