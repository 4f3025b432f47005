package io.h5swmr.hdf5;

import hdf.hdf5lib.H5;
import hdf.hdf5lib.exceptions.HDF5LibraryException;
import java.nio.charset.Charset;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.List;
import org.bytedeco.hdf5.global.hdf5;
import org.bytedeco.javacpp.BytePointer;

/**
 * Names (of files, groups, datasets, attributes and compound members) passed to and read from HDF5
 * as real UTF-8.
 *
 * <p>The HDF Group's JNI wrapper ({@code hdf.hdf5lib.H5}) converts strings with JNI's
 * GetStringUTFChars and NewStringUTF, which speak Java's <i>modified</i> UTF-8: a character outside
 * the Basic Multilingual Plane (an emoji) becomes two 3-byte surrogate halves (CESU-8) instead of
 * its 4-byte UTF-8 form. h5py and every other tool then see a different name, h5swmr cannot find an
 * object h5py wrote, and a file path with such a character names a directory that does not exist.
 * For BMP-only names both encodings are the same bytes, so those keep the JNI calls; a name with a
 * supplementary character (or a NUL) goes through the JavaCPP C API with its UTF-8 bytes. Names
 * read back always come as bytes and are decoded as UTF-8. File paths use the JVM's file-name
 * encoding ({@code sun.jnu.encoding}), as Java's own file API does. Call under {@link
 * H5Native#call}.
 */
final class H5Names {
  private H5Names() {}

  /**
   * True when modified UTF-8 (JNI) and UTF-8 differ for {@code s}: it holds a surrogate or a NUL.
   */
  static boolean needsBytes(String s) {
    for (int i = 0; i < s.length(); i++) {
      char c = s.charAt(i);
      if (c == 0 || Character.isSurrogate(c)) {
        return true;
      }
    }
    return false;
  }

  static BytePointer utf8(String name) {
    return new BytePointer(name, StandardCharsets.UTF_8);
  }

  /** A file path in the bytes the JVM names files with. */
  static BytePointer pathBytes(String path) {
    String enc = System.getProperty("sun.jnu.encoding");
    Charset cs;
    try {
      cs = enc == null ? Charset.defaultCharset() : Charset.forName(enc);
    } catch (RuntimeException e) {
      cs = Charset.defaultCharset();
    }
    return new BytePointer(path, cs);
  }

  private static long check(long status, String function) {
    if (status < 0) {
      // The HDF5 error stack is left for H5Calls to report.
      throw new HDF5LibraryException(function + " failed");
    }
    return status;
  }

  static long fcreate(String path, int flags, long fcpl, long fapl) {
    try (BytePointer p = pathBytes(path)) {
      return hdf5.H5Fcreate(p, flags, fcpl, fapl);
    }
  }

  static long fopen(String path, int flags, long fapl) {
    try (BytePointer p = pathBytes(path)) {
      return hdf5.H5Fopen(p, flags, fapl);
    }
  }

  static boolean fisAccessible(String path, long fapl) {
    try (BytePointer p = pathBytes(path)) {
      return hdf5.H5Fis_accessible(p, fapl) > 0;
    }
  }

  static long gcreate(long loc, String name, long lcpl, long gcpl, long gapl) throws Exception {
    if (!needsBytes(name)) {
      return H5.H5Gcreate(loc, name, lcpl, gcpl, gapl);
    }
    try (BytePointer n = utf8(name)) {
      return check(hdf5.H5Gcreate2(loc, n, lcpl, gcpl, gapl), "H5Gcreate2");
    }
  }

  static long gopen(long loc, String name, long gapl) throws Exception {
    if (!needsBytes(name)) {
      return H5.H5Gopen(loc, name, gapl);
    }
    try (BytePointer n = utf8(name)) {
      return check(hdf5.H5Gopen2(loc, n, gapl), "H5Gopen2");
    }
  }

  static long dcreate(long loc, String name, long type, long space, long lcpl, long dcpl, long dapl)
      throws Exception {
    if (!needsBytes(name)) {
      return H5.H5Dcreate(loc, name, type, space, lcpl, dcpl, dapl);
    }
    try (BytePointer n = utf8(name)) {
      return check(hdf5.H5Dcreate2(loc, n, type, space, lcpl, dcpl, dapl), "H5Dcreate2");
    }
  }

  static long dopen(long loc, String name, long dapl) throws Exception {
    if (!needsBytes(name)) {
      return H5.H5Dopen(loc, name, dapl);
    }
    try (BytePointer n = utf8(name)) {
      return check(hdf5.H5Dopen2(loc, n, dapl), "H5Dopen2");
    }
  }

  static long oopen(long loc, String name, long lapl) throws Exception {
    if (!needsBytes(name)) {
      return H5.H5Oopen(loc, name, lapl);
    }
    try (BytePointer n = utf8(name)) {
      return check(hdf5.H5Oopen(loc, n, lapl), "H5Oopen");
    }
  }

