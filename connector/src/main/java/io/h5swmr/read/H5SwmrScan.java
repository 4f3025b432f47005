package io.h5swmr.read;

import io.h5swmr.config.H5SwmrOptions;
import java.util.List;
import java.util.OptionalLong;
import org.apache.spark.sql.connector.metric.CustomMetric;
import org.apache.spark.sql.connector.read.Batch;
import org.apache.spark.sql.connector.read.Scan;
import org.apache.spark.sql.connector.read.Statistics;
import org.apache.spark.sql.connector.read.SupportsReportStatistics;
import org.apache.spark.sql.connector.read.streaming.MicroBatchStream;
import org.apache.spark.sql.types.StructType;

/**
 * A planned read: the selected columns over the snapshot taken at planning, its chunk-aligned
 * partitions, and the reader kind (columnar when every selected column is primitive), fixed for the
 * whole scan.
 */
public final class H5SwmrScan implements Scan, SupportsReportStatistics {
  private final ReadPlan plan;
  private final List<H5SwmrInputPartition> partitions;
  private final String description;
  private final TableSnapshot snapshot;
  private final H5SwmrOptions options;
  private final StreamFactory streams;

  H5SwmrScan(
      TableSnapshot snapshot,
      ReadPlan plan,
      IndexRanges keep,
      long limit,
      long partitionBytes,
      String pushed,
      H5SwmrOptions options,
      StreamFactory streams) {
    this.plan = plan;
    this.snapshot = snapshot;
    this.options = options;
    this.streams = streams;
    this.partitions =
        PartitionPlanner.plan(
            snapshot.files,
            keep,
            limit,
            ReadPlan.rowBytes(plan.columns),
            ReadPlan.maxValuesPerRow(plan.columns),
            partitionBytes,
            options.partitionBytesGiven());
    this.description =
        "H5SwmrScan[files="
            + snapshot.files.size()
            + ", columns="
            + TableInspector.names(plan.columns)
            + ", index="
            + keep
            + (limit == Long.MAX_VALUE ? "" : ", limit=" + limit)
            + (pushed.isEmpty() ? "" : ", pushed=" + pushed)
            + ", partitions="
            + partitions.size()
            + ", "
            + (plan.columnar ? "columnar" : "rows")
            + (plan.lock == null
                ? ", lock=none (no leases: not coordinated with h5swmr writers)"
                : ", lock=redis")
            + (snapshot.liveFiles() == 0
                ? ""
                : ", swmr=" + snapshot.liveFiles() + " file(s) open by a native SWMR writer")
            + "]";
  }

  @Override
  public StructType readSchema() {
    return ReadPlan.schema(plan.columns);
  }

  @Override
  public String description() {
    return description;
  }

  @Override
  public Batch toBatch() {
    return new H5SwmrBatch(partitions, plan);
  }

  /**
   * {@code spark.readStream.format("h5swmr")}: the rows committed between offsets, read like this
   * scan's.
   */
  @Override
  public MicroBatchStream toMicroBatchStream(String checkpointLocation) {
    if (snapshot.hadoop != null) {
      throw RemotePaths.streamRefusal(options.paths());
    }
    return streams.create(
        new IncrementalScan(options, plan, snapshot), options, checkpointLocation);
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
