package io.h5swmr.hdf5;

import static org.assertj.core.api.Assertions.assertThat;

import java.nio.file.Path;
import java.util.List;
import java.util.Random;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * Whole chunks of gzip datasets compressed in Java on every core and stored with {@code
 * H5Dwrite_chunk} ({@link H5ChunkStore}): the values read back (through the library, through the
 * Java chunk path and through h5py) are the ones written by the library's own pipeline, for plain,
 * multi-dimensional and compound datasets, with writes that start and end inside chunks; datasets
 * this path must not take are written by the library.
 */
class H5ChunkStoreTest {
  @TempDir Path dir;

  /**
   * Block sizes of the appends: some inside one chunk, some spanning several, starting mid-chunk.
   */
  private static final int[] BLOCKS = {1500, 3700, 10, 5000, 999, 1, 2000};

  private static int total() {
    int n = 0;
    for (int b : BLOCKS) {
      n += b;
    }
    return n;
  }

  /**
   * Chunks of {@code chunk} rows that appends of {@link #BLOCKS} from row 0 complete: every chunk
   * but a last partial one (a chunk an append starts inside of is completed with the rows already
   * there).
   */
  private static long wholeChunks(int chunk) {
    long n = 0;
    long at = 0;
    for (int b : BLOCKS) {
      n += (at + b) / chunk - at / chunk;
      at += b;
    }
    assertThat(n).isEqualTo(at / chunk);
    return n;
  }

  /**
   * Appends {@code values} in {@link #BLOCKS} to a new dataset, the whole chunks through the store
   * or not.
   */
  private static long append(
      H5File f,
      String name,
      H5DatasetSpec spec,
      boolean store,
      int perRow,
      java.util.function.BiFunction<Integer, Integer, List<H5ColumnWrite>> block) {
    try (H5Dataset d = f.createDataset(name, spec)) {
      d.codecs(H5Codecs.DEFAULT.withParallelDeflate(store));
      int at = 0;
      for (int b : BLOCKS) {
        d.append(b, block.apply(at * perRow, b));
        at += b;
      }
      return d.chunksStored();
    }
  }

