package io.h5swmr.hdf5;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.h5swmr.exceptions.H5SwmrDataException;
import java.lang.reflect.Array;
import java.nio.ByteOrder;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import java.util.stream.Stream;
import org.bytedeco.javacpp.DoublePointer;
import org.bytedeco.javacpp.IntPointer;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.Arguments;
import org.junit.jupiter.params.provider.MethodSource;

/** Writes every supported type with the layer, reads it back and compares. */
class H5RoundTripTest {
  private static final ByteOrder LE = ByteOrder.LITTLE_ENDIAN;
  private static final ByteOrder BE = ByteOrder.BIG_ENDIAN;

  @TempDir Path dir;
  private int files;

  private String file(String name) {
    return dir.resolve(name).toString();
  }

  /**
   * Writes {@code values} as a 1-D dataset of {@code type} (chunks of 3 rows) and reads it all
   * back.
   */
  private Object roundTrip(H5Type type, Object values) {
    String f = file("rt" + (files++) + ".h5");
    int n = Array.getLength(values);
    try (H5File file = H5File.create(f);
        H5Dataset d = file.createDataset("/d", H5DatasetSpec.of(type).withChunkRows(3))) {
      d.append(n, H5ColumnWrite.from(values, 0));
    }
    try (H5File file = H5File.openReadOnly(f);
        H5Dataset d = file.openDataset("d")) {
      assertThat(d.info().type()).isEqualTo(type);
      assertThat(d.info().rows()).isEqualTo(n);
      return d.readColumn(0, n);
    }
  }

  static Stream<Arguments> numericTypes() {
    return Stream.of(
        Arguments.of(
            H5Type.integer(1, true, LE), new byte[] {Byte.MIN_VALUE, -1, 0, 1, Byte.MAX_VALUE}),
        Arguments.of(H5Type.integer(1, false, BE), new short[] {0, 1, 128, 255}),
        Arguments.of(
            H5Type.integer(2, true, BE), new short[] {Short.MIN_VALUE, -2, 0, 3, Short.MAX_VALUE}),
        Arguments.of(H5Type.integer(2, false, LE), new int[] {0, 1, 40000, 65535}),
        Arguments.of(
            H5Type.integer(4, true, BE),
            new int[] {Integer.MIN_VALUE, -7, 0, 9, Integer.MAX_VALUE}),
        Arguments.of(
            H5Type.integer(4, false, LE), new long[] {0, 1, 3_000_000_000L, 4_294_967_295L}),
        Arguments.of(
            H5Type.integer(8, true, BE), new long[] {Long.MIN_VALUE, -1, 0, Long.MAX_VALUE}),
        Arguments.of(
            H5Type.integer(8, false, BE), new long[] {0, 1, Long.MAX_VALUE, -1L /* 2^64-1 raw */}),
        Arguments.of(H5Type.floating(2, LE), new float[] {0f, 1.5f, -2f, 65504f, 0.099975586f}),
        Arguments.of(H5Type.floating(2, BE), new float[] {0.5f, -0.25f, 1024f}),
        Arguments.of(
            H5Type.floating(4, BE),
            new float[] {Float.MIN_VALUE, -1.25f, Float.MAX_VALUE, Float.NaN}),
        Arguments.of(
            H5Type.floating(8, LE), new double[] {Double.MIN_VALUE, -1e300, 0.1, Double.NaN}),
        Arguments.of(
            H5Type.floating(8, BE), new double[] {Math.PI, -Math.E, Double.NEGATIVE_INFINITY}),
        Arguments.of(H5Type.bool(), new byte[] {1, 0, 0, 1, 1}),
        Arguments.of(
            H5Type.enumeration(
                H5Type.integer(2, false, BE),
                List.of("RED", "GREEN", "BLUE"),
                new long[] {0, 7, 65535}),
            new int[] {7, 0, 65535, 7}));
  }

  @ParameterizedTest(name = "{0}")
  @MethodSource("numericTypes")
  void numericValuesSurviveInTheirJavaKind(H5Type type, Object values) {
    assertThat(values.getClass()).isEqualTo(type.memKind().arrayClass());
    assertThat(roundTrip(type, values)).isEqualTo(values);
  }

