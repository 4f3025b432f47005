package io.h5swmr;

import io.h5swmr.config.H5SwmrOptions;
import io.h5swmr.read.CatalogScanBuilder;
import io.h5swmr.read.CatalogSchemas;
import io.h5swmr.read.FileMetadata;
import io.h5swmr.read.H5SwmrScanBuilder;
import io.h5swmr.read.H5SwmrSchemaInference;
import io.h5swmr.stream.H5SwmrMicroBatchStream;
import io.h5swmr.write.H5SwmrWriteBuilder;
import java.util.EnumSet;
import java.util.Map;
import java.util.Set;
import org.apache.spark.sql.connector.catalog.MetadataColumn;
import org.apache.spark.sql.connector.catalog.SupportsMetadataColumns;
import org.apache.spark.sql.connector.catalog.SupportsRead;
import org.apache.spark.sql.connector.catalog.SupportsWrite;
import org.apache.spark.sql.connector.catalog.TableCapability;
import org.apache.spark.sql.connector.read.ScanBuilder;
import org.apache.spark.sql.connector.write.LogicalWriteInfo;
import org.apache.spark.sql.connector.write.WriteBuilder;
import org.apache.spark.sql.types.StructType;
import org.apache.spark.sql.util.CaseInsensitiveStringMap;

/** One HDF5 dataset (or set of column datasets) across one or more files, readable and writable. */
public final class H5SwmrTable implements SupportsRead, SupportsWrite, SupportsMetadataColumns {
  private static final Set<TableCapability> CAPABILITIES =
      EnumSet.of(
          TableCapability.BATCH_READ,
          // V1_BATCH_WRITE, not BATCH_WRITE: Spark's DataFrameWriter rejects errorifexists/ignore
          // for any TableProvider whose table supports BATCH_WRITE; with V1_BATCH_WRITE every save
          // mode reaches H5SwmrDataSource.createRelation, and SQL INSERT goes through H5SwmrWrite
          // (a V1Write). Both run the same DSv2 write roles and commit protocol (see
          // docs/write.md).
          TableCapability.V1_BATCH_WRITE,
          TableCapability.TRUNCATE,
          // Structured Streaming (io.h5swmr.stream, docs/streaming.md): readStream tails the
          // datasets, writeStream commits each micro-batch once.
          TableCapability.MICRO_BATCH_READ,
          TableCapability.STREAMING_WRITE,
          TableCapability.ACCEPT_ANY_SCHEMA);

  private final StructType schema;
  private final H5SwmrOptions options;

  /**
   * {@link #properties()}, inspected from the files the first time Spark asks (DESCRIBE), never
   * before.
   */
  private volatile Map<String, String> properties;

  H5SwmrTable(StructType schema, H5SwmrOptions options) {
    this.schema = schema;
    this.options = options;
  }

  @Override
  public String name() {
    return "h5swmr "
        + String.join(",", options.paths())
        + (options.dataset() != null ? " " + options.dataset() : "")
        + (options.datasets().isEmpty() ? "" : " " + String.join(",", options.datasets()))
        + (options.catalog() != null ? " catalog=" + options.catalog().value() : "");
  }

  @Override
  public StructType schema() {
    return schema;
  }

  @Override
  public Set<TableCapability> capabilities() {
    return CAPABILITIES;
  }

  @Override
  public Map<String, String> properties() {
    Map<String, String> p = properties;
    if (p == null) {
      synchronized (this) {
        p = properties;
        if (p == null) {
          p = H5SwmrSchemaInference.tableProperties(options);
          properties = p;
        }
      }
    }
    return p;
  }

  /**
   * {@code _metadata} (file path, name, size, modification time), as Spark's file sources offer it.
   */
  @Override
  public MetadataColumn[] metadataColumns() {
    return FileMetadata.columns();
  }

  @Override
  public ScanBuilder newScanBuilder(CaseInsensitiveStringMap scanOptions) {
    H5SwmrOptions.checkNames(scanOptions.keySet(), H5SwmrOptions.Operation.READ);
    H5SwmrOptions scan = QueryOptions.of(merge(scanOptions));
    if (scan.catalog() != null) {
      return new CatalogScanBuilder(scan);
    }
    return new H5SwmrScanBuilder(schema, scan, H5SwmrMicroBatchStream::new);
  }

  @Override
  public WriteBuilder newWriteBuilder(LogicalWriteInfo info) {
    H5SwmrOptions.checkNames(info.options().keySet(), H5SwmrOptions.Operation.WRITE);
    H5SwmrOptions write = QueryOptions.of(merge(info.options()));
    CatalogSchemas.refuseWrite(write);
    return new H5SwmrWriteBuilder(info, write, schema);
  }

  /**
   * Table options (from the path/OPTIONS, Hadoop settings included) under the options of this
   * particular scan or write. Only the latter are checked against the side: a table's OPTIONS serve
   * its reads and its writes.
   */
  private Map<String, String> merge(CaseInsensitiveStringMap opts) {
    java.util.Map<String, String> m = new java.util.HashMap<>();
    for (String name : H5SwmrOptions.names()) {
      String v = options.raw(name);
      if (v != null) {
        m.put(name, v);
      }
    }
    // Hadoop settings of the table (remote files), under their prefix so that any key parses back
    // as one
    options.hadoopOptions().forEach((k, v) -> m.put(H5SwmrOptions.SPARK_HADOOP_PREFIX + k, v));
    m.putAll(opts.asCaseSensitiveMap());
    return m;
  }
}
