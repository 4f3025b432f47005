package io.h5swmr.hdf5;

import io.h5swmr.exceptions.H5SwmrDataException;
import java.nio.charset.StandardCharsets;

/** Fixed-length string decoding and encoding by the HDF5 pad rules; both charsets are handled as UTF-8. */
final class H5Strings {
  private H5Strings() {}

  /** Decodes {@code size} bytes at {@code off} of a fixed-length string value of type {@code t}. */
  static String decodeFixed(byte[] buf, int off, int size, H5Type.StringPad pad) {
    int end = off + size;
    if (pad == H5Type.StringPad.NULLTERM) {
      for (int i = off; i < end; i++) {
        if (buf[i] == 0) {
          end = i;
          break;
        }
      }
    } else {
      byte fill = pad == H5Type.StringPad.SPACEPAD ? (byte) ' ' : 0;
      while (end > off && (buf[end - 1] == fill || buf[end - 1] == 0)) {
        end--;
      }
    }
    return new String(buf, off, end - off, StandardCharsets.UTF_8);
  }

  /**
   * Encodes {@code value} into {@code size} bytes at {@code off}, padded per {@code pad}.
   *
   * @throws H5SwmrDataException when the UTF-8 bytes do not fit
   */
  static void encodeFixed(String value, byte[] buf, int off, int size, H5Type.StringPad pad, String where) {
    byte[] b = value == null ? new byte[0] : value.getBytes(StandardCharsets.UTF_8);
    if (b.length > size) {
      throw new H5SwmrDataException(where + "string of " + b.length + " UTF-8 bytes does not fit the fixed "
          + size + "-byte string type: \"" + abbreviate(value) + "\"");
    }
    System.arraycopy(b, 0, buf, off, b.length);
    byte fill = pad == H5Type.StringPad.SPACEPAD ? (byte) ' ' : 0;
    for (int i = off + b.length; i < off + size; i++) {
      buf[i] = fill;
    }
  }

  private static String abbreviate(String s) {
    return s.length() <= 40 ? s : s.substring(0, 40) + "...";
  }
}
