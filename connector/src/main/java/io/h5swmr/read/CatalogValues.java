package io.h5swmr.read;

import java.util.Arrays;

/**
 * Text of attribute values in the catalog views: exactly the value (never truncated), arrays as
 * JSON-like lists ({@code [1, 2]}, {@code ["a", "b"]}), and the type h5swmr reads the value as.
 */
final class CatalogValues {
  private CatalogValues() {}

  /** The value as text: a scalar as is, an array as a JSON-like list. */
  static String text(Object v) {
    if (v instanceof long[]) {
      return Arrays.toString((long[]) v);
    }
    if (v instanceof double[]) {
      return Arrays.toString((double[]) v);
    }
    if (v instanceof boolean[]) {
      return Arrays.toString((boolean[]) v);
    }
    if (v instanceof Object[]) {
      Object[] a = (Object[]) v;
      StringBuilder b = new StringBuilder("[");
      for (int i = 0; i < a.length; i++) {
        b.append(i == 0 ? "" : ", ");
        quote(b, String.valueOf(a[i]));
      }
      return b.append(']').toString();
    }
    return String.valueOf(v);
  }

  /**
   * The type of the value as h5swmr reads attributes: {@code int64} (integers), {@code float64},
   * {@code string}, {@code bool}; an array adds its length, e.g. {@code int64[3]}.
   */
  static String type(Object v) {
    if (v instanceof long[]) {
      return "int64[" + ((long[]) v).length + "]";
    }
    if (v instanceof double[]) {
      return "float64[" + ((double[]) v).length + "]";
    }
    if (v instanceof boolean[]) {
      return "bool[" + ((boolean[]) v).length + "]";
    }
    if (v instanceof Object[]) {
      return "string[" + ((Object[]) v).length + "]";
    }
    if (v instanceof Long) {
      return "int64";
    }
    if (v instanceof Double) {
      return "float64";
    }
    if (v instanceof Boolean) {
      return "bool";
    }
    return "string";
  }

  private static void quote(StringBuilder b, String s) {
    b.append('"');
    for (int i = 0; i < s.length(); i++) {
      char c = s.charAt(i);
      switch (c) {
        case '"':
          b.append("\\\"");
          break;
        case '\\':
          b.append("\\\\");
          break;
        case '\n':
          b.append("\\n");
          break;
        case '\t':
          b.append("\\t");
          break;
        case '\r':
          b.append("\\r");
          break;
        default:
          if (c < 0x20) {
            b.append(String.format("\\u%04x", (int) c));
          } else {
            b.append(c);
          }
      }
    }
    b.append('"');
  }
}
