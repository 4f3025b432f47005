package io.h5swmr.write;

import hdf.hdf5lib.H5;
import hdf.hdf5lib.HDF5Constants;
import io.h5swmr.exceptions.H5SwmrDataException;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.util.Arrays;
import java.util.List;
import org.bytedeco.javacpp.BytePointer;

/**
 * The HDF5 shape of a write once the array lengths are known: the file and memory datatypes, the extra
 * dimensions of a plain dataset, and the packed native row layout used to encode staged blocks for
 * {@code H5Dwrite}. Type-creating methods must run under {@code H5Native.call}.
 */
final class WriteLayout {
  private static final java.lang.invoke.VarHandle LONGS =
      java.lang.invoke.MethodHandles.byteArrayViewVarHandle(long[].class, ByteOrder.nativeOrder());
  private static final java.lang.invoke.VarHandle INTS =
      java.lang.invoke.MethodHandles.byteArrayViewVarHandle(int[].class, ByteOrder.nativeOrder());

  final WriteSchema schema;
  /** Array lengths of every leaf (empty for scalars). */
  final int[][] leafDims;
  /** Extra dataset dimensions: the single leaf's array lengths for a plain dataset, none for a compound. */
  final long[] extraDims;
  private final int[] leafValues;
  private final int[] leafOffsets;
  final int rowBytes;

  WriteLayout(WriteSchema schema, int[][] leafDims) {
    this.schema = schema;
    this.leafDims = leafDims;
    List<WriteSchema.Node> leaves = schema.leaves();
    leafValues = new int[leaves.size()];
    leafOffsets = new int[leaves.size()];
    int off = 0;
    for (int i = 0; i < leaves.size(); i++) {
      int n = 1;
      for (int d : leafDims[i]) {
        n *= d;
      }
      leafValues[i] = n;
      leafOffsets[i] = off;
      off += n * leaves.get(i).kind.bytes;
    }
    rowBytes = off;
    WriteSchema.Node only = schema.columns().get(0);
    if (!schema.isCompound() && !only.isStruct()) {
      extraDims = Arrays.stream(leafDims[0]).asLongStream().toArray();
    } else {
      extraDims = new long[0];
    }
  }

  /** Rows per chunk aiming at about {@code targetBytes} per chunk (vlen strings counted as 16 bytes). */
  long defaultChunkRows(long targetBytes) {
    long row = 0;
    for (int i = 0; i < leafValues.length; i++) {
      WriteSchema.LeafKind k = schema.leaves().get(i).kind;
      row += (long) leafValues[i] * (k == WriteSchema.LeafKind.STRING ? 16 : k.bytes);
    }
    return Math.max(1, targetBytes / Math.max(1, row));
  }

  long createFileType() throws Exception {
    return createType(true);
  }

  long createMemType() throws Exception {
    return createType(false);
  }

  private long createType(boolean file) throws Exception {
    if (!schema.isCompound()) {
      WriteSchema.Node only = schema.columns().get(0);
      return only.isStruct() ? compound(only.members, file) : leafType(only, file, true);
    }
    return compound(schema.columns(), file);
  }

  private long compound(List<WriteSchema.Node> nodes, boolean file) throws Exception {
    long size = 0;
    long[] types = new long[nodes.size()];
    try {
      for (int i = 0; i < nodes.size(); i++) {
        WriteSchema.Node n = nodes.get(i);
        types[i] = n.isStruct() ? compound(n.members, file) : leafType(n, file, false);
        size += H5.H5Tget_size(types[i]);
      }
      long c = H5.H5Tcreate(HDF5Constants.H5T_COMPOUND, size);
      long off = 0;
      for (int i = 0; i < nodes.size(); i++) {
        H5.H5Tinsert(c, nodes.get(i).name, off, types[i]);
        off += H5.H5Tget_size(types[i]);
      }
      return c;
    } finally {
      for (long t : types) {
        if (t > 0) {
          H5.H5Tclose(t);
        }
      }
    }
  }

  /** A leaf's type; inside a compound its arrays become an HDF5 array type, in a plain dataset extra dims. */
  private long leafType(WriteSchema.Node n, boolean file, boolean plain) throws Exception {
    long base = scalarType(n.kind, file);
    if (plain || n.arrayDepth == 0) {
      return base;
    }
    try {
      long[] dims = Arrays.stream(leafDims[n.leafIndex]).asLongStream().toArray();
      return H5.H5Tarray_create(base, dims.length, dims);
    } finally {
      H5.H5Tclose(base);
    }
  }

  static long scalarType(WriteSchema.LeafKind kind, boolean file) throws Exception {
    switch (kind) {
      case BYTE: return H5.H5Tcopy(file ? HDF5Constants.H5T_STD_I8LE : HDF5Constants.H5T_NATIVE_INT8);
      case SHORT: return H5.H5Tcopy(file ? HDF5Constants.H5T_STD_I16LE : HDF5Constants.H5T_NATIVE_INT16);
      case INT: return H5.H5Tcopy(file ? HDF5Constants.H5T_STD_I32LE : HDF5Constants.H5T_NATIVE_INT32);
      case LONG: return H5.H5Tcopy(file ? HDF5Constants.H5T_STD_I64LE : HDF5Constants.H5T_NATIVE_INT64);
      case UINT64: return H5.H5Tcopy(file ? HDF5Constants.H5T_STD_U64LE : HDF5Constants.H5T_NATIVE_UINT64);
      case FLOAT: return H5.H5Tcopy(file ? HDF5Constants.H5T_IEEE_F32LE : HDF5Constants.H5T_NATIVE_FLOAT);
      case DOUBLE: return H5.H5Tcopy(file ? HDF5Constants.H5T_IEEE_F64LE : HDF5Constants.H5T_NATIVE_DOUBLE);
      case BOOLEAN: {
        long e = H5.H5Tenum_create(file ? HDF5Constants.H5T_STD_I8LE : HDF5Constants.H5T_NATIVE_INT8);
        H5.H5Tenum_insert(e, "FALSE", new byte[] {0});
        H5.H5Tenum_insert(e, "TRUE", new byte[] {1});
        return e;
      }
      default: {
        long s = H5.H5Tcopy(HDF5Constants.H5T_C_S1);
        H5.H5Tset_size(s, HDF5Constants.H5T_VARIABLE);
        H5.H5Tset_cset(s, HDF5Constants.H5T_CSET_UTF8);
        return s;
      }
    }
  }

