package io.h5swmr.read;

import java.util.Collections;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import org.apache.spark.sql.types.StructType;

/**
 * Everything planning learnt from the files, under their shared leases: files, columns, schema,
 * properties.
 */
final class TableSnapshot {
  final List<FileSnapshot> files;

  /** Every column the source offers, in schema order. */
  final List<ReadColumn> columns;

  final StructType schema;
  final Map<String, String> properties;

  /**
   * Hadoop configuration of the remote files among {@link #files}; null when every file is local.
   */
  final HadoopConf hadoop;

  TableSnapshot(
      List<FileSnapshot> files,
      List<ReadColumn> columns,
      StructType schema,
      Map<String, String> properties) {
    this(files, columns, schema, properties, null);
  }

  TableSnapshot(
      List<FileSnapshot> files,
      List<ReadColumn> columns,
      StructType schema,
      Map<String, String> properties,
      HadoopConf hadoop) {
    this.hadoop = hadoop;
    this.files = List.copyOf(files);
    this.columns = List.copyOf(columns);
    this.schema = schema;
    this.properties = Collections.unmodifiableMap(new LinkedHashMap<>(properties));
  }

  /** Files a native SWMR writer had open at planning. */
  long liveFiles() {
    return files.stream().filter(f -> f.nativeSwmr).count();
  }

  long totalRows() {
    long n = 0;
    for (FileSnapshot f : files) {
      n += f.extent;
    }
    return n;
  }
}
