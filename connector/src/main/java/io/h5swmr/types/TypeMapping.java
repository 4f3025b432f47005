package io.h5swmr.types;

import io.h5swmr.exceptions.H5SwmrDataException;
import io.h5swmr.hdf5.H5Type;
import java.util.ArrayList;
import java.util.List;
import org.apache.spark.sql.types.ArrayType;
import org.apache.spark.sql.types.BooleanType;
import org.apache.spark.sql.types.ByteType;
import org.apache.spark.sql.types.DataType;
import org.apache.spark.sql.types.DataTypes;
import org.apache.spark.sql.types.DoubleType;
import org.apache.spark.sql.types.FloatType;
import org.apache.spark.sql.types.IntegerType;
import org.apache.spark.sql.types.LongType;
import org.apache.spark.sql.types.Metadata;
import org.apache.spark.sql.types.ShortType;
import org.apache.spark.sql.types.StringType;
import org.apache.spark.sql.types.StructField;
import org.apache.spark.sql.types.StructType;

/**
 * The HDF5 ↔ Spark type mapping, both directions, as the README's type tables document them.
 *
 * <p>HDF5 → Spark ({@link #sparkType}), what reads give every column and what appends must bring:
 * signed integers keep their width, unsigned ones widen (uint64 → decimal(20,0)), float16 → float,
 * h5py booleans → boolean, other enums → string member name, strings → string, compounds → struct,
 * array types and the extra dimensions of rank ≥ 2 datasets → arrays.
 *
 * <p>Spark → HDF5 ({@link #storedType}), what a write creates for each scalar leaf:
 * byte/short/int/long → int8/16/32/64, float/double → float32/64, boolean → the h5py enum int8
 * {FALSE, TRUE}, string → vlen UTF-8, decimal(20,0) → uint64 (arrays and structs around the leaves
 * are the write's layout).
 */
public final class TypeMapping {
  /** uint64 reads as decimal(20,0), which writes back as uint64. */
  public static final DataType UINT64 = DataTypes.createDecimalType(20, 0);

  private TypeMapping() {}

  /**
   * Spark type of one value of {@code t} in dataset {@code dataset} of {@code file}; fails for
   * unsupported types.
   */
  public static DataType sparkType(H5Type t, String file, String dataset) {
    switch (t.kind()) {
      case INTEGER:
        if (t.isSigned()) {
          return t.size() == 1
              ? DataTypes.ByteType
              : t.size() == 2
                  ? DataTypes.ShortType
                  : t.size() == 4 ? DataTypes.IntegerType : DataTypes.LongType;
        }
        return t.size() == 1
            ? DataTypes.ShortType
            : t.size() == 2 ? DataTypes.IntegerType : t.size() == 4 ? DataTypes.LongType : UINT64;
      case FLOAT:
        return t.size() == 8 ? DataTypes.DoubleType : DataTypes.FloatType;
      case STRING:
        return DataTypes.StringType;
      case ENUM:
        return t.isBoolean() ? DataTypes.BooleanType : DataTypes.StringType;
      case COMPOUND:
        List<StructField> fields = new ArrayList<>();
        for (H5Type.Member m : t.members()) {
          fields.add(
              new StructField(
                  m.name(), sparkType(m.type(), file, dataset), true, Metadata.empty()));
        }
        return new StructType(fields.toArray(new StructField[0]));
      case ARRAY:
        if (t.leaf().kind() == H5Type.Kind.COMPOUND || t.leaf().kind() == H5Type.Kind.UNSUPPORTED) {
          throw unsupported(t, file, dataset);
        }
        return nest(sparkType(t.leaf(), file, dataset), arrayRank(t));
      default:
        throw unsupported(t, file, dataset);
    }
  }

  /**
   * The HDF5 type a write creates for values of the Spark scalar type {@code t} (not an array or
   * struct), or null when h5swmr cannot write it. Reading that HDF5 type gives {@code t} back.
   */
  public static H5Type storedType(DataType t) {
    if (t instanceof ByteType) {
      return H5Type.int8();
    } else if (t instanceof ShortType) {
      return H5Type.int16();
    } else if (t instanceof IntegerType) {
      return H5Type.int32();
    } else if (t instanceof LongType) {
      return H5Type.int64();
    } else if (t.equals(UINT64)) {
      return H5Type.integer(8, false);
    } else if (t instanceof FloatType) {
      return H5Type.float32();
    } else if (t instanceof DoubleType) {
      return H5Type.float64();
    } else if (t instanceof BooleanType) {
      return H5Type.bool();
    } else if (t instanceof StringType) {
      return H5Type.vlenUtf8();
    }
    return null;
  }

  /** Total array nesting of a (possibly nested) array type. */
  public static int arrayRank(H5Type t) {
    int r = 0;
    for (H5Type x = t; x.kind() == H5Type.Kind.ARRAY; x = x.base()) {
      r += x.arrayDims().length;
    }
    return r;
  }

  /**
   * The flattened shape of a value: dataset inner dims, then the array type's dims (outermost
   * first).
   */
  public static long[] shape(long[] innerDims, H5Type t) {
    List<Long> s = new ArrayList<>();
    for (long d : innerDims) {
      s.add(d);
    }
    for (H5Type x = t; x != null && x.kind() == H5Type.Kind.ARRAY; x = x.base()) {
      for (long d : x.arrayDims()) {
        s.add(d);
      }
    }
    long[] out = new long[s.size()];
    for (int i = 0; i < out.length; i++) {
      out[i] = s.get(i);
    }
    return out;
  }

  /** {@code element} under {@code levels} array levels (elements not null). */
  public static DataType nest(DataType element, int levels) {
    DataType t = element;
    for (int i = 0; i < levels; i++) {
      t = new ArrayType(t, false);
    }
    return t;
  }

  /**
   * The error for a type h5swmr cannot read, naming the dataset, the file and what is supported.
   */
  public static H5SwmrDataException unsupported(H5Type t, String file, String dataset) {
    return new H5SwmrDataException(
        "Dataset '"
            + dataset
            + "' in file "
            + file
            + " has HDF5 type "
            + t
            + ", which h5swmr cannot read: supported are integers, floats (16/32/64-bit), fixed- and variable-length "
            + "strings, enums, compounds of those and fixed-size arrays of those");
  }
}
