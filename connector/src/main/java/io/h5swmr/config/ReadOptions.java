package io.h5swmr.config;

import static io.h5swmr.config.OptionParsers.blankToNull;
import static io.h5swmr.config.OptionParsers.invalid;
import static io.h5swmr.config.OptionParsers.key;

import io.h5swmr.exceptions.H5SwmrConfigException;
import java.util.List;
import java.util.Map;

/**
 * The typed, immutable options of what a read reads and how it splits it: paths, datasets, columns,
 * partition sizes, the decoders. Paths, {@code dataset} and {@code indexColumn} serve writes too
 * (through {@link H5SwmrOptions}). Built on the driver from the merged options; tasks get plain
 * values derived from it.
 */
public final class ReadOptions {
  /** The catalog views of option {@code catalog}: one row per file, dataset or attribute. */
  public enum Catalog {
    FILES,
    DATASETS,
    ATTRIBUTES;

    /** The option value naming this view. */
    public String value() {
      return name().toLowerCase(java.util.Locale.ROOT);
    }
  }

  private final List<String> paths;
  private final String dataset;
  private final List<String> datasets;
  private final String fileColumn;
  private final String indexColumn;
  private final long partitionBytes;
  private final boolean partitionBytesGiven;
  private final int batchRows;
  private final boolean directRead;
  private final Boolean libdeflate;
  private final Catalog catalog;

  ReadOptions(Map<String, String> merged, long sparkMaxPartitionBytes) {
    this.paths = OptionParsers.paths(merged);
    this.dataset = blankToNull(merged.get(key(H5SwmrOptions.DATASET)));
    this.datasets = OptionParsers.splitList(merged.get(key(H5SwmrOptions.DATASETS)));
    if (dataset != null && !datasets.isEmpty()) {
      throw new H5SwmrConfigException(
          "Options '"
              + H5SwmrOptions.DATASET
              + "' and '"
              + H5SwmrOptions.DATASETS
              + "' exclude each other: give one dataset path, or a comma-separated list of 1-D datasets (or a group)");
    }
    this.fileColumn = blankToNull(merged.get(key(H5SwmrOptions.FILE_COLUMN)));
    String idx = merged.get(key(H5SwmrOptions.INDEX_COLUMN));
    this.indexColumn =
        idx == null
            ? H5SwmrOptions.DEFAULT_INDEX_COLUMN
            : (idx.trim().isEmpty() ? null : idx.trim());
    if (fileColumn != null && fileColumn.equals(indexColumn)) {
      throw new H5SwmrConfigException(
          "Options '"
              + H5SwmrOptions.FILE_COLUMN
              + "' and '"
              + H5SwmrOptions.INDEX_COLUMN
              + "' name the same column '"
              + fileColumn
              + "': choose two different names");
    }
    this.partitionBytes =
        OptionParsers.positive(
            H5SwmrOptions.PARTITION_BYTES,
            merged,
            sparkMaxPartitionBytes,
            OptionParsers::parseBytes,
            "a byte size such as 134217728, 64m or 1g");
    this.partitionBytesGiven = merged.containsKey(key(H5SwmrOptions.PARTITION_BYTES));
    this.batchRows =
        (int)
            OptionParsers.positive(
                H5SwmrOptions.BATCH_ROWS,
                merged,
                H5SwmrOptions.DEFAULT_BATCH_ROWS,
                OptionParsers::parseLong,
                "a row count from 1 to " + Integer.MAX_VALUE);
    if (batchRows > 1 << 24) {
      throw invalid(
          H5SwmrOptions.BATCH_ROWS,
          merged.get(key(H5SwmrOptions.BATCH_ROWS)),
          "a row count from 1 to " + (1 << 24));
    }
    this.directRead = OptionParsers.bool(H5SwmrOptions.DIRECT_READ, merged, true);
    String lib = merged.get(key(H5SwmrOptions.LIBDEFLATE));
    this.libdeflate = lib == null ? null : OptionParsers.bool(H5SwmrOptions.LIBDEFLATE, lib, true);
    this.catalog = catalog(blankToNull(merged.get(key(H5SwmrOptions.CATALOG))));
  }

  private static Catalog catalog(String v) {
    if (v == null) {
      return null;
    }
    for (Catalog c : Catalog.values()) {
      if (c.value().equalsIgnoreCase(v.trim())) {
        return c;
      }
    }
    throw invalid(H5SwmrOptions.CATALOG, v, "files, datasets or attributes");
  }

  /** The catalog view to read (option {@code catalog}), or null for a read of the data. */
  public Catalog catalog() {
    return catalog;
  }

  /**
   * Input or output paths as given (globs and directories not yet expanded); empty when none was
   * given.
   */
  public List<String> paths() {
    return paths;
  }

  /** Dataset path ({@code /group/name}), or null when not given. */
  public String dataset() {
    return dataset;
  }

  /** Column datasets (1-D, or one group path), empty when not given. */
  public List<String> datasets() {
    return datasets;
  }

  public String fileColumn() {
    return fileColumn;
  }

  /** Name of the index column, or null when disabled ({@code indexColumn=""}). */
  public String indexColumn() {
    return indexColumn;
  }

  public long partitionBytes() {
    return partitionBytes;
  }

  /** Whether {@code partitionBytes} was set (option or session conf). */
  public boolean partitionBytesGiven() {
    return partitionBytesGiven;
  }

  public int batchRows() {
    return batchRows;
  }

  /** Whether tasks read supported chunks without the HDF5 library (option {@code directRead}). */
  public boolean directRead() {
    return directRead;
  }

  /**
   * Whether deflate chunks may be decoded with the system's libdeflate (option {@code libdeflate}),
   * or null when it is not set: then each task's JVM uses its default, the JVM property {@code
   * h5swmr.libdeflate} (true when unset), as before the option existed. Where the library is
   * missing, {@code Inflater} is used either way.
   */
  public Boolean libdeflate() {
    return libdeflate;
  }
}
