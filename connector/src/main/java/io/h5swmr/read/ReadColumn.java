package io.h5swmr.read;

import io.h5swmr.hdf5.H5Type;
import java.io.Serializable;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.Collections;
import java.util.List;
import java.util.Objects;
import org.apache.spark.sql.types.DataType;
import org.apache.spark.sql.types.StructField;
import org.apache.spark.sql.types.StructType;

/**
 * One output column of a scan (or one field of a struct column) and where its values come from: the
 * index column, the file-path column, or a dataset (a whole element or one compound member,
 * possibly a nested struct whose {@link #children} are the selected members).
 */
final class ReadColumn implements Serializable {
  private static final long serialVersionUID = 1L;

  enum Source {
    INDEX,
    FILE,
    DATA,
    METADATA
  }

  final String name;
  final Source source;

  /** Index into the scan's dataset list (DATA only). */
  final int dataset;

  /**
   * Compound member names leading from the dataset element to this value; empty for the whole
   * element.
   */
  final List<String> memberPath;

  /** HDF5 type of this value (DATA only). */
  final H5Type type;

  /**
   * Dataset dimensions after dimension 0 (whole-element DATA columns of rank ≥ 2); empty otherwise.
   */
  final long[] innerDims;

  final DataType sparkType;

  /** Selected members of a struct column, in output order; empty for leaves. */
  final List<ReadColumn> children;

  private ReadColumn(
      String name,
      Source source,
      int dataset,
      List<String> memberPath,
      H5Type type,
      long[] innerDims,
      DataType sparkType,
      List<ReadColumn> children) {
    this.name = name;
    this.source = source;
    this.dataset = dataset;
    this.memberPath = List.copyOf(memberPath);
    this.type = type;
    this.innerDims = innerDims.clone();
    this.sparkType = sparkType;
    this.children = Collections.unmodifiableList(new ArrayList<>(children));
  }

  static ReadColumn index(String name) {
    return new ReadColumn(
        name,
        Source.INDEX,
        -1,
        List.of(),
        null,
        new long[0],
        org.apache.spark.sql.types.DataTypes.LongType,
        List.of());
  }

  static ReadColumn file(String name) {
    return new ReadColumn(
        name,
        Source.FILE,
        -1,
        List.of(),
        null,
        new long[0],
        org.apache.spark.sql.types.DataTypes.StringType,
        List.of());
  }

  /** The {@code _metadata} column (or one of its fields when {@code children} is empty). */
  static ReadColumn metadata(String name, DataType sparkType, List<ReadColumn> children) {
    return new ReadColumn(
        name, Source.METADATA, -1, List.of(), null, new long[0], sparkType, children);
  }

  static ReadColumn data(
      String name,
      int dataset,
      List<String> memberPath,
      H5Type type,
      long[] innerDims,
      DataType sparkType,
      List<ReadColumn> children) {
    return new ReadColumn(
        name, Source.DATA, dataset, memberPath, type, innerDims, sparkType, children);
  }

  /** The same column under another output name (user schema renames). */
  ReadColumn renamed(String newName) {
    return new ReadColumn(
        newName, source, dataset, memberPath, type, innerDims, sparkType, children);
  }

  /** This struct column with only the given children (nested column pruning). */
  ReadColumn withChildren(List<ReadColumn> selected) {
    List<StructField> fields = new ArrayList<>();
    for (ReadColumn c : selected) {
      fields.add(
          new StructField(c.name, c.sparkType, true, org.apache.spark.sql.types.Metadata.empty()));
    }
    return new ReadColumn(
        name,
        source,
        dataset,
        memberPath,
        type,
        innerDims,
        new StructType(fields.toArray(new StructField[0])),
        selected);
  }

  boolean isStruct() {
    return !children.isEmpty();
  }

  /** Adds the leaf DATA columns under this one (itself when it is a leaf) to {@code out}. */
  void leaves(List<ReadColumn> out) {
    if (source != Source.DATA) {
      return;
    }
    if (isStruct()) {
      for (ReadColumn c : children) {
        c.leaves(out);
      }
    } else {
      out.add(this);
    }
  }

  /** Leaf values per row: inner dimensions times array-type elements. */
  long valuesPerRow() {
    long n = type == null ? 1 : type.elementsPerValue();
    for (long d : innerDims) {
      n *= d;
    }
    return n;
  }

  /**
   * Bytes one row of this column costs to read (strings count their fixed size or 16 for variable
   * length).
   */
  long rowBytes() {
    if (source == Source.INDEX) {
      return 8;
    }
    if (source == Source.FILE || source == Source.METADATA) {
      return 0;
    }
    if (isStruct()) {
      long b = 0;
      for (ReadColumn c : children) {
        b += c.rowBytes();
      }
      return b;
    }
    H5Type leaf = type.leaf();
    long per =
        leaf.kind() == H5Type.Kind.STRING && leaf.isVariableLength()
            ? 16
            : Math.max(1, leaf.size());
    return per * valuesPerRow();
  }

  /**
   * True when values can go straight into a Spark column vector (numbers and booleans, no arrays).
   */
  boolean isPrimitive() {
    if (source == Source.METADATA) {
      return false; // a struct: read by the row reader
    }
    if (source != Source.DATA) {
      return true;
    }
    if (isStruct() || innerDims.length > 0 || type.kind() == H5Type.Kind.ARRAY) {
      return false;
    }
    switch (type.kind()) {
      case INTEGER:
        return !(type.size() == 8 && !type.isSigned());
      case FLOAT:
        return true;
      case ENUM:
        return type.isBoolean();
      default:
        return false;
    }
  }

  @Override
  public boolean equals(Object o) {
    if (!(o instanceof ReadColumn)) {
      return false;
    }
    ReadColumn c = (ReadColumn) o;
    return name.equals(c.name)
        && source == c.source
        && dataset == c.dataset
        && memberPath.equals(c.memberPath)
        && Objects.equals(type, c.type)
        && Arrays.equals(innerDims, c.innerDims)
        && sparkType.equals(c.sparkType)
        && children.equals(c.children);
  }

  @Override
  public int hashCode() {
    return Objects.hash(
        name, source, dataset, memberPath, type, Arrays.hashCode(innerDims), sparkType, children);
  }

  @Override
  public String toString() {
    return name
        + ":"
        + sparkType.simpleString()
        + (memberPath.isEmpty() ? "" : "@" + String.join(".", memberPath));
  }
}