  @Test
  void variableLengthStringsKeepUnicodeEmptyAndNull() {
    String[] values = {"plain", "", "ünïcødé ✓ 日本", null, "x".repeat(1000)};
    String[] back = (String[]) roundTrip(H5Type.vlenUtf8(), values);
    assertThat(back).containsExactly("plain", "", "ünïcødé ✓ 日本", null, "x".repeat(1000));
  }

  @Test
  void fixedStringsApplyEachPadRule() {
    for (H5Type.StringPad pad : H5Type.StringPad.values()) {
      H5Type t = H5Type.fixedString(6, H5Type.Charset.ASCII, pad);
      String[] back = (String[]) roundTrip(t, new String[] {"abc", "", "abcdef", "a b"});
      assertThat(back).as(pad.name()).containsExactly("abc", "", "abcdef", "a b");
    }
    H5Type utf8 = H5Type.fixedString(8, H5Type.Charset.UTF8, H5Type.StringPad.NULLPAD);
    assertThat((String[]) roundTrip(utf8, new String[] {"é✓", "12345678"}))
        .containsExactly("é✓", "12345678");
  }

  @Test
  void tooLongFixedStringIsRejectedWithTheValue() {
    H5Type t = H5Type.fixedString(3, H5Type.Charset.ASCII, H5Type.StringPad.NULLPAD);
    assertThatThrownBy(() -> roundTrip(t, new String[] {"ok", "toolong"}))
        .isInstanceOf(H5SwmrDataException.class)
        .hasMessageContaining("7 UTF-8 bytes does not fit the fixed 3-byte string type")
        .hasMessageContaining("toolong")
        .hasMessageContaining("/d");
  }

  @Test
  void emptyOneAndNonChunkMultipleRowCounts() {
    String f = file("rows.h5");
    try (H5File file = H5File.create(f)) {
      for (int rows : new int[] {0, 1, 7, 1000}) {
        double[] v = new double[rows];
        for (int i = 0; i < rows; i++) {
          v[i] = i * 0.5;
        }
        try (H5Dataset d =
            file.createDataset("/r" + rows, H5DatasetSpec.of(H5Type.float64()).withChunkRows(3))) {
          d.append(rows, H5ColumnWrite.from(v, 0));
          assertThat((double[]) d.readColumn(0, rows)).isEqualTo(v);
          if (rows > 4) {
            assertThat((double[]) d.readColumn(2, 3)).containsExactly(1.0, 1.5, 2.0);
          }
          assertThat((double[]) d.readColumn(rows, 0)).isEmpty();
        }
      }
    }
  }

  @Test
  void appendsAccumulateAcrossReopens() {
    String f = file("append.h5");
    try (H5File file = H5File.create(f);
        H5Dataset d = file.createDataset("/a", H5DatasetSpec.of(H5Type.int64()).withChunkRows(4))) {
      assertThat(d.append(3, H5ColumnWrite.from(new long[] {1, 2, 3}, 0))).isEqualTo(0);
    }
    try (H5File file = H5File.openReadWrite(f);
        H5Dataset d = file.openDataset("/a")) {
      assertThat(d.append(2, H5ColumnWrite.from(new long[] {9, 4, 5}, 1))).isEqualTo(3);
      assertThat(d.info().rows()).isEqualTo(5);
    }
    try (H5File file = H5File.openReadOnly(f);
        H5Dataset d = file.openDataset("/a")) {
      assertThat((long[]) d.readColumn(0, 5)).containsExactly(1, 2, 3, 4, 5);
    }
  }

