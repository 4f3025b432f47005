package io.h5swmr.write;

import com.esotericsoftware.kryo.Kryo;
import com.esotericsoftware.kryo.io.Input;
import com.esotericsoftware.kryo.io.Output;
import com.esotericsoftware.kryo.util.Pool;
import io.h5swmr.exceptions.H5SwmrDataException;
import java.io.Closeable;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
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
 * file   := MAGIC VERSION leafCount bigEndian block* END
 * block  := rows (leafDims leafValues){leafCount}
 * leafDims := arrayDepth length{arrayDepth}
 * leafValues := the values as one registered byte[] (primitive arrays converted in bulk, native byte order,
 *               recorded in the header); strings: the UTF-8 lengths (int, as bytes) then the UTF-8 bytes
 * </pre>
 *
 * Every file carries a CRC32C of all its bytes, which the commit message records and the committer
 * verifies.
 */
final class StagingCodec {
  static final int MAGIC = 0x48355357; // "H5SW"
  static final int VERSION = 1;
  private static final int END = -1;
  private static final int IO_BUFFER = 1 << 20;
  private static final int WRITE_BUFFER = 64 << 10;

  private StagingCodec() {}

  /**
   * Configured Kryos, reused: building one costs more than staging a small block (and commits
   * decode on a fresh thread each time, so one per thread would not be reused). Each reader or
   * writer holds one until closed.
   */
  private static final Pool<Kryo> KRYOS =
      new Pool<>(true, false, 32) {
        @Override
        protected Kryo create() {
          return newKryo();
        }
      };

  private static Kryo newKryo() {
    Kryo k = new Kryo();
    k.setRegistrationRequired(true);
    k.setReferences(false);
    k.register(byte[].class, 10);
    return k;
  }

  /** Writes one task attempt's staging file. */
  static final class Writer implements Closeable {
    private final Path file;
    private final Kryo kryo = KRYOS.obtain();
    private final CRC32C crc = new CRC32C();
    private final Output out;
    private final int leafCount;
    private boolean closed;

