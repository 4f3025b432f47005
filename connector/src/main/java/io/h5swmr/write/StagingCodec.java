package io.h5swmr.write;

import com.esotericsoftware.kryo.Kryo;
import com.esotericsoftware.kryo.io.Input;
import com.esotericsoftware.kryo.io.Output;
import io.h5swmr.exceptions.H5SwmrDataException;
import java.io.BufferedInputStream;
import java.io.BufferedOutputStream;
import java.io.Closeable;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.util.List;
import java.util.zip.CRC32C;
import java.util.zip.CheckedInputStream;
import java.util.zip.CheckedOutputStream;

/**
 * The staging file format: Kryo 5, column by column, primitive arrays written in bulk.
 *
 * <pre>
 * file   := MAGIC VERSION leafCount block* END
 * block  := rows (leafDims leafValues){leafCount}
 * leafDims := arrayDepth length{arrayDepth}
 * leafValues := one registered primitive array (byte[], short[], int[], long[], float[], double[]);
 *               strings: int[] UTF-8 lengths then byte[] UTF-8 bytes
 * </pre>
 *
 * Every file carries a CRC32C of all its bytes, which the commit message records and the committer verifies.
 */
final class StagingCodec {
  static final int MAGIC = 0x48355357; // "H5SW"
  static final int VERSION = 1;
  private static final int END = -1;
  private static final int IO_BUFFER = 1 << 20;

  private StagingCodec() {}

  /** A Kryo that knows exactly the classes of the format (registration required). */
  static Kryo kryo() {
    Kryo k = new Kryo();
    k.setRegistrationRequired(true);
    k.setReferences(false);
    k.register(byte[].class, 10);
    k.register(short[].class, 11);
    k.register(int[].class, 12);
    k.register(long[].class, 13);
    k.register(float[].class, 14);
    k.register(double[].class, 15);
    return k;
  }

  /** Writes one task attempt's staging file. */
  static final class Writer implements Closeable {
    private final Path file;
    private final Kryo kryo = kryo();
    private final CRC32C crc = new CRC32C();
    private final Output out;
    private final int leafCount;
    private boolean closed;

    Writer(Path file, int leafCount) throws IOException {
      this.file = file;
      this.leafCount = leafCount;
      OutputStream os = Files.newOutputStream(file, StandardOpenOption.CREATE_NEW, StandardOpenOption.WRITE);
      this.out = new Output(new CheckedOutputStream(new BufferedOutputStream(os, IO_BUFFER), crc), IO_BUFFER);
      out.writeInt(MAGIC);
      out.writeInt(VERSION);
      out.writeInt(leafCount);
    }

    /** Writes the rows held by {@code buffers} (one per leaf, same row count) as one block. */
    void writeBlock(List<LeafBuffer> buffers) {
      int rows = buffers.get(0).rows;
      out.writeInt(rows);
      for (LeafBuffer b : buffers) {
        int depth = b.leaf.arrayDepth;
        out.writeInt(depth);
        for (int l = 0; l < depth; l++) {
          out.writeInt(b.dims == null ? 0 : b.dims[l]);
        }
        switch (b.leaf.kind) {
          case BYTE:
          case BOOLEAN:
            writeArray(java.util.Arrays.copyOf(b.bytes, b.size));
            break;
          case SHORT:
            writeArray(java.util.Arrays.copyOf(b.shorts, b.size));
            break;
          case INT:
            writeArray(java.util.Arrays.copyOf(b.ints, b.size));
            break;
          case LONG:
          case UINT64:
            writeArray(java.util.Arrays.copyOf(b.longs, b.size));
            break;
          case FLOAT:
            writeArray(java.util.Arrays.copyOf(b.floats, b.size));
            break;
          case DOUBLE:
            writeArray(java.util.Arrays.copyOf(b.doubles, b.size));
            break;
          default: // STRING
            writeArray(java.util.Arrays.copyOf(b.ints, b.size));
            writeArray(java.util.Arrays.copyOf(b.bytes, b.byteCount));
        }
      }
    }

