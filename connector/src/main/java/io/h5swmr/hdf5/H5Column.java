package io.h5swmr.hdf5;

import java.io.Serializable;
import java.util.List;
import java.util.Objects;

/**
 * One readable leaf of a dataset: the whole element of a non-compound dataset (empty member path)
 * or one (possibly nested) compound member. Knows how many Java elements one dataset row holds, so
 * the caller can size buffers: {@code rows × elementsPerRow()} values of {@link #memKind()}.
 */
public final class H5Column implements Serializable {
  private static final long serialVersionUID = 1L;

  private final List<String> memberPath;
  private final H5Type type;
  private final long elementsPerRow;

  H5Column(List<String> memberPath, H5Type type, long elementsPerRow) {
    this.memberPath = List.copyOf(memberPath);
    this.type = Objects.requireNonNull(type, "type");
    this.elementsPerRow = elementsPerRow;
  }

  /** Compound member names from the outermost inwards; empty for the dataset's whole element. */
  public List<String> memberPath() {
    return memberPath;
  }

  /** Dotted display name of the member path, or "(value)" for the whole element. */
  public String displayName() {
    return memberPath.isEmpty() ? "(value)" : String.join(".", memberPath);
  }

  /** The type at the member path: a scalar type or an array of scalars. */
  public H5Type type() {
    return type;
  }

  /** The Java kind each element is read into. */
  public H5MemKind memKind() {
    return type.memKind();
  }

  /**
   * Java elements per dataset row: product of the dataset's trailing dimensions and the array
   * dimensions.
   */
  public long elementsPerRow() {
    return elementsPerRow;
  }

  @Override
  public boolean equals(Object o) {
    return o instanceof H5Column
        && ((H5Column) o).memberPath.equals(memberPath)
        && ((H5Column) o).type.equals(type)
        && ((H5Column) o).elementsPerRow == elementsPerRow;
  }

  @Override
  public int hashCode() {
    return Objects.hash(memberPath, type, elementsPerRow);
  }

  @Override
  public String toString() {
    return displayName()
        + ": "
        + type
        + (elementsPerRow == 1 ? "" : " x" + elementsPerRow + "/row");
  }
}
