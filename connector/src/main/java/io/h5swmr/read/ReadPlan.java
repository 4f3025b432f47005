package io.h5swmr.read;

import io.h5swmr.hdf5.H5MemKind;
import io.h5swmr.lock.LockSettings;
import java.io.Serializable;
import java.util.ArrayList;
import java.util.List;
import java.util.Objects;
import org.apache.spark.sql.types.Metadata;
import org.apache.spark.sql.types.StructField;
import org.apache.spark.sql.types.StructType;

/**
 * What every task of a scan needs besides its partition: the lock settings, the output columns and
 * their leaves, the reader kind and batch size. Plain values only; the options object stays on the
 * driver.
 */
final class ReadPlan implements Serializable {
  private static final long serialVersionUID = 1L;

  /** Lock service settings; null under option {@code lock=none} (no leases). */
  final LockSettings lock;

  final List<ReadColumn> columns;
  final List<ReadColumn> leaves;
  final boolean columnar;
  final int batchRows;
  final boolean offHeap;

  /** Read supported chunks with positional I/O and Java decoding (option directRead). */
  final boolean direct;

  /** Hadoop configuration (broadcast) of the scan's remote files; null when every file is local. */
  final HadoopConf hadoop;

  /**
   * Whether the scanned datasets hold variable-length strings anywhere (in any column of the table,
   * selected or not): then each piece is read under the native guard from open to close (see {@link
   * PieceReader#read}).
   */
  final boolean variableLength;

  /** Option {@code libdeflate} when set (option or session conf); null: each task's JVM default. */
  final Boolean libdeflate;

  /**
   * @param tableColumns every column of the table, for {@link #variableLength}
   * @param libdeflate option {@code libdeflate}, null when not set
   */
  ReadPlan(
      LockSettings lock,
      List<ReadColumn> columns,
      boolean columnar,
      int batchRows,
      boolean offHeap,
      boolean direct,
      HadoopConf hadoop,
      List<ReadColumn> tableColumns,
      Boolean libdeflate) {
    this.libdeflate = libdeflate;
    this.hadoop = hadoop;
    this.lock = lock;
    this.columns = List.copyOf(columns);
    List<ReadColumn> l = new ArrayList<>();
    for (ReadColumn c : columns) {
      c.leaves(l);
    }
    this.leaves = List.copyOf(l);
    List<ReadColumn> all = new ArrayList<>();
    for (ReadColumn c : tableColumns) {
      c.leaves(all);
    }
    all.addAll(leaves);
    boolean vlen = false;
    for (ReadColumn c : all) {
      io.h5swmr.hdf5.H5Type t = c.type == null ? null : c.type.leaf();
      vlen |= t != null && t.kind() == io.h5swmr.hdf5.H5Type.Kind.STRING && t.isVariableLength();
    }
    this.variableLength = vlen;
    this.columnar = columnar;
    this.batchRows = batchRows;
    this.offHeap = offHeap;
    this.direct = direct;
  }

  /** Position of {@code leaf} (by identity of dataset and member path) in {@link #leaves}. */
  int leafIndex(ReadColumn leaf) {
    for (int i = 0; i < leaves.size(); i++) {
      if (leaves.get(i) == leaf) {
        return i;
      }
    }
    throw new IllegalStateException("not a leaf of this plan: " + leaf);
  }

  static StructType schema(List<ReadColumn> columns) {
    List<StructField> fields = new ArrayList<>();
    for (ReadColumn c : columns) {
      fields.add(
          new StructField(
              c.name, c.sparkType, c.source == ReadColumn.Source.DATA, Metadata.empty()));
    }
    return new StructType(fields.toArray(new StructField[0]));
  }

  /** Bytes one row of the selected columns costs to read. */
  static long rowBytes(List<ReadColumn> columns) {
    long b = 0;
    for (ReadColumn c : columns) {
      if (c.source == ReadColumn.Source.DATA) {
        b += c.rowBytes();
      }
    }
    return b;
  }

  /**
   * Largest number of leaf values one row of a selected column holds (sizes the per-piece row cap).
   */
  static long maxValuesPerRow(List<ReadColumn> columns) {
    List<ReadColumn> l = new ArrayList<>();
    columns.forEach(c -> c.leaves(l));
    long m = 1;
    for (ReadColumn c : l) {
      m = Math.max(m, c.valuesPerRow());
    }
    return m;
  }

  static Object newArray(H5MemKind kind, int n) {
    switch (kind) {
      case BYTE:
        return new byte[n];
      case SHORT:
        return new short[n];
      case INT:
        return new int[n];
      case LONG:
        return new long[n];
      case FLOAT:
        return new float[n];
      case DOUBLE:
        return new double[n];
      default:
        return new String[n];
    }
  }

  @Override
  public boolean equals(Object o) {
    return o instanceof ReadPlan
        && Objects.equals(((ReadPlan) o).lock, lock)
        && ((ReadPlan) o).columns.equals(columns)
        && ((ReadPlan) o).columnar == columnar
        && ((ReadPlan) o).batchRows == batchRows
        && ((ReadPlan) o).offHeap == offHeap
        && ((ReadPlan) o).direct == direct
        && Objects.equals(((ReadPlan) o).libdeflate, libdeflate);
  }

  @Override
  public int hashCode() {
    return Objects.hash(lock, columns, columnar, batchRows, offHeap, direct);
  }
}