  @Test
  void rank3DatasetReadsAsRowMajorFlatElements() {
    String f = file("rank3.h5");
    int rows = 5;
    int[] v = new int[rows * 2 * 3];
    for (int i = 0; i < v.length; i++) {
      v[i] = i;
    }
    try (H5File file = H5File.create(f);
        H5Dataset d =
            file.createDataset(
                "/cube",
                H5DatasetSpec.of(H5Type.integer(4, true, BE))
                    .withTrailingDims(2, 3)
                    .withChunkRows(2))) {
      d.append(rows, H5ColumnWrite.from(v, 0));
    }
    try (H5File file = H5File.openReadOnly(f);
        H5Dataset d = file.openDataset("/cube")) {
      H5DatasetInfo info = d.info();
      assertThat(info.dims()).containsExactly(5, 2, 3);
      assertThat(info.maxDims()).containsExactly(H5DatasetInfo.UNLIMITED, 2, 3);
      assertThat(info.chunkDims()).containsExactly(2, 2, 3);
      assertThat(info.column(List.of()).elementsPerRow()).isEqualTo(6);
      int[] out = new int[6 * 3 + 6];
      d.read(1, 3, H5ColumnRead.into(out, 6));
      for (int i = 0; i < 18; i++) {
        assertThat(out[6 + i]).isEqualTo(6 + i);
      }
      assertThat(out[0]).isZero();
    }
  }

  private static H5Type sample() {
    H5Type inner =
        H5Type.compound(List.of("lat", "lon"), List.of(H5Type.float32(), H5Type.float32()));
    return H5Type.compound(
        List.of("id", "name", "flag", "pos", "vec", "code", "tags"),
        List.of(
            H5Type.integer(8, false, BE),
            H5Type.vlenUtf8(),
            H5Type.bool(),
            inner,
            H5Type.array(new long[] {3}, H5Type.float64()),
            H5Type.fixedString(4, H5Type.Charset.ASCII, H5Type.StringPad.SPACEPAD),
            H5Type.array(new long[] {2}, H5Type.vlenUtf8())));
  }

  private String writeSample(int rows) {
    String f = file("compound.h5");
    long[] ids = new long[rows];
    String[] names = new String[rows];
    byte[] flags = new byte[rows];
    float[] lat = new float[rows];
    float[] lon = new float[rows];
    double[] vec = new double[rows * 3];
    String[] codes = new String[rows];
    String[] tags = new String[rows * 2];
    for (int i = 0; i < rows; i++) {
      ids[i] = i == 0 ? -1L : i * 1000L;
      names[i] = i == 2 ? null : "name-" + i + "-ß";
      flags[i] = (byte) (i % 2);
      lat[i] = i + 0.5f;
      lon[i] = -i;
      for (int k = 0; k < 3; k++) {
        vec[i * 3 + k] = i * 10 + k;
      }
      codes[i] = "C" + i;
      tags[2 * i] = "t" + i;
      tags[2 * i + 1] = "u" + i;
    }
    try (H5File file = H5File.create(f);
        H5Dataset d =
            file.createDataset(
                "/grp/table",
                H5DatasetSpec.of(sample()).withChunkRows(4).withDeflate(4).withShuffle(true))) {
      d.extend(rows);
      d.write(
          0,
          rows,
          H5ColumnWrite.from(ids, 0, "id"),
          H5ColumnWrite.from(names, 0, "name"),
          H5ColumnWrite.from(flags, 0, "flag"),
          H5ColumnWrite.from(lat, 0, "pos", "lat"),
          H5ColumnWrite.from(lon, 0, "pos", "lon"),
          H5ColumnWrite.from(vec, 0, "vec"),
          H5ColumnWrite.from(codes, 0, "code"),
          H5ColumnWrite.from(tags, 0, "tags"));
    }
    return f;
  }

