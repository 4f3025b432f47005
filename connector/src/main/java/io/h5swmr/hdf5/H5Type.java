package io.h5swmr.hdf5;

import io.h5swmr.exceptions.H5SwmrDataException;
import java.io.Serializable;
import java.nio.ByteOrder;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.Collections;
import java.util.List;
import java.util.Objects;

/**
 * An HDF5 datatype as an immutable, serializable tree: what a dataset stores, independent of any
 * open file.
 *
 * <p>Obtained from {@link H5DatasetInfo#type()} when reading, and built with the static factories
 * when creating a dataset. {@link #toString()} is the readable name used in messages, e.g. {@code
 * "uint16 (big-endian)"} or {@code "compound{x: float64, name: vlen utf-8 string}"}.
 */
public final class H5Type implements Serializable {
  private static final long serialVersionUID = 1L;

  /** The HDF5 type class. */
  public enum Kind {
    INTEGER,
    FLOAT,
    STRING,
    ENUM,
    COMPOUND,
    ARRAY,
    /** Reference, opaque, vlen sequence, bitfield, time: described but not readable as values. */
    UNSUPPORTED
  }

  /** Character set of a string type. */
  public enum Charset {
    ASCII,
    UTF8
  }

  /** How a fixed-length string fills its unused bytes (HDF5 STRPAD). */
  public enum StringPad {
    /** Terminated by the first NUL byte. */
    NULLTERM,
    /** Padded with NUL bytes. */
    NULLPAD,
    /** Padded with spaces (Fortran style). */
    SPACEPAD
  }

  /** One member of a compound type. */
  public static final class Member implements Serializable {
    private static final long serialVersionUID = 1L;
    private final String name;
    private final long offset;
    private final H5Type type;

    Member(String name, long offset, H5Type type) {
      this.name = Objects.requireNonNull(name, "name");
      this.offset = offset;
      this.type = Objects.requireNonNull(type, "type");
    }

    public String name() {
      return name;
    }

    /** Byte offset inside the compound element in the file. */
    public long offset() {
      return offset;
    }

    public H5Type type() {
      return type;
    }

    @Override
    public boolean equals(Object o) {
      return o instanceof Member
          && ((Member) o).name.equals(name)
          && ((Member) o).offset == offset
          && ((Member) o).type.equals(type);
    }

    @Override
    public int hashCode() {
      return Objects.hash(name, offset, type);
    }

    @Override
    public String toString() {
      return name + ": " + type;
    }
  }

  private final Kind kind;
  private final int size; // bytes in the file; 0 for vlen strings
  private final boolean signed;
  private final boolean bigEndian;
  private final boolean variable;
  private final Charset charset;
  private final StringPad pad;
  private final H5Type base; // enum base integer, array element
  private final List<String> enumNames;
  private final long[] enumValues;
  private final List<Member> members;
  private final long[] arrayDims;
  private final String className; // unsupported kinds

  private H5Type(
      Kind kind,
      int size,
      boolean signed,
      boolean bigEndian,
      boolean variable,
      Charset charset,
      StringPad pad,
      H5Type base,
      List<String> enumNames,
      long[] enumValues,
      List<Member> members,
      long[] arrayDims,
      String className) {
    this.kind = kind;
    this.size = size;
    this.signed = signed;
    this.bigEndian = bigEndian;
    this.variable = variable;
    this.charset = charset;
    this.pad = pad;
    this.base = base;
    this.enumNames = enumNames;
    this.enumValues = enumValues;
    this.members = members;
    this.arrayDims = arrayDims;
    this.className = className;
  }

  // ---------------------------------------------------------------- factories

  /** An integer of {@code size} bytes (1, 2, 4 or 8). */
  public static H5Type integer(int size, boolean signed, ByteOrder order) {
    if (size != 1 && size != 2 && size != 4 && size != 8) {
      throw new H5SwmrDataException(
          "unsupported integer size " + size + " bytes; valid sizes are 1, 2, 4, 8");
    }
    return new H5Type(
        Kind.INTEGER,
        size,
        signed,
        order == ByteOrder.BIG_ENDIAN,
        false,
        null,
        null,
        null,
        null,
        null,
        null,
        null,
        null);
  }

