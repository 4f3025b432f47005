package io.h5swmr.read;

import io.h5swmr.exceptions.H5SwmrDataException;
import io.h5swmr.hdf5.H5DatasetInfo;
import io.h5swmr.hdf5.H5Type;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import org.apache.spark.sql.types.ArrayType;
import org.apache.spark.sql.types.DataType;
import org.apache.spark.sql.types.DataTypes;
import org.apache.spark.sql.types.Metadata;
import org.apache.spark.sql.types.MetadataBuilder;
import org.apache.spark.sql.types.StructField;
import org.apache.spark.sql.types.StructType;

/**
 * HDF5 type → Spark type, as documented in the README's type table: signed integers keep their width, unsigned
 * ones widen (uint64 → decimal(20,0)), float16 → float, h5py booleans → boolean, other enums → string member
 * name, strings → string, compounds → struct, array types and the extra dimensions of rank ≥ 2 datasets → arrays.
 */
public final class TypeMapping {
  static final DataType UINT64 = DataTypes.createDecimalType(20, 0);

  private TypeMapping() {}

  /** Spark type of one value of {@code t} in dataset {@code dataset} of {@code file}; fails for unsupported types. */
  public static DataType sparkType(H5Type t, String file, String dataset) {
    switch (t.kind()) {
      case INTEGER:
        if (t.isSigned()) {
          return t.size() == 1 ? DataTypes.ByteType : t.size() == 2 ? DataTypes.ShortType
              : t.size() == 4 ? DataTypes.IntegerType : DataTypes.LongType;
        }
        return t.size() == 1 ? DataTypes.ShortType : t.size() == 2 ? DataTypes.IntegerType
            : t.size() == 4 ? DataTypes.LongType : UINT64;
      case FLOAT:
        return t.size() == 8 ? DataTypes.DoubleType : DataTypes.FloatType;
      case STRING:
        return DataTypes.StringType;
      case ENUM:
        return t.isBoolean() ? DataTypes.BooleanType : DataTypes.StringType;
      case COMPOUND:
        List<StructField> fields = new ArrayList<>();
        for (H5Type.Member m : t.members()) {
          fields.add(new StructField(m.name(), sparkType(m.type(), file, dataset), true, Metadata.empty()));
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

  /** Total array nesting of a (possibly nested) array type. */
  static int arrayRank(H5Type t) {
    int r = 0;
    for (H5Type x = t; x.kind() == H5Type.Kind.ARRAY; x = x.base()) {
      r += x.arrayDims().length;
    }
    return r;
  }

  /** The flattened shape of a value: dataset inner dims, then the array type's dims (outermost first). */
  static long[] shape(long[] innerDims, H5Type t) {
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

  static DataType nest(DataType element, int levels) {
    DataType t = element;
    for (int i = 0; i < levels; i++) {
      t = new ArrayType(t, false);
    }
    return t;
  }

  static H5SwmrDataException unsupported(H5Type t, String file, String dataset) {
    return new H5SwmrDataException("Dataset '" + dataset + "' in file " + file + " has HDF5 type " + t
        + ", which h5swmr cannot read: supported are integers, floats (16/32/64-bit), fixed- and variable-length "
        + "strings, enums, compounds of those and fixed-size arrays of those");
  }

  /**
   * The columns a dataset contributes: one per top-level member for 0-D/1-D compound datasets, else one column
   * named {@code columnName}. Field metadata carries the dataset path, its HDF5 type and its attributes.
   */
  static List<ReadColumn> datasetColumns(int datasetIndex, H5DatasetInfo meta, String columnName, String file) {
    long[] inner = meta.trailingDims();
    H5Type t = meta.type();
    List<ReadColumn> out = new ArrayList<>();
    if (t.kind() == H5Type.Kind.COMPOUND) {
      if (inner.length > 0) {
        throw new H5SwmrDataException("Dataset '" + meta.path() + "' in file " + file + " is a compound dataset of "
            + "rank " + meta.dims().length + "; h5swmr reads compound datasets of rank 0 or 1 only (type " + t + ")");
      }
      for (H5Type.Member m : t.members()) {
        out.add(member(datasetIndex, List.of(m.name()), m.type(), file, meta.path()));
      }
    } else {
      DataType st = nest(sparkType(t, file, meta.path()), inner.length);
      out.add(ReadColumn.data(columnName, datasetIndex, List.of(), t, inner, st, List.of()));
    }
    return out;
  }

  private static ReadColumn member(int ds, List<String> path, H5Type t, String file, String dataset) {
    String name = path.get(path.size() - 1);
    if (t.kind() == H5Type.Kind.COMPOUND) {
      List<ReadColumn> kids = new ArrayList<>();
      for (H5Type.Member m : t.members()) {
        List<String> p = new ArrayList<>(path);
        p.add(m.name());
        kids.add(member(ds, p, m.type(), file, dataset));
      }
      return ReadColumn.data(name, ds, path, t, new long[0], sparkType(t, file, dataset), List.of())
          .withChildren(kids);
    }
    return ReadColumn.data(name, ds, path, t, new long[0], sparkType(t, file, dataset), List.of());
  }

  /** Field metadata of a dataset's columns: {@code h5swmr.dataset}, {@code h5swmr.type}, {@code h5swmr.attr.*}. */
  static Metadata metadata(H5DatasetInfo meta) {
    MetadataBuilder b = new MetadataBuilder()
        .putString("h5swmr.dataset", meta.path())
        .putString("h5swmr.type", meta.type().toString());
    for (Map.Entry<String, Object> e : meta.attributes().entrySet()) {
      b.putString("h5swmr.attr." + e.getKey(), Attributes.text(e.getValue()));
    }
    return b.build();
  }
}