  @Test
  void compoundRoundTripsEveryMemberKind() {
    String f = writeSample(10);
    try (H5File file = H5File.openReadOnly(f);
        H5Dataset d = file.openDataset("/grp/table")) {
      H5DatasetInfo info = d.info();
      assertThat(info.type().toString())
          .isEqualTo(
              "compound{id: uint64 (big-endian), name: vlen utf-8 string, "
                  + "flag: bool (enum int8 {FALSE: 0, TRUE: 1}), pos: compound{lat: float32, lon: float32}, "
                  + "vec: array[3] of float64, code: fixed 4-byte ascii string (spacepad), "
                  + "tags: array[2] of vlen utf-8 string}");
      assertThat(info.filters()).extracting(H5Filter::name).containsExactly("shuffle", "deflate");
      assertThat(info.filters().get(1).deflateLevel()).isEqualTo(4);
      assertThat(info.leaves())
          .extracting(H5Column::displayName)
          .containsExactly("id", "name", "flag", "pos.lat", "pos.lon", "vec", "code", "tags");
      long[] ids = new long[10];
      String[] names = new String[10];
      byte[] flags = new byte[10];
      float[] lat = new float[10];
      double[] vec = new double[30];
      String[] codes = new String[10];
      String[] tags = new String[20];
      d.read(
          0,
          10,
          H5ColumnRead.into(ids, 0, "id"),
          H5ColumnRead.into(names, 0, "name"),
          H5ColumnRead.into(flags, 0, "flag"),
          H5ColumnRead.into(lat, 0, "pos", "lat"),
          H5ColumnRead.into(vec, 0, "vec"),
          H5ColumnRead.into(codes, 0, "code"),
          H5ColumnRead.into(tags, 0, "tags"));
      assertThat(ids[0]).isEqualTo(-1L);
      assertThat(ids[9]).isEqualTo(9000L);
      assertThat(names[1]).isEqualTo("name-1-ß");
      assertThat(names[2]).isNull();
      assertThat(flags).containsExactly(0, 1, 0, 1, 0, 1, 0, 1, 0, 1);
      assertThat(lat[3]).isEqualTo(3.5f);
      assertThat(vec[3 * 7 + 2]).isEqualTo(72.0);
      assertThat(codes[5]).isEqualTo("C5");
      assertThat(tags[7]).isEqualTo("u3");
    }
  }

  @Test
  void compoundSubsetReadsOnlyTheNamedMembersOfTheRange() {
    String f = writeSample(10);
    try (H5File file = H5File.openReadOnly(f);
        H5Dataset d = file.openDataset("/grp/table")) {
      float[] lon = new float[4];
      String[] names = new String[4];
      d.read(5, 4, H5ColumnRead.into(lon, 0, "pos", "lon"), H5ColumnRead.into(names, 0, "name"));
      assertThat(lon).containsExactly(-5f, -6f, -7f, -8f);
      assertThat(names).containsExactly("name-5-ß", "name-6-ß", "name-7-ß", "name-8-ß");
      // A single member goes straight into its destination, also at an offset and widened.
      double[] lat = new double[6];
      d.read(7, 3, H5ColumnRead.into(lat, 2, "pos", "lat"));
      assertThat(lat).containsExactly(0, 0, 7.5, 8.5, 9.5, 0);
      assertThat((long[]) d.readColumn(3, 2, "id")).containsExactly(3000L, 4000L);
    }
  }

  @Test
  void readsIntoNativeMemory() {
    String f = writeSample(10);
    try (H5File file = H5File.openReadOnly(f);
        H5Dataset d = file.openDataset("/grp/table");
        DoublePointer vec = new DoublePointer(12);
        IntPointer flags = new IntPointer(4);
        DoublePointer lat = new DoublePointer(4)) {
      d.read(2, 4, H5ColumnRead.intoAddress(vec.address(), 12 * 8, H5MemKind.DOUBLE, "vec"));
      assertThat(vec.get(0)).isEqualTo(20.0);
      assertThat(vec.get(11)).isEqualTo(52.0);
      // Several members at once: packed read then copied to native memory.
      d.read(
          2,
          4,
          H5ColumnRead.intoAddress(flags.address(), 16, H5MemKind.INT, "flag"),
          H5ColumnRead.intoAddress(lat.address(), 32, H5MemKind.DOUBLE, "pos", "lat"));
      assertThat(flags.get(1)).isEqualTo(1);
      assertThat(flags.get(2)).isEqualTo(0);
      assertThat(lat.get(3)).isEqualTo(5.5);
    }
  }