  /** A block in native layout, ready for one {@code H5Dwrite}. */
  interface Buffer extends AutoCloseable {
    void write(long did, long memType, long memSpace, long fileSpace) throws Exception;

    @Override
    default void close() {}
  }

  /** Encodes one staged block (checking its array lengths against this layout). */
  Buffer encode(StagingCodec.Block block) {
    List<WriteSchema.Node> leaves = schema.leaves();
    for (int i = 0; i < leaves.size(); i++) {
      if (!Arrays.equals(block.dims[i], leafDims[i])) {
        throw raggedAcross(leaves.get(i).path, leafDims[i], block.dims[i]);
      }
    }
    if (leaves.size() == 1 && !schema.columns().get(0).isStruct()
        && leaves.get(0).kind != WriteSchema.LeafKind.STRING) {
      byte[] raw = (byte[]) block.values[0];
      BytePointer p = new BytePointer(Math.max(1, raw.length));
      p.put(raw, 0, raw.length);
      return nativeBuffer(p, null, block.rows);
    }
    return packed(block);
  }

  static H5SwmrDataException raggedAcross(String path, int[] a, int[] b) {
    return new H5SwmrDataException("Column '" + path + "' holds arrays of different lengths across tasks or "
        + "against the existing dataset: " + Arrays.toString(a) + " and " + Arrays.toString(b)
        + " seen. HDF5 stores arrays as fixed-length extra dimensions: pad or trim them to one length first.");
  }

  private Buffer packed(StagingCodec.Block block) {
    List<WriteSchema.Node> leaves = schema.leaves();
    long total = (long) rowBytes * block.rows;
    if (total > Integer.MAX_VALUE - 64) {
      throw new H5SwmrDataException("Staged block of " + block.rows + " rows x " + rowBytes
          + " bytes is too large for one write");
    }
    // Native memory: the official Java API's byte[] H5Dwrite interprets buffers of vlen types as Java objects,
    // so blocks holding char* are written through the C API (JavaCPP) from native memory.
    long arenaBytes = 0;
    for (int i = 0; i < leaves.size(); i++) {
      if (leaves.get(i).kind == WriteSchema.LeafKind.STRING) {
        arenaBytes += block.utf8[i].length + ((int[]) block.values[i]).length;
      }
    }
    H5TargetDataset.StringArena arena = arenaBytes > 0 ? new H5TargetDataset.StringArena(arenaBytes) : null;
    long arenaPos = 0;
    BytePointer native0 = new BytePointer(Math.max(1, total));
    ByteBuffer bb = native0.asByteBuffer().order(ByteOrder.nativeOrder());
    for (int i = 0; i < leaves.size(); i++) {
      int n = leafValues[i];
      int off = leafOffsets[i];
      WriteSchema.LeafKind kind = leaves.get(i).kind;
      if (kind != WriteSchema.LeafKind.STRING) {
        byte[] src = (byte[]) block.values[i];
        int len = n * kind.bytes;
        if (len == 8) {
          for (int r = 0, p = off, k = 0; r < block.rows; r++, p += rowBytes, k += 8) {
            bb.putLong(p, (long) LONGS.get(src, k));
          }
        } else if (len == 4) {
          for (int r = 0, p = off, k = 0; r < block.rows; r++, p += rowBytes, k += 4) {
            bb.putInt(p, (int) INTS.get(src, k));
          }
        } else {
          for (int r = 0, p = off, k = 0; r < block.rows; r++, p += rowBytes, k += len) {
            bb.put(p, src, k, len);
          }
        }
        continue;
      }
      // STRING: char* into the arena
      int[] lengths = (int[]) block.values[i];
      byte[] utf8 = block.utf8[i];
      int from = 0;
      for (int r = 0, k = 0; r < block.rows; r++) {
        int p = r * rowBytes + off;
        for (int j = 0; j < n; j++, k++, p += 8) {
          arena.put(arenaPos, utf8, from, lengths[k]);
          bb.putLong(p, arena.address + arenaPos);
          arenaPos += lengths[k] + 1;
          from += lengths[k];
        }
      }
    }
    return nativeBuffer(native0, arena, block.rows);
  }

  private static Buffer nativeBuffer(BytePointer native0, H5TargetDataset.StringArena arena, int rows) {
    return new Buffer() {
      @Override
      public void write(long did, long memType, long memSpace, long fileSpace) {
        int rc = org.bytedeco.hdf5.global.hdf5.H5Dwrite(did, memType, memSpace, fileSpace,
            HDF5Constants.H5P_DEFAULT, native0);
        if (rc < 0) {
          throw new H5SwmrDataException("H5Dwrite of " + rows + " rows failed (return code " + rc + ")");
        }
      }

      @Override
      public void close() {
        native0.close();
        if (arena != null) {
          arena.close();
        }
      }
    };
  }
}
