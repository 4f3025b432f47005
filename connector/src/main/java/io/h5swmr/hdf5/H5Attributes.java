package io.h5swmr.hdf5;

import hdf.hdf5lib.H5;
import hdf.hdf5lib.HDF5Constants;
import io.h5swmr.exceptions.H5SwmrDataException;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.charset.StandardCharsets;
import java.util.LinkedHashMap;
import java.util.Map;
import org.bytedeco.hdf5.global.hdf5;
import org.bytedeco.javacpp.BytePointer;

/**
 * Reads and writes attributes of an open object. Values map to Java as: integers → Long / long[]
 * (uint64 as raw bits), floats → Double / double[], strings → String / String[], h5py booleans →
 * Boolean / boolean[], other enums → the member name(s). Attributes of any other type, of a null
 * dataspace or larger than {@link #MAX_ELEMENTS} elements are skipped. All methods run under the
 * native guard. Java arrays are never pinned in a JNI critical region: the object's file may be
 * open through our Java file driver (see {@code H5RowIo}), and attribute values are small enough
 * that the copy costs nothing.
 */
final class H5Attributes {
  /** Larger attributes are not "small metadata" and are left out of {@link #readAll}. */
  static final int MAX_ELEMENTS = 4096;

  private static final long DEFAULT = H5Calls.DEFAULT;

  private H5Attributes() {}

  /** Every readable attribute of object {@code oid}, by name order. */
  static Map<String, Object> readAll(long oid) throws Exception {
    Map<String, Object> out = new LinkedHashMap<>();
    long n = H5.H5Oget_info(oid, HDF5Constants.H5O_INFO_NUM_ATTRS).num_attrs;
    for (long i = 0; i < n; i++) {
      try (H5Id attr =
          H5Id.attribute(
              H5.H5Aopen_by_idx(
                  oid,
                  ".",
                  HDF5Constants.H5_INDEX_NAME,
                  HDF5Constants.H5_ITER_INC,
                  i,
                  DEFAULT,
                  DEFAULT))) {
        String name = H5Names.attributeName(attr.id());
        Object value;
        try {
          value = read(attr.id());
        } catch (Exception e) {
          value = null; // an unreadable attribute is skipped, never fatal
          H5Calls.stackText();
        }
        if (value != null) {
          out.put(name, value);
        }
      }
    }
    return out;
  }

  /** The value of one attribute, or null when its type or shape is not supported. */
  private static Object read(long aid) throws Exception {
    H5Type type;
    try (H5Id t = H5Id.type(H5.H5Aget_type(aid))) {
      type = H5Types.describe(t.id());
    }
    boolean scalar;
    int n;
    try (H5Id space = H5Id.space(H5.H5Aget_space(aid))) {
      int cls = H5.H5Sget_simple_extent_type(space.id());
      if (cls == HDF5Constants.H5S_NULL) {
        return null;
      }
      scalar = cls == HDF5Constants.H5S_SCALAR;
      long points = H5.H5Sget_simple_extent_npoints(space.id());
      if (points > MAX_ELEMENTS) {
        return null;
      }
      n = (int) points;
    }
    switch (type.kind()) {
      case INTEGER:
      case ENUM:
        {
          long[] v = new long[n];
          H5.H5Aread_long(aid, H5Types.nativeType(H5MemKind.LONG, type), v, false);
          if (type.isBoolean()) {
            boolean[] b = new boolean[n];
            for (int i = 0; i < n; i++) {
              b[i] = v[i] != 0;
            }
            return scalar ? (Object) b[0] : b;
          }
          if (type.kind() == H5Type.Kind.ENUM) {
            String[] names = new String[n];
            for (int i = 0; i < n; i++) {
              names[i] = type.enumText(v[i]);
            }
            return scalar ? names[0] : names;
          }
          return scalar ? (Object) v[0] : v;
        }
      case FLOAT:
        {
          double[] v = new double[n];
          H5.H5Aread_double(aid, HDF5Constants.H5T_NATIVE_DOUBLE, v, false);
          return scalar ? (Object) v[0] : v;
        }
      case STRING:
        {
          String[] s = readStrings(aid, type, n);
          return scalar ? s[0] : s;
        }
      default:
        return null;
    }
  }

  private static String[] readStrings(long aid, H5Type type, int n) throws Exception {
    String[] out = new String[n];
    try (H5Id mt = H5Id.type(H5Types.createMemType(type, H5MemKind.STRING))) {
      if (!type.isVariableLength()) {
        byte[] buf = new byte[n * type.size()];
        H5.H5Aread(aid, mt.id(), buf, false);
        for (int i = 0; i < n; i++) {
          out[i] = H5Strings.decodeFixed(buf, i * type.size(), type.size(), type.pad());
        }
        return out;
      }
      try (BytePointer buf = new BytePointer((long) n * Long.BYTES);
          H5Id space = H5Id.space(H5.H5Aget_space(aid))) {
        buf.zero();
        H5Calls.check(hdf5.H5Aread(aid, mt.id(), buf), "H5Aread");
        try {
          for (int i = 0; i < n; i++) {
            out[i] = NativeMemory.cString(buf.getLong((long) i * Long.BYTES));
          }
        } finally {
          H5Calls.check(hdf5.H5Treclaim(mt.id(), space.id(), DEFAULT, buf), "H5Treclaim");
        }
      }
    }
    return out;
  }

