package io.h5swmr.write;

import io.h5swmr.exceptions.H5SwmrDataException;
import io.h5swmr.hdf5.H5Type;
import io.h5swmr.types.TypeMapping;
import java.io.Serializable;
import java.util.ArrayList;
import java.util.Collections;
import java.util.List;
import org.apache.spark.sql.types.ArrayType;
import org.apache.spark.sql.types.BooleanType;
import org.apache.spark.sql.types.ByteType;
import org.apache.spark.sql.types.DataType;
import org.apache.spark.sql.types.DecimalType;
import org.apache.spark.sql.types.DoubleType;
import org.apache.spark.sql.types.FloatType;
import org.apache.spark.sql.types.IntegerType;
import org.apache.spark.sql.types.LongType;
import org.apache.spark.sql.types.ShortType;
import org.apache.spark.sql.types.StringType;
import org.apache.spark.sql.types.StructField;
import org.apache.spark.sql.types.StructType;

/**
 * The Spark → HDF5 mapping of one write: the data columns as a tree of {@link Node}s, and the
 * leaves in depth-first order, which is both the staging order and the byte order of a packed
 * compound row.
 *
 * <p>The mapping is the inverse of the read path's ({@link TypeMapping}): byte/short/int/long →
 * int8/16/32/64, float/double → float32/64, boolean → the h5py enum int8 {FALSE, TRUE}, string →
 * vlen UTF-8, decimal(20,0) → uint64, arrays of fixed length → extra dimensions (or an HDF5 array
 * type inside a compound), struct → compound. One data column writes a plain dataset; several write
 * a compound dataset whose members are the columns.
 */
final class WriteSchema implements Serializable {
  private static final long serialVersionUID = 1L;

  /** What a leaf value is in Java, in the staging file and in native memory. */
  enum LeafKind {
    BYTE(1),
    SHORT(2),
    INT(4),
    LONG(8),
    FLOAT(4),
    DOUBLE(8),
    BOOLEAN(1),
    STRING(8),
    UINT64(8);

    /** Bytes per value in native memory (a {@code char*} for strings). */
    final int bytes;

    LeafKind(int bytes) {
      this.bytes = bytes;
    }
  }

  /** A column or struct member: a leaf (possibly under array levels) or a struct. */
  static final class Node implements Serializable {
    private static final long serialVersionUID = 1L;
    final String name;

    /** Dotted path from the top-level column, for messages. */
    final String path;

    final int ordinal;
    final DataType sparkType;

    /** Null for structs. */
    final LeafKind kind;

    /** Number of nested array levels above the leaf (0 for scalars and structs). */
    final int arrayDepth;

    /** Struct members; empty for leaves. */
    final List<Node> members;

    /** Index among all leaves (depth-first); -1 for structs. */
    int leafIndex = -1;

    Node(
        String name,
        String path,
        int ordinal,
        DataType sparkType,
        LeafKind kind,
        int arrayDepth,
        List<Node> members) {
      this.name = name;
      this.path = path;
      this.ordinal = ordinal;
      this.sparkType = sparkType;
      this.kind = kind;
      this.arrayDepth = arrayDepth;
      this.members = members;
    }

    boolean isStruct() {
      return kind == null;
    }

    /**
     * The HDF5 type a new dataset stores this leaf's scalar values as ({@link
     * TypeMapping#storedType}).
     */
    H5Type storedType() {
      DataType t = sparkType;
      while (t instanceof ArrayType) {
        t = ((ArrayType) t).elementType();
      }
      return TypeMapping.storedType(t);
    }

    @Override
    public String toString() {
      return path + ": " + sparkType.simpleString();
    }
  }

  static final String SUPPORTED =
      "byte, short, int, long, float, double, boolean, string, decimal(20,0) "
          + "(as uint64), fixed-length arrays of these (nested arrays allowed) and structs of any of them";

  private final StructType dataSchema;
  private final int[] inputOrdinals;
  private final List<Node> columns;
  private final List<Node> leaves;
  private final boolean compound;

  private WriteSchema(
      StructType dataSchema,
      int[] inputOrdinals,
      List<Node> columns,
      List<Node> leaves,
      boolean compound) {
    this.dataSchema = dataSchema;
    this.inputOrdinals = inputOrdinals;
    this.columns = columns;
    this.leaves = leaves;
    this.compound = compound;
  }

  /**
   * The same columns written as members of a compound even when there is only one (appending to a
   * compound).
   */
  WriteSchema asCompound() {
    return compound ? this : new WriteSchema(dataSchema, inputOrdinals, columns, leaves, true);
  }

  /**
   * Maps the schema of the rows to write.
   *
   * @param input the schema of the DataFrame
   * @param indexColumn the index column's name (a column of that name, in any case, is refused), or
   *     null
   * @throws H5SwmrDataException naming the column and its type when a type has no HDF5 equivalent,
   *     naming both columns when two names differ only in case, and naming the column that collides
   *     with the index
   */
  static WriteSchema of(StructType input, String indexColumn) {
    List<StructField> kept = new ArrayList<>();
    List<Integer> ords = new ArrayList<>();
    StructField[] fields = input.fields();
    for (int i = 0; i < fields.length; i++) {
      if (indexColumn != null && fields[i].name().equalsIgnoreCase(indexColumn)) {
        throw indexCollision(fields[i].name(), indexColumn);
      }
      kept.add(fields[i]);
      ords.add(i);
    }
    if (kept.isEmpty()) {
      throw new H5SwmrDataException(
          "Nothing to write: the DataFrame has no columns (schema " + input.simpleString() + ")");
    }
    checkNames(kept.toArray(new StructField[0]), "");
    List<Node> columns = new ArrayList<>();
    List<Node> leaves = new ArrayList<>();
    for (int i = 0; i < kept.size(); i++) {
      StructField f = kept.get(i);
      columns.add(node(f.name(), f.name(), i, f.dataType(), leaves));
    }
    int[] inputOrdinals = ords.stream().mapToInt(Integer::intValue).toArray();
    return new WriteSchema(
        new StructType(kept.toArray(new StructField[0])),
        inputOrdinals,
        Collections.unmodifiableList(columns),
        Collections.unmodifiableList(leaves),
        columns.size() > 1);
  }

