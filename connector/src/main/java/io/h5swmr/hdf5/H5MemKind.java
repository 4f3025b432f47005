package io.h5swmr.hdf5;

/**
 * The Java element kind a leaf HDF5 value is read into (and written from). HDF5 converts between
 * the file type and the native memory type during the read, so every value fits: unsigned integers
 * widen to the next signed kind (uint8 → SHORT, uint16 → INT, uint32 → LONG), uint64 keeps its raw
 * 64 bits in a LONG, float16 widens to FLOAT, enums are read as their integer values (h5py booleans
 * as BYTE 0/1) and strings are decoded to {@link String}.
 */
public enum H5MemKind {
  BYTE(1),
  SHORT(2),
  INT(4),
  LONG(8),
  FLOAT(4),
  DOUBLE(8),
  /** Java {@code String}; in native memory a fixed-length byte run or a {@code char*}. */
  STRING(0),
  /**
   * A string's UTF-8 bytes as {@code byte[]} (in a {@code byte[][]}), without decoding: what
   * Spark's {@code putByteArray} and {@code UTF8String.fromBytes} take. Fixed-length strings are
   * trimmed per pad rule.
   */
  UTF8(0);

  private final int bytes;

  H5MemKind(int bytes) {
    this.bytes = bytes;
  }

  /** Bytes per element in Java/native memory; 0 for {@link #STRING} and {@link #UTF8}. */
  public int bytes() {
    return bytes;
  }

  /** True for the two string kinds. */
  public boolean isText() {
    return this == STRING || this == UTF8;
  }

  /**
   * The array class that receives this kind ({@code String[]} for STRING, {@code byte[][]} for
   * UTF8).
   */
  public Class<?> arrayClass() {
    switch (this) {
      case BYTE:
        return byte[].class;
      case SHORT:
        return short[].class;
      case INT:
        return int[].class;
      case LONG:
        return long[].class;
      case FLOAT:
        return float[].class;
      case DOUBLE:
        return double[].class;
      case UTF8:
        return byte[][].class;
      default:
        return String[].class;
    }
  }
}
