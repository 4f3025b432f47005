package io.h5swmr.write;

import hdf.hdf5lib.HDF5Constants;
import io.h5swmr.exceptions.H5SwmrDataException;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import org.apache.spark.sql.types.DataType;
import org.apache.spark.sql.types.DataTypes;

/** Checks that a DataFrame can be appended to an existing dataset: by column name, type by type. */
final class WriteCompatibility {
  private WriteCompatibility() {}

  /** The write schema to use against {@code existing}: compound when the dataset is a compound. */
  static WriteSchema effectiveSchema(H5TargetDataset.Existing existing, WriteSchema schema) {
    boolean existingCompound = existing != null && existing.datasetExists
        && existing.type.typeClass == HDF5Constants.H5T_COMPOUND;
    boolean oneStruct = !schema.isCompound() && schema.columns().get(0).isStruct();
    return existingCompound && !oneStruct ? schema.asCompound() : schema;
  }

  /**
   * Checks the columns and types (and, with a layout, the array lengths) of an append; throws an
   * {@link H5SwmrDataException} listing both sides when they differ or when the dataset cannot grow.
   */
  static void checkAppend(Path file, String dataset, H5TargetDataset.Existing existing, WriteSchema schema,
      WriteLayout layout) {
    if (existing.dims.length == 0) {
      throw new H5SwmrDataException("Cannot append to " + dataset + " in " + file + ": it is a scalar (rank 0) "
          + "dataset. Append needs a dataset that is chunked and unlimited along dimension 0; use mode "
          + "'overwrite' to replace it");
    }
    if (!existing.chunked || existing.maxDims[0] != HDF5Constants.H5S_UNLIMITED) {
      throw new H5SwmrDataException("Cannot append to " + dataset + " in " + file + ": it is not extensible "
          + "(layout " + (existing.chunked ? "chunked" : "contiguous/compact") + ", max shape "
          + shape(existing.maxDims) + "). Append needs a chunked dataset with an unlimited dimension 0 "
          + "(h5py: maxshape=(None, ...)); use mode 'overwrite' to rewrite it as one");
    }
    Map<String, DataType> fileCols = fileColumns(existing);
    Map<String, DataType> dfCols = new LinkedHashMap<>();
    for (WriteSchema.Node c : schema.columns()) {
      dfCols.put(c.name, c.sparkType);
    }
    boolean compound = existing.type.typeClass == HDF5Constants.H5T_COMPOUND;
    boolean oneStruct = !schema.isCompound() && schema.columns().get(0).isStruct();
    boolean ok;
    if (compound && !oneStruct) {
      ok = fileCols != null && fileCols.keySet().equals(dfCols.keySet());
      if (ok) {
        for (Map.Entry<String, DataType> e : dfCols.entrySet()) {
          ok &= H5FileType.sameShape(stripNull(e.getValue()), fileCols.get(e.getKey()));
        }
      }
    } else {
      DataType expected = plainSparkType(existing);
      ok = dfCols.size() == 1 && expected != null
          && H5FileType.sameShape(stripNull(dfCols.values().iterator().next()), expected);
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

  private static DataType stripNull(DataType t) {
    return t; // sameShape ignores nullability already
  }

  /** The single Spark type of a plain (non-compound) dataset: its element type under rank-1 array levels. */
  private static DataType plainSparkType(H5TargetDataset.Existing existing) {
    DataType t = existing.type.sparkType();
    if (t == null) {
      return null;
    }
    for (int i = 1; i < existing.dims.length; i++) {
      t = DataTypes.createArrayType(t, false);
    }
    return t;
  }

  private static Map<String, DataType> fileColumns(H5TargetDataset.Existing existing) {
    if (existing.type.typeClass != HDF5Constants.H5T_COMPOUND || existing.dims.length != 1) {
      return null;
    }
    Map<String, DataType> m = new LinkedHashMap<>();
    for (int i = 0; i < existing.type.members.size(); i++) {
      m.put(existing.type.memberNames.get(i), existing.type.members.get(i).sparkType());
    }
    return m;
  }

  private static H5SwmrDataException mismatch(Path file, String dataset, H5TargetDataset.Existing existing,
      Map<String, DataType> dfCols) {
    List<String> df = new ArrayList<>();
    dfCols.forEach((k, v) -> df.add(k + ": " + v.simpleString()));
    List<String> fs = new ArrayList<>();
    Map<String, DataType> fileCols = fileColumns(existing);
    if (fileCols != null) {
      for (int i = 0; i < existing.type.members.size(); i++) {
        DataType t = existing.type.members.get(i).sparkType();
        fs.add(existing.type.memberNames.get(i) + ": " + existing.type.members.get(i) + " (Spark "
            + (t == null ? "unsupported" : t.simpleString()) + ")");
      }
    } else {
      DataType t = plainSparkType(existing);
      fs.add("<one column>: " + existing.type + " shape " + shape(existing.dims) + " (Spark "
          + (t == null ? "unsupported" : t.simpleString()) + ")");
    }
    return new H5SwmrDataException("Schema mismatch appending to " + dataset + " in " + file
        + ": the dataset has columns " + fs + " but the DataFrame has " + df
        + ". Append matches columns by name and needs the Spark type the read path gives each one; "
        + "select/cast the columns, or use mode 'overwrite' to replace the dataset");
  }

  /** Array lengths of leaf {@code i} as stored in the existing dataset, or null when it has none to offer. */
  static int[] existingLeafDims(H5TargetDataset.Existing existing, WriteSchema schema, int i) {
    WriteSchema.Node leaf = schema.leaves().get(i);
    if (leaf.arrayDepth == 0) {
      return new int[0];
    }
    boolean compound = existing.type.typeClass == HDF5Constants.H5T_COMPOUND;
    if (!compound) {
      int[] d = new int[existing.dims.length - 1];
      for (int k = 1; k < existing.dims.length; k++) {
        d[k - 1] = (int) existing.dims[k];
      }
      return d;
    }
    H5FileType t = existing.type;
    String[] parts = leaf.path.split("\\.");
    boolean oneStruct = !schema.isCompound() && schema.columns().get(0).isStruct();
    for (int k = oneStruct ? 1 : 0; k < parts.length; k++) {
      int idx = t.memberNames.indexOf(parts[k]);
      if (idx < 0) {
        return null;
      }
      t = t.members.get(idx);
    }
    if (t.arrayDims == null) {
      return null;
    }
    int[] d = new int[t.arrayDims.length];
    for (int k = 0; k < d.length; k++) {
      d[k] = (int) t.arrayDims[k];
    }
    return d;
  }

  static String shape(long[] dims) {
    StringBuilder b = new StringBuilder("(");
    for (int i = 0; i < dims.length; i++) {
      b.append(i == 0 ? "" : ", ").append(dims[i] == HDF5Constants.H5S_UNLIMITED ? "unlimited"
          : Long.toString(dims[i]));
    }
    return b.append(dims.length == 1 ? ",)" : ")").toString();
  }
}
