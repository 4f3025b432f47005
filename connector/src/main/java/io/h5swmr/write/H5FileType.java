package io.h5swmr.write;

import hdf.hdf5lib.H5;
import hdf.hdf5lib.HDF5Constants;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import org.apache.spark.sql.types.ArrayType;
import org.apache.spark.sql.types.DataType;
import org.apache.spark.sql.types.DataTypes;
import org.apache.spark.sql.types.StructField;
import org.apache.spark.sql.types.StructType;

/**
 * The datatype of an existing HDF5 dataset as the write path needs it: to describe it in messages and to
 * compute the Spark type the read path gives it, so an append can be checked against the DataFrame.
 * Must be called under {@code H5Native.call}.
 */
final class H5FileType {
  final int typeClass;
  final int size;
  final boolean signed;
  final boolean bool;
  final boolean vlenString;
  final List<String> memberNames;
  final List<H5FileType> members;
  final long[] arrayDims;
  final H5FileType base;

  private H5FileType(int typeClass, int size, boolean signed, boolean bool, boolean vlenString,
      List<String> memberNames, List<H5FileType> members, long[] arrayDims, H5FileType base) {
    this.typeClass = typeClass;
    this.size = size;
    this.signed = signed;
    this.bool = bool;
    this.vlenString = vlenString;
    this.memberNames = memberNames;
    this.members = members;
    this.arrayDims = arrayDims;
    this.base = base;
  }

  /** Describes the type {@code tid} (not closed). */
  static H5FileType of(long tid) throws Exception {
    int cls = H5.H5Tget_class(tid);
    int size = (int) H5.H5Tget_size(tid);
    if (cls == HDF5Constants.H5T_INTEGER) {
      boolean signed = H5.H5Tget_sign(tid) == HDF5Constants.H5T_SGN_2;
      return new H5FileType(cls, size, signed, false, false, List.of(), List.of(), null, null);
    } else if (cls == HDF5Constants.H5T_FLOAT) {
      return new H5FileType(cls, size, true, false, false, List.of(), List.of(), null, null);
    } else if (cls == HDF5Constants.H5T_STRING) {
      return new H5FileType(cls, size, false, false, H5.H5Tis_variable_str(tid), List.of(), List.of(), null, null);
    } else if (cls == HDF5Constants.H5T_ENUM) {
      int n = H5.H5Tget_nmembers(tid);
      List<String> names = new ArrayList<>();
      for (int i = 0; i < n; i++) {
        names.add(H5.H5Tget_member_name(tid, i));
      }
      boolean bool = false;
      if (size == 1 && n == 2 && names.contains("FALSE") && names.contains("TRUE")) {
        byte[] v = new byte[1];
        H5.H5Tget_member_value(tid, names.indexOf("FALSE"), v);
        byte f = v[0];
        H5.H5Tget_member_value(tid, names.indexOf("TRUE"), v);
        bool = f == 0 && v[0] == 1;
      }
      return new H5FileType(cls, size, true, bool, false, names, List.of(), null, null);
    } else if (cls == HDF5Constants.H5T_COMPOUND) {
      int n = H5.H5Tget_nmembers(tid);
      List<String> names = new ArrayList<>();
      List<H5FileType> types = new ArrayList<>();
      for (int i = 0; i < n; i++) {
        names.add(H5.H5Tget_member_name(tid, i));
        long mt = H5.H5Tget_member_type(tid, i);
        try {
          types.add(of(mt));
        } finally {
          H5.H5Tclose(mt);
        }
      }
      return new H5FileType(cls, size, false, false, false, names, types, null, null);
    } else if (cls == HDF5Constants.H5T_ARRAY) {
      int rank = H5.H5Tget_array_ndims(tid);
      long[] dims = new long[rank];
      H5.H5Tget_array_dims2(tid, dims);
      long st = H5.H5Tget_super(tid);
      try {
        return new H5FileType(cls, size, false, false, false, List.of(), List.of(), dims, of(st));
      } finally {
        H5.H5Tclose(st);
      }
    }
    return new H5FileType(cls, size, false, false, false, List.of(), List.of(), null, null);
  }

