package io.h5swmr.read;

import io.h5swmr.config.H5SwmrOptions;
import io.h5swmr.exceptions.H5SwmrDataException;
import io.h5swmr.exceptions.H5SwmrNotFoundException;
import java.io.Serializable;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import org.apache.spark.sql.connector.read.InputPartition;
import org.apache.spark.sql.connector.read.PartitionReaderFactory;
import org.apache.spark.sql.types.StructType;

/**
 * The read path as the streaming source ({@code io.h5swmr.stream}) uses it: each file inspected
 * under its shared lease exactly as batch planning inspects it (committed rows and dataset
 * identities), and row ranges of many files planned into the batch scan's partitions and read by
 * its readers (columnar when the columns allow).
 */
public final class IncrementalScan {
  private final H5SwmrOptions options;
  private final ReadPlan plan;
  private final List<ReadColumn> tableColumns;
  private final String firstFile;

  IncrementalScan(H5SwmrOptions options, ReadPlan plan, TableSnapshot snapshot) {
    this.options = options;
    this.plan = plan;
    this.tableColumns = snapshot.columns;
    this.firstFile = snapshot.files.isEmpty() ? null : snapshot.files.get(0).file;
    for (FileSnapshot f : snapshot.files) {
      if (f.rank == 0) {
        throw new H5SwmrDataException(
            "Dataset "
                + f.datasets
                + " in file "
                + f.file
                + " is scalar: a stream reads "
                + "datasets that grow along dimension 0; read it with spark.read instead");
      }
    }
  }

  /**
   * One file's dataset(s) as seen under the file's shared lease: their identities and committed
   * rows.
   */
  public static final class FileState implements Serializable {
    private static final long serialVersionUID = 1L;
    public final String file;
    public final List<String> datasets;
    public final List<String> ids;
    public final long rows;
    public final long chunkRows;

    public FileState(
        String file, List<String> datasets, List<String> ids, long rows, long chunkRows) {
      this.file = Objects.requireNonNull(file, "file");
      this.datasets = List.copyOf(datasets);
      this.ids = List.copyOf(ids);
      this.rows = rows;
      this.chunkRows = chunkRows;
    }

    /** Whether {@code o} describes the same dataset objects (possibly with other row counts). */
    public boolean sameDatasets(FileState o) {
      return o != null && datasets.equals(o.datasets) && FileIdentity.sameIds(ids, o.ids);
    }

    /** This state with {@code n} rows. */
    public FileState withRows(long n) {
      return new FileState(file, datasets, ids, n, chunkRows);
    }

    @Override
    public boolean equals(Object o) {
      return o instanceof FileState
          && ((FileState) o).file.equals(file)
          && sameDatasets((FileState) o)
          && ((FileState) o).rows == rows
          && ((FileState) o).chunkRows == chunkRows;
    }

    @Override
    public int hashCode() {
      return Objects.hash(file, datasets, FileIdentity.untag(ids), rows, chunkRows);
    }

    @Override
    public String toString() {
      return file + datasets + " rows=" + rows;
    }
  }

  /** Rows {@code [from, to.rows)} of one file. */
  public static final class Range {
    final FileState to;
    final long from;

    public Range(FileState to, long from) {
      this.to = to;
      this.from = from;
    }
  }

  /**
   * The files the path options name now (sorted, absolute); empty when a directory or glob matches
   * none yet (a missing plain file still fails).
   */
  public List<String> listFiles() {
    try {
      return PathExpansion.expand(
          options.paths(),
          () -> {
            throw RemotePaths.streamRefusal(options.paths());
          });
    } catch (H5SwmrNotFoundException e) {
      for (String p : options.paths()) {
        boolean glob = p.matches(".*[*?\\[{].*");
        if (!glob && !java.nio.file.Files.isDirectory(PathExpansion.toPath(p))) {
          throw e;
        }
      }
      return List.of();
    }
  }