  /** The basic object type (H5O_TYPE_*) of the object at {@code name}. */
  static int otype(long loc, String name, long lapl) throws Exception {
    if (!needsBytes(name)) {
      return H5.H5Oget_info_by_name(loc, name, hdf.hdf5lib.HDF5Constants.H5O_INFO_BASIC, lapl).type;
    }
    try (BytePointer n = utf8(name);
        org.bytedeco.hdf5.H5O_info2_t info = new org.bytedeco.hdf5.H5O_info2_t()) {
      check(
          hdf5.H5Oget_info_by_name3(loc, n, info, hdf5.H5O_INFO_BASIC, lapl),
          "H5Oget_info_by_name3");
      return info.type();
    }
  }

  static void lmove(long src, String from, long dst, String to, long lcpl, long lapl)
      throws Exception {
    if (!needsBytes(from) && !needsBytes(to)) {
      H5.H5Lmove(src, from, dst, to, lcpl, lapl);
      return;
    }
    try (BytePointer f = utf8(from);
        BytePointer t = utf8(to)) {
      check(hdf5.H5Lmove(src, f, dst, t, lcpl, lapl), "H5Lmove");
    }
  }

  static void ldelete(long loc, String name, long lapl) throws Exception {
    if (!needsBytes(name)) {
      H5.H5Ldelete(loc, name, lapl);
      return;
    }
    try (BytePointer n = utf8(name)) {
      check(hdf5.H5Ldelete(loc, n, lapl), "H5Ldelete");
    }
  }

  static boolean aexists(long oid, String name) throws Exception {
    if (!needsBytes(name)) {
      return H5.H5Aexists(oid, name);
    }
    try (BytePointer n = utf8(name)) {
      return check(hdf5.H5Aexists(oid, n), "H5Aexists") > 0;
    }
  }

  static void adelete(long oid, String name) throws Exception {
    if (!needsBytes(name)) {
      H5.H5Adelete(oid, name);
      return;
    }
    try (BytePointer n = utf8(name)) {
      check(hdf5.H5Adelete(oid, n), "H5Adelete");
    }
  }

  static long acreate(long oid, String name, long type, long space, long acpl, long aapl)
      throws Exception {
    if (!needsBytes(name)) {
      return H5.H5Acreate(oid, name, type, space, acpl, aapl);
    }
    try (BytePointer n = utf8(name)) {
      return check(hdf5.H5Acreate2(oid, n, type, space, acpl, aapl), "H5Acreate2");
    }
  }

  static void tinsert(long tid, String name, long offset, long field) throws Exception {
    if (!needsBytes(name)) {
      H5.H5Tinsert(tid, name, offset, field);
      return;
    }
    try (BytePointer n = utf8(name)) {
      check(hdf5.H5Tinsert(tid, n, offset, field), "H5Tinsert");
    }
  }

  /** The name of member {@code index} of compound or enum type {@code tid}, decoded as UTF-8. */
  static String memberName(long tid, int index) {
    BytePointer p = hdf5.H5Tget_member_name(tid, index);
    if (p == null || p.isNull()) {
      throw new HDF5LibraryException("H5Tget_member_name failed");
    }
    try {
      return p.getString(StandardCharsets.UTF_8);
    } finally {
      hdf5.H5free_memory(p);
    }
  }

  /** The name of attribute {@code attr}, decoded as UTF-8. */
  static String attributeName(long attr) {
    long n = check(hdf5.H5Aget_name(attr, 0, (byte[]) null), "H5Aget_name");
    byte[] b = new byte[(int) n + 1];
    check(hdf5.H5Aget_name(attr, b.length, b), "H5Aget_name");
    return new String(b, 0, (int) n, StandardCharsets.UTF_8);
  }

  /**
   * Paths (relative to {@code group}, UTF-8 decoded) of every object under it of basic type {@code
   * type}.
   */
  static List<String> visit(long group, int type) {
    List<String> out = new ArrayList<>();
    try (org.bytedeco.hdf5.H5O_iterate2_t cb =
        new org.bytedeco.hdf5.H5O_iterate2_t() {
          @Override
          public int call(
              long obj,
              BytePointer name,
              org.bytedeco.hdf5.H5O_info2_t info,
              org.bytedeco.javacpp.Pointer data) {
            if (info.type() == type) {
              out.add(name.getString(StandardCharsets.UTF_8));
            }
            return 0;
          }
        }) {
      check(
          hdf5.H5Ovisit3(
              group, hdf5.H5_INDEX_NAME, hdf5.H5_ITER_INC, cb, null, hdf5.H5O_INFO_BASIC),
          "H5Ovisit3");
    }
    return out;
  }
}