  @Test
  void plainDatasetIntoNativeMemoryMatchesArrayRead() {
    String f = file("native.h5");
    double[] v = new double[100];
    for (int i = 0; i < v.length; i++) {
      v[i] = Math.sqrt(i);
    }
    try (H5File file = H5File.create(f);
        H5Dataset d =
            file.createDataset("/v", H5DatasetSpec.of(H5Type.floating(8, BE)).withChunkRows(16));
        DoublePointer out = new DoublePointer(40)) {
      d.append(100, H5ColumnWrite.from(v, 0));
      d.read(30, 40, H5ColumnRead.intoAddress(out.address(), 40 * 8, H5MemKind.DOUBLE));
      double[] got = new double[40];
      out.get(got);
      assertThat(got).isEqualTo(java.util.Arrays.copyOfRange(v, 30, 70));
    }
  }

  @Test
  void scalarDatasetsReadAsOneRow() throws Exception {
    String f = file("scalar.h5");
    try (H5File file = H5File.create(f)) {
      H5TestSupport.createScalar(file, "/answer", H5Type.int32(), new int[] {42});
      H5TestSupport.createScalar(file, "/pi", H5Type.float64(), new double[] {Math.PI});
    }
    try (H5File file = H5File.openReadOnly(f);
        H5Dataset d = file.openDataset("/answer");
        H5Dataset pi = file.openDataset("/pi")) {
      assertThat(d.info().rank()).isZero();
      assertThat(d.info().rows()).isEqualTo(1);
      assertThat((int[]) d.readColumn(0, 1)).containsExactly(42);
      assertThat((double[]) pi.readColumn(0, 1)).containsExactly(Math.PI);
      assertThatThrownBy(() -> d.readColumn(1, 1)).hasMessageContaining("scalar dataset");
    }
  }

  @Test
  void attributesOnDatasetsAndRoot() {
    String f = file("attrs.h5");
    try (H5File file = H5File.create(f);
        H5Dataset d = file.createDataset("/x", H5DatasetSpec.of(H5Type.int16()))) {
      file.writeAttribute("/", "title", "run ✓");
      file.writeAttribute("/", "version", 3L);
      file.writeAttribute("/", "scale", 0.25);
      file.writeAttribute("/", "shape", new long[] {4, 5});
      file.writeAttribute("/", "weights", new double[] {1.5, 2.5});
      file.writeAttribute("/", "names", new String[] {"a", "β"});
      file.writeAttribute("/", "ok", true);
      d.writeAttribute("units", "m/s");
      d.writeAttribute("units", "km/h"); // replaces
      assertThat(file.deleteAttribute("/", "missing")).isFalse();
    }
    try (H5File file = H5File.openReadOnly(f)) {
      Map<String, Object> root = file.attributes("/");
      assertThat(root)
          .containsEntry("title", "run ✓")
          .containsEntry("version", 3L)
          .containsEntry("scale", 0.25)
          .containsEntry("ok", true);
      assertThat((long[]) root.get("shape")).containsExactly(4, 5);
      assertThat((double[]) root.get("weights")).containsExactly(1.5, 2.5);
      assertThat((String[]) root.get("names")).containsExactly("a", "β");
      assertThat(file.datasetInfo("/x").attributes()).containsExactly(Map.entry("units", "km/h"));
    }
  }

  @Test
  void wrongDestinationsAreExplained() {
    String f = writeSample(4);
    try (H5File file = H5File.openReadOnly(f);
        H5Dataset d = file.openDataset("/grp/table")) {
      assertThatThrownBy(() -> d.read(0, 4, H5ColumnRead.into(new long[4], 0, "name")))
          .isInstanceOf(H5SwmrDataException.class)
          .hasMessageContaining(
              "column 'name' of type vlen utf-8 string cannot be read into a long[]; "
                  + "use a String[]");
      assertThatThrownBy(() -> d.read(0, 4, H5ColumnRead.into(new double[5], 0, "vec")))
          .hasMessageContaining("destination for column 'vec' holds 5 elements")
          .hasMessageContaining("need 12");
      assertThatThrownBy(() -> d.read(0, 4, H5ColumnRead.into(new double[4], 0, "nope")))
          .hasMessageContaining("no compound member 'nope'")
          .hasMessageContaining("members are [id, name, flag");
      assertThatThrownBy(() -> d.read(0, 4, H5ColumnRead.into(new double[4], 0, "pos")))
          .hasMessageContaining(
              "unsupported type compound{lat: float32, lon: float32} for member 'pos'");
      assertThatThrownBy(() -> d.read(2, 3, H5ColumnRead.into(new long[3], 0, "id")))
          .hasMessageContaining("rows [2, 5) are out of range; the dataset has 4 rows")
          .hasMessageContaining(f);
      assertThatThrownBy(() -> d.extend(10)).hasMessageContaining("read-only");
    }
  }

