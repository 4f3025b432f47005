package io.h5swmr.hdf5;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

import io.h5swmr.exceptions.H5SwmrDataException;
import java.io.RandomAccessFile;
import java.lang.reflect.Array;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.file.Path;
import java.security.MessageDigest;
import java.util.HashMap;
import java.util.HexFormat;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * The Java chunk path ({@link H5Dataset#readDirect}) against the library's own read, bit for bit,
 * for every type × filter combination h5py writes, and against the values h5py itself reads back
 * (SHA-256 of the widened little-endian values). Datasets the Java path cannot decode must be
 * declined (and still read natively; lzf is declined too, but this HDF5 build has no lzf plugin to
 * compare with).
 */
class H5DirectReadTest {
  @TempDir static Path dir;

  static Path file;

  /**
   * Dataset path → {sha256 of h5py's values widened like H5MemKind, "1" when the Java path must
   * read it}.
   */
  static final Map<String, String[]> EXPECTED = new HashMap<>();

  static final String SCRIPT =
      String.join(
          "\n",
          "import h5py, numpy as np, hashlib",
          "rng = np.random.default_rng(12)",
          "n = 1000",
          "types = ['i1', 'u1', '<i2', '>u2', '<i4', '>i4', '<u4', '>u4', '<i8', '>i8', '<u8', '<f4', '>f4',",
          "         '<f8', '>f8', '?']",
          "wide = {'i1': '<i1', 'u1': '<i2', 'i2': '<i2', 'u2': '<i4', 'i4': '<i4', 'u4': '<i8', 'i8': '<i8',",
          "        'u8': '<u8', 'f4': '<f4', 'f8': '<f8', 'b1': '<i1'}",
          "layouts = {'contig': {}, 'chunk': {'chunks': (64,)}, 'gzip': {'chunks': (64,), 'compression': 'gzip'},",
          "    'gzipshuf': {'chunks': (64,), 'compression': 'gzip', 'compression_opts': 9, 'shuffle': True},",
          "    'fletcher': {'chunks': (64,), 'fletcher32': True},",
          "    'all3': {'chunks': (64,), 'compression': 'gzip', 'shuffle': True, 'fletcher32': True},",
          "    'lzf': {'chunks': (64,), 'compression': 'lzf'}}",
          "def values(t, shape):",
          "    dt = np.dtype(t)",
          "    if dt.kind == 'b':",
          "        return rng.integers(0, 2, size=shape).astype('?')",
          "    raw = rng.integers(0, 256, size=int(np.prod(shape)) * dt.itemsize, dtype=np.uint8)",
          "    return raw.view(dt.newbyteorder('=')).reshape(shape).astype(dt)",
          "def emit(d, direct):",
          "    v = d[...]",
          "    base = v.dtype.base if v.dtype.subdtype else v.dtype",
          "    w = np.ascontiguousarray(v.astype(wide[base.kind + str(base.itemsize)]))",
          "    print(d.name, hashlib.sha256(w.tobytes()).hexdigest(), int(direct))",
          "with h5py.File(sys_argv := __import__('sys').argv[1], 'w') as f:",
          "    for t in types:",
          "        v = values(t, (n,))",
          "        for name, kw in layouts.items():",
          "            emit(f.create_dataset(name + '/' + t.replace('<', 'le').replace('>', 'be').replace('?', 'bool'),",
          "                 data=v, **kw), 2 if name == 'lzf' else 1)",
          "    emit(f.create_dataset('shape/r2', data=values('<f8', (n, 3)), chunks=(50, 3), compression='gzip'), True)",
          "    emit(f.create_dataset('shape/r2split', data=values('<i4', (n, 4)), chunks=(50, 2)), False)",
          "    sa = f.create_dataset('shape/subarray', shape=(n,), dtype=np.dtype(('<f8', (2,))), chunks=(33,),",
          "         shuffle=True, compression='gzip')",
          "    sa[...] = values('<f8', (n, 2))",
          "    emit(sa, True)",
          "    emit(f.create_dataset('shape/contig2', data=values('<i2', (n, 2))), True)",
          "    d = f.create_dataset('shape/sparse', shape=(n,), maxshape=(None,), chunks=(64,), dtype='<f8',",
          "         fillvalue=-1.5)",
          "    d[0:100] = values('<f8', (100,))",
          "    emit(d, False)",
          "    so = f.create_dataset('shape/scaleoffset', data=values('<i4', (n,)) % 1000, chunks=(64,), scaleoffset=0)",
          "    emit(so, False)",
          "    # Pipelines h5py never builds but HDF5 allows: the checksum first, then shuffle and deflate; LZ4 under",
          "    # deflate where the library has the plugin (the inflated size is then known only by decoding)",
          "    for order in (('fletcher', 'shuffle', 'deflate'), ('shuffle', 'fletcher', 'deflate', 'fletcher')):",
          "        dcpl = h5py.h5p.create(h5py.h5p.DATASET_CREATE)",
          "        dcpl.set_chunk((64,))",
          "        for o in order:",
          "            {'fletcher': dcpl.set_fletcher32, 'shuffle': dcpl.set_shuffle,",
          "             'deflate': lambda: dcpl.set_deflate(6)}[o]()",
          "        g = f.require_group('order')",
          "        name = '_'.join(order)",
          "        h5py.h5d.create(g.id, name.encode(), h5py.h5t.py_create(np.dtype('<f8')),",
          "            h5py.h5s.create_simple((n,)), dcpl=dcpl)",
          "        g[name][...] = values('<f8', (n,)) * 0 + np.arange(n) % 37",
          "        emit(g[name], True)",
          "");

  @BeforeAll
  static void writeFixture() throws Exception {
    assumeTrue(
        H5TestSupport.h5pyAvailable(),
        "SKIPPED: h5py interop of the Java chunk path: '"
            + H5TestSupport.PYTHON
            + " -c \"import h5py\"' failed (install python3-h5py)");
    file = dir.resolve("direct.h5");
    String out =
        H5TestSupport.python(dir, "import sys\nsys.argv = ['x', '" + file + "']\n" + SCRIPT);
    for (String line : out.split("\n")) {
      String[] p = line.trim().split(" ");
      if (p.length == 3) {
        EXPECTED.put(p[0], new String[] {p[1], p[2]});
      }
    }
    assertThat(EXPECTED).hasSizeGreaterThan(100);
  }

  @Test
  void everyTypeAndFilterMatchesTheLibraryAndH5py() throws Exception {
    int direct = 0;
    try (H5File f = H5File.openReadOnly(file.toString())) {
      for (Map.Entry<String, String[]> e : EXPECTED.entrySet()) {
        try (H5Dataset d = f.openDataset(e.getKey())) {
          H5DatasetInfo info = d.info();
          long rows = info.rows();
          long perRow = info.type().elementsPerValue() * info.trailingElements();
          boolean expectDirect = e.getValue()[1].equals("1");
          if (e.getValue()[1].equals(
              "2")) { // lzf: no plugin for the library here, no Java decoder either
            assertThat(d.readDirect(0, rows, H5ColumnRead.into(new double[(int) rows], 0)))
                .isFalse();
            continue;
          }
          for (long[] r : new long[][] {{0, rows}, {63, 67}, {rows - 1, 1}, {500, 0}, {1, 128}}) {
            Object viaLib =
                Array.newInstance(
                    info.type().memKind().arrayClass().getComponentType(), (int) (r[1] * perRow));
            d.read(r[0], r[1], H5ColumnRead.into(viaLib, 0));
            Object viaJava =
                Array.newInstance(viaLib.getClass().getComponentType(), (int) (r[1] * perRow) + 3);
            boolean took = d.readDirect(r[0], r[1], H5ColumnRead.into(viaJava, 3));
            boolean expect =
                e.getKey().equals("/shape/sparse")
                    ? r[1] == 0 || r[0] + r[1] <= 128 // chunks 0, 1 written
                    : expectDirect;
            assertThat(took)
                .as(
                    "%s rows %s+%s read by the Java path (%s)",
                    e.getKey(),
                    r[0],
                    r[1],
                    H5DirectRead.obstacle(info, H5ColumnRead.into(viaJava, 3)))
                .isEqualTo(expect);
            if (took) {
              assertThat(littleEndian(viaJava, 3))
                  .as("%s rows %s+%s", e.getKey(), r[0], r[1])
                  .isEqualTo(littleEndian(viaLib, 0));
              direct++;
            }
            if (r[1] == rows) {
              assertThat(sha(littleEndian(viaLib, 0)))
                  .as("%s as h5py reads it", e.getKey())
                  .isEqualTo(e.getValue()[0]);
              if (took) {
                assertThat(sha(littleEndian(viaJava, 3))).isEqualTo(e.getValue()[0]);
              }
            }
          }
        }
      }
    }
    assertThat(direct).isGreaterThan(400);
  }

  @Test
  void storedBlocksAreTheChunksInRowOrder() {
    try (H5File f = H5File.openReadOnly(file.toString());
        H5Dataset d = f.openDataset("/gzip/le8".replace("8", "f8"))) {
      List<H5StoredBlock> b = d.storedBlocks(60, 70);
      assertThat(b).extracting(H5StoredBlock::firstRow).containsExactly(0L, 64L, 128L);
      assertThat(b).allSatisfy(x -> assertThat(x.rows()).isEqualTo(64));
      assertThat(b).allSatisfy(x -> assertThat(x.storedBytes()).isBetween(1L, 64L * 8 + 64));
    }
    try (H5File f = H5File.openReadOnly(file.toString());
        H5Dataset d = f.openDataset("/shape/sparse")) {
      assertThat(d.storedBlocks(0, 64)).hasSize(1);
      assertThat(d.storedBlocks(0, 200))
          .as("an unallocated chunk holds only fill values: library reads it")
          .isNull();
    }
  }

  /**
   * A copy of the fixture named {@code name} in which bytes {@code [from, to)} of the stored chunk
   * of {@code dataset} at rows [64, 128) are XORed with {@code mask}.
   */
  private static Path corruptCopy(String name, String dataset, int from, int to, int mask)
      throws Exception {
    Path copy = dir.resolve(name);
    java.nio.file.Files.copy(file, copy, java.nio.file.StandardCopyOption.REPLACE_EXISTING);
    long addr;
    try (H5File f = H5File.openReadOnly(copy.toString());
        H5Dataset d = f.openDataset(dataset)) {
      addr = d.storedBlocks(64, 1).get(0).address();
    }
    try (RandomAccessFile raf = new RandomAccessFile(copy.toFile(), "rw")) {
      for (long at = addr + from; at < addr + to; at++) {
        raf.seek(at);
        int b = raf.read();
        raf.seek(at);
        raf.write(b ^ mask);
      }
    }
    return copy;
  }

  @Test
  void corruptChunkFailsItsChecksumNamingTheChunk() throws Exception {
    Path copy = corruptCopy("corrupt.h5", "/fletcher/lei4", 5, 6, 0x10);
    try (H5File f = H5File.openReadOnly(copy.toString());
        H5Dataset d = f.openDataset("/fletcher/lei4")) {
      int[] out = new int[64];
      assertThat(d.readDirect(0, 64, H5ColumnRead.into(out, 0))).isTrue();
      assertThatThrownBy(() -> d.readDirect(64, 64, H5ColumnRead.into(out, 0)))
          .isInstanceOf(H5SwmrDataException.class)
          .hasMessageContaining("corrupt.h5")
          .hasMessageContaining("/fletcher/lei4")
          .hasMessageContaining("rows [64, 128)")
          .hasMessageContaining("Fletcher32 checksum mismatch");
      assertThatThrownBy(() -> d.read(64, 64, H5ColumnRead.into(out, 0)))
          .as("the library agrees the chunk is corrupt")
          .isInstanceOf(H5SwmrDataException.class);
    }
  }

  @Test
  void corruptDeflateChunkFailsNamingTheChunkWithEitherInflater() throws Exception {
    // gzip+shuffle: the stream fails to inflate; gzip+shuffle+fletcher32 (h5py's order): the
    // checksum fails first
    String[][] cases = {
      {"corrupt-gzip.h5", "/gzipshuf/lef8", "deflate data"},
      {"corrupt-all3.h5", "/all3/lef8", "Fletcher32 checksum mismatch"}
    };
    for (String[] c : cases) {
      Path copy = corruptCopy(c[0], c[1], 8, 24, 0x5A);
      for (boolean lib :
          H5ChunkFilters.LIBDEFLATE_PRESENT ? new boolean[] {true, false} : new boolean[] {false}) {
        try (H5File f = H5File.openReadOnly(copy.toString());
            H5Dataset d = f.openDataset(c[1])) {
          d.codecs(H5Codecs.DEFAULT.withLibdeflate(lib));
          double[] out = new double[64];
          assertThat(d.readDirect(0, 64, H5ColumnRead.into(out, 0))).isTrue();
          assertThatThrownBy(() -> d.readDirect(70, 10, H5ColumnRead.into(out, 0)))
              .as("%s, libdeflate %s", c[1], lib)
              .isInstanceOf(H5SwmrDataException.class)
              .hasMessageContaining(c[0])
              .hasMessageContaining(c[1])
              .hasMessageContaining("rows [64, 128)")
              .hasMessageContaining(c[2]);
        }
      }
    }
  }

  @Test
  void userBlockFilesAndStringsGoThroughTheLibrary() throws Exception {
    Path ub = dir.resolve("userblock.h5");
    H5TestSupport.python(
        dir,
        String.join(
            "\n",
            "import h5py, numpy as np",
            "with h5py.File('" + ub + "', 'w', userblock_size=512) as f:",
            "    f.create_dataset('c', data=np.arange(100, dtype='<i4'), chunks=(10,))",
            "    f.create_dataset('s', data=['a', 'bc'], dtype=h5py.string_dtype())"));
    try (H5File f = H5File.openReadOnly(ub.toString())) {
      try (H5Dataset d = f.openDataset("c")) {
        int[] out = new int[100];
        assertThat(d.readDirect(0, 100, H5ColumnRead.into(out, 0))).isFalse();
        assertThat(d.storedBlocks(0, 100)).isNull();
      }
      try (H5Dataset d = f.openDataset("s")) {
        assertThat(d.readDirect(0, 2, H5ColumnRead.into(new String[2], 0))).isFalse();
      }
    }
  }

  @Test
  void largeUnfilteredRangesReadThroughAMappingMatchTheLibrary() {
    Path big = dir.resolve("big.h5");
    long[] v = new long[400_000];
    for (int i = 0; i < v.length; i++) {
      v[i] = i * 0x9E3779B97F4A7C15L;
    }
    try (H5File f = H5File.create(big.toString());
        H5Dataset d =
            f.createDataset("/v", H5DatasetSpec.of(H5Type.int64()).withChunkRows(150_000))) {
      d.append(v.length, H5ColumnWrite.from(v, 0));
    }
    try (H5File f = H5File.openReadOnly(big.toString());
        H5Dataset d = f.openDataset("/v")) {
      long[] out = new long[v.length];
      assertThat(d.readDirect(0, v.length, H5ColumnRead.into(out, 0)))
          .isTrue(); // 1.2 MB chunk reads: mapped
      assertThat(out).isEqualTo(v);
      long[] part = new long[200_000];
      assertThat(d.readDirect(140_000, part.length, H5ColumnRead.into(part, 0))).isTrue();
      assertThat(part).isEqualTo(java.util.Arrays.copyOfRange(v, 140_000, 340_000));
    }
  }

  @Test
  void filesOpenedThroughAStorageAreNeverReadFromDiskDirectly() {
    // e.g. a committed journal's overlay: the bytes on disk are not the file HDF5 sees.
    try (H5File f =
            H5File.openReadOnly(
                file.toString(), io.h5swmr.hdf5.driver.FileChannelStorage.opener(file));
        H5Dataset d = f.openDataset("/gzip/lef8")) {
      double[] viaLib = new double[100];
      double[] out = new double[100];
      assertThat(d.readDirect(0, 100, H5ColumnRead.into(out, 0))).isFalse();
      d.read(0, 100, H5ColumnRead.into(viaLib, 0));
      assertThat(viaLib).isNotEqualTo(new double[100]);
    }
  }

  @Test
  void fletcher32MatchesTheReferenceValues() {
    // Values of HDF5's H5_checksum_fletcher32 (16-bit big-endian words; an odd last byte as the
    // high byte).
    assertThat(H5ChunkFilters.fletcher32(new byte[] {1, 2}, 2)).isEqualTo(0x01020102);
    assertThat(H5ChunkFilters.fletcher32(new byte[] {1, 2, 3}, 3)).isEqualTo(0x05040402);
    assertThat(H5ChunkFilters.unshuffle(new byte[] {1, 3, 2, 4, 9}, 5, 2))
        .containsExactly(1, 2, 3, 4, 9);
  }

  /** Values of a Java primitive array from {@code off} as little-endian bytes (raw float bits). */
  static byte[] littleEndian(Object a, int off) {
    int n = Array.getLength(a) - off;
    int size =
        a instanceof byte[]
            ? 1
            : a instanceof short[] ? 2 : a instanceof int[] || a instanceof float[] ? 4 : 8;
    ByteBuffer b = ByteBuffer.allocate(n * size).order(ByteOrder.LITTLE_ENDIAN);
    for (int i = off; i < off + n; i++) {
      if (a instanceof byte[]) {
        b.put(((byte[]) a)[i]);
      } else if (a instanceof short[]) {
        b.putShort(((short[]) a)[i]);
      } else if (a instanceof int[]) {
        b.putInt(((int[]) a)[i]);
      } else if (a instanceof float[]) {
        b.putInt(Float.floatToRawIntBits(((float[]) a)[i]));
      } else if (a instanceof long[]) {
        b.putLong(((long[]) a)[i]);
      } else {
        b.putLong(Double.doubleToRawLongBits(((double[]) a)[i]));
      }
    }
    return b.array();
  }

  static String sha(byte[] b) throws Exception {
    return HexFormat.of().formatHex(MessageDigest.getInstance("SHA-256").digest(b));
  }
}
