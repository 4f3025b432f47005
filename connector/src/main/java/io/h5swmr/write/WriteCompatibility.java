package io.h5swmr.write;

import io.h5swmr.exceptions.H5SwmrDataException;
import io.h5swmr.hdf5.H5DatasetInfo;
import io.h5swmr.hdf5.H5Layout;
import io.h5swmr.hdf5.H5Type;
import io.h5swmr.types.TypeMapping;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import org.apache.spark.sql.types.ArrayType;
import org.apache.spark.sql.types.DataType;
import org.apache.spark.sql.types.DataTypes;
import org.apache.spark.sql.types.StructField;
import org.apache.spark.sql.types.StructType;

/**
 * Checks that a DataFrame can be appended to an existing dataset: by column name, type by type,
 * against the Spark type the read path ({@link TypeMapping}) gives each stored member.
 */
final class WriteCompatibility {
  private WriteCompatibility() {}

  private static boolean isCompound(H5TargetDataset.Existing existing) {
    return existing != null
        && existing.datasetExists
        && existing.info.type().kind() == H5Type.Kind.COMPOUND;
  }

  /** The write schema to use against {@code existing}: compound when the dataset is a compound. */
  static WriteSchema effectiveSchema(H5TargetDataset.Existing existing, WriteSchema schema) {
    boolean oneStruct = !schema.isCompound() && schema.columns().get(0).isStruct();
    return isCompound(existing) && !oneStruct ? schema.asCompound() : schema;
  }

  /**
   * Checks the columns and types (and, with a layout, the array lengths) of an append; throws an
   * {@link H5SwmrDataException} listing both sides when they differ or when the dataset cannot
   * grow.
   */
  static void checkAppend(
      Path file,
      String dataset,
      H5TargetDataset.Existing existing,
      WriteSchema schema,
      WriteLayout layout) {
    H5DatasetInfo info = existing.info;
    if (info.rank() == 0) {
      throw new H5SwmrDataException(
          "Cannot append to "
              + dataset
              + " in "
              + file
              + ": it is a scalar (rank 0) "
              + "dataset. Append needs a dataset that is chunked and unlimited along dimension 0; use mode "
              + "'overwrite' to replace it");
    }
    boolean chunked = info.layout() == H5Layout.CHUNKED;
    if (!chunked || info.maxDims()[0] != H5DatasetInfo.UNLIMITED) {
      throw new H5SwmrDataException(
          "Cannot append to "
              + dataset
              + " in "
              + file
              + ": it is not extensible "
              + "(layout "
              + (chunked ? "chunked" : "contiguous/compact")
              + ", max shape "
              + shape(info.maxDims())
              + "). Append needs a chunked dataset with an unlimited dimension 0 "
              + "(h5py: maxshape=(None, ...)); use mode 'overwrite' to rewrite it as one");
    }
    Map<String, DataType> fileCols = fileColumns(existing);
    Map<String, DataType> dfCols = new LinkedHashMap<>();
    for (WriteSchema.Node c : schema.columns()) {
      dfCols.put(c.name, c.sparkType);
    }
    boolean oneStruct = !schema.isCompound() && schema.columns().get(0).isStruct();
    boolean ok;
    if (isCompound(existing) && !oneStruct) {
      ok = fileCols != null && fileCols.keySet().equals(dfCols.keySet());
      if (ok) {
        for (Map.Entry<String, DataType> e : dfCols.entrySet()) {
          ok &=
              fileCols.get(e.getKey()) != null && sameShape(e.getValue(), fileCols.get(e.getKey()));
        }
      }
    } else {
      DataType expected = plainSparkType(existing);
      ok =
          dfCols.size() == 1
              && expected != null
              && sameShape(dfCols.values().iterator().next(), expected);
    }
    if (!ok) {
      throw mismatch(file, dataset, existing, dfCols);
    }
    if (layout != null) {
      for (int i = 0; i < schema.leaves().size(); i++) {
        int[] fromFile = existingLeafDims(existing, schema, i);
        if (fromFile != null && !java.util.Arrays.equals(fromFile, layout.leafDims[i])) {
          throw WriteLayout.raggedAcross(schema.leaves().get(i).path, fromFile, layout.leafDims[i]);
        }
      }
    }
  }

  /** The Spark type the read path gives {@code t}, or null when it cannot read it. */
  private static DataType sparkType(H5Type t, H5DatasetInfo info) {
    try {
      return TypeMapping.sparkType(t, info.file(), info.path());
    } catch (H5SwmrDataException e) {
      return null;
    }
  }

  /**
   * The single Spark type of a plain (non-compound) dataset: its element type under rank-1 array
   * levels.
   */
  private static DataType plainSparkType(H5TargetDataset.Existing existing) {
    DataType t = sparkType(existing.info.type(), existing.info);
    if (t == null) {
      return null;
    }
    for (int i = 1; i < existing.info.rank(); i++) {
      t = DataTypes.createArrayType(t, false);
    }
    return t;
  }