  /** A little-endian integer of {@code size} bytes. */
  public static H5Type integer(int size, boolean signed) {
    return integer(size, signed, ByteOrder.LITTLE_ENDIAN);
  }

  public static H5Type int8() {
    return integer(1, true);
  }

  public static H5Type int16() {
    return integer(2, true);
  }

  public static H5Type int32() {
    return integer(4, true);
  }

  public static H5Type int64() {
    return integer(8, true);
  }

  /** An IEEE float of {@code size} bytes: 2 (half precision, as h5py writes float16), 4 or 8. */
  public static H5Type floating(int size, ByteOrder order) {
    if (size != 2 && size != 4 && size != 8) {
      throw new H5SwmrDataException(
          "unsupported float size " + size + " bytes; valid sizes are 2, 4, 8");
    }
    return new H5Type(
        Kind.FLOAT,
        size,
        true,
        order == ByteOrder.BIG_ENDIAN,
        false,
        null,
        null,
        null,
        null,
        null,
        null,
        null,
        null);
  }

  public static H5Type float16() {
    return floating(2, ByteOrder.LITTLE_ENDIAN);
  }

  public static H5Type float32() {
    return floating(4, ByteOrder.LITTLE_ENDIAN);
  }

  public static H5Type float64() {
    return floating(8, ByteOrder.LITTLE_ENDIAN);
  }

  /** A variable-length string (what h5py writes for Python {@code str}). */
  public static H5Type vlenString(Charset charset) {
    return new H5Type(
        Kind.STRING,
        0,
        false,
        false,
        true,
        Objects.requireNonNull(charset),
        StringPad.NULLTERM,
        null,
        null,
        null,
        null,
        null,
        null);
  }

  /** A variable-length UTF-8 string. */
  public static H5Type vlenUtf8() {
    return vlenString(Charset.UTF8);
  }

  /** A fixed-length string of {@code length} bytes. */
  public static H5Type fixedString(int length, Charset charset, StringPad pad) {
    if (length < 1) {
      throw new H5SwmrDataException("fixed-length string needs at least 1 byte, got " + length);
    }
    return new H5Type(
        Kind.STRING,
        length,
        false,
        false,
        false,
        Objects.requireNonNull(charset),
        Objects.requireNonNull(pad),
        null,
        null,
        null,
        null,
        null,
        null);
  }

  /** An enum over an integer base type; names and values pair up by index. */
  public static H5Type enumeration(H5Type base, List<String> names, long[] values) {
    if (base.kind != Kind.INTEGER) {
      throw new H5SwmrDataException("enum base must be an integer type, got " + base);
    }
    if (names.size() != values.length) {
      throw new H5SwmrDataException(
          "enum needs one value per name: "
              + names.size()
              + " names, "
              + values.length
              + " values");
    }
    return new H5Type(
        Kind.ENUM,
        base.size,
        base.signed,
        base.bigEndian,
        false,
        null,
        null,
        base,
        List.copyOf(names),
        values.clone(),
        null,
        null,
        null);
  }

  /** The h5py boolean: enum of int8 {@code {FALSE: 0, TRUE: 1}}. */
  public static H5Type bool() {
    return enumeration(int8(), List.of("FALSE", "TRUE"), new long[] {0, 1});
  }

  /** A compound whose members are laid out packed, in the given order. Names must be unique. */
  public static H5Type compound(List<String> names, List<H5Type> types) {
    if (names.size() != types.size() || names.isEmpty()) {
      throw new H5SwmrDataException(
          "compound needs one type per member name and at least one member: "
              + names
              + " / "
              + types);
    }
    List<Member> ms = new ArrayList<>(names.size());
    long offset = 0;
    for (int i = 0; i < names.size(); i++) {
      String name = names.get(i);
      if (names.indexOf(name) != i) {
        throw new H5SwmrDataException("duplicate compound member name '" + name + "' in " + names);
      }
      ms.add(new Member(name, offset, types.get(i)));
      offset += types.get(i).storageSize();
    }
    return fromMembers(ms, (int) offset);
  }

  static H5Type fromMembers(List<Member> members, int size) {
    return new H5Type(
        Kind.COMPOUND,
        size,
        false,
        false,
        false,
        null,
        null,
        null,
        null,
        null,
        Collections.unmodifiableList(new ArrayList<>(members)),
        null,
        null);
  }