  @Test
  void partialCompoundWritesKeepOtherMembersAtTheirFillValue() {
    String f = file("partial.h5");
    H5Type t =
        H5Type.compound(
            List.of("a", "b", "s"), List.of(H5Type.int32(), H5Type.float64(), H5Type.vlenUtf8()));
    try (H5File file = H5File.create(f);
        H5Dataset d = file.createDataset("/p", H5DatasetSpec.of(t))) {
      d.append(3, H5ColumnWrite.from(new double[] {0.5, 1.5, 2.5}, 0, "b"));
      d.write(1, 2, H5ColumnWrite.from(new int[] {7, 8}, 0, "a"));
      int[] a = new int[3];
      double[] b = new double[3];
      String[] s = new String[3];
      int[] again = new int[3];
      // The same member twice in one call shares one slot of the packed memory type.
      d.read(
          0,
          3,
          H5ColumnRead.into(a, 0, "a"),
          H5ColumnRead.into(b, 0, "b"),
          H5ColumnRead.into(s, 0, "s"),
          H5ColumnRead.into(again, 0, "a"));
      assertThat(a).containsExactly(0, 7, 8);
      assertThat(again).containsExactly(0, 7, 8);
      assertThat(b).containsExactly(0.5, 1.5, 2.5);
      assertThat(s).containsExactly(null, null, null);
      assertThatThrownBy(
              () ->
                  d.write(
                      0,
                      1,
                      H5ColumnWrite.from(new int[] {1}, 0, "a"),
                      H5ColumnWrite.from(new int[] {2}, 0, "a")))
          .hasMessageContaining("column 'a' given twice");
    }
  }

  @Test
  void destinationTypeChoosesTheConversion() {
    String f = file("convert.h5");
    try (H5File file = H5File.create(f);
        H5Dataset d = file.createDataset("/i", H5DatasetSpec.of(H5Type.integer(2, true, BE)))) {
      d.append(3, H5ColumnWrite.from(new long[] {-5, 0, 300}, 0)); // written from long[]
      double[] asDouble = new double[3];
      d.read(0, 3, H5ColumnRead.into(asDouble, 0));
      assertThat(asDouble).containsExactly(-5.0, 0.0, 300.0);
      byte[] clamped = new byte[3];
      d.read(0, 3, H5ColumnRead.into(clamped, 0));
      assertThat(clamped).containsExactly(-5, 0, Byte.MAX_VALUE); // HDF5 clamps what does not fit
      assertThatThrownBy(() -> d.read(0, 3, H5ColumnRead.into(new String[3], 0)))
          .hasMessageContaining("cannot be read into a String[]; use a short[]");
    }
  }

  @Test
  void datasetInfoSerializesForShippingToExecutors() throws Exception {
    String f = writeSample(3);
    H5DatasetInfo info;
    try (H5File file = H5File.openReadWrite(f)) {
      file.writeAttribute("/grp/table", "shape", new long[] {1, 2});
      file.writeAttribute("/grp/table", "unit", "m");
      info = file.datasetInfo("/grp/table");
    }
    java.io.ByteArrayOutputStream bytes = new java.io.ByteArrayOutputStream();
    try (java.io.ObjectOutputStream out = new java.io.ObjectOutputStream(bytes)) {
      out.writeObject(info);
    }
    Object back;
    try (java.io.ObjectInputStream in =
        new java.io.ObjectInputStream(new java.io.ByteArrayInputStream(bytes.toByteArray()))) {
      back = in.readObject();
    }
    assertThat(back).isEqualTo(info).hasSameHashCodeAs(info);
    assertThat(((H5DatasetInfo) back).leaves()).isEqualTo(info.leaves());
  }