  @Test
  void wholeChunksOfGzipDatasetsReadBackAsTheLibraryWroteThem() throws Exception {
    Path file = dir.resolve("store.h5");
    int n = total();
    Random r = new Random(7);
    double[] x = new double[n];
    long[] m = new long[n * 3];
    for (int i = 0; i < n; i++) {
      x[i] = Math.round((Math.sin(i / 300.0) * 500 + r.nextGaussian()) * 1000) / 1000.0;
    }
    for (int i = 0; i < m.length; i++) {
      m[i] = r.nextInt(1 << 20) - (1 << 19);
    }
    int[] ids = new int[n];
    float[] temps = new float[n];
    byte[] flags = new byte[n];
    for (int i = 0; i < n; i++) {
      ids[i] = i * 7 - 100;
      temps[i] = (float) (20 + r.nextGaussian());
      flags[i] = (byte) (i % 3 == 0 ? 1 : 0);
    }
    H5Type row =
        H5Type.compound(
            List.of("id", "t", "ok"), List.of(H5Type.int32(), H5Type.float32(), H5Type.bool()));
    try (H5File f = H5File.create(file.toString())) {
      for (boolean store : new boolean[] {true, false}) {
        String s = store ? "java" : "lib";
        assertThat(
                append(
                    f,
                    "/x_" + s,
                    H5DatasetSpec.of(H5Type.float64())
                        .withChunkRows(1000)
                        .withDeflate(4)
                        .withShuffle(true),
                    store,
                    1,
                    (at, b) -> List.of(H5ColumnWrite.from(slice(x, at, b), 0))))
            .as("plain float64 chunks through the store")
            .isEqualTo(store ? wholeChunks(1000) : 0);
        assertThat(
                append(
                    f,
                    "/m_" + s,
                    H5DatasetSpec.of(H5Type.int64())
                        .withTrailingDims(3)
                        .withChunkRows(512)
                        .withDeflate(9),
                    store,
                    3,
                    (at, b) -> List.of(H5ColumnWrite.from(slice(m, at, b * 3), 0))))
            .as("2-D int64, deflate without shuffle")
            .isEqualTo(store ? wholeChunks(512) : 0);
        assertThat(
                append(
                    f,
                    "/c_" + s,
                    H5DatasetSpec.of(row).withChunkRows(700).withDeflate(1).withShuffle(true),
                    store,
                    1,
                    (at, b) ->
                        List.of(
                            H5ColumnWrite.from(slice(ids, at, b), 0, "id"),
                            H5ColumnWrite.from(slice(temps, at, b), 0, "t"),
                            H5ColumnWrite.from(slice(flags, at, b), 0, "ok"))))
            .as("compound of int32, float32 and bool")
            .isEqualTo(store ? wholeChunks(700) : 0);
      }
      // Not taken: a big-endian stored type (the memory type differs), and a write of part of the
      // members.
      assertThat(
              append(
                  f,
                  "/be",
                  H5DatasetSpec.of(H5Type.floating(8, java.nio.ByteOrder.BIG_ENDIAN))
                      .withChunkRows(1000)
                      .withDeflate(4),
                  true,
                  1,
                  (at, b) -> List.of(H5ColumnWrite.from(slice(x, at, b), 0))))
          .isZero();
      assertThat(
              append(
                  f,
                  "/part",
                  H5DatasetSpec.of(row).withChunkRows(700).withDeflate(4),
                  true,
                  1,
                  (at, b) -> List.of(H5ColumnWrite.from(slice(ids, at, b), 0, "id"))))
          .isZero();
    }
    try (H5File f = H5File.openReadOnly(file.toString())) {
      for (String name : new String[] {"/x_java", "/x_lib", "/be"}) {
        try (H5Dataset d = f.openDataset(name)) {
          double[] got = new double[n];
          d.read(0, n, H5ColumnRead.into(got, 0));
          assertThat(got).as(name).isEqualTo(x);
          double[] direct = new double[n];
          assertThat(d.readDirect(0, n, H5ColumnRead.into(direct, 0))).isTrue();
          assertThat(direct).as(name + " through the Java chunk path").isEqualTo(x);
        }
      }
      for (String name : new String[] {"/m_java", "/m_lib"}) {
        try (H5Dataset d = f.openDataset(name)) {
          long[] got = new long[n * 3];
          d.read(0, n, H5ColumnRead.into(got, 0));
          assertThat(got).as(name).isEqualTo(m);
        }
      }
      for (String name : new String[] {"/c_java", "/c_lib"}) {
        try (H5Dataset d = f.openDataset(name)) {
          int[] gi = new int[n];
          float[] gt = new float[n];
          byte[] gf = new byte[n];
          d.read(
              0,
              n,
              H5ColumnRead.into(gi, 0, "id"),
              H5ColumnRead.into(gt, 0, "t"),
              H5ColumnRead.into(gf, 0, "ok"));
          assertThat(gi).as(name).isEqualTo(ids);
          assertThat(gt).as(name).isEqualTo(temps);
          assertThat(gf).as(name).isEqualTo(flags);
        }
      }
    }
    if (H5TestSupport.h5pyAvailable()) {
      String out =
          H5TestSupport.python(
              dir,
              String.join(
                  "\n",
                  "import h5py, numpy as np",
                  "f = h5py.File('" + file + "', 'r')",
                  "for a, b in (('x_java', 'x_lib'), ('m_java', 'm_lib'), ('c_java', 'c_lib')):",
                  "    assert f[a].compression == 'gzip', a",
                  "    assert np.array_equal(f[a][...], f[b][...]), a",
                  "    print(a, 'same', f[a].shape)",
                  ""));
      assertThat(out)
          .contains("x_java same (" + n + ",)")
          .contains("m_java same (" + n + ", 3)")
          .contains("c_java same (" + n + ",)");
    } else {
      System.out.println(
          "SKIPPED: h5py reading chunks stored by H5ChunkStore: "
              + H5TestSupport.PYTHON
              + " has no h5py (install python3-h5py)");
    }
  }

