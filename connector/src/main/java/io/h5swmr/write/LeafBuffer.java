package io.h5swmr.write;

import io.h5swmr.exceptions.H5SwmrDataException;
import java.util.Arrays;

/**
 * The values of one leaf column for a block of rows, flattened (row-major over the array
 * dimensions) into one growable primitive array. Strings are kept as UTF-8 bytes plus one length
 * per value.
 */
final class LeafBuffer {
  final WriteSchema.Node leaf;

  /** Array lengths per level, fixed by the first row seen; null until then or for scalars. */
  int[] dims;

  int rows;
  int size; // values held
  byte[] bytes = new byte[0]; // BYTE, BOOLEAN, STRING (utf-8 bytes)
  short[] shorts = new short[0];
  int[] ints = new int[0]; // INT; STRING lengths
  long[] longs = new long[0]; // LONG, UINT64
  float[] floats = new float[0];
  double[] doubles = new double[0];
  int byteCount; // STRING: utf-8 bytes held

  LeafBuffer(WriteSchema.Node leaf) {
    this.leaf = leaf;
  }

  /** Values per row: the product of the array lengths (1 for scalars). */
  int valuesPerRow() {
    int n = 1;
    if (dims != null) {
      for (int d : dims) {
        n *= d;
      }
    }
    return n;
  }

  /** Checks (and on the first row fixes) the lengths of one array level. */
  void checkLength(int level, int length) {
    if (dims == null) {
      dims = new int[leaf.arrayDepth];
      Arrays.fill(dims, -1);
    }
    if (dims[level] < 0) {
      dims[level] = length;
    } else if (dims[level] != length) {
      throw ragged(leaf.path, level, dims[level], length);
    }
  }

  static H5SwmrDataException ragged(String path, int level, int first, int other) {
    return new H5SwmrDataException(
        "Column '"
            + path
            + "' holds arrays of different lengths"
            + (level > 0 ? " at nesting level " + (level + 1) : "")
            + ": "
            + first
            + " and "
            + other
            + " seen. HDF5 stores arrays as fixed-length extra dimensions: pad or trim them to one length first.");
  }

  void ensure(int more) {
    int need = size + more;
    switch (leaf.kind) {
      case BYTE:
      case BOOLEAN:
        if (need > bytes.length) {
          bytes = Arrays.copyOf(bytes, grow(bytes.length, need));
        }
        break;
      case SHORT:
        if (need > shorts.length) {
          shorts = Arrays.copyOf(shorts, grow(shorts.length, need));
        }
        break;
      case INT:
      case STRING:
        if (need > ints.length) {
          ints = Arrays.copyOf(ints, grow(ints.length, need));
        }
        break;
      case LONG:
      case UINT64:
        if (need > longs.length) {
          longs = Arrays.copyOf(longs, grow(longs.length, need));
        }
        break;
      case FLOAT:
        if (need > floats.length) {
          floats = Arrays.copyOf(floats, grow(floats.length, need));
        }
        break;
      default:
        if (need > doubles.length) {
          doubles = Arrays.copyOf(doubles, grow(doubles.length, need));
        }
    }
  }

  void addUtf8(byte[] utf8) {
    if (byteCount + utf8.length > bytes.length) {
      bytes = Arrays.copyOf(bytes, grow(bytes.length, byteCount + utf8.length));
    }
    System.arraycopy(utf8, 0, bytes, byteCount, utf8.length);
    byteCount += utf8.length;
    ints[size++] = utf8.length;
  }

  private static int grow(int have, int need) {
    long n = Math.max(need, Math.max(16, (long) have * 2));
    if (n > Integer.MAX_VALUE - 16) {
      n = need;
    }
    return (int) n;
  }

  /**
   * The primitive array holding this leaf's values ({@code bytes} for BYTE and BOOLEAN; lengths for
   * STRING).
   */
  Object values() {
    switch (leaf.kind) {
      case BYTE:
      case BOOLEAN:
        return bytes;
      case SHORT:
        return shorts;
      case INT:
      case STRING:
        return ints;
      case LONG:
      case UINT64:
        return longs;
      case FLOAT:
        return floats;
      default:
        return doubles;
    }
  }

  /** Approximate bytes held (for block sizing). */
  long heldBytes() {
    return leaf.kind == WriteSchema.LeafKind.STRING
        ? byteCount + 4L * size
        : (long) size * leaf.kind.bytes;
  }

  /** Empties the buffer for the next block; array lengths stay fixed. */
  void clear() {
    rows = 0;
    size = 0;
    byteCount = 0;
  }
}