  @Test
  void enumsReadAsValuesOrNames() {
    String f = file("enum.h5");
    H5Type color =
        H5Type.enumeration(H5Type.integer(1, false), List.of("RED", "GREEN"), new long[] {3, 9});
    H5Type t = H5Type.compound(List.of("c", "ok"), List.of(color, H5Type.bool()));
    try (H5File file = H5File.create(f);
        H5Dataset d = file.createDataset("/e", H5DatasetSpec.of(t))) {
      d.append(
          3,
          H5ColumnWrite.from(new short[] {9, 3, 9}, 0, "c"),
          H5ColumnWrite.from(new byte[] {1, 0, 0}, 0, "ok"));
      String[] names = new String[4];
      d.read(0, 3, H5ColumnRead.into(names, 1, "c"));
      assertThat(names).containsExactly(null, "GREEN", "RED", "GREEN");
      String[] flags = new String[3];
      short[] values = new short[3];
      d.read(0, 3, H5ColumnRead.into(flags, 0, "ok"), H5ColumnRead.into(values, 0, "c"));
      assertThat(flags).containsExactly("TRUE", "FALSE", "FALSE");
      assertThat(values).containsExactly(9, 3, 9);
      // The same member as values and as names in one call (two kinds of one member).
      String[] again = new String[3];
      double[] asDouble = new double[3];
      d.read(
          0,
          3,
          H5ColumnRead.into(again, 0, "c"),
          H5ColumnRead.into(asDouble, 0, "c"),
          H5ColumnRead.into(values, 0, "c"));
      assertThat(again).containsExactly("GREEN", "RED", "GREEN");
      assertThat(asDouble).containsExactly(9.0, 3.0, 9.0);
      assertThat(values).containsExactly(9, 3, 9);
    }
  }

  @Test
  void stringsMoveAsRawUtf8BytesWithoutDecoding() {
    String f = file("utf8.h5");
    H5Type t =
        H5Type.compound(
            List.of("v", "f", "e"),
            List.of(
                H5Type.vlenUtf8(),
                H5Type.fixedString(6, H5Type.Charset.UTF8, H5Type.StringPad.SPACEPAD),
                H5Type.bool()));
    byte[][] vlen = {bytes("ä✓"), null, bytes("")};
    byte[][] fixed = {bytes("ab"), bytes("é"), null};
    try (H5File file = H5File.create(f);
        H5Dataset d = file.createDataset("/u", H5DatasetSpec.of(t))) {
      d.append(
          3,
          H5ColumnWrite.from(vlen, 0, "v"),
          H5ColumnWrite.from(fixed, 0, "f"),
          H5ColumnWrite.from(new byte[] {1, 0, 1}, 0, "e"));
      byte[][] v = new byte[3][];
      byte[][] fx = new byte[3][];
      byte[][] e = new byte[3][];
      d.read(
          0,
          3,
          H5ColumnRead.into(v, 0, "v"),
          H5ColumnRead.into(fx, 0, "f"),
          H5ColumnRead.into(e, 0, "e"));
      assertThat(v).isDeepEqualTo(new byte[][] {bytes("ä✓"), null, bytes("")});
      assertThat(fx).isDeepEqualTo(new byte[][] {bytes("ab"), bytes("é"), bytes("")});
      assertThat(e).isDeepEqualTo(new byte[][] {bytes("TRUE"), bytes("FALSE"), bytes("TRUE")});
      String[] asStrings = new String[3];
      d.read(0, 3, H5ColumnRead.into(asStrings, 0, "f"));
      assertThat(asStrings).containsExactly("ab", "é", "");
      assertThatThrownBy(
              () -> d.write(0, 1, H5ColumnWrite.from(new byte[][] {bytes("1234567")}, 0, "f")))
          .hasMessageContaining(
              "object '/u': column 'f', source element 0: string of 7 UTF-8 bytes does not fit");
    }
  }

  private static byte[] bytes(String s) {
    return s.getBytes(java.nio.charset.StandardCharsets.UTF_8);
  }
}
