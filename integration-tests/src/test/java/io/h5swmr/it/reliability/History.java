package io.h5swmr.it.reliability;

import io.h5swmr.hdf5.H5Dataset;
import io.h5swmr.hdf5.H5File;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.zip.CRC32;
import org.apache.spark.sql.types.DataTypes;
import org.apache.spark.sql.types.StructType;

/**
 * The appended history of the history and fault scenarios. Every append is one block of rows {@code
 * (writer, seq, row, rows, value, check)}: row {@code 0..rows-1} of block {@code (writer, seq)},
 * {@code value} a function of the three, {@code check} a CRC of the whole block carried by every
 * row. A block is whole when its rows are contiguous, complete and in order, and values and
 * checksum match; anything else is torn.
 */
final class History {
  static final String DATASET = "/log";
  static final StructType SCHEMA =
      new StructType()
          .add("writer", DataTypes.IntegerType, false)
          .add("seq", DataTypes.LongType, false)
          .add("row", DataTypes.IntegerType, false)
          .add("rows", DataTypes.IntegerType, false)
          .add("value", DataTypes.DoubleType, false)
          .add("check", DataTypes.LongType, false);

  /** Block id {@code writer:seq}. */
  static String id(int writer, long seq) {
    return writer + ":" + seq;
  }

  static double value(int writer, long seq, int row) {
    return writer * 1e9 + seq * 1e4 + row + 0.5;
  }

  static long checksum(int writer, long seq, int rows) {
    CRC32 crc = new CRC32();
    for (int r = 0; r < rows; r++) {
      long bits = Double.doubleToLongBits(value(writer, seq, r));
      for (int i = 0; i < 8; i++) {
        crc.update((int) (bits >>> (8 * i)));
      }
    }
    crc.update(writer);
    crc.update((int) seq);
    crc.update(rows);
    return crc.getValue();
  }

  /** The columns of one block, in {@link #SCHEMA} order. */
  static Object[] block(int writer, long seq, int rows) {
    int[] w = new int[rows];
    long[] s = new long[rows];
    int[] r = new int[rows];
    int[] n = new int[rows];
    double[] v = new double[rows];
    long[] c = new long[rows];
    long check = checksum(writer, seq, rows);
    for (int i = 0; i < rows; i++) {
      w[i] = writer;
      s[i] = seq;
      r[i] = i;
      n[i] = rows;
      v[i] = value(writer, seq, i);
      c[i] = check;
    }
    return new Object[] {w, s, r, n, v, c};
  }

  /** What one read saw: whole blocks in file order and the number of torn ones. */
  static final class Snapshot {
    final List<String> blocks = new ArrayList<>();
    int torn;
    long rows;

    @Override
    public String toString() {
      return rows + " rows, " + blocks.size() + " blocks" + (torn > 0 ? ", " + torn + " TORN" : "");
    }
  }

  /** Splits rows into blocks, counting torn ones. */
  static Snapshot parse(
      int[] writer, long[] seq, int[] row, int[] rows, double[] value, long[] check) {
    Snapshot s = new Snapshot();
    s.rows = writer.length;
    int i = 0;
    while (i < writer.length) {
      int w = writer[i];
      long q = seq[i];
      int n = rows[i];
      boolean whole = row[i] == 0 && n > 0 && i + n <= writer.length;
      long expect = whole ? checksum(w, q, n) : 0;
      int j = i;
      while (j < writer.length && writer[j] == w && seq[j] == q) {
        int r = j - i;
        if (r >= n
            || row[j] != r
            || rows[j] != n
            || value[j] != value(w, q, r)
            || check[j] != expect) {
          whole = false;
        }
        j++;
      }
      if (j - i != n) {
        whole = false;
      }
      if (whole) {
        s.blocks.add(id(w, q));
      } else {
        s.torn++;
      }
      i = j;
    }
    return s;
  }

  /**
   * Reads the whole history of {@code file} (an empty snapshot when the file does not exist yet).
   */
  static Snapshot read(Path file) {
    if (!Files.exists(file)) {
      return new Snapshot();
    }
    try (H5File h =
            H5File.openReadOnly(file.toString(), io.h5swmr.hdf5.journal.JournalOverlay.COMMITTED);
        H5Dataset ds = h.openDataset(DATASET)) {
      long n = ds.rows();
      return parse(
          (int[]) ds.readColumn(0, n, "writer"),
          (long[]) ds.readColumn(0, n, "seq"),
          (int[]) ds.readColumn(0, n, "row"),
          (int[]) ds.readColumn(0, n, "rows"),
          (double[]) ds.readColumn(0, n, "value"),
          (long[]) ds.readColumn(0, n, "check"));
    }
  }

  /**
   * Compares the final history with what writers acknowledged. {@code maybe} holds blocks whose
   * outcome the writer never learned (killed or failed after the commit may have published); they
   * may appear at most once. Returns the number of anomalies: acknowledged blocks missing or
   * present more than once, unacknowledged blocks present though they cannot have been published,
   * blocks present more than once.
   */
  static long lostOrDuplicated(
      List<String> fin,
      java.util.Collection<String> acked,
      java.util.Collection<String> maybe,
      StringBuilder why) {
    Map<String, Integer> count = new HashMap<>();
    for (String b : fin) {
      count.merge(b, 1, Integer::sum);
    }
    long bad = 0;
    for (String a : acked) {
      int c = count.getOrDefault(a, 0);
      if (c != 1) {
        bad++;
        why.append("acknowledged block ")
            .append(a)
            .append(" present ")
            .append(c)
            .append(" times; ");
      }
    }
    for (Map.Entry<String, Integer> e : count.entrySet()) {
      if (acked.contains(e.getKey())) {
        continue;
      }
      if (!maybe.contains(e.getKey()) || e.getValue() > 1) {
        bad++;
        why.append("unacknowledged block ")
            .append(e.getKey())
            .append(" present ")
            .append(e.getValue())
            .append(" times; ");
      }
    }
    return bad;
  }

  /** True when {@code snap} equals the first {@code snap.size()} blocks of {@code fin}. */
  static boolean isPrefix(List<String> snap, List<String> fin) {
    return snap.size() <= fin.size() && fin.subList(0, snap.size()).equals(snap);
  }
}
