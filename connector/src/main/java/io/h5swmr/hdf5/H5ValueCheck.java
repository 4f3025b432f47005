package io.h5swmr.hdf5;

import java.lang.reflect.Array;
import java.nio.charset.StandardCharsets;

/**
 * Whether a value can be stored in an HDF5 leaf type as given. HDF5's own conversions clamp
 * integers (300 into {@code uint8} becomes 255, -1 becomes 0), turn floats too large for the target
 * into infinity, and C strings end at the first NUL byte; every write of this layer checks its
 * values here first and refuses instead.
 *
 * <p>The rules ("never store a value other than the one given"):
 *
 * <ul>
 *   <li>integers and enums: the value must lie in the stored type's range (enums: be one of its
 *       members);
 *   <li>floats into a narrower float ({@code float}/{@code double} into {@code float16}, {@code
 *       double} into {@code float32}): finite values must stay finite and non-zero values must stay
 *       non-zero; rounding to the nearest value of the stored precision is what storing in that
 *       type means and is accepted; NaN and ±infinity are stored as such;
 *   <li>floats into integers: only integral values in range;
 *   <li>strings: no NUL character (U+0000) — HDF5 strings are NUL-terminated or NUL-padded, so a
 *       NUL would end or trim the stored value (h5py refuses them in variable-length strings for
 *       the same reason).
 * </ul>
 *
 * Used by the write path twice: in the Spark tasks before staging (fail fast) and by {@link
 * H5Dataset#write} right before the native write (every write, also through the Java API).
 */
public final class H5ValueCheck {
  /** Largest finite IEEE half-precision value. */
  static final double FLOAT16_MAX = 65504.0;

  /** Values of smaller magnitude round to zero in float16 (half the smallest subnormal, 2^-25). */
  static final double FLOAT16_ZERO_BELOW = Math.scalb(1.0, -25);

  private H5ValueCheck() {}

  /**
   * True when integer {@code v} can be stored in {@code leaf} (an integer, enum or float type) as
   * given.
   */
  public static boolean fits(H5Type leaf, long v) {
    switch (leaf.kind()) {
      case INTEGER:
        if (leaf.size() == 8) {
          return leaf.isSigned() || v >= 0;
        }
        return v >= minOf(leaf) && v <= maxOf(leaf);
      case ENUM:
        for (long e : leaf.enumValues()) {
          if (e == v) {
            return true;
          }
        }
        return false;
      case FLOAT:
        return fits(leaf, (double) v);
      default:
        return true;
    }
  }

  /** True when floating-point {@code v} can be stored in {@code leaf} per the rules above. */
  public static boolean fits(H5Type leaf, double v) {
    switch (leaf.kind()) {
      case FLOAT:
        if (Double.isNaN(v) || Double.isInfinite(v) || v == 0 || leaf.size() == 8) {
          return true;
        }
        double a = Math.abs(v);
        if (leaf.size() == 4) {
          return a <= Float.MAX_VALUE && (float) v != 0f;
        }
        return a <= FLOAT16_MAX && a >= FLOAT16_ZERO_BELOW;
      case INTEGER:
      case ENUM:
        if (Double.isNaN(v) || Double.isInfinite(v) || v != Math.rint(v)) {
          return false;
        }
        if (leaf.kind() == H5Type.Kind.INTEGER && leaf.size() == 8) {
          return leaf.isSigned() ? v >= -0x1p63 && v < 0x1p63 : v >= 0 && v < 0x1p64;
        }
        return v >= Long.MIN_VALUE && v <= Long.MAX_VALUE && fits(leaf, (long) v);
      default:
        return true;
    }
  }

  /** True when the UTF-8 bytes hold no NUL. */
  public static boolean fitsString(byte[] utf8) {
    for (byte b : utf8) {
      if (b == 0) {
        return false;
      }
    }
    return true;
  }

  /** True when the string holds no NUL. */
  public static boolean fitsString(String s) {
    return s.indexOf('\0') < 0;
  }