  /**
   * A DataFrame column named like the index column (any case) is refused: writing it would make the
   * file's default read fail (two columns "index"), and dropping it silently loses data the user
   * gave.
   */
  private static H5SwmrDataException indexCollision(String column, String indexColumn) {
    return new H5SwmrDataException(
        "Column '"
            + column
            + "' has the name of the index column ('"
            + indexColumn
            + "', option indexColumn), which reads add to every row and writes never store. Drop it to write "
            + "without it (e.g. df.drop(\""
            + column
            + "\"), what you want after reading an h5swmr dataset), rename it "
            + "to store it as data, or set option indexColumn to another name (or \"\" to disable it) on the write and on "
            + "every later read of the file");
  }

  /**
   * Refuses names that differ only in case (columns, or members of one struct): Spark resolves
   * column names case-insensitively by default, so such a file could not be read back by name.
   */
  private static void checkNames(StructField[] fields, String prefix) {
    java.util.Map<String, String> seen = new java.util.HashMap<>();
    for (StructField f : fields) {
      String other = seen.putIfAbsent(f.name().toLowerCase(java.util.Locale.ROOT), f.name());
      if (other != null) {
        String a = prefix + other;
        String b = prefix + f.name();
        throw new H5SwmrDataException(
            (prefix.isEmpty() ? "Columns '" : "Struct fields '")
                + a
                + "' and '"
                + b
                + "' "
                + (other.equals(f.name()) ? "have the same name" : "differ only in case")
                + ": HDF5 would store both, but Spark resolves names case-insensitively (spark.sql.caseSensitive=false) "
                + "and could not read them back apart. Rename one of them (e.g. withColumnRenamed(\""
                + f.name()
                + "\", \""
                + f.name()
                + "_2\"))");
      }
      DataType t = f.dataType();
      while (t instanceof ArrayType) {
        t = ((ArrayType) t).elementType();
      }
      if (t instanceof StructType) {
        checkNames(((StructType) t).fields(), prefix + f.name() + ".");
      }
    }
  }

  private static Node node(
      String name, String path, int ordinal, DataType type, List<Node> leaves) {
    if (type instanceof StructType) {
      List<Node> members = new ArrayList<>();
      StructField[] fs = ((StructType) type).fields();
      if (fs.length == 0) {
        throw unsupported(path, type, "a struct needs at least one field");
      }
      for (int i = 0; i < fs.length; i++) {
        members.add(node(fs[i].name(), path + "." + fs[i].name(), i, fs[i].dataType(), leaves));
      }
      return new Node(name, path, ordinal, type, null, 0, Collections.unmodifiableList(members));
    }
    int depth = 0;
    DataType t = type;
    while (t instanceof ArrayType) {
      depth++;
      t = ((ArrayType) t).elementType();
    }
    if (t instanceof StructType) {
      throw unsupported(path, type, "arrays of structs are not written; use a struct of arrays");
    }
    LeafKind kind = leafKind(t);
    if (kind == null) {
      throw unsupported(path, type, null);
    }
    Node n = new Node(name, path, ordinal, type, kind, depth, List.of());
    n.leafIndex = leaves.size();
    leaves.add(n);
    return n;
  }

  private static LeafKind leafKind(DataType t) {
    if (t instanceof ByteType) {
      return LeafKind.BYTE;
    } else if (t instanceof ShortType) {
      return LeafKind.SHORT;
    } else if (t instanceof IntegerType) {
      return LeafKind.INT;
    } else if (t instanceof LongType) {
      return LeafKind.LONG;
    } else if (t instanceof FloatType) {
      return LeafKind.FLOAT;
    } else if (t instanceof DoubleType) {
      return LeafKind.DOUBLE;
    } else if (t instanceof BooleanType) {
      return LeafKind.BOOLEAN;
    } else if (t instanceof StringType) {
      return LeafKind.STRING;
    } else if (t instanceof DecimalType
        && ((DecimalType) t).precision() == 20
        && ((DecimalType) t).scale() == 0) {
      return LeafKind.UINT64;
    }
    return null;
  }

  private static H5SwmrDataException unsupported(String path, DataType type, String why) {
    return new H5SwmrDataException(
        "Column '"
            + path
            + "' has Spark type "
            + type.simpleString()
            + ", which h5swmr cannot write to HDF5"
            + (why == null ? "" : " (" + why + ")")
            + ". Supported types: "
            + SUPPORTED
            + ". Cast or drop the column first.");
  }

  /** The columns written (index column dropped), as a Spark schema. */
  StructType dataSchema() {
    return dataSchema;
  }

  /** For each written column, its ordinal in the input rows. */
  int inputOrdinal(int column) {
    return inputOrdinals[column];
  }

  List<Node> columns() {
    return columns;
  }

  List<Node> leaves() {
    return leaves;
  }

  /**
   * True when the dataset is a compound (more than one column); one column writes a plain dataset.
   */
  boolean isCompound() {
    return compound;
  }
}
