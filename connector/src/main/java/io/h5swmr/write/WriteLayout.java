package io.h5swmr.write;

import io.h5swmr.exceptions.H5SwmrDataException;
import io.h5swmr.hdf5.H5ColumnWrite;
import io.h5swmr.hdf5.H5Type;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;

/**
 * The HDF5 shape of a write once the array lengths are known: the {@link H5Type} of a new dataset,
 * the extra dimensions of a plain dataset, the compound member path of every leaf, and the
 * conversion of a staged block into the column sources {@link io.h5swmr.hdf5.H5Dataset#write}
 * takes. No native calls: the HDF5 layer creates the types and moves the bytes.
 */
final class WriteLayout {
  final WriteSchema schema;

  /** Array lengths of every leaf (empty for scalars). */
  final int[][] leafDims;

  /**
   * Extra dataset dimensions: the single leaf's array lengths for a plain dataset, none for a
   * compound.
   */
  final long[] extraDims;

  /** Compound member path of every leaf ({@code []} for the whole element of a plain dataset). */
  private final List<List<String>> memberPaths = new ArrayList<>();

  private final int[] leafValues;

  WriteLayout(WriteSchema schema, int[][] leafDims) {
    this.schema = schema;
    this.leafDims = leafDims;
    List<WriteSchema.Node> leaves = schema.leaves();
    leafValues = new int[leaves.size()];
    for (int i = 0; i < leaves.size(); i++) {
      int n = 1;
      for (int d : leafDims[i]) {
        n *= d;
      }
      leafValues[i] = n;
    }
    WriteSchema.Node only = schema.columns().get(0);
    boolean plain = !schema.isCompound() && !only.isStruct();
    extraDims = plain ? Arrays.stream(leafDims[0]).asLongStream().toArray() : new long[0];
    if (plain) {
      memberPaths.add(List.of());
    } else {
      collectPaths(schema.isCompound() ? schema.columns() : only.members, new ArrayList<>());
    }
  }

  private void collectPaths(List<WriteSchema.Node> nodes, List<String> prefix) {
    for (WriteSchema.Node n : nodes) {
      prefix.add(n.name);
      if (n.isStruct()) {
        collectPaths(n.members, prefix);
      } else {
        memberPaths.add(List.copyOf(prefix));
      }
      prefix.remove(prefix.size() - 1);
    }
  }

  /**
   * Rows per chunk aiming at about {@code targetBytes} per chunk (vlen strings counted as 16
   * bytes).
   */
  long defaultChunkRows(long targetBytes) {
    return Math.max(1, targetBytes / Math.max(1, rowBytes()));
  }

  /** Bytes one row takes in the file, about (vlen strings counted as 16 bytes: their pointers). */
  long rowBytes() {
    long row = 0;
    for (int i = 0; i < leafValues.length; i++) {
      WriteSchema.LeafKind k = schema.leaves().get(i).kind;
      row += (long) leafValues[i] * (k == WriteSchema.LeafKind.STRING ? 16 : k.bytes);
    }
    return row;
  }

  /** The element type of a new dataset for this write. */
  H5Type fileType() {
    WriteSchema.Node only = schema.columns().get(0);
    if (!schema.isCompound()) {
      return only.isStruct() ? compound(only.members) : only.storedType();
    }
    return compound(schema.columns());
  }

  private H5Type compound(List<WriteSchema.Node> nodes) {
    List<String> names = new ArrayList<>();
    List<H5Type> types = new ArrayList<>();
    for (WriteSchema.Node n : nodes) {
      names.add(n.name);
      if (n.isStruct()) {
        types.add(compound(n.members));
      } else if (n.arrayDepth == 0) {
        types.add(n.storedType());
      } else {
        int[] d = leafDims[n.leafIndex];
        for (int x : d) {
          if (x < 1) {
            throw new H5SwmrDataException(
                "Column '"
                    + n.path
                    + "' holds empty arrays (lengths "
                    + Arrays.toString(d)
                    + "); an HDF5 array member needs at least one element per dimension");
          }
        }
        types.add(H5Type.array(Arrays.stream(d).asLongStream().toArray(), n.storedType()));
      }
    }
    return H5Type.compound(names, types);
  }

  /** One staged block as column sources for one {@code H5Dataset.append}. */
  static final class Buffer implements AutoCloseable {
    private final List<H5ColumnWrite> columns;

    Buffer(List<H5ColumnWrite> columns) {
      this.columns = columns;
    }

    List<H5ColumnWrite> columns() {
      return columns;
    }

    /** Nothing native is held: the sources are Java arrays. */
    @Override
    public void close() {}
  }

  /** Converts one staged block (checking its array lengths against this layout). */
  Buffer encode(StagingCodec.Block block) {
    List<WriteSchema.Node> leaves = schema.leaves();
    List<H5ColumnWrite> out = new ArrayList<>(leaves.size());
    for (int i = 0; i < leaves.size(); i++) {
      if (!Arrays.equals(block.dims[i], leafDims[i])) {
        throw raggedAcross(leaves.get(i).path, leafDims[i], block.dims[i]);
      }
      out.add(H5ColumnWrite.from(values(leaves.get(i).kind, block, i), 0, memberPaths.get(i)));
    }
    return new Buffer(out);
  }

  /** The leaf's staged values as the Java array the HDF5 layer writes from. */
  private static Object values(WriteSchema.LeafKind kind, StagingCodec.Block block, int i) {
    if (kind == WriteSchema.LeafKind.STRING) {
      int[] lengths = (int[]) block.values[i];
      byte[] utf8 = block.utf8[i];
      byte[][] strings = new byte[lengths.length][];
      for (int k = 0, from = 0; k < lengths.length; k++) {
        strings[k] = Arrays.copyOfRange(utf8, from, from + lengths[k]);
        from += lengths[k];
      }
      return strings;
    }
    byte[] raw = (byte[]) block.values[i];
    ByteBuffer b = ByteBuffer.wrap(raw).order(ByteOrder.nativeOrder());
    switch (kind) {
      case SHORT:
        {
          short[] a = new short[raw.length / 2];
          b.asShortBuffer().get(a);
          return a;
        }
      case INT:
        {
          int[] a = new int[raw.length / 4];
          b.asIntBuffer().get(a);
          return a;
        }
      case LONG:
      case UINT64:
        {
          long[] a = new long[raw.length / 8];
          b.asLongBuffer().get(a);
          return a;
        }
      case FLOAT:
        {
          float[] a = new float[raw.length / 4];
          b.asFloatBuffer().get(a);
          return a;
        }
      case DOUBLE:
        {
          double[] a = new double[raw.length / 8];
          b.asDoubleBuffer().get(a);
          return a;
        }
      default: // BYTE, BOOLEAN (0/1)
        return raw;
    }
  }

  static H5SwmrDataException raggedAcross(String path, int[] a, int[] b) {
    return new H5SwmrDataException(
        "Column '"
            + path
            + "' holds arrays of different lengths across tasks or "
            + "against the existing dataset: "
            + Arrays.toString(a)
            + " and "
            + Arrays.toString(b)
            + " seen. HDF5 stores arrays as fixed-length extra dimensions: pad or trim them to one length first.");
  }
}