    private void writeArray(Object array) {
      kryo.writeObject(out, array);
    }

    /** Ends the file, flushes it to disk; returns the byte count. */
    long finish() throws IOException {
      out.writeInt(END);
      out.flush();
      out.close();
      closed = true;
      return Files.size(file);
    }

    long checksum() {
      return crc.getValue();
    }

    @Override
    public void close() {
      if (!closed) {
        closed = true;
        out.close();
      }
    }
  }

  /** One block read back: per leaf its array lengths and values. */
  static final class Block {
    final int rows;
    final int[][] dims;
    final Object[] values; // primitive array per leaf; strings: int[] lengths
    final byte[][] utf8; // strings: bytes per leaf (null for others)

    Block(int rows, int leafCount) {
      this.rows = rows;
      this.dims = new int[leafCount][];
      this.values = new Object[leafCount];
      this.utf8 = new byte[leafCount][];
    }
  }

  /** Reads a staging file block by block, verifying its checksum at the end. */
  static final class Reader implements Closeable {
    private final Path file;
    private final Kryo kryo = kryo();
    private final CRC32C crc = new CRC32C();
    private final Input in;
    private final List<WriteSchema.Node> leaves;
    private final long expectedChecksum;

    Reader(Path file, List<WriteSchema.Node> leaves, long expectedChecksum) throws IOException {
      this.file = file;
      this.leaves = leaves;
      this.expectedChecksum = expectedChecksum;
      InputStream is = Files.newInputStream(file);
      this.in = new Input(new CheckedInputStream(new BufferedInputStream(is, IO_BUFFER), crc), IO_BUFFER);
      int magic = in.readInt();
      int version = in.readInt();
      int count = in.readInt();
      if (magic != MAGIC || version != VERSION || count != leaves.size()) {
        throw corrupt("bad header (magic " + Integer.toHexString(magic) + ", version " + version + ", "
            + count + " columns, expected " + leaves.size() + ")");
      }
    }

    /** The next block, or null at the end (after the checksum was verified). */
    Block next() {
      int rows = in.readInt();
      if (rows == END) {
        // drain whatever the buffered Input read ahead so the checksum covers the whole file
        while (in.read() >= 0) {
          // nothing: consuming bytes updates the CRC
        }
        if (crc.getValue() != expectedChecksum) {
          throw corrupt("checksum mismatch (CRC32C " + Long.toHexString(crc.getValue()) + ", commit message says "
              + Long.toHexString(expectedChecksum) + ")");
        }
        return null;
      }
      Block b = new Block(rows, leaves.size());
      for (int i = 0; i < leaves.size(); i++) {
        WriteSchema.Node leaf = leaves.get(i);
        int depth = in.readInt();
        if (depth != leaf.arrayDepth) {
          throw corrupt("column '" + leaf.path + "' has " + depth + " array levels, expected " + leaf.arrayDepth);
        }
        int[] d = new int[depth];
        for (int l = 0; l < depth; l++) {
          d[l] = in.readInt();
        }
        b.dims[i] = d;
        switch (leaf.kind) {
          case BYTE:
          case BOOLEAN:
            b.values[i] = kryo.readObject(in, byte[].class);
            break;
          case SHORT:
            b.values[i] = kryo.readObject(in, short[].class);
            break;
          case INT:
            b.values[i] = kryo.readObject(in, int[].class);
            break;
          case LONG:
          case UINT64:
            b.values[i] = kryo.readObject(in, long[].class);
            break;
          case FLOAT:
            b.values[i] = kryo.readObject(in, float[].class);
            break;
          case DOUBLE:
            b.values[i] = kryo.readObject(in, double[].class);
            break;
          default:
            b.values[i] = kryo.readObject(in, int[].class);
            b.utf8[i] = kryo.readObject(in, byte[].class);
        }
      }
      return b;
    }

    private H5SwmrDataException corrupt(String what) {
      return new H5SwmrDataException("Staging file " + file + " is damaged: " + what
          + ". The commit stopped before touching the target; rerun the job.");
    }

    @Override
    public void close() {
      in.close();
    }
  }
}
