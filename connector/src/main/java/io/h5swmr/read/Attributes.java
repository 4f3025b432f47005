package io.h5swmr.read;

import java.util.Arrays;

/** Text form of HDF5 attribute values for field metadata and table properties. */
final class Attributes {
  private Attributes() {}

  static String text(Object v) {
    if (v instanceof long[]) {
      return Arrays.toString((long[]) v);
    }
    if (v instanceof double[]) {
      return Arrays.toString((double[]) v);
    }
    if (v instanceof Object[]) {
      return Arrays.toString((Object[]) v);
    }
    return String.valueOf(v);
  }
}
