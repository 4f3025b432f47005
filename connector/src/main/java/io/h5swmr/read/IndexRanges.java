package io.h5swmr.read;

import java.io.Serializable;
import java.util.ArrayList;
import java.util.Collections;
import java.util.List;
import org.apache.spark.sql.sources.And;
import org.apache.spark.sql.sources.EqualNullSafe;
import org.apache.spark.sql.sources.EqualTo;
import org.apache.spark.sql.sources.Filter;
import org.apache.spark.sql.sources.GreaterThan;
import org.apache.spark.sql.sources.GreaterThanOrEqual;
import org.apache.spark.sql.sources.In;
import org.apache.spark.sql.sources.LessThan;
import org.apache.spark.sql.sources.LessThanOrEqual;
import org.apache.spark.sql.sources.Or;

/**
 * A set of index positions as sorted, disjoint, non-adjacent half-open ranges {@code [lo, hi)};
 * built from Spark filters on the index column and intersected with each file's extent to prune
 * partitions and hyperslabs.
 */
final class IndexRanges implements Serializable {
  private static final long serialVersionUID = 1L;
  static final IndexRanges ALL = new IndexRanges(List.of(new long[] {0, Long.MAX_VALUE}));
  static final IndexRanges NONE = new IndexRanges(List.of());

  private final List<long[]> ranges;

  private IndexRanges(List<long[]> sortedDisjoint) {
    this.ranges = Collections.unmodifiableList(sortedDisjoint);
  }

  /** {@code [lo, hi)}, clipped to non-negative positions. */
  static IndexRanges of(long lo, long hi) {
    lo = Math.max(0, lo);
    return hi <= lo ? NONE : new IndexRanges(List.of(new long[] {lo, hi}));
  }

  List<long[]> ranges() {
    return ranges;
  }

  boolean isEmpty() {
    return ranges.isEmpty();
  }

  IndexRanges intersect(IndexRanges o) {
    List<long[]> out = new ArrayList<>();
    int i = 0;
    int j = 0;
    while (i < ranges.size() && j < o.ranges.size()) {
      long[] a = ranges.get(i);
      long[] b = o.ranges.get(j);
      long lo = Math.max(a[0], b[0]);
      long hi = Math.min(a[1], b[1]);
      if (lo < hi) {
        out.add(new long[] {lo, hi});
      }
      if (a[1] < b[1]) {
        i++;
      } else {
        j++;
      }
    }
    return new IndexRanges(out);
  }

  IndexRanges union(IndexRanges o) {
    List<long[]> all = new ArrayList<>(ranges);
    all.addAll(o.ranges);
    all.sort((a, b) -> Long.compare(a[0], b[0]));
    List<long[]> out = new ArrayList<>();
    for (long[] r : all) {
      long[] last = out.isEmpty() ? null : out.get(out.size() - 1);
      if (last != null && r[0] <= last[1]) {
        last[1] = Math.max(last[1], r[1]);
      } else {
        out.add(new long[] {r[0], r[1]});
      }
    }
    return new IndexRanges(out);
  }

  /** Positions in these ranges. */
  long count() {
    long n = 0;
    for (long[] r : ranges) {
      n += r[1] - r[0];
    }
    return n;
  }

  /**
   * The positions a filter on column {@code index} keeps, or null when the filter is not one this
   * source can evaluate exactly ({@code =, <=>, <, <=, >, >=, IN} with integral values, and AND/OR
   * of those).
   */
  static IndexRanges fromFilter(Filter f, String index) {
    if (f instanceof And) {
      IndexRanges l = fromFilter(((And) f).left(), index);
      IndexRanges r = fromFilter(((And) f).right(), index);
      return l == null || r == null ? null : l.intersect(r);
    }
    if (f instanceof Or) {
      IndexRanges l = fromFilter(((Or) f).left(), index);
      IndexRanges r = fromFilter(((Or) f).right(), index);
      return l == null || r == null ? null : l.union(r);
    }
    if (f instanceof EqualTo && index.equals(((EqualTo) f).attribute())) {
      Long v = integral(((EqualTo) f).value());
      return v == null ? null : point(v);
    }
    if (f instanceof EqualNullSafe && index.equals(((EqualNullSafe) f).attribute())) {
      Long v = integral(((EqualNullSafe) f).value());
      return v == null ? null : point(v);
    }
    if (f instanceof LessThan && index.equals(((LessThan) f).attribute())) {
      Long v = integral(((LessThan) f).value());
      return v == null ? null : of(0, v);
    }
    if (f instanceof LessThanOrEqual && index.equals(((LessThanOrEqual) f).attribute())) {
      Long v = integral(((LessThanOrEqual) f).value());
      return v == null ? null : of(0, v == Long.MAX_VALUE ? v : v + 1);
    }
    if (f instanceof GreaterThan && index.equals(((GreaterThan) f).attribute())) {
      Long v = integral(((GreaterThan) f).value());
      return v == null ? null : v == Long.MAX_VALUE ? NONE : of(v + 1, Long.MAX_VALUE);
    }
    if (f instanceof GreaterThanOrEqual && index.equals(((GreaterThanOrEqual) f).attribute())) {
      Long v = integral(((GreaterThanOrEqual) f).value());
      return v == null ? null : of(v, Long.MAX_VALUE);
    }
    if (f instanceof In && index.equals(((In) f).attribute())) {
      IndexRanges out = NONE;
      for (Object o : ((In) f).values()) {
        if (o == null) {
          continue;
        }
        Long v = integral(o);
        if (v == null) {
          return null;
        }
        out = out.union(point(v));
      }
      return out;
    }
    return null;
  }

  private static IndexRanges point(long v) {
    return v < 0 || v == Long.MAX_VALUE ? NONE : of(v, v + 1);
  }

  private static Long integral(Object v) {
    if (v instanceof Long || v instanceof Integer || v instanceof Short || v instanceof Byte) {
      return ((Number) v).longValue();
    }
    return null;
  }

  @Override
  public boolean equals(Object o) {
    if (!(o instanceof IndexRanges) || ((IndexRanges) o).ranges.size() != ranges.size()) {
      return false;
    }
    for (int i = 0; i < ranges.size(); i++) {
      long[] a = ranges.get(i);
      long[] b = ((IndexRanges) o).ranges.get(i);
      if (a[0] != b[0] || a[1] != b[1]) {
        return false;
      }
    }
    return true;
  }

  @Override
  public int hashCode() {
    long h = 17;
    for (long[] r : ranges) {
      h = h * 31 + r[0] * 7 + r[1];
    }
    return Long.hashCode(h);
  }

  @Override
  public String toString() {
    StringBuilder sb = new StringBuilder("[");
    for (long[] r : ranges) {
      sb.append(sb.length() > 1 ? ", " : "")
          .append(r[0])
          .append("..")
          .append(r[1] == Long.MAX_VALUE ? "" : r[1]);
    }
    return sb.append(']').toString();
  }
}
