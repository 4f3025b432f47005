package io.h5swmr.hdf5;

import java.nio.charset.StandardCharsets;
import org.bytedeco.javacpp.BytePointer;
import org.bytedeco.javacpp.DoublePointer;
import org.bytedeco.javacpp.FloatPointer;
import org.bytedeco.javacpp.IntPointer;
import org.bytedeco.javacpp.LongPointer;
import org.bytedeco.javacpp.Pointer;
import org.bytedeco.javacpp.ShortPointer;

/** JavaCPP pointers at raw native addresses, and C strings read from them. */
final class NativeMemory {
  private NativeMemory() {}

  /**
   * A JavaCPP pointer at {@code address} (owned elsewhere: never deallocated through this object).
   */
  static Pointer at(long address) {
    return new Raw(address);
  }

  /** The NUL-terminated UTF-8 string at {@code address}, or null for a null pointer. */
  static String cString(long address) {
    if (address == 0) {
      return null;
    }
    return new BytePointer(at(address)).getString(StandardCharsets.UTF_8);
  }

  /**
   * The bytes of the NUL-terminated string at {@code address} (without the NUL), or null for null.
   */
  static byte[] cBytes(long address) {
    if (address == 0) {
      return null;
    }
    return new BytePointer(at(address)).getStringBytes();
  }

  /** Copies a whole primitive array into native memory at {@code address} (native byte order). */
  static void copyTo(long address, Object array) {
    Pointer at = at(address);
    if (array instanceof double[]) {
      new DoublePointer(at).put((double[]) array);
    } else if (array instanceof float[]) {
      new FloatPointer(at).put((float[]) array);
    } else if (array instanceof long[]) {
      new LongPointer(at).put((long[]) array);
    } else if (array instanceof int[]) {
      new IntPointer(at).put((int[]) array);
    } else if (array instanceof short[]) {
      new ShortPointer(at).put((short[]) array);
    } else {
      new BytePointer(at).put((byte[]) array);
    }
  }

  private static final class Raw extends Pointer {
    Raw(long address) {
      this.address = address;
    }
  }
}
