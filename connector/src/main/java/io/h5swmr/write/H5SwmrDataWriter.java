package io.h5swmr.write;

import io.h5swmr.exceptions.H5SwmrDataException;
import io.h5swmr.exceptions.H5SwmrException;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.math.BigDecimal;
import java.math.BigInteger;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.UUID;
import org.apache.spark.sql.catalyst.InternalRow;
import org.apache.spark.sql.catalyst.expressions.SpecializedGetters;
import org.apache.spark.sql.catalyst.util.ArrayData;
import org.apache.spark.sql.connector.write.DataWriter;
import org.apache.spark.sql.connector.write.WriterCommitMessage;
import org.apache.spark.sql.types.ArrayType;

/**
 * Executor side: buffers rows column by column and writes them as Kryo blocks to this task
 * attempt's own staging file. Never touches the target file and takes no lock. {@link #abort()}
 * deletes the file.
 */
final class H5SwmrDataWriter implements DataWriter<InternalRow> {
  private static final BigInteger UINT64_MAX =
      BigInteger.ONE.shiftLeft(64).subtract(BigInteger.ONE);

  private final WriteSchema schema;
  private final Path file;
  private final int partitionId;
  private final long blockBytes;
  private final StoredTypes stored;
  private final List<LeafBuffer> buffers = new ArrayList<>();

  /** Input ordinal of each top-level column. */
  private final int[] ordinals;

  /**
   * Per top-level column: its buffer when the column is a scalar of a fixed-size primitive kind
   * (the common case: numbers, booleans), which {@link #write} stores directly; null for strings,
   * uint64, arrays and structs, which take the general path.
   */
  private final LeafBuffer[] scalars;

  /**
   * Per top-level column: whether its values need the stored type's range check (appends to
   * narrower types).
   */
  private final boolean[] checked;

  private StagingCodec.Writer out;
  private long rows;
  private int blockRows;

  H5SwmrDataWriter(
      WriteSchema schema,
      Path stagingDir,
      int partitionId,
      long taskId,
      long blockBytes,
      StoredTypes stored) {
    this.schema = schema;
    this.stored = stored;
    this.partitionId = partitionId;
    this.blockBytes = blockBytes;
    this.file =
        stagingDir.resolve(
            String.format(
                "part-%05d-task-%d-%s.kryo",
                partitionId, taskId, UUID.randomUUID().toString().substring(0, 8)));
    for (WriteSchema.Node leaf : schema.leaves()) {
      buffers.add(new LeafBuffer(leaf));
    }
    List<WriteSchema.Node> columns = schema.columns();
    ordinals = new int[columns.size()];
    scalars = new LeafBuffer[columns.size()];
    checked = new boolean[columns.size()];
    for (int c = 0; c < columns.size(); c++) {
      WriteSchema.Node n = columns.get(c);
      ordinals[c] = schema.inputOrdinal(c);
      if (!n.isStruct()
          && n.arrayDepth == 0
          && n.kind != WriteSchema.LeafKind.STRING
          && n.kind != WriteSchema.LeafKind.UINT64) {
        scalars[c] = buffers.get(n.leafIndex);
        checked[c] = stored.checksNumbers(n.leafIndex);
      }
    }
  }

  @Override
  public void write(InternalRow row) throws IOException {
    if ((blockRows & 255) == 0) {
      // Room for the next 256 rows of every primitive scalar column, so that storing one is a plain
      // array write.
      for (LeafBuffer b : scalars) {
        if (b != null) {
          b.ensure(256);
        }
      }
    }
    for (int c = 0; c < ordinals.length; c++) {
      LeafBuffer b = scalars[c];
      if (b == null) {
        add(schema.columns().get(c), row, ordinals[c]);
        continue;
      }
      int ordinal = ordinals[c];
      if (row.isNullAt(ordinal)) {
        throw nullValue(b.leaf.path);
      }
      int at = b.size;
      addScalar(b, row, ordinal);
      if (checked[c]) {
        stored.checkNumbers(b, at);
      }
    }
    blockRows++;
    rows++;
    if ((blockRows & 255) == 0 && heldBytes() >= blockBytes) {
      flushBlock();
    }
  }

  private long heldBytes() {
    long n = 0;
    for (LeafBuffer b : buffers) {
      n += b.heldBytes();
    }
    return n;
  }

  private void add(WriteSchema.Node node, SpecializedGetters getter, int ordinal) {
    if (getter.isNullAt(ordinal)) {
      throw nullValue(node.path);
    }
    if (node.isStruct()) {
      InternalRow s = getter.getStruct(ordinal, node.members.size());
      for (WriteSchema.Node m : node.members) {
        add(m, s, m.ordinal);
      }
      return;
    }
    LeafBuffer b = buffers.get(node.leafIndex);
    int from = b.size;
    if (node.arrayDepth == 0) {
      b.ensure(1);
      addScalar(b, getter, ordinal);
    } else {
      addArray(b, getter.getArray(ordinal), 0, node.sparkType);
    }
    stored.checkNumbers(b, from);
  }

