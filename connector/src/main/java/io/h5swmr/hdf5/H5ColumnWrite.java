package io.h5swmr.hdf5;

import java.util.Arrays;
import java.util.List;
import java.util.Objects;

/**
 * The source of one column of a row-range write: a Java array from an element offset, for the leaf
 * at a member path ({@code []} for the whole element of a non-compound dataset). The array type is
 * the memory type HDF5 converts from ({@code byte[]} ... {@code double[]}, {@code String[]} or
 * {@code byte[][]} of UTF-8 for strings; booleans as {@code byte[]} 0/1). Arrays and rank ≥ 2
 * datasets take {@link H5Column#elementsPerRow()} consecutive elements per row.
 */
public final class H5ColumnWrite {
  private final List<String> memberPath;
  private final Object array;
  private final int offset;
  private final H5MemKind kind;

  private H5ColumnWrite(List<String> memberPath, Object array, int offset, H5MemKind kind) {
    this.memberPath = List.copyOf(memberPath);
    this.array = array;
    this.offset = offset;
    this.kind = kind;
  }

  /** Write from {@code array} starting at element {@code offset}. */
  public static H5ColumnWrite from(Object array, int offset, List<String> memberPath) {
    Objects.requireNonNull(array, "array");
    H5MemKind k = H5ColumnRead.kindOf(array.getClass());
    if (k == null) {
      throw new IllegalArgumentException(
          "source must be byte[], short[], int[], long[], float[], double[], "
              + "String[] or byte[][] (UTF-8), got "
              + array.getClass().getSimpleName());
    }
    if (offset < 0) {
      throw new IllegalArgumentException("negative source offset " + offset);
    }
    return new H5ColumnWrite(memberPath, array, offset, k);
  }

  /** Write from {@code array} starting at element {@code offset}. */
  public static H5ColumnWrite from(Object array, int offset, String... memberPath) {
    return from(array, offset, Arrays.asList(memberPath));
  }

  public List<String> memberPath() {
    return memberPath;
  }

  public H5MemKind kind() {
    return kind;
  }

  Object array() {
    return array;
  }

  int offset() {
    return offset;
  }

  long available() {
    return (long) java.lang.reflect.Array.getLength(array) - offset;
  }

  @Override
  public String toString() {
    return (memberPath.isEmpty() ? "(value)" : String.join(".", memberPath))
        + " <- "
        + array.getClass().getSimpleName()
        + "["
        + offset
        + "..]";
  }
}
