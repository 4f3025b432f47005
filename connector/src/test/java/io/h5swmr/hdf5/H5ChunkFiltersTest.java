package io.h5swmr.hdf5;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.h5swmr.exceptions.H5SwmrDataException;
import java.nio.ByteBuffer;
import java.util.List;
import java.util.Random;
import org.junit.jupiter.api.Test;

/**
 * The LZ4 (32004) and Zstandard (32015) filters, for which this machine has no HDF5 plugin to write
 * fixtures (no hdf5plugin for Debian's h5py): chunks are built here in the documented formats with
 * the same codecs (lz4-java, zstd-jni) and undone by {@link H5ChunkFilters}. Together with shuffle
 * and the filter mask.
 */
class H5ChunkFiltersTest {
  private static final H5Filter FLETCHER =
      new H5Filter(H5Filter.FLETCHER32, "fletcher32", new int[0]);
  private static final H5Filter SHUFFLE = new H5Filter(H5Filter.SHUFFLE, "shuffle", new int[] {8});
  private static final H5Filter DEFLATE = new H5Filter(H5Filter.DEFLATE, "deflate", new int[] {6});
  private static final H5Filter LZ4 = new H5Filter(H5ChunkFilters.LZ4, "lz4", new int[0]);
  private static final H5Filter ZSTD = new H5Filter(H5ChunkFilters.ZSTD, "zstd", new int[] {3});

  private static byte[] raw(int n) {
    byte[] b = new byte[n];
    Random r = new Random(3);
    for (int i = 0; i < n; i++) {
      b[i] = (byte) (i % 97 < 60 ? i / 7 : r.nextInt());
    }
    return b;
  }

  /**
   * The HDF Group LZ4 filter's chunk: int64 raw size, int32 block size, blocks of (int32 size,
   * bytes).
   */
  private static byte[] lz4Chunk(byte[] raw, int block) {
    net.jpountz.lz4.LZ4Compressor c = net.jpountz.lz4.LZ4Factory.fastestInstance().fastCompressor();
    ByteBuffer out = ByteBuffer.allocate(12 + raw.length * 2 + 64);
    out.putLong(raw.length).putInt(block);
    for (int off = 0; off < raw.length; off += block) {
      int n = Math.min(block, raw.length - off);
      byte[] comp = c.compress(java.util.Arrays.copyOfRange(raw, off, off + n));
      if (comp.length >= n) { // stored raw, as the filter does for incompressible blocks
        out.putInt(n).put(raw, off, n);
      } else {
        out.putInt(comp.length).put(comp);
      }
    }
    return java.util.Arrays.copyOf(out.array(), out.position());
  }

  @Test
  void lz4ChunksWithCompressedAndRawBlocks() {
    byte[] raw = raw(10_000);
    byte[] stored = lz4Chunk(raw, 4096);
    List<H5Filter> pipeline = List.of(new H5Filter(H5ChunkFilters.LZ4, "lz4", new int[0]));
    assertThat(H5ChunkFilters.supports(pipeline)).isTrue();
    assertThat(H5ChunkFilters.undo(stored, pipeline, 0, raw.length, 8, "x: ")).isEqualTo(raw);
    byte[] noise = new byte[5000];
    new Random(1).nextBytes(noise);
    assertThat(H5ChunkFilters.undo(lz4Chunk(noise, 4096), pipeline, 0, noise.length, 1, "x: "))
        .isEqualTo(noise);
    byte[] broken = stored.clone();
    broken[20] ^= (byte) 0xFF;
    broken[21] ^= (byte) 0xFF;
    assertThatThrownBy(
            () ->
                H5ChunkFilters.undo(
                    java.util.Arrays.copyOf(broken, 30), pipeline, 0, raw.length, 8, "x: "))
        .isInstanceOf(H5SwmrDataException.class)
        .hasMessageContaining("LZ4");
    assertThatThrownBy(
            () ->
                H5ChunkFilters.undo(
                    java.util.Arrays.copyOf(stored, 11), pipeline, 0, raw.length, 8, "x: "))
        .isInstanceOf(H5SwmrDataException.class)
        .hasMessageContaining("shorter than its 12-byte header");
    byte[] oversized = stored.clone();
    ByteBuffer.wrap(oversized)
        .putInt(12, stored.length); // the first block claims more bytes than the chunk has
    assertThatThrownBy(() -> H5ChunkFilters.undo(oversized, pipeline, 0, raw.length, 8, "x: "))
        .isInstanceOf(H5SwmrDataException.class)
        .hasMessageContaining("x: corrupt LZ4 chunk: the block at byte 12");
  }

