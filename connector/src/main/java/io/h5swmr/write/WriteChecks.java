package io.h5swmr.write;

import io.h5swmr.config.H5SwmrOptions;
import io.h5swmr.exceptions.H5SwmrConfigException;
import io.h5swmr.exceptions.H5SwmrDataException;
import io.h5swmr.hdf5.H5File;
import io.h5swmr.hdf5.H5ObjectKind;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Arrays;
import java.util.HashSet;
import java.util.List;
import java.util.Set;
import org.apache.spark.sql.types.ArrayType;
import org.apache.spark.sql.types.DataType;
import org.apache.spark.sql.types.StructField;
import org.apache.spark.sql.types.StructType;

/**
 * Checks of a write's input that run on the driver before any task, each naming what the user gave
 * (the target path, option {@code dataset}, option {@code chunkRows}, a column), never the hidden
 * copy a commit writes.
 */
final class WriteChecks {
  /** HDF5's limit on one chunk: 4 GiB - 1 bytes, and as many elements. */
  static final long MAX_CHUNK_BYTES = 0xFFFF_FFFFL;

  private WriteChecks() {}

  /**
   * The element type of a new dataset must fit in one HDF5 object header message (64 KiB): a
   * compound of thousands of columns does not, and HDF5 would fail only at the commit, after every
   * task staged its rows.
   */
  static void typeFitsObjectHeader(WriteSchema schema, String dataset) {
    List<WriteSchema.Node> leaves = schema.leaves();
    int[][] dims = new int[leaves.size()][];
    for (int i = 0; i < dims.length; i++) {
      dims[i] = new int[leaves.get(i).arrayDepth];
      Arrays.fill(
          dims[i], 1); // array lengths change no size of the type's description, only their count
    }
    long bytes = io.h5swmr.hdf5.H5TypeSize.encodedBytes(new WriteLayout(schema, dims).fileType());
    if (bytes > io.h5swmr.hdf5.H5TypeSize.MAX_MESSAGE_BYTES) {
      throw new H5SwmrDataException(
          "The DataFrame's "
              + schema.columns().size()
              + " columns ("
              + leaves.size()
              + " values per row) make an HDF5 compound type whose description takes "
              + bytes
              + " bytes, over HDF5's "
              + "limit of 64 KiB (65535 bytes) for one object header message, so dataset "
              + dataset
              + " cannot be "
              + "created with it; write fewer columns per dataset (e.g. split the columns over several datasets, or "
              + "pack same-typed columns into one array column with array(...)), or shorter column names; nothing "
              + "was written");
    }
  }

  /** Column names (and struct field names) must be unique: each becomes a compound member. */
  static void uniqueColumns(StructType input) {
    unique(input, "");
  }

  private static void unique(StructType s, String prefix) {
    Set<String> seen = new HashSet<>();
    for (StructField f : s.fields()) {
      if (!seen.add(f.name())) {
        throw new H5SwmrDataException(
            "Column name '"
                + prefix
                + f.name()
                + "' appears more than once in the "
                + "DataFrame to write ("
                + (prefix.isEmpty()
                    ? "columns"
                    : "fields of " + prefix.substring(0, prefix.length() - 1))
                + ": "
                + String.join(", ", s.fieldNames())
                + "); every column becomes a "
                + "compound member, which needs a unique name: rename or drop one (withColumnRenamed/drop)");
      }
      DataType t = f.dataType();
      while (t instanceof ArrayType) {
        t = ((ArrayType) t).elementType();
      }
      if (t instanceof StructType) {
        unique((StructType) t, prefix + f.name() + ".");
      }
    }
  }

  /**
   * The dataset path of option {@code dataset}, absolute: segments {@code .} and {@code ..} and
   * empty segments ({@code a//b}) are refused, since HDF5 would take them as literal link names.
   */
  static String datasetPath(String given) {
    String d = given.startsWith("/") ? given : "/" + given;
    if (d.equals("/") || d.endsWith("/")) {
      throw new H5SwmrConfigException(
          "Option 'dataset' must name a dataset, not a group: got '"
              + given
              + "', expected e.g. /results/table");
    }
    for (String seg : d.substring(1).split("/", -1)) {
      if (seg.isEmpty() || seg.equals(".") || seg.equals("..")) {
        throw new H5SwmrConfigException(
            "Option 'dataset' has an invalid value '"
                + given
                + "': "
                + (seg.isEmpty() ? "an empty path segment (//)" : "a '" + seg + "' segment")
                + " is not a navigation "
                + "step in HDF5 but would become a link literally named '"
                + seg
                + "'; expected a path of group and "
                + "dataset names such as /results/table");
      }
    }
    return d;
  }

  /** The target must be a file (or absent), not a directory. */
  static void targetIsNotADirectory(Path target, String given) {
    if (Files.isDirectory(target)) {
      throw new H5SwmrConfigException(
          "Target '"
              + given
              + "' (option '"
              + H5SwmrOptions.PATH
              + "') is a "
              + "directory: a write needs the path of one HDF5 file, existing or to create, e.g. "
              + target.resolve("data.h5"));
    }
  }

  /**
   * A given {@code chunkRows} must fit HDF5's chunk limit with the smallest possible row of {@code
   * schema} (arrays are counted with one element: their length is known only from the data).
   */
  static void chunkRowsFit(Long chunkRows, WriteSchema schema) {
    if (chunkRows == null) {
      return;
    }
    long rowBytes = 0;
    for (WriteSchema.Node leaf : schema.leaves()) {
      rowBytes +=
          leaf.kind == WriteSchema.LeafKind.STRING
              ? 16
              : leaf.kind.bytes; // vlen: 16 bytes in the file
    }
    rowBytes = Math.max(1, rowBytes);
    long max = MAX_CHUNK_BYTES / rowBytes;
    if (chunkRows > max) {
      throw new H5SwmrConfigException(
          "Option '"
              + H5SwmrOptions.CHUNK_ROWS
              + "' has an invalid value '"
              + chunkRows
              + "': a chunk of "
              + chunkRows
              + " rows of at least "
              + rowBytes
              + " bytes exceeds HDF5's "
              + "limit of 4 GiB per chunk; expected at most "
              + max
              + " rows (chunks of 1-16 MiB read best)");
    }
  }

  /**
   * Every group on the way to {@code dataset} must be a group (or absent): a dataset cannot hold
   * another.
   */
  static void parentsAreGroups(Path target, String dataset, String given) {
    if (!Files.isRegularFile(target)) {
      return;
    }
    try (H5File f =
        H5File.openReadOnly(target.toString(), io.h5swmr.hdf5.journal.JournalOverlay.COMMITTED)) {
      for (int slash = dataset.indexOf('/', 1);
          slash > 0;
          slash = dataset.indexOf('/', slash + 1)) {
        String parent = dataset.substring(0, slash);
        H5ObjectKind k = f.kind(parent);
        if (k == H5ObjectKind.MISSING) {
          return;
        }
        if (k != H5ObjectKind.GROUP) {
          throw new H5SwmrDataException(
              "Option 'dataset' = '"
                  + given
                  + "' cannot be created in "
                  + target
                  + ": '"
                  + parent
                  + "' there is "
                  + (k == H5ObjectKind.DATASET ? "a dataset" : "not a group")
                  + ", and only groups hold other objects; choose a path beside it, e.g. "
                  + parent
                  + "_"
                  + dataset.substring(slash + 1).replace('/', '_'));
        }
      }
    }
  }
}
