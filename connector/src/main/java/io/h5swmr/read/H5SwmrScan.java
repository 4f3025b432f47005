package io.h5swmr.read;

import java.util.ArrayList;
import java.util.List;
import java.util.function.Supplier;
import java.util.OptionalLong;
import org.apache.spark.sql.connector.metric.CustomMetric;
import org.apache.spark.sql.connector.read.Batch;
import org.apache.spark.sql.connector.read.Scan;
import org.apache.spark.sql.connector.read.Statistics;
import org.apache.spark.sql.connector.read.SupportsReportStatistics;
import org.apache.spark.sql.types.StructType;

/**
 * A planned read: the selected columns over the snapshot taken at planning, its chunk-aligned partitions, and the
 * reader kind (columnar when every selected column is primitive), fixed for the whole scan.
 */
public final class H5SwmrScan implements Scan, SupportsReportStatistics {
  private static final org.slf4j.Logger LOG = org.slf4j.LoggerFactory.getLogger(H5SwmrScan.class);
  /** Whether {@link #toBatch} re-plans after a replacement (off only to measure the difference; see README). */
  static volatile boolean replanReplaced = true;

  private final ReadPlan plan;
  private final List<H5SwmrInputPartition> partitions;
  private final String description;
  private final TableSnapshot snapshot;
  private final IndexRanges keep;
  private final long limit;
  private final long partitionBytes;
  private final Supplier<TableSnapshot> reinspect;

  H5SwmrScan(TableSnapshot snapshot, ReadPlan plan, IndexRanges keep, long limit, long partitionBytes,
      String pushed) {
    this(snapshot, plan, keep, limit, partitionBytes, pushed, null);
  }

  /**
   * @param reinspect inspects the files again (on the driver, under shared leases); null: never re-plan
   */
  H5SwmrScan(TableSnapshot snapshot, ReadPlan plan, IndexRanges keep, long limit, long partitionBytes,
      String pushed, Supplier<TableSnapshot> reinspect) {
    this.snapshot = snapshot;
    this.keep = keep;
    this.limit = limit;
    this.partitionBytes = partitionBytes;
    this.reinspect = reinspect;
    this.plan = plan;
    this.partitions = PartitionPlanner.plan(snapshot.files, keep, limit, ReadPlan.rowBytes(plan.columns),
        ReadPlan.maxValuesPerRow(plan.columns), partitionBytes);
    this.description = "H5SwmrScan[files=" + snapshot.files.size() + ", columns="
        + TableInspector.names(plan.columns) + ", index=" + keep + (limit == Long.MAX_VALUE ? "" : ", limit=" + limit)
        + (pushed.isEmpty() ? "" : ", pushed=" + pushed) + ", partitions=" + partitions.size()
        + ", " + (plan.columnar ? "columnar" : "rows") + "]";
  }

  @Override
  public StructType readSchema() {
    return ReadPlan.schema(plan.columns);
  }

  @Override
  public String description() {
    return description;
  }

  /**
   * The partitions to run. Spark asks when the query starts executing, possibly well after the scan was planned;
   * if a dataset was <em>replaced</em> meanwhile (an overwrite: its identity changed, or it shrank) with the same
   * columns, the partitions are planned once more from a fresh inspection, so the query reads the new contents
   * consistently instead of failing every task with "modified during the scan". Appends never re-plan (rows
   * appended after planning stay invisible to this scan). A replacement after this point still fails the tasks.
   */
  @Override
  public Batch toBatch() {
    return new H5SwmrBatch(replanned(), plan);
  }

  private List<H5SwmrInputPartition> replanned() {
    if (reinspect == null || !replanReplaced) {
      return partitions;
    }
    TableSnapshot fresh;
    try {
      fresh = reinspect.get();
    } catch (RuntimeException e) {
      return partitions; // e.g. the file is gone: the tasks report it against the plan they got
    }
    if (!fresh.columns.equals(snapshot.columns) || fresh.files.size() != snapshot.files.size()) {
      return partitions;
    }
    List<FileSnapshot> files = new ArrayList<>();
    boolean replaced = false;
    for (int i = 0; i < fresh.files.size(); i++) {
      FileSnapshot was = snapshot.files.get(i);
      FileSnapshot now = fresh.files.get(i);
      if (!was.file.equals(now.file)) {
        return partitions;
      }
      boolean changed = !was.objectIds.equals(now.objectIds) || now.extent < was.extent;
      replaced |= changed;
      files.add(changed ? now : was);
    }
    if (!replaced) {
      return partitions;
    }
    LOG.info("h5swmr: a dataset was replaced between planning and execution; re-planned the scan over {}", files);
    return PartitionPlanner.plan(files, keep, limit, ReadPlan.rowBytes(plan.columns),
        ReadPlan.maxValuesPerRow(plan.columns), partitionBytes);
  }

  /** The planned partitions (for tests and tools). */
  public List<H5SwmrInputPartition> partitions() {
    return partitions;
  }

  /** Whether this scan reads columnar batches. */
  public boolean isColumnar() {
    return plan.columnar;
  }

  @Override
  public CustomMetric[] supportedCustomMetrics() {
    return ReadMetrics.supported();
  }

  @Override
  public Statistics estimateStatistics() {
    long rows = 0;
    for (H5SwmrInputPartition p : partitions) {
      rows += p.rows();
    }
    long r = rows;
    long bytes = Math.max(1, rows * Math.max(1, ReadPlan.rowBytes(plan.columns)));
    return new Statistics() {
      @Override
      public OptionalLong sizeInBytes() {
        return OptionalLong.of(bytes);
      }

      @Override
      public OptionalLong numRows() {
        return OptionalLong.of(r);
      }
    };
  }
}
