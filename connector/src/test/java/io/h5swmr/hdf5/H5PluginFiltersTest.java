package io.h5swmr.hdf5;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

import io.h5swmr.exceptions.H5SwmrDataException;
import java.lang.reflect.Array;
import java.nio.file.Path;
import java.util.LinkedHashMap;
import java.util.Map;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * Filters written by the HDF5 plugins detectors use (bitshuffle plain, with LZ4 and with Zstandard;
 * the HDF Group's LZ4), as h5py writes them through Debian's plugins (hdf5plugin, bitshuffle,
 * hdf5-filter-plugin): decoded by the Java chunk path exactly as h5py reads them, for every numeric
 * type, chunk sizes that leave partial bitshuffle blocks and trailing elements, explicit block
 * sizes and 2-D chunks. This HDF5 build has no such plugins, so the Java path is the only way
 * h5swmr reads these files; a filter it cannot decode (Blosc) is declined.
 */
class H5PluginFiltersTest {
  @TempDir static Path dir;

  static Path file;

  /**
   * Dataset path → {sha256 of h5py's values widened like H5MemKind, "1" when the Java path must
   * read it}.
   */
  static final Map<String, String[]> EXPECTED = new LinkedHashMap<>();

  static final String SCRIPT =
      String.join(
          "\n",
          "import sys, h5py, numpy as np, hashlib",
          "try:",
          "    import hdf5plugin",
          "    with h5py.File(sys.argv[1] + '.probe', 'w') as f:",
          "        f.create_dataset('p', data=np.arange(8), **hdf5plugin.Bitshuffle(cname='lz4'))",
          "        f.create_dataset('q', data=np.arange(8), **hdf5plugin.LZ4())",
          "except Exception as e:",
          "    print('NOPLUGIN', repr(e))",
          "    sys.exit(0)",
          "rng = np.random.default_rng(7)",
          "n = 1003",
          "wide = {'i1': '<i1', 'u1': '<i2', 'i2': '<i2', 'u2': '<i4', 'i4': '<i4', 'u4': '<i8', 'i8': '<i8',",
          "        'u8': '<u8', 'f4': '<f4', 'f8': '<f8'}",
          "def values(t, shape):",
          "    dt = np.dtype(t)",
          "    if dt.kind == 'f':", // smooth signals, as detectors and simulations produce
          "        x = np.sin(np.arange(int(np.prod(shape))) / 17.0) * 1000 + rng.normal(0, 3, int(np.prod(shape)))",
          "        return x.reshape(shape).astype(dt)",
          "    raw = rng.integers(0, 256, size=int(np.prod(shape)) * dt.itemsize, dtype=np.uint8)",
          "    return raw.view(dt.newbyteorder('=')).reshape(shape).astype(dt)",
          "def emit(d, direct):",
          "    v = d[...]",
          "    w = np.ascontiguousarray(v.astype(wide[v.dtype.kind + str(v.dtype.itemsize)]))",
          "    print(d.name, hashlib.sha256(w.tobytes()).hexdigest(), int(direct))",
          "filters = {'bs': hdf5plugin.Bitshuffle(cname='none'), 'bslz4': hdf5plugin.Bitshuffle(cname='lz4'),",
          "    'bszstd': hdf5plugin.Bitshuffle(cname='zstd'), 'bs64': hdf5plugin.Bitshuffle(nelems=64, cname='lz4'),",
          "    'lz4': hdf5plugin.LZ4()}",
          "with h5py.File(sys.argv[1], 'w') as f:",
          "    for t in ['i1', 'u1', '<i2', '>u2', '<i4', '>i4', '<u4', '<i8', '>i8', '<u8', '<f4', '>f4', '<f8', '>f8']:",
          "        v = values(t, (n,))",
          "        for name, kw in filters.items():",
          "            for chunk in (200, 3000):", // 200: one partial block with trailing elements;
          // 3000: several blocks
          "                emit(f.create_dataset('%s/c%d/%s' % (name, chunk, t.replace('<', 'le').replace('>', 'be')),",
          "                     data=v, chunks=(min(chunk, n),), **kw), 1)",
          "    emit(f.create_dataset('shape/bslz4_2d', data=values('<f4', (n, 3)), chunks=(50, 3),",
          "         **hdf5plugin.Bitshuffle(cname='lz4')), 1)",
          "    emit(f.create_dataset('shape/bslz4_big', data=values('<f8', (20000,)), chunks=(5003,),",
          "         **hdf5plugin.Bitshuffle(cname='lz4')), 1)",
          "    emit(f.create_dataset('shape/blosc', data=values('<i4', (n,)), chunks=(100,),",
          "         **hdf5plugin.Blosc(cname='lz4')), 0)",
          "");

  @BeforeAll
  static void writeFixture() throws Exception {
    assumeTrue(
        H5TestSupport.h5pyAvailable(),
        "SKIPPED: plugin filters of the Java chunk path: '"
            + H5TestSupport.PYTHON
            + " -c \"import h5py\"' failed (install python3-h5py)");
    file = dir.resolve("plugins.h5");
    String out =
        H5TestSupport.python(dir, "import sys\nsys.argv = ['x', '" + file + "']\n" + SCRIPT);
    assumeTrue(
        !out.contains("NOPLUGIN"),
        "SKIPPED: plugin filters of the Java chunk path: h5py cannot write "
            + "bitshuffle/LZ4 here (apt-get install python3-hdf5plugin bitshuffle hdf5-filter-plugin): "
            + out.trim());
    for (String line : out.split("\n")) {
      String[] p = line.trim().split(" ");
      if (p.length == 3) {
        EXPECTED.put(p[0], new String[] {p[1], p[2]});
      }
    }
    assertThat(EXPECTED).hasSize(14 * 5 * 2 + 3);
  }

  @Test
  void everyTypeMatchesWhatH5pyReads() throws Exception {
    int decoded = 0;
    try (H5File f = H5File.openReadOnly(file.toString())) {
      for (Map.Entry<String, String[]> e : EXPECTED.entrySet()) {
        try (H5Dataset d = f.openDataset(e.getKey())) {
          H5DatasetInfo info = d.info();
          long rows = info.rows();
          int perRow = (int) (info.type().elementsPerValue() * info.trailingElements());
          Object got =
              Array.newInstance(
                  info.type().memKind().arrayClass().getComponentType(), (int) (rows * perRow) + 2);
          boolean took = d.readDirect(0, rows, H5ColumnRead.into(got, 2));
          assertThat(took)
              .as(
                  "%s read by the Java path (%s)",
                  e.getKey(), H5DirectRead.obstacle(info, H5ColumnRead.into(got, 2)))
              .isEqualTo(e.getValue()[1].equals("1"));
          if (!took) {
            continue;
          }
          assertThat(H5DirectReadTest.sha(H5DirectReadTest.littleEndian(got, 2)))
              .as("%s as h5py reads it", e.getKey())
              .isEqualTo(e.getValue()[0]);
          // a range inside the dataset, crossing chunk borders
          long from = Math.min(rows - 1, 137);
          long count = Math.min(rows - from, 301);
          Object part =
              Array.newInstance(got.getClass().getComponentType(), (int) (count * perRow));
          assertThat(d.readDirect(from, count, H5ColumnRead.into(part, 0))).isTrue();
          assertThat(H5DirectReadTest.littleEndian(part, 0))
              .as("%s rows %s+%s", e.getKey(), from, count)
              .isEqualTo(
                  java.util.Arrays.copyOfRange(
                      H5DirectReadTest.littleEndian(got, 2),
                      (int) (from * perRow * width(got)),
                      (int) ((from + count) * perRow * width(got))));
          decoded++;
        }
      }
    }
    assertThat(decoded).isEqualTo(EXPECTED.size() - 1);
  }

  private static int width(Object a) {
    return a instanceof byte[]
        ? 1
        : a instanceof short[] ? 2 : a instanceof int[] || a instanceof float[] ? 4 : 8;
  }

  @Test
  void aCorruptBitshuffleBlockIsAnErrorNamingTheChunkNeverWrongValues() {
    int[] lz4 = {0, 3, 4, 0, H5Bitshuffle.COMPRESS_LZ4};
    byte[] chunk = new byte[12 + 4 + 3];
    chunk[7] = 64; // 64 raw bytes = 16 int32
    chunk[11] = 64; // one block of 64 bytes
    chunk[15] = 3; // its compressed size: 3 bytes of garbage follow
    chunk[16] = (byte) 0xFF;
    chunk[17] = (byte) 0xFF;
    chunk[18] = (byte) 0xFF;
    assertThatThrownBy(
            () -> H5Bitshuffle.decode(chunk, chunk.length, lz4, 4, 64, "chunk 5 of /d: "))
        .isInstanceOf(H5SwmrDataException.class)
        .hasMessageStartingWith("chunk 5 of /d: ")
        .hasMessageContaining("LZ4");
    byte[] shortHeader = new byte[8];
    assertThatThrownBy(() -> H5Bitshuffle.decode(shortHeader, 8, lz4, 4, 64, "chunk 6 of /d: "))
        .isInstanceOf(H5SwmrDataException.class)
        .hasMessage(
            "chunk 6 of /d: corrupt bitshuffle chunk: chunk of 8 bytes is shorter than its 12-byte header");
  }

  /**
   * bitshuffle.bitshuffle(np.arange(21, dtype='<i4') * 7, 16) of the bitshuffle library: one block,
   * 5 left.
   */
  static final String PLAIN_21_BY_16 =
      "aaaa66661e1e54ab9833e0c300fc0000000000000000000000000000000000000000000000000000"
          + "00000000000000000000000000000000000000000000000070000000770000007e000000850000008c000000";

  @Test
  void zstandardInsideBitshuffleDecodesBlockByBlock() {
    byte[] plain = java.util.HexFormat.of().parseHex(PLAIN_21_BY_16);
    byte[] want = new byte[84];
    java.nio.ByteBuffer w = java.nio.ByteBuffer.wrap(want).order(java.nio.ByteOrder.LITTLE_ENDIAN);
    for (int i = 0; i < 21; i++) {
      w.putInt(i * 7);
    }
    assertThat(H5Bitshuffle.decode(plain, plain.length, new int[] {0, 3, 4, 16, 0}, 4, 84, ""))
        .isEqualTo(want);
    // the compressed form: raw size, block size in bytes, then each block's size and Zstandard
    // frame, then the rest
    byte[] frame = com.github.luben.zstd.Zstd.compress(java.util.Arrays.copyOf(plain, 64));
    java.nio.ByteBuffer c = java.nio.ByteBuffer.allocate(12 + 4 + frame.length + 20);
    c.putLong(84).putInt(64).putInt(frame.length).put(frame).put(plain, 64, 20);
    assertThat(
            H5Bitshuffle.decode(c.array(), c.capacity(), new int[] {0, 3, 4, 16, 3, 3}, 4, 84, ""))
        .isEqualTo(want);
  }

  @Test
  void defaultBlockSizeFollowsTheFilter() {
    assertThat(H5Bitshuffle.defaultBlockElements(1)).isEqualTo(8192);
    assertThat(H5Bitshuffle.defaultBlockElements(4)).isEqualTo(2048);
    assertThat(H5Bitshuffle.defaultBlockElements(8)).isEqualTo(1024);
    assertThat(H5Bitshuffle.defaultBlockElements(12)).isEqualTo(680);
    assertThat(H5Bitshuffle.defaultBlockElements(100)).isEqualTo(128);
  }
}
