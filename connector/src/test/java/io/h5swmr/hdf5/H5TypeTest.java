package io.h5swmr.hdf5;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.h5swmr.exceptions.H5SwmrDataException;
import java.nio.ByteOrder;
import java.util.List;
import org.junit.jupiter.api.Test;

class H5TypeTest {

  @Test
  void readableNames() {
    assertThat(H5Type.integer(2, false, ByteOrder.BIG_ENDIAN)).hasToString("uint16 (big-endian)");
    assertThat(H5Type.int32()).hasToString("int32");
    assertThat(H5Type.float16()).hasToString("float16");
    assertThat(H5Type.floating(8, ByteOrder.BIG_ENDIAN)).hasToString("float64 (big-endian)");
    assertThat(H5Type.vlenUtf8()).hasToString("vlen utf-8 string");
    assertThat(H5Type.fixedString(10, H5Type.Charset.ASCII, H5Type.StringPad.SPACEPAD))
        .hasToString("fixed 10-byte ascii string (spacepad)");
    assertThat(H5Type.bool()).hasToString("bool (enum int8 {FALSE: 0, TRUE: 1})");
    assertThat(H5Type.compound(List.of("x", "name"), List.of(H5Type.float64(), H5Type.vlenUtf8())))
        .hasToString("compound{x: float64, name: vlen utf-8 string}");
    assertThat(H5Type.array(new long[] {3, 4}, H5Type.float32()))
        .hasToString("array[3x4] of float32");
    assertThat(H5Type.unsupported("H5T_REFERENCE", 8)).hasToString("reference (unsupported)");
    assertThat(
            H5Type.enumeration(
                H5Type.integer(2, false), List.of("RED", "GREEN"), new long[] {0, 1}))
        .hasToString("enum uint16 {RED: 0, GREEN: 1}");
  }

  @Test
  void enumValuesThatAreNoMemberReadAsTheirNumber() {
    H5Type e =
        H5Type.enumeration(
            H5Type.integer(1, true), List.of("clear", "missing"), new long[] {0, -1});
    assertThat(e.enumText(-1)).isEqualTo("missing");
    assertThat(e.enumText(-128)).isEqualTo("-128");
    assertThat(e.enumName(5)).isNull();
    assertThat(e.enumText(5)).isEqualTo("5");
    H5Type wide = H5Type.enumeration(H5Type.integer(8, false), List.of("LOW"), new long[] {0});
    assertThat(wide.enumText(-1L)).isEqualTo("18446744073709551615");
  }

  @Test
  void memoryKindsWidenUnsignedAndHalfFloats() {
    assertThat(H5Type.integer(1, false).memKind()).isEqualTo(H5MemKind.SHORT);
    assertThat(H5Type.integer(2, false).memKind()).isEqualTo(H5MemKind.INT);
    assertThat(H5Type.integer(4, false).memKind()).isEqualTo(H5MemKind.LONG);
    assertThat(H5Type.integer(8, false).memKind()).isEqualTo(H5MemKind.LONG);
    assertThat(H5Type.int8().memKind()).isEqualTo(H5MemKind.BYTE);
    assertThat(H5Type.float16().memKind()).isEqualTo(H5MemKind.FLOAT);
    assertThat(H5Type.float64().memKind()).isEqualTo(H5MemKind.DOUBLE);
    assertThat(H5Type.bool().memKind()).isEqualTo(H5MemKind.BYTE);
    assertThat(H5Type.array(new long[] {2}, H5Type.vlenUtf8()).memKind())
        .isEqualTo(H5MemKind.STRING);
    assertThatThrownBy(() -> H5Type.compound(List.of("a"), List.of(H5Type.int8())).memKind())
        .isInstanceOf(H5SwmrDataException.class)
        .hasMessageContaining("compound{a: int8}");
  }

  @Test
  void booleanIsOnlyTheH5pyEnum() {
    assertThat(H5Type.bool().isBoolean()).isTrue();
    assertThat(
            H5Type.enumeration(H5Type.int8(), List.of("FALSE", "TRUE"), new long[] {1, 0})
                .isBoolean())
        .isFalse();
    assertThat(
            H5Type.enumeration(
                    H5Type.integer(1, false), List.of("FALSE", "TRUE"), new long[] {0, 1})
                .isBoolean())
        .isFalse();
    assertThat(H5Type.int8().isBoolean()).isFalse();
  }

  @Test
  void arraysCountTheirElements() {
    H5Type nested = H5Type.array(new long[] {2}, H5Type.array(new long[] {3, 4}, H5Type.int16()));
    assertThat(nested.elementsPerValue()).isEqualTo(24);
    assertThat(nested.leaf()).isEqualTo(H5Type.int16());
    assertThat(nested.size()).isEqualTo(48);
  }

  @Test
  void invalidDefinitionsNameTheProblem() {
    assertThatThrownBy(() -> H5Type.integer(3, true))
        .hasMessageContaining("integer size 3")
        .hasMessageContaining("1, 2, 4, 8");
    assertThatThrownBy(() -> H5Type.floating(16, ByteOrder.LITTLE_ENDIAN))
        .hasMessageContaining("2, 4, 8");
    assertThatThrownBy(
            () -> H5Type.compound(List.of("a", "a"), List.of(H5Type.int8(), H5Type.int8())))
        .hasMessageContaining("duplicate compound member name 'a'");
    assertThatThrownBy(() -> H5Type.enumeration(H5Type.float32(), List.of("A"), new long[] {0}))
        .hasMessageContaining("enum base must be an integer type, got float32");
    assertThatThrownBy(() -> H5Type.fixedString(0, H5Type.Charset.ASCII, H5Type.StringPad.NULLPAD))
        .hasMessageContaining("at least 1 byte");
    assertThatThrownBy(() -> H5DatasetSpec.of(H5Type.float64()).withDeflate(10))
        .hasMessageContaining("0 (none) or 1-9, got 10");
    assertThatThrownBy(() -> H5DatasetSpec.of(H5Type.float64()).withChunkRows(1L << 32))
        .hasMessageContaining("4 GiB chunk limit");
  }

  @Test
  void equalityIsStructural() {
    H5Type a = H5Type.compound(List.of("x", "y"), List.of(H5Type.int32(), H5Type.float32()));
    H5Type b = H5Type.compound(List.of("x", "y"), List.of(H5Type.int32(), H5Type.float32()));
    assertThat(a).isEqualTo(b).hasSameHashCodeAs(b);
    assertThat(a)
        .isNotEqualTo(
            H5Type.compound(List.of("x", "z"), List.of(H5Type.int32(), H5Type.float32())));
  }
}