  /**
   * Index (from 0 at {@code from}) of the first of the {@code n} values of {@code array} ({@code
   * byte[]} … {@code double[]}, {@code String[]} or {@code byte[][]}) that {@code leaf} cannot
   * store as given, or -1. {@code unsigned64} marks a {@code long[]} holding raw uint64 bits
   * (always stored as given into uint64).
   */
  public static int firstMisfit(H5Type leaf, Object array, int from, int n, boolean unsigned64) {
    if (alwaysFits(leaf, array, unsigned64)) {
      return -1;
    }
    if (array instanceof Object[]) {
      Object[] a = (Object[]) array;
      for (int i = 0; i < n; i++) {
        Object v = a[from + i];
        if (v instanceof String
            ? !fitsString((String) v)
            : v instanceof byte[] && !fitsString((byte[]) v)) {
          return i;
        }
      }
    } else if (array instanceof float[] || array instanceof double[]) {
      for (int i = 0; i < n; i++) {
        if (!fits(leaf, Array.getDouble(array, from + i))) {
          return i;
        }
      }
    } else {
      for (int i = 0; i < n; i++) {
        if (!fits(leaf, Array.getLong(array, from + i))) {
          return i;
        }
      }
    }
    return -1;
  }

  /**
   * True when every value of the array's element type fits {@code leaf} (no need to look at the
   * values).
   */
  private static boolean alwaysFits(H5Type leaf, Object array, boolean unsigned64) {
    H5Type.Kind k = leaf.kind();
    if (k == H5Type.Kind.INTEGER && leaf.isSigned()) {
      int bytes =
          array instanceof byte[]
              ? 1
              : array instanceof short[]
                  ? 2
                  : array instanceof int[] ? 4 : array instanceof long[] ? 8 : Integer.MAX_VALUE;
      return bytes <= leaf.size();
    }
    if (k == H5Type.Kind.INTEGER && leaf.size() == 8 && unsigned64) {
      return array instanceof long[];
    }
    if (k == H5Type.Kind.FLOAT) {
      return (array instanceof double[] && leaf.size() == 8)
          || (array instanceof float[] && leaf.size() >= 4);
    }
    return false;
  }

  /** The value at {@code array[i]} as text for messages (strings quoted, NUL shown as \0). */
  public static String valueText(Object array, int i) {
    Object v = Array.get(array, i);
    if (v instanceof byte[]) {
      v = new String((byte[]) v, StandardCharsets.UTF_8);
    }
    if (v instanceof String) {
      String s = ((String) v).replace("\0", "\\0");
      return "\"" + (s.length() <= 60 ? s : s.substring(0, 60) + "...") + "\"";
    }
    return String.valueOf(v);
  }

  /** What {@code leaf} can store, for messages: "0 to 255", "members [RED, GREEN]", ... */
  public static String validRange(H5Type leaf) {
    switch (leaf.kind()) {
      case INTEGER:
        if (leaf.size() == 8) {
          return leaf.isSigned()
              ? Long.MIN_VALUE + " to " + Long.MAX_VALUE
              : "0 to 18446744073709551615";
        }
        return minOf(leaf) + " to " + maxOf(leaf);
      case ENUM:
        StringBuilder b = new StringBuilder("one of its members {");
        java.util.List<String> names = leaf.enumNames();
        long[] values = leaf.enumValues();
        for (int i = 0; i < names.size(); i++) {
          b.append(i == 0 ? "" : ", ").append(names.get(i)).append(": ").append(values[i]);
        }
        return b.append('}').toString();
      case FLOAT:
        if (leaf.size() == 2) {
          return "magnitudes 2^-25 (about 3.0e-8) to 65504, 0, NaN or infinity; values are rounded to the "
              + "nearest float16";
        }
        return leaf.size() == 4
            ? "magnitudes up to "
                + Float.MAX_VALUE
                + " that do not round to 0, 0, NaN or "
                + "infinity"
            : "any double";
      case STRING:
        return (leaf.isVariableLength()
                ? "any text"
                : "text of at most " + leaf.size() + " UTF-8 bytes")
            + " without NUL characters (U+0000)";
      default:
        return String.valueOf(leaf);
    }
  }

  private static long minOf(H5Type t) {
    return t.isSigned() ? -(1L << (8 * t.size() - 1)) : 0;
  }

  private static long maxOf(H5Type t) {
    return t.isSigned() ? (1L << (8 * t.size() - 1)) - 1 : (1L << (8 * t.size())) - 1;
  }
}
