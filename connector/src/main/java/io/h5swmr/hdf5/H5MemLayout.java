package io.h5swmr.hdf5;

import hdf.hdf5lib.H5;
import hdf.hdf5lib.HDF5Constants;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * The packed native memory type for a set of columns of one dataset, and where each column's value
 * sits inside one memory element. For a compound dataset this is a compound holding only the
 * selected members (nested by member path), so HDF5 converts just those; for any other dataset it
 * is the single column's memory type. Must be built and closed under the native guard.
 */
final class H5MemLayout implements AutoCloseable {
  private final H5Id type; // null for a predefined native type, which is never closed
  private final long typeId;
  private final int elementSize;
  private final int[] offsets;
  private final boolean hasVlen;

  private H5MemLayout(H5Id type, long typeId, int elementSize, int[] offsets, boolean hasVlen) {
    this.type = type;
    this.typeId = typeId;
    this.elementSize = elementSize;
    this.offsets = offsets;
    this.hasVlen = hasVlen;
  }

  /** The memory type id (owned by this layout). */
  long typeId() {
    return typeId;
  }

  /** Bytes per dataset element in memory. */
  int elementSize() {
    return elementSize;
  }

  /** Byte offset of column {@code i}'s value inside one memory element. */
  int offset(int i) {
    return offsets[i];
  }

  /** True when the memory type holds {@code char*} pointers (variable-length strings). */
  boolean hasVlen() {
    return hasVlen;
  }

  /**
   * Builds the layout for {@code columns} read/written as {@code kinds}. Columns naming the same
   * member share one slot. For a non-compound dataset every column must be the whole element.
   * {@code forWrite} selects write-side memory types (see {@link H5Types#createMemType(H5Type,
   * H5MemKind, boolean)}).
   */
  static H5MemLayout build(
      H5Type datasetType, List<H5Column> columns, List<H5MemKind> kinds, boolean forWrite)
      throws Exception {
    boolean vlen = false;
    for (H5Column c : columns) {
      H5Type leaf = c.type().leaf();
      vlen |= leaf.kind() == H5Type.Kind.STRING && leaf.isVariableLength();
    }
    int[] offsets = new int[columns.size()];
    if (datasetType.kind() != H5Type.Kind.COMPOUND) {
      H5Column c = columns.get(0);
      H5Type t = c.type();
      int size = H5Types.memSize(t, kinds.get(0));
      boolean predefined =
          (t.kind() == H5Type.Kind.INTEGER
                  || t.kind() == H5Type.Kind.FLOAT
                  || (t.kind() == H5Type.Kind.ENUM && !forWrite))
              && !kinds.get(0).isText();
      if (predefined) {
        return new H5MemLayout(null, H5Types.nativeType(kinds.get(0), t), size, offsets, false);
      }
      H5Id id = H5Id.type(H5Types.createMemType(t, kinds.get(0), forWrite));
      return new H5MemLayout(id, id.id(), size, offsets, vlen);
    }
    Node root = new Node();
    for (int i = 0; i < columns.size(); i++) {
      Node n = root;
      for (String name : columns.get(i).memberPath()) {
        n = n.children.computeIfAbsent(name, k -> new Node());
      }
      n.columns.add(i);
      n.type = columns.get(i).type();
      n.kind = kinds.get(i);
    }
    int[] size = new int[1];
    H5Id id = H5Id.type(create(root, 0, offsets, size, forWrite));
    return new H5MemLayout(id, id.id(), size[0], offsets, vlen);
  }

  /**
   * Creates the memory type of {@code node} whose value starts at {@code base}; returns the new
   * type id.
   */
  private static long create(Node node, int base, int[] offsets, int[] sizeOut, boolean forWrite)
      throws Exception {
    if (node.children.isEmpty()) {
      for (int c : node.columns) {
        offsets[c] = base;
      }
      sizeOut[0] = H5Types.memSize(node.type, node.kind);
      return H5Types.createMemType(node.type, node.kind, forWrite);
    }
    List<H5Id> childTypes = new ArrayList<>();
    List<Integer> childSizes = new ArrayList<>();
    try {
      int offset = 0;
      for (Node child : node.children.values()) {
        int[] s = new int[1];
        childTypes.add(H5Id.type(create(child, base + offset, offsets, s, forWrite)));
        childSizes.add(s[0]);
        offset += s[0];
      }
      long id = H5.H5Tcreate(HDF5Constants.H5T_COMPOUND, offset);
      int at = 0;
      int i = 0;
      for (String name : node.children.keySet()) {
        H5Names.tinsert(id, name, at, childTypes.get(i).id());
        at += childSizes.get(i);
        i++;
      }
      sizeOut[0] = offset;
      return id;
    } finally {
      childTypes.forEach(H5Id::close);
    }
  }

  @Override
  public void close() {
    if (type != null) {
      type.close();
    }
  }

  private static final class Node {
    final Map<String, Node> children = new LinkedHashMap<>();
    final List<Integer> columns = new ArrayList<>();
    H5Type type;
    H5MemKind kind;
  }
}
