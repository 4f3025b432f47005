package io.h5swmr.hdf5;

import hdf.hdf5lib.H5;
import hdf.hdf5lib.HDF5Constants;
import io.h5swmr.exceptions.H5SwmrDataException;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.util.ArrayList;
import java.util.List;

/**
 * Converts between native datatype ids and {@link H5Type}: describing a file's type, creating file
 * types for new datasets and creating the native memory types reads and writes use. Every method
 * must run under the native guard; every returned id is new and owned by the caller.
 */
final class H5Types {
  private H5Types() {}

  /**
   * Describes the datatype {@code tid}; never fails on exotic types, which become {@link
   * H5Type#unsupported}.
   */
  static H5Type describe(long tid) throws Exception {
    int cls = H5.H5Tget_class(tid);
    int size = (int) H5.H5Tget_size(tid);
    if (cls == HDF5Constants.H5T_INTEGER) {
      if (size != 1 && size != 2 && size != 4 && size != 8) {
        return H5Type.unsupported("H5T_INTEGER (" + size + " bytes)", size);
      }
      return H5Type.integer(size, H5.H5Tget_sign(tid) == HDF5Constants.H5T_SGN_2, order(tid));
    }
    if (cls == HDF5Constants.H5T_FLOAT) {
      if (size != 2 && size != 4 && size != 8) {
        return H5Type.unsupported("H5T_FLOAT (" + size + " bytes)", size);
      }
      return H5Type.floating(size, order(tid));
    }
    if (cls == HDF5Constants.H5T_STRING) {
      H5Type.Charset cs =
          H5.H5Tget_cset(tid) == HDF5Constants.H5T_CSET_UTF8
              ? H5Type.Charset.UTF8
              : H5Type.Charset.ASCII;
      if (H5.H5Tis_variable_str(tid)) {
        return H5Type.vlenString(cs);
      }
      int pad = H5.H5Tget_strpad(tid);
      H5Type.StringPad p =
          pad == HDF5Constants.H5T_STR_NULLPAD
              ? H5Type.StringPad.NULLPAD
              : pad == HDF5Constants.H5T_STR_SPACEPAD
                  ? H5Type.StringPad.SPACEPAD
                  : H5Type.StringPad.NULLTERM;
      return H5Type.fixedString(size, cs, p);
    }
    if (cls == HDF5Constants.H5T_ENUM) {
      H5Type base;
      long superId = H5.H5Tget_super(tid);
      try (H5Id s = H5Id.type(superId)) {
        base = describe(s.id());
      }
      if (base.kind() != H5Type.Kind.INTEGER) {
        return H5Type.unsupported("H5T_ENUM of " + base, size);
      }
      int n = H5.H5Tget_nmembers(tid);
      List<String> names = new ArrayList<>(n);
      long[] values = new long[n];
      byte[] raw = new byte[size];
      for (int i = 0; i < n; i++) {
        names.add(H5Names.memberName(tid, i));
        H5.H5Tget_member_value(tid, i, raw);
        values[i] = decodeInteger(raw, base);
      }
      return H5Type.enumeration(base, names, values);
    }
    if (cls == HDF5Constants.H5T_COMPOUND) {
      int n = H5.H5Tget_nmembers(tid);
      List<H5Type.Member> members = new ArrayList<>(n);
      for (int i = 0; i < n; i++) {
        String name = H5Names.memberName(tid, i);
        long offset = H5.H5Tget_member_offset(tid, i);
        try (H5Id m = H5Id.type(H5.H5Tget_member_type(tid, i))) {
          members.add(new H5Type.Member(name, offset, describe(m.id())));
        }
      }
      return H5Type.fromMembers(members, size);
    }
    if (cls == HDF5Constants.H5T_ARRAY) {
      int ndims = H5.H5Tget_array_ndims(tid);
      long[] dims = new long[ndims];
      H5.H5Tget_array_dims2(tid, dims);
      try (H5Id s = H5Id.type(H5.H5Tget_super(tid))) {
        return H5Type.array(dims, describe(s.id()));
      }
    }
    return H5Type.unsupported(H5.H5Tget_class_name(cls), size);
  }

  private static ByteOrder order(long tid) throws Exception {
    return H5.H5Tget_order(tid) == HDF5Constants.H5T_ORDER_BE
        ? ByteOrder.BIG_ENDIAN
        : ByteOrder.LITTLE_ENDIAN;
  }

