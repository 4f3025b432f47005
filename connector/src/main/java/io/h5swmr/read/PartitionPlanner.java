package io.h5swmr.read;

import java.util.ArrayList;
import java.util.List;

/**
 * Splits the kept index ranges of every file into chunk-aligned pieces of about {@code
 * partitionBytes} of the selected columns, and packs consecutive small pieces (also of different
 * files) into partitions up to that size, counting each file's first piece in a partition as its
 * bytes plus Spark's {@code spark.sql.files.openCostInBytes} (4 MiB by default; at most 1/32 of
 * {@code partitionBytes}, Spark's default proportion), as Spark's file sources do: thousands of
 * tiny files become many partitions of a few dozen files each, not one task opening every file.
 */
final class PartitionPlanner {
  /** Leaf values one piece may hold per column (Java arrays are int-indexed). */
  static final long MAX_VALUES = Integer.MAX_VALUE - 64;

  private PartitionPlanner() {}

  /**
   * Plans a scan in the active session. When the user set no {@code partitionBytes} (option or
   * session conf), {@code partitionBytes} is Spark's {@code spark.sql.files.maxPartitionBytes} and,
   * as in Spark's own file sources, partitions are made smaller for a scan too small to give every
   * core a task at that size ({@link #splitBytes}); a size the user gave is used as given.
   */
  static List<H5SwmrInputPartition> plan(
      List<FileSnapshot> files,
      IndexRanges keep,
      long limit,
      long rowBytes,
      long maxValuesPerRow,
      long partitionBytes,
      boolean partitionBytesGiven) {
    return plan(
        files,
        perFile(files, keep),
        limit,
        rowBytes,
        maxValuesPerRow,
        partitionBytes,
        partitionBytesGiven);
  }

  /**
   * As above with each file's own ranges to read ({@code perFile.get(i)} of {@code files.get(i)}).
   */
  static List<H5SwmrInputPartition> plan(
      List<FileSnapshot> files,
      List<IndexRanges> perFile,
      long limit,
      long rowBytes,
      long maxValuesPerRow,
      long partitionBytes,
      boolean partitionBytesGiven) {
    long openCost = org.apache.spark.sql.internal.SQLConf.get().filesOpenCostInBytes();
    long target = partitionBytes;
    if (!partitionBytesGiven) {
      long total = 0;
      long remaining = limit;
      for (IndexRanges r : perFile) {
        long rows = Math.min(remaining, r.count());
        remaining -= rows;
        total += rows * Math.max(1, rowBytes) + openCost;
      }
      target = splitBytes(total, partitionBytes, openCost, minPartitions());
    }
    return plan(files, perFile, limit, rowBytes, maxValuesPerRow, target, openCost);
  }

  /**
   * Spark's rule for the size of file-scan partitions ({@code FilePartition.maxSplitBytes}): at
   * most {@code maxPartitionBytes}, but no more than the scan's bytes (plus {@code openCostBytes}
   * per file, included in {@code totalBytes}) divided by {@code minPartitions}, so that a scan of a
   * few hundred MiB still gives every core a task; never below the cost of opening a file.
   */
  static long splitBytes(
      long totalBytes, long maxPartitionBytes, long openCostBytes, int minPartitions) {
    long perCore = totalBytes / Math.max(1, minPartitions);
    return Math.max(1, Math.min(maxPartitionBytes, Math.max(openCostBytes, perCore)));
  }