  @Test
  void aChunkTheCacheHoldsDirtyIsReplacedNotWrittenBackOverTheNewOne() throws Exception {
    Path file = dir.resolve("cached.h5");
    double[] first = new double[200];
    double[] second = new double[2000];
    java.util.Arrays.fill(first, -1.0);
    for (int i = 0; i < second.length; i++) {
      second[i] = i * 0.25;
    }
    long stored;
    try (H5File f = H5File.create(file.toString());
        H5Dataset d =
            f.createDataset(
                "/d",
                H5DatasetSpec.of(H5Type.float64())
                    .withChunkRows(1000)
                    .withDeflate(4)
                    .withShuffle(true))) {
      d.extend(3000);
      d.write(
          500,
          200,
          List.of(H5ColumnWrite.from(first, 0))); // chunk 0 partly written: in the chunk cache
      d.write(
          0, 2000, List.of(H5ColumnWrite.from(second, 0))); // chunks 0 and 1 whole: stored directly
      stored = d.chunksStored();
    }
    assertThat(stored).isEqualTo(2);
    try (H5File f = H5File.openReadOnly(file.toString());
        H5Dataset d = f.openDataset("/d")) {
      double[] got = new double[2000];
      d.read(0, 2000, H5ColumnRead.into(got, 0));
      assertThat(got).isEqualTo(second);
    }
  }

  @Test
  void h5pyDatasetsWithChecksumsAppendedInPlaceStayReadableAndVerified() throws Exception {
    org.junit.jupiter.api.Assumptions.assumeTrue(
        H5TestSupport.h5pyAvailable(),
        "SKIPPED: appending whole gzip "
            + "chunks with Fletcher32 to h5py files: "
            + H5TestSupport.PYTHON
            + " has no h5py (install python3-h5py)");
    Path file = dir.resolve("fletcher.h5");
    // h5py's order (shuffle, deflate, Fletcher32) and a checksum-first pipeline; 500 rows already
    // there
    H5TestSupport.python(
        dir,
        String.join(
            "\n",
            "import h5py, numpy as np",
            "with h5py.File('" + file + "', 'w') as f:",
            "    f.create_dataset('h5py', data=np.arange(500) * 0.5, maxshape=(None,), chunks=(1000,),",
            "                     compression='gzip', shuffle=True, fletcher32=True)",
            "    dcpl = h5py.h5p.create(h5py.h5p.DATASET_CREATE)",
            "    dcpl.set_chunk((1000,))",
            "    dcpl.set_fletcher32()",
            "    dcpl.set_shuffle()",
            "    dcpl.set_deflate(5)",
            "    h5py.h5d.create(f.id, b'first', h5py.h5t.py_create(np.dtype('<f8')),",
            "        h5py.h5s.create_simple((500,), (h5py.h5s.UNLIMITED,)), dcpl=dcpl)",
            "    f['first'][...] = np.arange(500) * 0.5",
            ""));
    double[] more = new double[4600];
    for (int i = 0; i < more.length; i++) {
      more[i] = (500 + i) * 0.5;
    }
    long stored = 0;
    try (H5File f = H5File.openReadWrite(file.toString())) {
      for (String name : new String[] {"/h5py", "/first"}) {
        try (H5Dataset d = f.openDataset(name)) {
          d.append(more.length, List.of(H5ColumnWrite.from(more, 0)));
          stored += d.chunksStored();
        }
      }
    }
    assertThat(stored).as("chunks [0, 5000) of both (h5py's 500 rows read back)").isEqualTo(10);
    String out =
        H5TestSupport.python(
            dir,
            String.join(
                "\n",
                "import h5py, numpy as np",
                "with h5py.File('" + file + "', 'r') as f:",
                "    for name in ('h5py', 'first'):",
                "        d = f[name]",
                "        assert d.fletcher32 and d.compression == 'gzip', name",
                "        assert np.array_equal(d[...], np.arange(5100) * 0.5), name",
                "        print(name, 'ok', d.shape[0])",
                ""));
    assertThat(out).contains("h5py ok 5100").contains("first ok 5100");
    try (H5File f = H5File.openReadOnly(file.toString());
        H5Dataset d = f.openDataset("/first")) {
      double[] got = new double[5100];
      assertThat(d.readDirect(0, 5100, H5ColumnRead.into(got, 0))).isTrue();
      for (int i = 0; i < got.length; i++) {
        assertThat(got[i]).as("row %d", i).isEqualTo(i * 0.5);
      }
    }
  }