  /** The Spark type the read path maps this type to, or null when it has none. */
  DataType sparkType() {
    if (typeClass == HDF5Constants.H5T_INTEGER) {
      if (signed) {
        return size == 1 ? DataTypes.ByteType : size == 2 ? DataTypes.ShortType
            : size == 4 ? DataTypes.IntegerType : DataTypes.LongType;
      }
      return size == 1 ? DataTypes.ShortType : size == 2 ? DataTypes.IntegerType
          : size == 4 ? DataTypes.LongType : DataTypes.createDecimalType(20, 0);
    } else if (typeClass == HDF5Constants.H5T_FLOAT) {
      return size == 8 ? DataTypes.DoubleType : DataTypes.FloatType;
    } else if (typeClass == HDF5Constants.H5T_STRING) {
      return DataTypes.StringType;
    } else if (typeClass == HDF5Constants.H5T_ENUM) {
      return bool ? DataTypes.BooleanType : DataTypes.StringType;
    } else if (typeClass == HDF5Constants.H5T_COMPOUND) {
      StructField[] fs = new StructField[members.size()];
      for (int i = 0; i < fs.length; i++) {
        DataType t = members.get(i).sparkType();
        if (t == null) {
          return null;
        }
        fs[i] = DataTypes.createStructField(memberNames.get(i), t, false);
      }
      return DataTypes.createStructType(fs);
    } else if (typeClass == HDF5Constants.H5T_ARRAY) {
      DataType t = base.sparkType();
      if (t == null) {
        return null;
      }
      for (int i = arrayDims.length - 1; i >= 0; i--) {
        t = DataTypes.createArrayType(t, false);
      }
      return t;
    }
    return null;
  }

  /** Readable name for messages, e.g. {@code int64}, {@code vlen string}, {@code compound{a: float64}}. */
  @Override
  public String toString() {
    if (typeClass == HDF5Constants.H5T_INTEGER) {
      return (signed ? "int" : "uint") + size * 8;
    } else if (typeClass == HDF5Constants.H5T_FLOAT) {
      return "float" + size * 8;
    } else if (typeClass == HDF5Constants.H5T_STRING) {
      return vlenString ? "vlen string" : "fixed " + size + "-byte string";
    } else if (typeClass == HDF5Constants.H5T_ENUM) {
      return bool ? "bool (enum int8)" : "enum" + memberNames;
    } else if (typeClass == HDF5Constants.H5T_COMPOUND) {
      StringBuilder b = new StringBuilder("compound{");
      for (int i = 0; i < members.size(); i++) {
        b.append(i == 0 ? "" : ", ").append(memberNames.get(i)).append(": ").append(members.get(i));
      }
      return b.append('}').toString();
    } else if (typeClass == HDF5Constants.H5T_ARRAY) {
      return "array" + Arrays.toString(arrayDims) + " of " + base;
    }
    return "HDF5 type class " + typeClass;
  }

  /** Spark types equal up to nullability and metadata. */
  static boolean sameShape(DataType a, DataType b) {
    if (a instanceof ArrayType && b instanceof ArrayType) {
      return sameShape(((ArrayType) a).elementType(), ((ArrayType) b).elementType());
    }
    if (a instanceof StructType && b instanceof StructType) {
      StructField[] fa = ((StructType) a).fields();
      StructField[] fb = ((StructType) b).fields();
      if (fa.length != fb.length) {
        return false;
      }
      for (int i = 0; i < fa.length; i++) {
        if (!fa[i].name().equals(fb[i].name()) || !sameShape(fa[i].dataType(), fb[i].dataType())) {
          return false;
        }
      }
      return true;
    }
    return a.equals(b);
  }
}