  private static long decodeInteger(byte[] raw, H5Type base) {
    ByteBuffer b = ByteBuffer.wrap(raw, 0, base.size()).order(base.byteOrder());
    switch (base.size()) {
      case 1:
        return base.isSigned() ? b.get() : b.get() & 0xFFL;
      case 2:
        return base.isSigned() ? b.getShort() : b.getShort() & 0xFFFFL;
      case 4:
        return base.isSigned() ? b.getInt() : b.getInt() & 0xFFFFFFFFL;
      default:
        return b.getLong();
    }
  }

  private static byte[] encodeInteger(long value, H5Type base) {
    ByteBuffer b = ByteBuffer.allocate(base.size()).order(base.byteOrder());
    switch (base.size()) {
      case 1:
        b.put((byte) value);
        break;
      case 2:
        b.putShort((short) value);
        break;
      case 4:
        b.putInt((int) value);
        break;
      default:
        b.putLong(value);
        break;
    }
    return b.array();
  }

  /**
   * Creates the file (storage) datatype for {@code t}: exactly its sizes, byte orders and string
   * rules.
   */
  static long createFileType(H5Type t) throws Exception {
    switch (t.kind()) {
      case INTEGER:
        {
          long src;
          switch (t.size()) {
            case 1:
              src = t.isSigned() ? HDF5Constants.H5T_STD_I8LE : HDF5Constants.H5T_STD_U8LE;
              break;
            case 2:
              src = t.isSigned() ? HDF5Constants.H5T_STD_I16LE : HDF5Constants.H5T_STD_U16LE;
              break;
            case 4:
              src = t.isSigned() ? HDF5Constants.H5T_STD_I32LE : HDF5Constants.H5T_STD_U32LE;
              break;
            default:
              src = t.isSigned() ? HDF5Constants.H5T_STD_I64LE : HDF5Constants.H5T_STD_U64LE;
              break;
          }
          return withOrder(H5.H5Tcopy(src), t);
        }
      case FLOAT:
        {
          if (t.size() == 2) {
            // IEEE half precision, laid out as h5py does (1 sign, 5 exponent, 10 mantissa bits,
            // bias 15).
            long id = H5.H5Tcopy(HDF5Constants.H5T_IEEE_F32LE);
            H5.H5Tset_fields(id, 15L, 10L, 5L, 0L, 10L);
            H5.H5Tset_size(id, 2);
            H5.H5Tset_ebias(id, 15);
            return withOrder(id, t);
          }
          return withOrder(
              H5.H5Tcopy(
                  t.size() == 4 ? HDF5Constants.H5T_IEEE_F32LE : HDF5Constants.H5T_IEEE_F64LE),
              t);
        }
      case STRING:
        return createStringType(t);
      case ENUM:
        {
          long id;
          try (H5Id base = H5Id.type(createFileType(t.base()))) {
            id = H5.H5Tenum_create(base.id());
          }
          List<String> names = t.enumNames();
          long[] values = t.enumValues();
          for (int i = 0; i < names.size(); i++) {
            H5.H5Tenum_insert(id, names.get(i), encodeInteger(values[i], t.base()));
          }
          return id;
        }
      case COMPOUND:
        {
          List<H5Type.Member> members = t.members();
          List<H5Id> ids = new ArrayList<>(members.size());
          try {
            long total = 0;
            for (H5Type.Member m : members) {
              H5Id mid = H5Id.type(createFileType(m.type()));
              ids.add(mid);
              total += H5.H5Tget_size(mid.id());
            }
            long id = H5.H5Tcreate(HDF5Constants.H5T_COMPOUND, total);
            long offset = 0;
            for (int i = 0; i < members.size(); i++) {
              H5Names.tinsert(id, members.get(i).name(), offset, ids.get(i).id());
              offset += H5.H5Tget_size(ids.get(i).id());
            }
            return id;
          } finally {
            ids.forEach(H5Id::close);
          }
        }
      case ARRAY:
        {
          try (H5Id base = H5Id.type(createFileType(t.base()))) {
            long[] dims = t.arrayDims();
            return H5.H5Tarray_create(base.id(), dims.length, dims);
          }
        }
      default:
        throw new H5SwmrDataException("cannot create a dataset of unsupported type " + t);
    }
  }

  private static long withOrder(long id, H5Type t) throws Exception {
    if (t.byteOrder() == ByteOrder.BIG_ENDIAN) {
      H5.H5Tset_order(id, HDF5Constants.H5T_ORDER_BE);
    }
    return id;
  }

