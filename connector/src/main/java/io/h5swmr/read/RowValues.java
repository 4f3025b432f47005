package io.h5swmr.read;

import io.h5swmr.hdf5.H5Type;
import io.h5swmr.types.TypeMapping;
import java.math.BigDecimal;
import java.math.BigInteger;
import java.util.List;
import org.apache.spark.sql.catalyst.expressions.GenericInternalRow;
import org.apache.spark.sql.catalyst.util.GenericArrayData;
import org.apache.spark.sql.types.Decimal;
import org.apache.spark.unsafe.types.UTF8String;

/** Turns a piece's leaf arrays into Spark's internal values, one column of one row at a time. */
final class RowValues {
  /** The value of one output column at a row of the current piece. */
  interface Getter {
    Object get(int row);
  }

  private RowValues() {}

  static Getter getter(ReadColumn c, ReadPlan plan, PieceData d, FileSnapshot snapshot) {
    switch (c.source) {
      case METADATA:
        if (!c.isStruct()) {
          Object v = FileMetadata.value(c.name, snapshot);
          return row -> v;
        }
        break;
      case INDEX:
        long start = d.start;
        return row -> start + row;
      case FILE:
        UTF8String file = UTF8String.fromString(d.file);
        return row -> file;
      default:
        break;
    }
    if (c.isStruct()) {
      List<ReadColumn> kids = c.children;
      Getter[] gs = new Getter[kids.size()];
      for (int i = 0; i < gs.length; i++) {
        gs[i] = getter(kids.get(i), plan, d, snapshot);
      }
      return row -> {
        Object[] v = new Object[gs.length];
        for (int i = 0; i < gs.length; i++) {
          v[i] = gs[i].get(row);
        }
        return new GenericInternalRow(v);
      };
    }
    Object array = d.leaves[plan.leafIndex(c)];
    H5Type leaf = c.type.leaf();
    long[] shape = TypeMapping.shape(c.innerDims, c.type);
    if (shape.length == 0) {
      return row -> element(leaf, array, row);
    }
    int perRow = Math.toIntExact(c.valuesPerRow());
    return row -> nested(leaf, array, row * perRow, shape, 0);
  }

  private static Object nested(H5Type leaf, Object array, int offset, long[] shape, int level) {
    int n = (int) shape[level];
    if (level == shape.length - 1) {
      Object[] v = new Object[n];
      for (int i = 0; i < n; i++) {
        v[i] = element(leaf, array, offset + i);
      }
      return new GenericArrayData(v);
    }
    int stride = 1;
    for (int i = level + 1; i < shape.length; i++) {
      stride *= (int) shape[i];
    }
    Object[] v = new Object[n];
    for (int i = 0; i < n; i++) {
      v[i] = nested(leaf, array, offset + i * stride, shape, level + 1);
    }
    return new GenericArrayData(v);
  }

  /** Spark value of element {@code i} of a leaf array holding values of HDF5 type {@code t}. */
  static Object element(H5Type t, Object array, int i) {
    switch (t.kind()) {
      case STRING:
        {
          String s = ((String[]) array)[i];
          return s == null ? null : UTF8String.fromString(s);
        }
      case ENUM:
        {
          long v = integral(array, i);
          if (t.isBoolean()) {
            return v != 0;
          }
          return UTF8String.fromString(t.enumText(v));
        }
      case INTEGER:
        if (!t.isSigned() && t.size() == 8) {
          long raw = ((long[]) array)[i];
          BigDecimal bd =
              raw >= 0
                  ? BigDecimal.valueOf(raw)
                  : new BigDecimal(new BigInteger(Long.toUnsignedString(raw)));
          return Decimal.apply(bd, 20, 0);
        }
        return boxed(array, i);
      default:
        return boxed(array, i);
    }
  }

  private static Object boxed(Object array, int i) {
    if (array instanceof double[]) {
      return ((double[]) array)[i];
    }
    if (array instanceof float[]) {
      return ((float[]) array)[i];
    }
    if (array instanceof long[]) {
      return ((long[]) array)[i];
    }
    if (array instanceof int[]) {
      return ((int[]) array)[i];
    }
    if (array instanceof short[]) {
      return ((short[]) array)[i];
    }
    return ((byte[]) array)[i];
  }

  static long integral(Object array, int i) {
    if (array instanceof long[]) {
      return ((long[]) array)[i];
    }
    if (array instanceof int[]) {
      return ((int[]) array)[i];
    }
    if (array instanceof short[]) {
      return ((short[]) array)[i];
    }
    return ((byte[]) array)[i];
  }
}
