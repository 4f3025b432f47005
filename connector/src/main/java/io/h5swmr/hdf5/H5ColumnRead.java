package io.h5swmr.hdf5;

import java.util.Arrays;
import java.util.List;
import java.util.Objects;

/**
 * Where one column of a row-range read goes: a Java array (from an element offset) or native
 * memory, for the leaf at a member path ({@code []} for the whole element of a non-compound
 * dataset).
 *
 * <p>The destination decides the memory type HDF5 converts into: {@code byte[]}, {@code short[]},
 * {@code int[]}, {@code long[]}, {@code float[]}, {@code double[]} for numbers and enums (values
 * that do not fit are clamped by HDF5, so size the destination with {@link H5Column#memKind()}:
 * uint64 into {@code long[]} keeps the raw 64 bits), {@code String[]} (or {@code byte[][]} of
 * UTF-8) for strings and enum member names (a stored value that is no member: its number in
 * decimal, {@link H5Type#enumText}). Arrays and rank ≥ 2 datasets fill {@link
 * H5Column#elementsPerRow()} consecutive elements per row, row-major.
 */
public final class H5ColumnRead {
  private final List<String> memberPath;
  private final Object array;
  private final int offset;
  private final long address;
  private final long capacityBytes;
  private final H5MemKind kind;

  private H5ColumnRead(
      List<String> memberPath,
      Object array,
      int offset,
      long address,
      long capacityBytes,
      H5MemKind kind) {
    this.memberPath = List.copyOf(memberPath);
    this.array = array;
    this.offset = offset;
    this.address = address;
    this.capacityBytes = capacityBytes;
    this.kind = kind;
  }

  /** Read into {@code array} starting at element {@code offset}. */
  public static H5ColumnRead into(Object array, int offset, List<String> memberPath) {
    Objects.requireNonNull(array, "array");
    H5MemKind k = kindOf(array.getClass());
    if (k == null) {
      throw new IllegalArgumentException(
          "destination must be byte[], short[], int[], long[], float[], double[], "
              + "String[] or byte[][], got "
              + array.getClass().getSimpleName());
    }
    if (offset < 0) {
      throw new IllegalArgumentException("negative destination offset " + offset);
    }
    return new H5ColumnRead(memberPath, array, offset, 0, 0, k);
  }

  /** Read into {@code array} starting at element {@code offset}. */
  public static H5ColumnRead into(Object array, int offset, String... memberPath) {
    return into(array, offset, Arrays.asList(memberPath));
  }

  /**
   * Read elements of {@code kind} (not STRING/UTF8) into native memory at {@code address}, native
   * byte order, packed; e.g. an {@code OffHeapColumnVector}'s {@code valuesNativeAddress() + rowId
   * * kind.bytes()}.
   */
  public static H5ColumnRead intoAddress(
      long address, long capacityBytes, H5MemKind kind, List<String> memberPath) {
    if (address == 0 || capacityBytes < 0) {
      throw new IllegalArgumentException(
          "invalid native destination " + address + " (" + capacityBytes + " bytes)");
    }
    if (Objects.requireNonNull(kind, "kind").isText()) {
      throw new IllegalArgumentException(
          "strings cannot be read into native memory; use a String[] or byte[][]");
    }
    return new H5ColumnRead(memberPath, null, 0, address, capacityBytes, kind);
  }

  /** See {@link #intoAddress(long, long, H5MemKind, List)}. */
  public static H5ColumnRead intoAddress(
      long address, long capacityBytes, H5MemKind kind, String... memberPath) {
    return intoAddress(address, capacityBytes, kind, Arrays.asList(memberPath));
  }

  static H5MemKind kindOf(Class<?> c) {
    for (H5MemKind k : H5MemKind.values()) {
      if (k.arrayClass() == c) {
        return k;
      }
    }
    return null;
  }

  public List<String> memberPath() {
    return memberPath;
  }

  /** The Java element kind this destination receives. */
  public H5MemKind kind() {
    return kind;
  }

  Object array() {
    return array;
  }

  int offset() {
    return offset;
  }

  long address() {
    return address;
  }

  boolean isNative() {
    return array == null;
  }

  /** Elements the destination can take from its offset on. */
  long capacity() {
    if (array == null) {
      return capacityBytes / kind.bytes();
    }
    return (long) java.lang.reflect.Array.getLength(array) - offset;
  }

  @Override
  public String toString() {
    return (memberPath.isEmpty() ? "(value)" : String.join(".", memberPath))
        + " -> "
        + (array == null
            ? kind + "@0x" + Long.toHexString(address)
            : array.getClass().getSimpleName() + "[" + offset + "..]");
  }
}