  @Test
  void zstdAfterShuffleAndTheFilterMask() {
    byte[] raw = raw(8_000);
    byte[] shuffled = new byte[raw.length];
    int n = raw.length / 8;
    for (int i = 0; i < n; i++) {
      for (int b = 0; b < 8; b++) {
        shuffled[b * n + i] = raw[i * 8 + b];
      }
    }
    byte[] stored = com.github.luben.zstd.Zstd.compress(shuffled, 3);
    List<H5Filter> pipeline =
        List.of(
            new H5Filter(H5Filter.SHUFFLE, "shuffle", new int[] {8}),
            new H5Filter(H5ChunkFilters.ZSTD, "zstd", new int[] {3}));
    assertThat(H5ChunkFilters.supports(pipeline)).isTrue();
    assertThat(H5ChunkFilters.undo(stored, pipeline, 0, raw.length, 8, "x: ")).isEqualTo(raw);
    // Mask bit 1: zstd was skipped for this chunk (stored shuffled only).
    assertThat(H5ChunkFilters.undo(shuffled, pipeline, 0b10, raw.length, 8, "x: ")).isEqualTo(raw);
    assertThatThrownBy(
            () -> H5ChunkFilters.undo(new byte[] {1, 2, 3, 4}, pipeline, 0, raw.length, 8, "x: "))
        .isInstanceOf(H5SwmrDataException.class)
        .hasMessageContaining("Zstandard");
  }

  private static byte[] zlib(byte[] raw, int level) {
    java.util.zip.Deflater d = new java.util.zip.Deflater(level);
    d.setInput(raw);
    d.finish();
    byte[] out = new byte[raw.length + raw.length / 10 + 64];
    int n = 0;
    while (!d.finished()) {
      n += d.deflate(out, n, out.length - n);
    }
    d.end();
    return java.util.Arrays.copyOf(out, n);
  }

  /**
   * Runs {@code body} with deflate decoded by libdeflate (where this JVM has it), then by {@code
   * Inflater}.
   */
  private static void withEachInflater(java.util.function.BiConsumer<String, Boolean> body) {
    for (boolean lib :
        LibDeflate.unavailable() == null ? new boolean[] {true, false} : new boolean[] {false}) {
      body.accept(lib ? "libdeflate" : "Inflater", lib);
    }
  }

  @Test
  void libdeflateIsUsedWhereTheSystemHasIt() throws Exception {
    boolean installed = false;
    try {
      Process p = new ProcessBuilder("ldconfig", "-p").redirectErrorStream(true).start();
      installed = new String(p.getInputStream().readAllBytes()).contains("libdeflate.so");
      p.waitFor();
    } catch (java.io.IOException e) {
      // no ldconfig: not a glibc Linux
    }
    org.junit.jupiter.api.Assumptions.assumeTrue(
        installed,
        "SKIPPED: libdeflate is not installed here "
            + "(apt-get install libdeflate0): deflate chunks are inflated with java.util.zip.Inflater only");
    org.junit.jupiter.api.Assumptions.assumeFalse(
        "false".equalsIgnoreCase(System.getProperty("h5swmr.libdeflate")),
        "SKIPPED: libdeflate switched off for this run (-Dh5swmr.libdeflate=false)");
    assertThat(LibDeflate.unavailable()).isNull();
    assertThat(H5Codecs.DEFAULT.libdeflate()).isTrue();
    assertThat(H5ChunkFilters.inflater()).isEqualTo("libdeflate");
  }