  /**
   * {@code file}'s dataset(s) under its shared lease, checked to give the stream's columns (same
   * names, Spark types and trailing dimensions as the files the schema came from).
   *
   * @throws H5SwmrNotFoundException when the file does not hold the dataset (yet)
   */
  public FileState inspect(String file) {
    Map<String, String> one = new LinkedHashMap<>();
    for (String name : H5SwmrOptions.names()) {
      String v = options.raw(name);
      if (v != null) {
        one.put(name, v);
      }
    }
    one.remove(H5SwmrOptions.PATHS.toLowerCase(java.util.Locale.ROOT));
    one.remove(H5SwmrOptions.PATHS);
    one.put(H5SwmrOptions.PATH, file);
    TableSnapshot s = TableInspector.inspect(H5SwmrOptions.of(one));
    FileSnapshot f = s.files.get(0);
    checkColumns(file, s.columns);
    if (f.rank == 0) {
      throw new H5SwmrDataException(
          "Dataset "
              + f.datasets
              + " in file "
              + f.file
              + " is scalar: a stream reads "
              + "datasets that grow along dimension 0");
    }
    return new FileState(
        f.file, f.datasets, FileIdentity.tag(f.objectIds, f.fileIdentity), f.extent, f.chunkRows);
  }

  private void checkColumns(String file, List<ReadColumn> cols) {
    List<String> want = describe(tableColumns);
    List<String> got = describe(cols);
    if (!want.equals(got)) {
      throw new H5SwmrDataException(
          "File "
              + file
              + " joined the stream with columns "
              + got
              + ", but the stream "
              + "reads "
              + want
              + (firstFile == null ? "" : " (as in " + firstFile + ")")
              + "; every file must hold "
              + "the dataset with the same Spark mapping and trailing dimensions");
    }
  }

  private static List<String> describe(List<ReadColumn> cols) {
    List<String> s = new ArrayList<>();
    for (ReadColumn c : cols) {
      if (c.source == ReadColumn.Source.DATA) {
        s.add(
            c.name
                + " "
                + c.sparkType.simpleString()
                + (c.innerDims.length == 0 ? "" : " x" + Arrays.toString(c.innerDims)));
      }
    }
    return s;
  }

  /**
   * The partitions reading {@code ranges}: the batch scan's planning, one snapshot per file at
   * {@code to.rows}.
   */
  public InputPartition[] plan(List<Range> ranges) {
    List<FileSnapshot> files = new ArrayList<>();
    List<IndexRanges> keep = new ArrayList<>();
    for (Range r : ranges) {
      if (r.to.rows <= r.from) {
        continue;
      }
      String resource = options.lockResource(java.nio.file.Paths.get(r.to.file));
      files.add(
          new FileSnapshot(
              r.to.file,
              resource,
              r.to.datasets,
              FileIdentity.untag(r.to.ids),
              r.to.rows,
              r.to.chunkRows,
              1,
              false,
              -1,
              -1,
              FileIdentity.fileOf(r.to.ids)));
      keep.add(IndexRanges.of(r.from, r.to.rows));
    }
    return PartitionPlanner.plan(
            files,
            keep,
            Long.MAX_VALUE,
            ReadPlan.rowBytes(plan.columns),
            ReadPlan.maxValuesPerRow(plan.columns),
            options.partitionBytes(),
            options.partitionBytesGiven())
        .toArray(new InputPartition[0]);
  }

  /** The batch scan's reader factory for these columns. */
  public PartitionReaderFactory readerFactory() {
    return new H5SwmrPartitionReaderFactory(plan);
  }

  /** Bytes one row of the stream's columns costs to read (sizes {@code maxBytesPerTrigger}). */
  public long rowBytes() {
    return Math.max(1, ReadPlan.rowBytes(plan.columns));
  }

  /** The stream's schema. */
  public StructType schema() {
    return ReadPlan.schema(plan.columns);
  }
}