    Writer(Path file, int leafCount) throws IOException {
      this.file = file;
      this.leafCount = leafCount;
      OutputStream os =
          Files.newOutputStream(file, StandardOpenOption.CREATE_NEW, StandardOpenOption.WRITE);
      // Kryo's Output buffers (a second buffer below it only copied); a small first buffer keeps
      // small blocks
      // (an appender's few thousand rows) from allocating and zeroing megabytes per file.
      this.out = new Output(new CheckedOutputStream(os, crc), WRITE_BUFFER);
      out.writeInt(MAGIC);
      out.writeInt(VERSION);
      out.writeInt(leafCount);
      out.writeBoolean(ByteOrder.nativeOrder() == ByteOrder.BIG_ENDIAN);
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
            writeBytes(b.bytes, b.size);
            break;
          case SHORT:
            writeBytes(bulk(b.size * 2).asShortBuffer().put(b.shorts, 0, b.size));
            break;
          case INT:
            writeBytes(bulk(b.size * 4).asIntBuffer().put(b.ints, 0, b.size));
            break;
          case LONG:
          case UINT64:
            writeBytes(bulk(b.size * 8).asLongBuffer().put(b.longs, 0, b.size));
            break;
          case FLOAT:
            writeBytes(bulk(b.size * 4).asFloatBuffer().put(b.floats, 0, b.size));
            break;
          case DOUBLE:
            writeBytes(bulk(b.size * 8).asDoubleBuffer().put(b.doubles, 0, b.size));
            break;
          default: // STRING
            writeBytes(bulk(b.size * 4).asIntBuffer().put(b.ints, 0, b.size));
            writeBytes(b.bytes, b.byteCount);
        }
      }
    }

    private ByteBuffer scratch = ByteBuffer.allocate(0);

    /** A native-order heap buffer of {@code n} bytes whose primitive views fill it in bulk. */
    private ByteBuffer bulk(int n) {
      if (scratch.capacity() < n) {
        scratch = ByteBuffer.allocate(n).order(ByteOrder.nativeOrder());
      }
      scratch.clear();
      scratch.limit(n);
      return scratch;
    }

    private void writeBytes(java.nio.Buffer view) {
      writeBytes(scratch.array(), scratch.limit());
    }

    private void writeBytes(byte[] a, int n) {
      kryo.writeObject(out, n == a.length ? a : java.util.Arrays.copyOf(a, n));
    }

    /** Ends the file, flushes it to disk; returns the byte count. */
    long finish() throws IOException {
      out.writeInt(END);
      out.flush();
      close();
      return Files.size(file);
    }

    long checksum() {
      return crc.getValue();
    }

    @Override
    public void close() {
      if (!closed) {
        closed = true;
        try {
          out.close();
        } finally {
          KRYOS.free(kryo);
        }
      }
    }
  }

  /** One block read back: per leaf its array lengths and values. */
  static final class Block {
    final int rows;
    final int[][] dims;
    final Object[] values; // raw native-order byte[] per fixed-size leaf; strings: int[] lengths
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
    private final Kryo kryo = KRYOS.obtain();
    private final CRC32C crc = new CRC32C();
    private final Input in;
    private final List<WriteSchema.Node> leaves;
    private final long expectedChecksum;
    private boolean closed;

    /**
     * @param bytes the staged file's size, as its writer reported it (sizes the read buffer)
     */
    Reader(Path file, long bytes, List<WriteSchema.Node> leaves, long expectedChecksum)
        throws IOException {
      this.file = file;
      this.leaves = leaves;
      this.expectedChecksum = expectedChecksum;
      InputStream is = Files.newInputStream(file);
      int buffer = (int) Math.max(4096, Math.min(IO_BUFFER, bytes));
      this.in = new Input(new CheckedInputStream(is, crc), buffer);
      int magic = in.readInt();
      int version = in.readInt();
      int count = in.readInt();
      if (magic != MAGIC || version != VERSION || count != leaves.size()) {
        throw corrupt(
            "bad header (magic "
                + Integer.toHexString(magic)
                + ", version "
                + version
                + ", "
                + count
                + " columns, expected "
                + leaves.size()
                + ")");
      }
      boolean bigEndian = in.readBoolean();
      if (bigEndian != (ByteOrder.nativeOrder() == ByteOrder.BIG_ENDIAN)) {
        throw corrupt(
            "it was staged on a "
                + (bigEndian ? "big" : "little")
                + "-endian machine; the driver "
                + "and the executors must share a byte order");
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
          throw corrupt(
              "checksum mismatch (CRC32C "
                  + Long.toHexString(crc.getValue())
                  + ", commit message says "
                  + Long.toHexString(expectedChecksum)
                  + ")");
        }
        return null;
      }
      Block b = new Block(rows, leaves.size());
      for (int i = 0; i < leaves.size(); i++) {
        WriteSchema.Node leaf = leaves.get(i);
        int depth = in.readInt();
        if (depth != leaf.arrayDepth) {
          throw corrupt(
              "column '"
                  + leaf.path
                  + "' has "
                  + depth
                  + " array levels, expected "
                  + leaf.arrayDepth);
        }
        int[] d = new int[depth];
        for (int l = 0; l < depth; l++) {
          d[l] = in.readInt();
        }
        b.dims[i] = d;
        if (leaf.kind == WriteSchema.LeafKind.STRING) {
          b.values[i] = ints();
          b.utf8[i] = bytes();
        } else {
          b.values[i] =
              bytes(); // fixed-size values stay raw (native order): the committer packs them as
          // bytes
        }
      }
      return b;
    }

    private byte[] bytes() {
      return kryo.readObject(in, byte[].class);
    }

    /**
     * Bytes of the file consumed so far (every one of them is held in a block returned or was
     * verified).
     */
    long bytesRead() {
      return in.total();
    }

    private ByteBuffer view() {
      return ByteBuffer.wrap(bytes()).order(ByteOrder.nativeOrder());
    }

    private int[] ints() {
      ByteBuffer v = view();
      int[] a = new int[v.remaining() / 4];
      v.asIntBuffer().get(a);
      return a;
    }

    private H5SwmrDataException corrupt(String what) {
      return new H5SwmrDataException(
          "Staging file "
              + file
              + " is damaged: "
              + what
              + ". The commit stopped before touching the target; rerun the job.");
    }

    @Override
    public void close() {
      if (!closed) {
        closed = true;
        try {
          in.close();
        } finally {
          KRYOS.free(kryo);
        }
      }
    }
  }
}