  /**
   * Writes (replacing) attribute {@code name} of object {@code oid}. Accepts String,
   * Long/Integer/Short/Byte, Double/Float, Boolean, long[], int[], double[], String[].
   */
  static void write(long oid, String name, Object value) throws Exception {
    if (H5Names.aexists(oid, name)) {
      H5Names.adelete(oid, name);
    }
    H5Type type;
    int n;
    boolean scalar = !value.getClass().isArray();
    byte[] numeric = null;
    String[] strings = null;
    if (value instanceof String || value instanceof String[]) {
      strings = scalar ? new String[] {(String) value} : (String[]) value;
      type = H5Type.vlenUtf8();
      n = strings.length;
    } else if (value instanceof Boolean) {
      type = H5Type.bool();
      n = 1;
      numeric = new byte[] {(byte) ((Boolean) value ? 1 : 0)};
    } else if (value instanceof Double || value instanceof Float || value instanceof double[]) {
      double[] d = scalar ? new double[] {((Number) value).doubleValue()} : (double[]) value;
      type = H5Type.float64();
      n = d.length;
      ByteBuffer b = ByteBuffer.allocate(n * 8).order(ByteOrder.nativeOrder());
      b.asDoubleBuffer().put(d);
      numeric = b.array();
    } else if (value instanceof Long
        || value instanceof Integer
        || value instanceof Short
        || value instanceof Byte
        || value instanceof long[]
        || value instanceof int[]) {
      long[] l;
      if (value instanceof int[]) {
        int[] ints = (int[]) value;
        l = new long[ints.length];
        for (int i = 0; i < ints.length; i++) {
          l[i] = ints[i];
        }
      } else {
        l = scalar ? new long[] {((Number) value).longValue()} : (long[]) value;
      }
      type = H5Type.int64();
      n = l.length;
      ByteBuffer b = ByteBuffer.allocate(n * 8).order(ByteOrder.nativeOrder());
      b.asLongBuffer().put(l);
      numeric = b.array();
    } else {
      throw new H5SwmrDataException(
          "attribute '"
              + name
              + "' has unsupported value type "
              + value.getClass().getSimpleName()
              + "; valid are String, Long, Integer, Double, Boolean, long[], "
              + "int[], double[], String[]");
    }
    long space =
        scalar
            ? H5.H5Screate(HDF5Constants.H5S_SCALAR)
            : H5.H5Screate_simple(1, new long[] {n}, null);
    try (H5Id sp = H5Id.space(space);
        H5Id ft = H5Id.type(H5Types.createFileType(type));
        H5Id attr =
            H5Id.attribute(H5Names.acreate(oid, name, ft.id(), sp.id(), DEFAULT, DEFAULT))) {
      if (strings == null) {
        long mt =
            type.isBoolean()
                ? ft.id()
                : type.kind() == H5Type.Kind.FLOAT
                    ? HDF5Constants.H5T_NATIVE_DOUBLE
                    : HDF5Constants.H5T_NATIVE_INT64;
        H5.H5Awrite(attr.id(), mt, numeric, false);
        return;
      }
      writeStrings(attr.id(), ft.id(), strings);
    }
  }

  private static void writeStrings(long aid, long vlenType, String[] values) throws Exception {
    byte[][] encoded = new byte[values.length][];
    long total = 1;
    for (int i = 0; i < values.length; i++) {
      encoded[i] = values[i] == null ? null : values[i].getBytes(StandardCharsets.UTF_8);
      total += encoded[i] == null ? 0 : encoded[i].length + 1;
    }
    try (BytePointer blob = new BytePointer(total);
        BytePointer pointers = new BytePointer(Math.max(1, (long) values.length * Long.BYTES))) {
      long at = 0;
      for (int i = 0; i < values.length; i++) {
        if (encoded[i] == null) {
          pointers.putLong((long) i * Long.BYTES, 0L);
          continue;
        }
        blob.position(at).put(encoded[i], 0, encoded[i].length);
        blob.position(0).put(at + encoded[i].length, (byte) 0);
        pointers.putLong((long) i * Long.BYTES, blob.address() + at);
        at += encoded[i].length + 1;
      }
      blob.position(0);
      H5Calls.check(hdf5.H5Awrite(aid, vlenType, pointers), "H5Awrite");
    }
  }
}