  @Test
  void bothInflatersDecodeEveryStreamToTheSameBytes() {
    Random r = new Random(5);
    for (int size : new int[] {0, 1, 1000, 65_536, 65_537, (1 << 20) + 3}) {
      byte[] compressible = raw(size);
      byte[] noise = new byte[size];
      r.nextBytes(noise);
      for (byte[] data : new byte[][] {compressible, noise}) {
        for (int level : new int[] {1, 6, 9}) {
          byte[] z = zlib(data, level);
          byte[] stored =
              java.util.Arrays.copyOf(z, z.length + 7); // the stream is a prefix of the array
          withEachInflater(
              (how, lib) -> {
                assertThat(H5ChunkFilters.inflate(stored, z.length, data.length, "x: ", lib))
                    .as("%s, %d bytes, level %d, size known", how, data.length, level)
                    .isEqualTo(data);
                assertThat(H5ChunkFilters.inflate(stored, z.length, -1, "x: ", lib))
                    .as("%s, %d bytes, level %d, size unknown", how, data.length, level)
                    .isEqualTo(data);
              });
        }
      }
    }
  }

  @Test
  void aChunkLargerThanTheKeptBuffersDecodesTwiceInARow() {
    byte[] data = raw((17 << 20) + 5); // above the 16 MiB libdeflate keeps per thread
    byte[] z = zlib(data, 1);
    withEachInflater(
        (how, lib) -> {
          for (int i = 0; i < 2; i++) {
            assertThat(H5ChunkFilters.inflate(z, z.length, data.length, "x: ", lib))
                .as(how)
                .isEqualTo(data);
            assertThat(H5ChunkFilters.inflate(z, z.length, -1, "x: ", lib)).as(how).isEqualTo(data);
          }
        });
  }

  @Test
  void corruptOrMissizedDeflateStreamsFailOnBothInflaters() {
    byte[] data = raw(50_000);
    byte[] z = zlib(data, 6);
    byte[] flipped = z.clone();
    for (int i = 10; i < 40; i++) {
      flipped[i] ^= (byte) 0x5A;
    }
    withEachInflater(
        (how, lib) -> {
          assertThatThrownBy(
                  () -> H5ChunkFilters.inflate(flipped, flipped.length, data.length, "x: ", lib))
              .as(how)
              .isInstanceOf(H5SwmrDataException.class)
              .hasMessageStartingWith("x: ")
              .hasMessageContaining("deflate");
          assertThatThrownBy(() -> H5ChunkFilters.inflate(z, z.length, data.length - 1, "x: ", lib))
              .as(how)
              .isInstanceOf(H5SwmrDataException.class)
              .hasMessage("x: deflate data inflates to more than 49999 bytes, expected 49999");
          assertThatThrownBy(() -> H5ChunkFilters.inflate(z, z.length, data.length + 1, "x: ", lib))
              .as(how)
              .isInstanceOf(H5SwmrDataException.class)
              .hasMessage("x: deflate data inflated to 50000 bytes, expected 50001");
          assertThatThrownBy(() -> H5ChunkFilters.inflate(z, z.length / 2, data.length, "x: ", lib))
              .as(how)
              .isInstanceOf(H5SwmrDataException.class)
              .hasMessageStartingWith("x: deflate data inflated to ");
        });
  }

  @Test
  void deflateOutputSizeFollowsTheFiltersAppliedBeforeIt() {
    assertThat(H5ChunkFilters.decodedSize(List.of(SHUFFLE, DEFLATE, FLETCHER), 0, 1, 512))
        .isEqualTo(512);
    assertThat(H5ChunkFilters.decodedSize(List.of(FLETCHER, SHUFFLE, DEFLATE), 0, 2, 512))
        .isEqualTo(516);
    assertThat(H5ChunkFilters.decodedSize(List.of(FLETCHER, SHUFFLE, DEFLATE), 0b001, 2, 512))
        .isEqualTo(512);
    assertThat(H5ChunkFilters.decodedSize(List.of(LZ4, DEFLATE), 0, 1, 512)).isEqualTo(-1);
    assertThat(H5ChunkFilters.decodedSize(List.of(LZ4, DEFLATE), 0b01, 1, 512)).isEqualTo(512);

    // LZ4 under deflate: the inflated size is the LZ4 chunk's, known only once inflated.
    byte[] raw = raw(20_000);
    byte[] lz4Chunk = lz4Chunk(raw, 4096);
    List<H5Filter> pipeline = List.of(LZ4, DEFLATE);
    withEachInflater(
        (how, lib) ->
            assertThat(
                    H5ChunkFilters.undo(zlib(lz4Chunk, 6), pipeline, 0, raw.length, 8, "x: ", lib))
                .as(how)
                .isEqualTo(raw));
  }