  private static Map<String, DataType> fileColumns(H5TargetDataset.Existing existing) {
    if (!isCompound(existing) || existing.info.rank() != 1) {
      return null;
    }
    Map<String, DataType> m = new LinkedHashMap<>();
    for (H5Type.Member member : existing.info.type().members()) {
      m.put(member.name(), sparkType(member.type(), existing.info));
    }
    return m;
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

  private static H5SwmrDataException mismatch(
      Path file, String dataset, H5TargetDataset.Existing existing, Map<String, DataType> dfCols) {
    List<String> df = new ArrayList<>();
    dfCols.forEach((k, v) -> df.add(k + ": " + v.simpleString()));
    List<String> fs = new ArrayList<>();
    if (fileColumns(existing) != null) {
      for (H5Type.Member m : existing.info.type().members()) {
        DataType t = sparkType(m.type(), existing.info);
        fs.add(
            m.name()
                + ": "
                + m.type()
                + " (Spark "
                + (t == null ? "unsupported" : t.simpleString())
                + ")");
      }
    } else {
      DataType t = plainSparkType(existing);
      fs.add(
          "<one column>: "
              + existing.info.type()
              + " shape "
              + shape(existing.info.dims())
              + " (Spark "
              + (t == null ? "unsupported" : t.simpleString())
              + ")");
    }
    return new H5SwmrDataException(
        "Schema mismatch appending to "
            + dataset
            + " in "
            + file
            + ": the dataset has columns "
            + fs
            + " but the DataFrame has "
            + df
            + ". Append matches columns by name and needs the Spark type the read path gives each one; "
            + "select/cast the columns, or use mode 'overwrite' to replace the dataset");
  }

  /**
   * The stored leaf type of leaf {@code i} of {@code schema} in the existing dataset (scalar, no
   * arrays).
   */
  static H5Type existingLeafType(H5TargetDataset.Existing existing, WriteSchema schema, int i) {
    H5Type t = memberType(existing, schema, i);
    return t == null ? null : t.leaf();
  }

  private static H5Type memberType(H5TargetDataset.Existing existing, WriteSchema schema, int i) {
    H5Type t = existing.info.type();
    if (t.kind() != H5Type.Kind.COMPOUND) {
      return t;
    }
    List<String> path = memberPath(schema, schema.leaves().get(i));
    for (String name : path) {
      H5Type.Member m = t.kind() == H5Type.Kind.COMPOUND ? t.member(name) : null;
      if (m == null) {
        return null;
      }
      t = m.type();
    }
    return t;
  }

  /** Member names from the compound's top level down to {@code leaf}. */
  private static List<String> memberPath(WriteSchema schema, WriteSchema.Node leaf) {
    List<String> path = new ArrayList<>();
    boolean oneStruct = !schema.isCompound() && schema.columns().get(0).isStruct();
    find(oneStruct ? schema.columns().get(0).members : schema.columns(), leaf, path);
    return path;
  }

  private static boolean find(
      List<WriteSchema.Node> nodes, WriteSchema.Node leaf, List<String> path) {
    for (WriteSchema.Node n : nodes) {
      path.add(n.name);
      if (n == leaf || (n.isStruct() && find(n.members, leaf, path))) {
        return true;
      }
      path.remove(path.size() - 1);
    }
    return false;
  }

  /**
   * Array lengths of leaf {@code i} as stored in the existing dataset, or null when it has none to
   * offer.
   */
  static int[] existingLeafDims(H5TargetDataset.Existing existing, WriteSchema schema, int i) {
    WriteSchema.Node leaf = schema.leaves().get(i);
    if (leaf.arrayDepth == 0) {
      return new int[0];
    }
    if (existing.info.type().kind() != H5Type.Kind.COMPOUND) {
      long[] dims = existing.info.trailingDims();
      int[] d = new int[dims.length];
      for (int k = 0; k < dims.length; k++) {
        d[k] = (int) dims[k];
      }
      return d;
    }
    H5Type t = memberType(existing, schema, i);
    if (t == null || t.kind() != H5Type.Kind.ARRAY) {
      return null;
    }
    long[] dims = t.arrayDims();
    int[] d = new int[dims.length];
    for (int k = 0; k < d.length; k++) {
      d[k] = (int) dims[k];
    }
    return d;
  }

  static String shape(long[] dims) {
    StringBuilder b = new StringBuilder("(");
    for (int i = 0; i < dims.length; i++) {
      b.append(i == 0 ? "" : ", ")
          .append(dims[i] == H5DatasetInfo.UNLIMITED ? "unlimited" : Long.toString(dims[i]));
    }
    return b.append(dims.length == 1 ? ",)" : ")").toString();
  }
}