  /** A fixed-size array of {@code base} with the given dimensions. */
  public static H5Type array(long[] dims, H5Type base) {
    if (dims.length == 0) {
      throw new H5SwmrDataException("array type needs at least one dimension");
    }
    long n = 1;
    for (long d : dims) {
      if (d < 1) {
        throw new H5SwmrDataException(
            "array dimensions must be positive, got " + Arrays.toString(dims));
      }
      n *= d;
    }
    return new H5Type(
        Kind.ARRAY,
        (int) (n * base.storageSize()),
        false,
        false,
        false,
        null,
        null,
        base,
        null,
        null,
        null,
        dims.clone(),
        null);
  }

  /**
   * A type this connector cannot read as values; {@code className} is the HDF5 class, e.g.
   * "H5T_OPAQUE".
   */
  public static H5Type unsupported(String className, int size) {
    return new H5Type(
        Kind.UNSUPPORTED,
        size,
        false,
        false,
        false,
        null,
        null,
        null,
        null,
        null,
        null,
        null,
        Objects.requireNonNull(className));
  }

  // ---------------------------------------------------------------- accessors

  public Kind kind() {
    return kind;
  }

  /** Bytes per element in the file; 0 for variable-length strings (stored out of line). */
  public int size() {
    return size;
  }

  int storageSize() {
    return kind == Kind.STRING && variable ? 8 : size;
  }

  public boolean isSigned() {
    return signed;
  }

  /** Byte order of integers, floats and enums; little-endian for every other kind. */
  public ByteOrder byteOrder() {
    return bigEndian ? ByteOrder.BIG_ENDIAN : ByteOrder.LITTLE_ENDIAN;
  }

  /** True for variable-length strings. */
  public boolean isVariableLength() {
    return variable;
  }

  /** Character set of a string type, null for other kinds. */
  public Charset charset() {
    return charset;
  }

  /** Pad rule of a string type, null for other kinds. */
  public StringPad pad() {
    return pad;
  }

  /** Enum base integer or array element type; null for other kinds. */
  public H5Type base() {
    return base;
  }

  public List<String> enumNames() {
    return enumNames == null ? List.of() : enumNames;
  }

  public long[] enumValues() {
    return enumValues == null ? new long[0] : enumValues.clone();
  }

  /** The name of enum value {@code value}, or null when it has none. */
  public String enumName(long value) {
    if (enumValues != null) {
      for (int i = 0; i < enumValues.length; i++) {
        if (enumValues[i] == value) {
          return enumNames.get(i);
        }
      }
    }
    return null;
  }

  /**
   * Enum value {@code value} as text: its member name, or, for a stored value that is no member of
   * the type (netCDF-4 enums and instrument status codes often hold such values), the number in
   * decimal, as h5py returns it. Never null: a stored value is never lost.
   */
  public String enumText(long value) {
    String name = enumName(value);
    if (name != null) {
      return name;
    }
    return !signed && size == 8 ? Long.toUnsignedString(value) : Long.toString(value);
  }

  /**
   * True for the h5py boolean: an enum of a 1-byte signed integer with exactly {FALSE: 0, TRUE: 1}.
   */
  public boolean isBoolean() {
    if (kind != Kind.ENUM || size != 1 || !signed || enumNames.size() != 2) {
      return false;
    }
    int f = enumNames.indexOf("FALSE");
    int t = enumNames.indexOf("TRUE");
    return f >= 0 && t >= 0 && enumValues[f] == 0 && enumValues[t] == 1;
  }

  public List<Member> members() {
    return members == null ? List.of() : members;
  }

  /** The compound member called {@code name}, or null. */
  public Member member(String name) {
    for (Member m : members()) {
      if (m.name.equals(name)) {
        return m;
      }
    }
    return null;
  }

  public long[] arrayDims() {
    return arrayDims == null ? new long[0] : arrayDims.clone();
  }

  /**
   * The HDF5 class name of an unsupported type (e.g. "H5T_REFERENCE"); null for supported kinds.
   */
  public String className() {
    return className;
  }

  /** For arrays (also nested): the innermost element type; otherwise this type. */
  public H5Type leaf() {
    return kind == Kind.ARRAY ? base.leaf() : this;
  }