  @Test
  void onlyDeflateAloneOrAfterShuffleTakesTheBufferPath() {
    boolean lib = true;
    assertThat(H5ChunkFilters.deflateOnly(List.of(DEFLATE), 0, lib)).isTrue();
    assertThat(H5ChunkFilters.deflateOnly(List.of(SHUFFLE, DEFLATE), 0, lib)).isTrue();
    assertThat(H5ChunkFilters.deflateOnly(List.of(SHUFFLE, DEFLATE), 0b01, lib))
        .as("shuffle skipped")
        .isTrue();
    assertThat(H5ChunkFilters.deflateOnly(List.of(SHUFFLE, DEFLATE), 0b10, lib))
        .as("deflate skipped")
        .isFalse();
    assertThat(H5ChunkFilters.deflateOnly(List.of(DEFLATE, SHUFFLE), 0, lib))
        .as("shuffle after deflate")
        .isFalse();
    assertThat(H5ChunkFilters.deflateOnly(List.of(SHUFFLE, DEFLATE, FLETCHER), 0, lib))
        .as("h5py's order")
        .isTrue();
    assertThat(H5ChunkFilters.deflateOnly(List.of(SHUFFLE, DEFLATE, FLETCHER), 0b100, lib))
        .isTrue();
    assertThat(H5ChunkFilters.deflateOnly(List.of(DEFLATE, FLETCHER), 0, lib)).isTrue();
    assertThat(H5ChunkFilters.deflateOnly(List.of(FLETCHER, DEFLATE), 0, lib))
        .as("checksum first")
        .isFalse();
    assertThat(H5ChunkFilters.deflateOnly(List.of(DEFLATE, FLETCHER, FLETCHER), 0, lib)).isFalse();
    assertThat(H5ChunkFilters.deflateOnly(List.of(SHUFFLE, SHUFFLE, DEFLATE), 0, lib)).isFalse();
    assertThat(H5ChunkFilters.deflateOnly(List.of(DEFLATE, DEFLATE), 0, lib)).isFalse();
    assertThat(H5ChunkFilters.deflateOnly(List.of(SHUFFLE, ZSTD), 0, lib)).isFalse();
    assertThat(H5ChunkFilters.deflateOnly(List.of(SHUFFLE), 0, lib)).isFalse();
    assertThat(H5ChunkFilters.deflateOnly(List.of(), 0, lib)).isFalse();
    lib = false;
    assertThat(H5ChunkFilters.deflateOnly(List.of(DEFLATE), 0, lib))
        .as("Inflater: the general path")
        .isFalse();
  }