  private static H5SwmrDataException nullValue(String path) {
    return new H5SwmrDataException(
        "Column '"
            + path
            + "' holds a null, and HDF5 has no null for this type. "
            + "Filter the rows or fill the value (e.g. na.fill / coalesce) before writing; h5swmr never fills silently.");
  }

  private void addArray(
      LeafBuffer b, ArrayData a, int level, org.apache.spark.sql.types.DataType type) {
    int n = a.numElements();
    b.checkLength(level, n);
    ArrayType at = (ArrayType) type;
    if (level + 1 < b.leaf.arrayDepth) {
      for (int i = 0; i < n; i++) {
        if (a.isNullAt(i)) {
          throw nullValue(b.leaf.path + "[" + i + "]");
        }
        addArray(b, a.getArray(i), level + 1, at.elementType());
      }
      return;
    }
    if (at.containsNull()) {
      for (int i = 0; i < n; i++) {
        if (a.isNullAt(i)) {
          throw nullValue(b.leaf.path + "[" + i + "]");
        }
      }
    }
    b.ensure(n);
    switch (b.leaf.kind) {
      case DOUBLE:
        System.arraycopy(a.toDoubleArray(), 0, b.doubles, b.size, n);
        b.size += n;
        break;
      case FLOAT:
        System.arraycopy(a.toFloatArray(), 0, b.floats, b.size, n);
        b.size += n;
        break;
      case LONG:
        System.arraycopy(a.toLongArray(), 0, b.longs, b.size, n);
        b.size += n;
        break;
      case INT:
        System.arraycopy(a.toIntArray(), 0, b.ints, b.size, n);
        b.size += n;
        break;
      case SHORT:
        System.arraycopy(a.toShortArray(), 0, b.shorts, b.size, n);
        b.size += n;
        break;
      case BYTE:
        System.arraycopy(a.toByteArray(), 0, b.bytes, b.size, n);
        b.size += n;
        break;
      default:
        for (int i = 0; i < n; i++) {
          addScalar(b, a, i);
        }
    }
  }

  private void addScalar(LeafBuffer b, SpecializedGetters g, int i) {
    switch (b.leaf.kind) {
      case BYTE:
        b.bytes[b.size++] = g.getByte(i);
        break;
      case BOOLEAN:
        b.bytes[b.size++] = g.getBoolean(i) ? (byte) 1 : (byte) 0;
        break;
      case SHORT:
        b.shorts[b.size++] = g.getShort(i);
        break;
      case INT:
        b.ints[b.size++] = g.getInt(i);
        break;
      case LONG:
        b.longs[b.size++] = g.getLong(i);
        break;
      case FLOAT:
        b.floats[b.size++] = g.getFloat(i);
        break;
      case DOUBLE:
        b.doubles[b.size++] = g.getDouble(i);
        break;
      case UINT64:
        BigDecimal d = g.getDecimal(i, 20, 0).toJavaBigDecimal();
        BigInteger v = d.toBigIntegerExact();
        if (v.signum() < 0 || v.compareTo(UINT64_MAX) > 0) {
          throw new H5SwmrDataException(
              "Column '"
                  + b.leaf.path
                  + "' holds "
                  + v
                  + ", which does not fit uint64 (0 to "
                  + UINT64_MAX
                  + "): decimal(20,0) is written as uint64");
        }
        b.longs[b.size++] = v.longValue();
        break;
      default: // STRING
        byte[] utf8 = g.getUTF8String(i).getBytes();
        stored.checkString(b.leaf, utf8);
        b.addUtf8(utf8);
    }
  }

  private void flushBlock() throws IOException {
    if (blockRows == 0) {
      return;
    }
    if (out == null) {
      out = new StagingCodec.Writer(file, buffers.size());
    }
    for (LeafBuffer b : buffers) {
      b.rows = blockRows;
    }
    out.writeBlock(buffers);
    for (LeafBuffer b : buffers) {
      b.clear();
    }
    blockRows = 0;
  }

  @Override
  public WriterCommitMessage commit() throws IOException {
    flushBlock();
    if (out == null) {
      out = new StagingCodec.Writer(file, buffers.size());
    }
    long bytes = out.finish();
    int[][] dims = new int[buffers.size()][];
    for (int i = 0; i < buffers.size(); i++) {
      dims[i] =
          rows == 0
              ? null
              : (buffers.get(i).dims == null ? new int[0] : buffers.get(i).dims.clone());
    }
    return new H5SwmrWriterCommitMessage(
        partitionId, file.toString(), rows, bytes, out.checksum(), dims);
  }

  @Override
  public void abort() {
    close();
    try {
      Files.deleteIfExists(file);
    } catch (IOException e) {
      throw new UncheckedIOException("could not delete staging file " + file, e);
    }
  }

  @Override
  public void close() {
    if (out != null) {
      out.close();
    }
  }

  /** For messages: which file this writer stages to. */
  @Override
  public String toString() {
    return "H5SwmrDataWriter{" + file + ", rows=" + rows + "}";
  }

  static H5SwmrException wrap(String what, Exception e) {
    return new H5SwmrException(what + ": " + e, e);
  }
}