  private static long createStringType(H5Type t) throws Exception {
    long id = H5.H5Tcopy(HDF5Constants.H5T_C_S1);
    H5.H5Tset_size(id, t.isVariableLength() ? HDF5Constants.H5T_VARIABLE : t.size());
    H5.H5Tset_cset(
        id,
        t.charset() == H5Type.Charset.UTF8
            ? HDF5Constants.H5T_CSET_UTF8
            : HDF5Constants.H5T_CSET_ASCII);
    H5.H5Tset_strpad(
        id,
        t.pad() == H5Type.StringPad.NULLPAD
            ? HDF5Constants.H5T_STR_NULLPAD
            : t.pad() == H5Type.StringPad.SPACEPAD
                ? HDF5Constants.H5T_STR_SPACEPAD
                : HDF5Constants.H5T_STR_NULLTERM);
    return id;
  }

  /**
   * Creates the native memory type for a value of {@code t} (a scalar or an array of scalars) held
   * in Java as {@code kind}: the native type of {@code kind} (NATIVE_UINT64 for unsigned 64-bit
   * sources so the raw bits survive), arrays of it, or for strings the string type itself.
   */
  static long createMemType(H5Type t, H5MemKind kind) throws Exception {
    return createMemType(t, kind, false);
  }

  /**
   * As {@link #createMemType(H5Type, H5MemKind)}; {@code forWrite} makes enums native enums with
   * the same members, because HDF5 converts enum to integer but not integer to enum.
   */
  static long createMemType(H5Type t, H5MemKind kind, boolean forWrite) throws Exception {
    if (t.kind() == H5Type.Kind.ARRAY) {
      try (H5Id base = H5Id.type(createMemType(t.base(), kind, forWrite))) {
        long[] dims = t.arrayDims();
        return H5.H5Tarray_create(base.id(), dims.length, dims);
      }
    }
    if (t.kind() == H5Type.Kind.STRING) {
      return createStringType(t);
    }
    if (forWrite && t.kind() == H5Type.Kind.ENUM) {
      if (kind == H5MemKind.FLOAT || kind == H5MemKind.DOUBLE) {
        throw new H5SwmrDataException(
            "enum "
                + t
                + " must be written from integer values (byte[], short[], "
                + "int[], long[]), not "
                + kind.arrayClass().getSimpleName());
      }
      long id = H5.H5Tenum_create(nativeType(kind, t));
      H5Type base = H5Type.integer(kind.bytes(), true, ByteOrder.nativeOrder());
      List<String> names = t.enumNames();
      long[] values = t.enumValues();
      for (int i = 0; i < names.size(); i++) {
        H5.H5Tenum_insert(id, names.get(i), encodeInteger(values[i], base));
      }
      return id;
    }
    return H5.H5Tcopy(nativeType(kind, t));
  }

  /**
   * The predefined native type (never closed) for {@code kind}, given the source scalar {@code t}.
   */
  static long nativeType(H5MemKind kind, H5Type t) {
    switch (kind) {
      case BYTE:
        return HDF5Constants.H5T_NATIVE_INT8;
      case SHORT:
        return HDF5Constants.H5T_NATIVE_INT16;
      case INT:
        return HDF5Constants.H5T_NATIVE_INT32;
      case LONG:
        boolean unsigned64 =
            (t.kind() == H5Type.Kind.INTEGER || t.kind() == H5Type.Kind.ENUM)
                && !t.isSigned()
                && t.size() == 8;
        return unsigned64 ? HDF5Constants.H5T_NATIVE_UINT64 : HDF5Constants.H5T_NATIVE_INT64;
      case FLOAT:
        return HDF5Constants.H5T_NATIVE_FLOAT;
      case DOUBLE:
        return HDF5Constants.H5T_NATIVE_DOUBLE;
      default:
        throw new IllegalArgumentException("no native numeric type for " + t);
    }
  }

  /** Bytes one value of {@code t} occupies in the memory type of {@link #createMemType}. */
  static int memSize(H5Type t, H5MemKind kind) {
    H5Type leaf = t.leaf();
    int leafSize = leaf.kind() == H5Type.Kind.STRING ? leafMemSize(leaf) : kind.bytes();
    return Math.toIntExact(leafSize * t.elementsPerValue());
  }

  /**
   * Bytes of one scalar leaf in memory: a {@code char*} for vlen strings, else the type's own size.
   */
  static int leafMemSize(H5Type leaf) {
    return leaf.kind() == H5Type.Kind.STRING && leaf.isVariableLength() ? Long.BYTES : leaf.size();
  }
}