  @Test
  void theBufferPathDecodesWhatUndoDecodes() {
    org.junit.jupiter.api.Assumptions.assumeTrue(
        H5Codecs.DEFAULT.libdeflate(),
        "SKIPPED: the buffer path of deflate chunks needs libdeflate (apt-get install libdeflate0)");
    Random r = new Random(9);
    // sizes: empty, a partial element, 64 Ki doubles, above the 16 MiB a thread keeps (twice:
    // nothing kept)
    for (int size :
        new int[] {0, 1003, 65_536 * 8, 65_536 * 8 + 5, (17 << 20) + 4, (17 << 20) + 4}) {
      byte[] data = raw(size);
      for (int i = 0; i < size; i += 4096) {
        data[i] = (byte) r.nextInt(); // a different chunk each time round
      }
      for (Object[] c :
          new Object[][] {
            {List.of(DEFLATE), 0, 8},
            {List.of(shuffleOf(8), DEFLATE), 0, 8},
            {List.of(shuffleOf(0), DEFLATE), 0, 4},
            {List.of(shuffleOf(2), DEFLATE), 0b01, 2},
            {List.of(shuffleOf(16), DEFLATE), 0, 16},
            {List.of(shuffleOf(8), DEFLATE, FLETCHER), 0, 8},
            {List.of(DEFLATE, FLETCHER), 0b10, 8}
          }) {
        @SuppressWarnings("unchecked")
        List<H5Filter> pipeline = (List<H5Filter>) c[0];
        int mask = (Integer) c[1];
        int typeSize = (Integer) c[2];
        int[] params = pipeline.get(0).params();
        byte[] filtered =
            (mask & 1) == 0 && pipeline.get(0).id() == H5Filter.SHUFFLE
                ? H5ChunkStore.shuffle(data, size, params.length > 0 ? params[0] : typeSize)
                : data;
        byte[] z = zlib(filtered, size > (1 << 20) ? 1 : 6);
        if (pipeline.contains(FLETCHER) && (mask & (1 << pipeline.indexOf(FLETCHER))) == 0) {
          z = withFletcher32(z);
        }
        ByteBuffer stored = H5ChunkFilters.storedBuffer(z.length).put(z).flip();
        ByteBuffer got = H5ChunkFilters.undoDeflate(stored, pipeline, mask, size, typeSize);
        assertThat(got).as("%s mask %d, %d bytes", pipeline, mask, size).isNotNull();
        byte[] bytes = new byte[size];
        got.get(0, bytes);
        assertThat(bytes)
            .as("%s mask %d, %d bytes", pipeline, mask, size)
            .isEqualTo(H5ChunkFilters.undo(z, pipeline, mask, size, typeSize, "x: "))
            .isEqualTo(data);
        assertThat(stored.position()).isZero();
        assertThat(stored.limit()).as("the stored buffer as it was").isEqualTo(z.length);
      }
    }
    byte[] z = zlib(raw(50_000), 6);
    assertThat(
            H5ChunkFilters.undoDeflate(
                H5ChunkFilters.storedBuffer(z.length).put(z).flip(),
                List.of(DEFLATE),
                0,
                49_999,
                8))
        .as("more bytes than the chunk holds")
        .isNull();
    assertThat(
            H5ChunkFilters.undoDeflate(
                H5ChunkFilters.storedBuffer(z.length).put(z).flip(),
                List.of(DEFLATE),
                0,
                50_001,
                8))
        .as("fewer bytes than the chunk holds")
        .isNull();
    byte[] summed = withFletcher32(z);
    summed[summed.length - 1] ^= 1;
    assertThat(
            H5ChunkFilters.undoDeflate(
                H5ChunkFilters.storedBuffer(summed.length).put(summed).flip(),
                List.of(DEFLATE, FLETCHER),
                0,
                50_000,
                8))
        .as("checksum mismatch")
        .isNull();
    assertThat(
            H5ChunkFilters.undoDeflate(
                H5ChunkFilters.storedBuffer(3).put(new byte[3]).flip(),
                List.of(DEFLATE, FLETCHER),
                0,
                50_000,
                8))
        .as("shorter than a checksum")
        .isNull();
    z[20] ^= (byte) 0x5A;
    z[21] ^= (byte) 0x5A;
    assertThat(
            H5ChunkFilters.undoDeflate(
                H5ChunkFilters.storedBuffer(z.length).put(z).flip(),
                List.of(DEFLATE),
                0,
                50_000,
                8))
        .as("corrupt")
        .isNull();
  }

  /** {@code z} followed by its Fletcher32, little-endian, as HDF5's filter stores it. */
  private static byte[] withFletcher32(byte[] z) {
    byte[] out = java.util.Arrays.copyOf(z, z.length + 4);
    ByteBuffer.wrap(out, z.length, 4)
        .order(java.nio.ByteOrder.LITTLE_ENDIAN)
        .putInt(H5ChunkFilters.fletcher32(z, z.length));
    return out;
  }