  @Test
  void aChunkAWriteCompletesTakesTheRowsBeforeItFromTheCache() throws Exception {
    Path file = dir.resolve("merged.h5");
    double[] a = new double[700];
    double[] b = new double[1800];
    for (int i = 0; i < a.length; i++) {
      a[i] = -i - 1;
    }
    for (int i = 0; i < b.length; i++) {
      b[i] = i * 0.125;
    }
    long stored;
    try (H5File f = H5File.create(file.toString());
        H5Dataset d =
            f.createDataset(
                "/d",
                H5DatasetSpec.of(H5Type.float64())
                    .withTrailingDims(2)
                    .withChunkRows(1000)
                    .withDeflate(4)
                    .withShuffle(true))) {
      d.append(
          350,
          List.of(H5ColumnWrite.from(a, 0))); // rows [0, 350) of chunk 0: dirty in the chunk cache
      d.append(
          900,
          List.of(H5ColumnWrite.from(b, 0))); // completes chunk 0, rows [1000, 1250) partial again
      stored = d.chunksStored();
    }
    assertThat(stored).as("chunk 0, completed by the second append").isEqualTo(1);
    try (H5File f = H5File.openReadOnly(file.toString());
        H5Dataset d = f.openDataset("/d")) {
      double[] got = new double[2500];
      d.read(0, 1250, H5ColumnRead.into(got, 0));
      assertThat(java.util.Arrays.copyOfRange(got, 0, 700)).isEqualTo(a);
      assertThat(java.util.Arrays.copyOfRange(got, 700, 2500)).isEqualTo(b);
    }
  }

  @Test
  void shuffleIsTheInverseOfTheReadersUnshuffle() {
    Random r = new Random(3);
    for (int size : new int[] {1, 2, 3, 8, 12, 64}) {
      for (int len : new int[] {0, 1, size, size * 100 + 1, size * 1000 + size - 1}) {
        byte[] in = new byte[len];
        r.nextBytes(in);
        assertThat(H5ChunkFilters.unshuffle(H5ChunkStore.shuffle(in, len, size), len, size))
            .as("size %d, %d bytes", size, len)
            .startsWith(in);
      }
    }
  }

  private static Object sliceOf(Object a, int from, int n) {
    Object out = java.lang.reflect.Array.newInstance(a.getClass().getComponentType(), n);
    System.arraycopy(a, from, out, 0, n);
    return out;
  }

  private static double[] slice(double[] a, int from, int n) {
    return (double[]) sliceOf(a, from, n);
  }

  private static long[] slice(long[] a, int from, int n) {
    return (long[]) sliceOf(a, from, n);
  }

  private static int[] slice(int[] a, int from, int n) {
    return (int[]) sliceOf(a, from, n);
  }

  private static float[] slice(float[] a, int from, int n) {
    return (float[]) sliceOf(a, from, n);
  }

  private static byte[] slice(byte[] a, int from, int n) {
    return (byte[]) sliceOf(a, from, n);
  }
}