  /**
   * As Spark's file sources count the cores a scan should use: {@code
   * spark.sql.files.minPartitionNum}, else {@code spark.sql.leafNodeDefaultParallelism}, else the
   * default parallelism of the session's SparkContext (1 when there is no session). (Spark refuses
   * a value of either conf that is not a whole number when it is set.)
   */
  static int minPartitions() {
    org.apache.spark.sql.internal.SQLConf conf = org.apache.spark.sql.internal.SQLConf.get();
    for (String key :
        new String[] {"spark.sql.files.minPartitionNum", "spark.sql.leafNodeDefaultParallelism"}) {
      String v = conf.getConfString(key, null);
      if (v != null && !v.trim().isEmpty()) {
        return Math.max(1, Integer.parseInt(v.trim()));
      }
    }
    scala.Option<org.apache.spark.sql.SparkSession> session =
        org.apache.spark.sql.SparkSession.getActiveSession();
    if (session.isEmpty()) {
      session = org.apache.spark.sql.SparkSession.getDefaultSession();
    }
    // No session: a scan planned outside a query (the API used directly) has no cores to spread
    // over.
    return session.isEmpty() ? 1 : Math.max(1, session.get().sparkContext().defaultParallelism());
  }

  static List<H5SwmrInputPartition> plan(
      List<FileSnapshot> files,
      IndexRanges keep,
      long limit,
      long rowBytes,
      long maxValuesPerRow,
      long partitionBytes,
      long sessionOpenCost) {
    return plan(
        files,
        perFile(files, keep),
        limit,
        rowBytes,
        maxValuesPerRow,
        partitionBytes,
        sessionOpenCost);
  }

  private static List<IndexRanges> perFile(List<FileSnapshot> files, IndexRanges keep) {
    List<IndexRanges> perFile = new ArrayList<>();
    for (FileSnapshot f : files) {
      perFile.add(keep.intersect(IndexRanges.of(0, f.extent)));
    }
    return perFile;
  }

  static List<H5SwmrInputPartition> plan(
      List<FileSnapshot> files,
      List<IndexRanges> perFile,
      long limit,
      long rowBytes,
      long maxValuesPerRow,
      long partitionBytes,
      long sessionOpenCost) {
    // Spark's default is 4 MiB against 128 MiB partitions (1/32); keep that proportion for smaller
    // partitions.
    long openCostBytes = Math.max(0, Math.min(sessionOpenCost, partitionBytes / 32));
    long perRow = Math.max(1, rowBytes);
    long rowCap = Math.max(1, MAX_VALUES / Math.max(1, maxValuesPerRow));
    long remaining = limit;
    List<H5SwmrInputPartition.Piece> pieces = new ArrayList<>();
    for (int fi = 0; fi < files.size(); fi++) {
      FileSnapshot f = files.get(fi);
      long chunk = f.chunkRows;
      long target = Math.min(rowCap, Math.max(1, partitionBytes / perRow));
      target = Math.max(chunk, target / chunk * chunk);
      if (target > rowCap) {
        target = rowCap;
      }
      for (long[] r : perFile.get(fi).ranges()) {
        long s = r[0];
        while (s < r[1] && remaining > 0) {
          long end = (s + target) / chunk * chunk;
          if (end <= s) {
            end = s + target;
          }
          end = Math.min(end, r[1]);
          if (end - s > remaining) {
            end = s + remaining;
          }
          pieces.add(new H5SwmrInputPartition.Piece(f, s, end - s));
          remaining -= end - s;
          s = end;
        }
      }
    }
    List<H5SwmrInputPartition> out = new ArrayList<>();
    List<H5SwmrInputPartition.Piece> current = new ArrayList<>();
    long bytes = 0;
    for (H5SwmrInputPartition.Piece p : pieces) {
      boolean sameFile = !current.isEmpty() && current.get(current.size() - 1).file == p.file;
      long b = p.count * perRow + (sameFile ? 0 : openCostBytes);
      if (!current.isEmpty() && bytes + b > partitionBytes) {
        out.add(new H5SwmrInputPartition(out.size(), current));
        current = new ArrayList<>();
        bytes = 0;
        b = p.count * perRow + openCostBytes;
      }
      current.add(p);
      bytes += b;
    }
    if (!current.isEmpty()) {
      out.add(new H5SwmrInputPartition(out.size(), current));
    }
    return out;
  }
}
