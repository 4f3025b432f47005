package io.h5swmr.read;

import org.apache.spark.sql.types.DataType;
import org.apache.spark.sql.types.Decimal;
import org.apache.spark.sql.vectorized.ColumnVector;
import org.apache.spark.sql.vectorized.ColumnarArray;
import org.apache.spark.sql.vectorized.ColumnarMap;
import org.apache.spark.unsafe.types.UTF8String;

/**
 * A read-only Spark column vector over a window of a piece's values, so a batch costs no copy: a
 * primitive leaf column views its pooled Java array from an offset ({@link #view}); the index
 * column is the sequence {@code first, first + 1, ...} ({@link #sequence}); the file column one
 * constant string ({@link #constant}). Re-pointed for every batch by the columnar reader, like
 * Spark's reused vectors; never null.
 */
final class PieceColumnVector extends ColumnVector {
  private Object array;
  private int offset;
  private long first;
  private UTF8String text;

  PieceColumnVector(DataType type) {
    super(type);
  }

  /** Row {@code r} of the batch is element {@code offset + r} of {@code values}. */
  void view(Object values, int from) {
    this.array = values;
    this.offset = from;
  }

  /** Row {@code r} of the batch is {@code start + r}. */
  void sequence(long start) {
    this.array = null;
    this.first = start;
  }

  /** Every row of the batch is {@code value}. */
  void constant(UTF8String value) {
    this.array = null;
    this.text = value;
  }

  @Override
  public void close() {
    array = null;
    text = null;
  }

  @Override
  public boolean hasNull() {
    return false;
  }

  @Override
  public int numNulls() {
    return 0;
  }

  @Override
  public boolean isNullAt(int rowId) {
    return false;
  }

  @Override
  public boolean getBoolean(int rowId) {
    return ((byte[]) array)[offset + rowId] != 0;
  }

  @Override
  public byte getByte(int rowId) {
    return ((byte[]) array)[offset + rowId];
  }

  @Override
  public short getShort(int rowId) {
    return ((short[]) array)[offset + rowId];
  }

  @Override
  public int getInt(int rowId) {
    return ((int[]) array)[offset + rowId];
  }

  @Override
  public long getLong(int rowId) {
    return array == null ? first + rowId : ((long[]) array)[offset + rowId];
  }

  @Override
  public float getFloat(int rowId) {
    return ((float[]) array)[offset + rowId];
  }

  @Override
  public double getDouble(int rowId) {
    return ((double[]) array)[offset + rowId];
  }

  @Override
  public UTF8String getUTF8String(int rowId) {
    return text;
  }

  @Override
  public ColumnarArray getArray(int rowId) {
    throw new UnsupportedOperationException("h5swmr columnar batches hold primitive columns only");
  }

  @Override
  public ColumnarMap getMap(int ordinal) {
    throw new UnsupportedOperationException("h5swmr columnar batches hold primitive columns only");
  }

  @Override
  public Decimal getDecimal(int rowId, int precision, int scale) {
    throw new UnsupportedOperationException("h5swmr columnar batches hold primitive columns only");
  }

  @Override
  public byte[] getBinary(int rowId) {
    throw new UnsupportedOperationException("h5swmr columnar batches hold primitive columns only");
  }

  @Override
  public ColumnVector getChild(int ordinal) {
    throw new UnsupportedOperationException("h5swmr columnar batches hold primitive columns only");
  }
}
