package io.h5swmr.hdf5;

import io.h5swmr.exceptions.H5SwmrDataException;
import java.nio.charset.StandardCharsets;

/**
 * Fixed-length string decoding and encoding by the HDF5 pad rules; both charsets are handled as
 * UTF-8.
 */
final class H5Strings {
  private H5Strings() {}

  /** Decodes {@code size} bytes at {@code off} of a fixed-length string value of type {@code t}. */
  static String decodeFixed(byte[] buf, int off, int size, H5Type.StringPad pad) {
    return new String(buf, off, length(buf, off, size, pad), StandardCharsets.UTF_8);
  }

  /** The bytes of a fixed-length string value without its padding. */
  static byte[] fixedBytes(byte[] buf, int off, int size, H5Type.StringPad pad) {
    return java.util.Arrays.copyOfRange(buf, off, off + length(buf, off, size, pad));
  }

  /** Length of the value at {@code off} once its padding (per {@code pad}) is removed. */
  private static int length(byte[] buf, int off, int size, H5Type.StringPad pad) {
    int end = off + size;
    if (pad == H5Type.StringPad.NULLTERM) {
      for (int i = off; i < end; i++) {
        if (buf[i] == 0) {
          end = i;
          break;
        }
      }
    } else {
      // As h5py reads them: HDF5 drops a space-padded value's trailing spaces, then NUL padding
      // goes.
      while (pad == H5Type.StringPad.SPACEPAD && end > off && buf[end - 1] == ' ') {
        end--;
      }
      while (end > off && buf[end - 1] == 0) {
        end--;
      }
    }
    return end - off;
  }

  /**
   * Encodes UTF-8 {@code utf8} (null: empty) into {@code size} bytes at {@code off}, padded per
   * {@code pad}.
   *
   * @return false, writing nothing, when the bytes do not fit
   */
  static boolean encodeFixed(byte[] utf8, byte[] buf, int off, int size, H5Type.StringPad pad) {
    byte[] b = utf8 == null ? new byte[0] : utf8;
    if (b.length > size) {
      return false;
    }
    System.arraycopy(b, 0, buf, off, b.length);
    byte fill = pad == H5Type.StringPad.SPACEPAD ? (byte) ' ' : 0;
    for (int i = off + b.length; i < off + size; i++) {
      buf[i] = fill;
    }
    return true;
  }

  /**
   * The error for a value of {@code utf8} bytes too long for a fixed {@code size}-byte string type.
   */
  static H5SwmrDataException tooLong(String where, byte[] utf8, int size) {
    return new H5SwmrDataException(
        where
            + "string of "
            + utf8.length
            + " UTF-8 bytes does not fit the fixed "
            + size
            + "-byte string type: \""
            + abbreviate(new String(utf8, StandardCharsets.UTF_8))
            + "\"");
  }

  private static String abbreviate(String s) {
    return s.length() <= 40 ? s : s.substring(0, 40) + "...";
  }
}
