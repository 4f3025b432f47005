package io.h5swmr.read;

import io.h5swmr.config.H5SwmrOptions;
import java.util.ArrayList;
import java.util.List;
import org.apache.spark.sql.connector.read.Scan;
import org.apache.spark.sql.connector.read.ScanBuilder;
import org.apache.spark.sql.connector.read.SupportsPushDownFilters;
import org.apache.spark.sql.connector.read.SupportsPushDownLimit;
import org.apache.spark.sql.connector.read.SupportsPushDownRequiredColumns;
import org.apache.spark.sql.internal.SQLConf;
import org.apache.spark.sql.sources.Filter;
import org.apache.spark.sql.types.StructField;
import org.apache.spark.sql.types.StructType;

/**
 * Plans a read on the driver: inspects the files under shared leases (so missing files, datasets
 * and type errors fail here, before any task), binds the table schema, then takes column pruning,
 * filters on the index column ({@code =, <=>, <, <=, >, >=, IN}, AND/OR of those — evaluated
 * exactly, so Spark does not re-check them) and a limit. The inspection runs once, when planning
 * first needs the files (the first pushdown or {@link #build()}), not when Spark creates the
 * builder.
 */
public final class H5SwmrScanBuilder
    implements ScanBuilder,
        SupportsPushDownRequiredColumns,
        SupportsPushDownFilters,
        SupportsPushDownLimit {
  private final StructType schema;
  private final H5SwmrOptions options;
  private final StreamFactory streams;

  /**
   * The files as inspected, and the table schema bound to their columns; null until first needed.
   */
  private TableSnapshot snapshot;

  private List<ReadColumn> tableColumns;

  /** The pruned columns; null until pruning (then all table columns). */
  private List<ReadColumn> required;

  private IndexRanges keep = IndexRanges.ALL;
  private Filter[] pushed = new Filter[0];
  private long limit = Long.MAX_VALUE;

  /**
   * @param schema the table schema (empty: the files' own columns)
   * @param streams makes the streaming source when Spark asks the scan for one
   */
  public H5SwmrScanBuilder(StructType schema, H5SwmrOptions options, StreamFactory streams) {
    this.schema = schema;
    this.options = options;
    this.streams = streams;
  }

  /** The table's columns, inspecting the files (under shared leases) the first time. */
  private List<ReadColumn> tableColumns() {
    if (snapshot == null) {
      TableSnapshot s = TableInspector.inspect(options);
      tableColumns =
          schema.fields().length == 0 ? s.columns : SchemaBinding.bind(schema, s.columns);
      snapshot = s;
    }
    return tableColumns;
  }

  @Override
  public void pruneColumns(StructType requiredSchema) {
    List<ReadColumn> tableColumns = tableColumns();
    List<ReadColumn> cols = new ArrayList<>();
    for (StructField f : requiredSchema.fields()) {
      ReadColumn c = SchemaBinding.find(tableColumns, f.name());
      if (c != null) {
        cols.add(SchemaBinding.bindType(c, f.dataType(), c.name));
      } else if (f.name().equals(FileMetadata.NAME)) {
        cols.add(FileMetadata.column(f.dataType()));
      }
    }
    this.required = cols;
  }

  @Override
  public Filter[] pushFilters(Filter[] filters) {
    String index = null;
    for (ReadColumn c : tableColumns()) {
      if (c.source == ReadColumn.Source.INDEX) {
        index = c.name;
      }
    }
    List<Filter> post = new ArrayList<>();
    List<Filter> done = new ArrayList<>();
    for (Filter f : filters) {
      IndexRanges r = index == null ? null : IndexRanges.fromFilter(f, index);
      if (r == null) {
        post.add(f);
      } else {
        keep = keep.intersect(r);
        done.add(f);
      }
    }
    pushed = done.toArray(new Filter[0]);
    return post.toArray(new Filter[0]);
  }

  @Override
  public Filter[] pushedFilters() {
    return pushed.clone();
  }

  @Override
  public boolean pushLimit(int n) {
    limit = Math.max(0, n);
    return true;
  }

  @Override
  public Scan build() {
    List<ReadColumn> tableColumns = tableColumns();
    List<ReadColumn> required = this.required != null ? this.required : tableColumns;
    boolean columnar = !required.isEmpty();
    for (ReadColumn c : required) {
      columnar &= c.isPrimitive();
    }
    SQLConf conf = SQLConf.get();
    boolean offHeap =
        Boolean.parseBoolean(conf.getConfString("spark.sql.columnVector.offheap.enabled", "false"));
    boolean unlocked = options.lockMode() == H5SwmrOptions.LockMode.NONE;
    ReadPlan plan =
        new ReadPlan(
            unlocked ? null : options.lockSettings(),
            required,
            columnar,
            options.batchRows(),
            offHeap,
            options.directRead(),
            snapshot.hadoop == null ? null : snapshot.hadoop.forTasks(),
            snapshot.columns,
            options.read().libdeflate());
    StringBuilder p = new StringBuilder();
    for (Filter f : pushed) {
      p.append(p.length() == 0 ? "" : ", ").append(f);
    }
    return new H5SwmrScan(
        snapshot, plan, keep, limit, options.partitionBytes(), p.toString(), options, streams);
  }
}
