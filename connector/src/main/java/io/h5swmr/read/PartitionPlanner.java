package io.h5swmr.read;

import java.util.ArrayList;
import java.util.List;

/**
 * Splits the kept index ranges of every file into chunk-aligned pieces of about {@code partitionBytes} of the
 * selected columns, and packs consecutive small pieces (also of different files) into partitions up to that size,
 * counting each file's first piece in a partition as its bytes plus Spark's {@code spark.sql.files.openCostInBytes}
 * (4 MiB by default; at most 1/32 of {@code partitionBytes}, Spark's default proportion), as Spark's file sources do: thousands of tiny files become many partitions of a few dozen files each, not one task
 * opening every file.
 */
final class PartitionPlanner {
  /** Leaf values one piece may hold per column (Java arrays are int-indexed). */
  static final long MAX_VALUES = Integer.MAX_VALUE - 64;

  private PartitionPlanner() {}

  static List<H5SwmrInputPartition> plan(List<FileSnapshot> files, IndexRanges keep, long limit, long rowBytes,
      long maxValuesPerRow, long partitionBytes) {
    return plan(files, keep, limit, rowBytes, maxValuesPerRow, partitionBytes,
        org.apache.spark.sql.internal.SQLConf.get().filesOpenCostInBytes());
  }

  static List<H5SwmrInputPartition> plan(List<FileSnapshot> files, IndexRanges keep, long limit, long rowBytes,
      long maxValuesPerRow, long partitionBytes, long sessionOpenCost) {
    List<IndexRanges> perFile = new ArrayList<>();
    for (FileSnapshot f : files) {
      perFile.add(keep.intersect(IndexRanges.of(0, f.extent)));
    }
    return plan(files, perFile, limit, rowBytes, maxValuesPerRow, partitionBytes, sessionOpenCost);
  }

  /** As above with each file's own ranges to read ({@code perFile.get(i)} of {@code files.get(i)}). */
  static List<H5SwmrInputPartition> plan(List<FileSnapshot> files, List<IndexRanges> perFile, long limit,
      long rowBytes, long maxValuesPerRow, long partitionBytes) {
    return plan(files, perFile, limit, rowBytes, maxValuesPerRow, partitionBytes,
        org.apache.spark.sql.internal.SQLConf.get().filesOpenCostInBytes());
  }

  static List<H5SwmrInputPartition> plan(List<FileSnapshot> files, List<IndexRanges> perFile, long limit,
      long rowBytes, long maxValuesPerRow, long partitionBytes, long sessionOpenCost) {
    // Spark's default is 4 MiB against 128 MiB partitions (1/32); keep that proportion for smaller partitions.
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
