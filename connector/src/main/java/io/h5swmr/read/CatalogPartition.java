package io.h5swmr.read;

import java.util.ArrayList;
import java.util.List;
import org.apache.spark.sql.catalyst.InternalRow;
import org.apache.spark.sql.catalyst.expressions.GenericInternalRow;
import org.apache.spark.sql.connector.read.InputPartition;

/** A slice of a catalog view's rows, read on the driver and carried to the task as they are. */
final class CatalogPartition implements InputPartition {
  private static final long serialVersionUID = 1L;

  /** Rows per partition: a catalog of many files takes a few tasks, not one per file. */
  static final int ROWS = 10_000;

  final InternalRow[] rows;

  private CatalogPartition(InternalRow[] rows) {
    this.rows = rows;
  }

  /** The rows, keeping the columns at {@code ordinals}, in slices of at most {@link #ROWS}. */
  static CatalogPartition[] split(List<Object[]> rows, int[] ordinals) {
    List<CatalogPartition> out = new ArrayList<>();
    for (int from = 0; from < rows.size(); from += ROWS) {
      int to = Math.min(rows.size(), from + ROWS);
      InternalRow[] slice = new InternalRow[to - from];
      for (int r = from; r < to; r++) {
        Object[] all = rows.get(r);
        Object[] kept = new Object[ordinals.length];
        for (int c = 0; c < ordinals.length; c++) {
          kept[c] = all[ordinals[c]];
        }
        slice[r - from] = new GenericInternalRow(kept);
      }
      out.add(new CatalogPartition(slice));
    }
    return out.toArray(new CatalogPartition[0]);
  }
}