  /** Leaf elements per value: the product of all (nested) array dimensions; 1 for non-arrays. */
  public long elementsPerValue() {
    if (kind != Kind.ARRAY) {
      return 1;
    }
    long n = base.elementsPerValue();
    for (long d : arrayDims) {
      n *= d;
    }
    return n;
  }

  /** True for kinds read as single values: integer, float, string, enum. */
  public boolean isScalar() {
    return kind == Kind.INTEGER || kind == Kind.FLOAT || kind == Kind.STRING || kind == Kind.ENUM;
  }

  /**
   * The Java kind a value of this type is read into; for arrays, of the innermost element.
   *
   * @throws H5SwmrDataException for compound and unsupported types
   */
  public H5MemKind memKind() {
    H5Type t = leaf();
    switch (t.kind) {
      case INTEGER:
      case ENUM:
        if (t.signed) {
          return t.size == 1
              ? H5MemKind.BYTE
              : t.size == 2 ? H5MemKind.SHORT : t.size == 4 ? H5MemKind.INT : H5MemKind.LONG;
        }
        return t.size == 1 ? H5MemKind.SHORT : t.size == 2 ? H5MemKind.INT : H5MemKind.LONG;
      case FLOAT:
        return t.size == 8 ? H5MemKind.DOUBLE : H5MemKind.FLOAT;
      case STRING:
        return H5MemKind.STRING;
      default:
        throw new H5SwmrDataException(
            "unsupported type " + t + ": it has no single Java value kind");
    }
  }

  // ---------------------------------------------------------------- object methods

  @Override
  public boolean equals(Object o) {
    if (this == o) {
      return true;
    }
    if (!(o instanceof H5Type)) {
      return false;
    }
    H5Type t = (H5Type) o;
    return kind == t.kind
        && size == t.size
        && signed == t.signed
        && bigEndian == t.bigEndian
        && variable == t.variable
        && charset == t.charset
        && pad == t.pad
        && Objects.equals(base, t.base)
        && Objects.equals(enumNames, t.enumNames)
        && Arrays.equals(enumValues, t.enumValues)
        && Objects.equals(members, t.members)
        && Arrays.equals(arrayDims, t.arrayDims)
        && Objects.equals(className, t.className);
  }

  @Override
  public int hashCode() {
    return Objects.hash(
        kind,
        size,
        signed,
        bigEndian,
        variable,
        charset,
        pad,
        base,
        enumNames,
        Arrays.hashCode(enumValues),
        members,
        Arrays.hashCode(arrayDims),
        className);
  }

  @Override
  public String toString() {
    String endian = bigEndian ? " (big-endian)" : "";
    switch (kind) {
      case INTEGER:
        return (signed ? "int" : "uint") + (size * 8) + endian;
      case FLOAT:
        return "float" + (size * 8) + endian;
      case STRING:
        String cs = charset == Charset.UTF8 ? "utf-8" : "ascii";
        return variable
            ? "vlen " + cs + " string"
            : "fixed " + size + "-byte " + cs + " string (" + pad.name().toLowerCase() + ")";
      case ENUM:
        if (isBoolean()) {
          return "bool (enum int8 {FALSE: 0, TRUE: 1})";
        }
        StringBuilder e = new StringBuilder("enum ").append(base).append(" {");
        for (int i = 0; i < enumNames.size(); i++) {
          e.append(i == 0 ? "" : ", ").append(enumNames.get(i)).append(": ").append(enumValues[i]);
        }
        return e.append('}').toString();
      case COMPOUND:
        StringBuilder c = new StringBuilder("compound{");
        for (int i = 0; i < members.size(); i++) {
          c.append(i == 0 ? "" : ", ").append(members.get(i));
        }
        return c.append('}').toString();
      case ARRAY:
        StringBuilder a = new StringBuilder("array[");
        for (int i = 0; i < arrayDims.length; i++) {
          a.append(i == 0 ? "" : "x").append(arrayDims[i]);
        }
        return a.append("] of ").append(base).toString();
      default:
        String n = className.startsWith("H5T_") ? className.substring(4).toLowerCase() : className;
        return n + " (unsupported)";
    }
  }
}