  @Test
  void decodingIntoKeptArraysGivesWhatUndoGivesChunkAfterChunk() {
    Random r = new Random(21);
    // One thread, chunk after chunk of varying sizes and pipelines: each result is the chunk's,
    // whatever the arrays kept from the chunk before held (two filters in a row decode into both
    // kept arrays).
    for (int round = 0; round < 3; round++) {
      for (int size : new int[] {4000, 65_536 * 8, 1000, (17 << 20) + 8, 8}) {
        byte[] data = raw(size);
        for (int i = 0; i < size; i += 512) {
          data[i] = (byte) r.nextInt();
        }
        byte[] shuffled = H5ChunkStore.shuffle(data, size, 8);
        byte[] withSum = withFletcher32(zlib(shuffled, 1));
        Object[][] cases = {
          {List.of(LZ4), lz4Chunk(data, 4096)},
          {List.of(shuffleOf(8), LZ4), lz4Chunk(shuffled, 8192)},
          {List.of(shuffleOf(8), ZSTD), com.github.luben.zstd.Zstd.compress(shuffled, 1)},
          {List.of(shuffleOf(8), DEFLATE, FLETCHER), withSum},
          {List.of(shuffleOf(8)), shuffled}
        };
        for (Object[] c : cases) {
          @SuppressWarnings("unchecked")
          List<H5Filter> pipeline = (List<H5Filter>) c[0];
          byte[] stored = (byte[]) c[1];
          byte[] padded =
              java.util.Arrays.copyOf(stored, stored.length + 3); // only [0, len) is the chunk's
          byte[] got =
              H5ChunkFilters.undoInScratch(
                  padded,
                  stored.length,
                  pipeline,
                  0,
                  size,
                  8,
                  "x: ",
                  H5Codecs.DEFAULT.libdeflate());
          assertThat(got.length).isGreaterThanOrEqualTo(size);
          assertThat(java.util.Arrays.copyOf(got, size))
              .as("%s, %d bytes, round %d", pipeline, size, round)
              .isEqualTo(data)
              .isEqualTo(H5ChunkFilters.undo(stored, pipeline, 0, size, 8, "x: "));
        }
      }
    }
    assertThat(H5ChunkFilters.storedArray(100)).as("kept").isSameAs(H5ChunkFilters.storedArray(50));
    assertThat(H5ChunkFilters.storedArray(17 << 20))
        .as("not kept above 16 MiB")
        .isNotSameAs(H5ChunkFilters.storedArray(17 << 20));
  }

  private static H5Filter shuffleOf(int size) {
    return new H5Filter(H5Filter.SHUFFLE, "shuffle", size > 0 ? new int[] {size} : new int[0]);
  }

  @Test
  void unknownFiltersAreNotSupported() {
    assertThat(H5ChunkFilters.supports(List.of(new H5Filter(32001, "blosc", new int[0]))))
        .isFalse();
    assertThat(H5ChunkFilters.supports(List.of(new H5Filter(H5Filter.SZIP, "szip", new int[0]))))
        .isFalse();
  }

  /**
   * HDF5's shuffle undone byte by byte: plane b holds byte b of every element, trailing bytes stay
   * put.
   */
  private static byte[] unshuffleReference(byte[] in, int len, int size) {
    byte[] out = java.util.Arrays.copyOf(in, len);
    int n = len / size;
    for (int e = 0; e < n; e++) {
      for (int b = 0; b < size; b++) {
        out[e * size + b] = in[b * n + e];
      }
    }
    return out;
  }

  @Test
  void unshuffleMatchesTheByteByByteDefinition() {
    Random r = new Random(11);
    for (int size = 1; size <= 16; size++) {
      for (int elements : new int[] {0, 1, 7, 8, 9, 15, 16, 17, 64, 1000, 1003}) {
        for (int extra = 0; extra < Math.min(size, 3); extra++) {
          int len = elements * size + extra;
          byte[] in = new byte[len + 5]; // longer than len: bytes past len are not the chunk's
          r.nextBytes(in);
          byte[] got = H5ChunkFilters.unshuffle(in, len, size);
          assertThat(java.util.Arrays.copyOf(got, len))
              .as("size %d, %d elements + %d bytes", size, elements, extra)
              .isEqualTo(
                  size == 1 || len < size
                      ? java.util.Arrays.copyOf(in, len)
                      : unshuffleReference(in, len, size));
          if (size > 1
              && len >= size) { // the same from a direct buffer (the inflated bytes of undoDeflate)
            byte[] fromDirect = new byte[len];
            H5ChunkFilters.unshuffle(
                ByteBuffer.allocateDirect(in.length).put(in), len, size, fromDirect);
            assertThat(fromDirect)
                .as("direct, size %d, %d elements + %d bytes", size, elements, extra)
                .isEqualTo(unshuffleReference(in, len, size));
          }
        }
      }
    }
  }
}
