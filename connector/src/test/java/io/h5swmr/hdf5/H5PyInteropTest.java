package io.h5swmr.hdf5;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

import io.h5swmr.exceptions.H5SwmrDataException;
import java.io.BufferedReader;
import java.io.InputStreamReader;
import java.io.OutputStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * Files written by h5py (Debian python3-h5py, HDF5 1.10) read through the layer, and files written
 * by the layer read by h5py and h5dump. Skipped, with a message, where those tools are not
 * installed.
 */
class H5PyInteropTest {
  private static boolean h5py;
  private static boolean h5dump;

  @TempDir Path dir;

  @BeforeAll
  static void probeTools() {
    h5py = H5TestSupport.h5pyAvailable();
    h5dump = H5TestSupport.h5dumpAvailable();
  }

  private static void requireH5py() {
    assumeTrue(
        h5py,
        "h5py interop skipped: '"
            + H5TestSupport.PYTHON
            + " -c \"import h5py\"' failed "
            + "(install python3-h5py)");
  }

  private String h5pyFixture() throws Exception {
    String f = dir.resolve("py.h5").toString();
    H5TestSupport.python(
        dir,
        String.join(
            "\n",
            "import h5py, numpy as np",
            "with h5py.File('" + f + "', 'w') as f:",
            "    f['bools'] = np.array([True, False, True])",
            "    f.create_dataset('vstr', data=['alpha', 'ünï ✓', ''], dtype=h5py.string_dtype())",
            "    f['fixed'] = np.array([b'abc', b'0123456789', b''], dtype='S10')",
            "    f['u64'] = np.array([0, 2**64 - 1, 2**63], dtype='<u8')",
            "    f['f16'] = np.array([1.5, -2, 65504, 0.1], dtype='<f2')",
            "    f['be'] = np.array([1, -2, 2**31 - 1], dtype='>i4')",
            "    f['scalar'] = 3.25",
            "    f.create_dataset('grid', data=np.arange(24, dtype='<i8').reshape(2, 3, 4), chunks=(1, 3, 4),",
            "                     compression='gzip', compression_opts=5, shuffle=True, maxshape=(None, 3, 4))",
            "    dt = np.dtype([('x', '<f8'), ('name', h5py.string_dtype()), ('n', '>i4'), ('v', '<f4', (3,)),",
            "                   ('ok', '?')])",
            "    t = np.zeros(5, dtype=dt)",
            "    for i in range(5):",
            "        t[i] = (i * 1.5, 'row%d' % i, -i, (i, i + 1, i + 2), i % 2 == 0)",
            "    f.create_dataset('grp/table', data=t, chunks=(2,), maxshape=(None,))",
            "    f.create_dataset('refs', data=[f['be'].ref], dtype=h5py.ref_dtype)",
            "    f['opaque'] = np.void(b'\\x01\\x02')",
            "    vl = f.create_dataset('vlen', (2,), dtype=h5py.vlen_dtype(np.int32))",
            "    vl[0] = [1, 2, 3]",
            "    mixed = np.dtype([('n', '<i2'), ('seq', h5py.vlen_dtype(np.int32))])",
            "    f.create_dataset('mixed', (2,), dtype=mixed)",
            "    f.attrs['title'] = 'made by h5py'",
            "    f.attrs['count'] = 5",
            "    f.attrs['weights'] = np.array([0.5, 1.5])",
            "    f.attrs['flag'] = np.bool_(True)",
            "    f.attrs['raw'] = np.void(b'\\x00')",
            "    f['grid'].attrs['units'] = b'm'",
            ""));
    return f;
  }

  @Test
  void readsH5pyDatasetsOfEveryKind() throws Exception {
    requireH5py();
    String f = h5pyFixture();
    try (H5File file = H5File.openReadOnly(f)) {
      assertThat(file.listDatasets())
          .containsExactly(
              "/be",
              "/bools",
              "/f16",
              "/fixed",
              "/grid",
              "/grp/table",
              "/mixed",
              "/opaque",
              "/refs",
              "/scalar",
              "/u64",
              "/vlen",
              "/vstr");
      try (H5Dataset d = file.openDataset("/bools")) {
        assertThat(d.info().type().isBoolean()).isTrue();
        assertThat((byte[]) d.readColumn(0, 3)).containsExactly(1, 0, 1);
      }
      try (H5Dataset d = file.openDataset("/vstr")) {
        assertThat(d.info().type()).isEqualTo(H5Type.vlenUtf8());
        assertThat((String[]) d.readColumn(0, 3)).containsExactly("alpha", "ünï ✓", "");
      }
      try (H5Dataset d = file.openDataset("/fixed")) {
        assertThat(d.info().type()).hasToString("fixed 10-byte ascii string (nullpad)");
        assertThat((String[]) d.readColumn(0, 3)).containsExactly("abc", "0123456789", "");
      }
      try (H5Dataset d = file.openDataset("/u64")) {
        assertThat(d.info().type()).hasToString("uint64");
        assertThat((long[]) d.readColumn(0, 3)).containsExactly(0L, -1L, Long.MIN_VALUE);
      }
      try (H5Dataset d = file.openDataset("/f16")) {
        assertThat(d.info().type()).isEqualTo(H5Type.float16());
        assertThat((float[]) d.readColumn(0, 4)).containsExactly(1.5f, -2f, 65504f, 0.099975586f);
      }
      try (H5Dataset d = file.openDataset("/be")) {
        assertThat(d.info().type()).hasToString("int32 (big-endian)");
        assertThat((int[]) d.readColumn(0, 3)).containsExactly(1, -2, Integer.MAX_VALUE);
      }
      try (H5Dataset d = file.openDataset("/scalar")) {
        assertThat(d.info().rank()).isZero();
        assertThat((double[]) d.readColumn(0, 1)).containsExactly(3.25);
      }
      try (H5Dataset d = file.openDataset("/grid")) {
        H5DatasetInfo info = d.info();
        assertThat(info.chunkDims()).containsExactly(1, 3, 4);
        assertThat(info.filters()).extracting(H5Filter::name).containsExactly("shuffle", "deflate");
        assertThat(info.filters().get(1).deflateLevel()).isEqualTo(5);
        assertThat(info.attributes()).containsEntry("units", "m");
        long[] second = (long[]) d.readColumn(1, 1);
        assertThat(second).hasSize(12);
        assertThat(second[0]).isEqualTo(12);
        assertThat(second[11]).isEqualTo(23);
      }
      try (H5Dataset d = file.openDataset("/grp/table")) {
        H5DatasetInfo info = d.info();
        assertThat(info.type())
            .hasToString(
                "compound{x: float64, name: vlen utf-8 string, "
                    + "n: int32 (big-endian), v: array[3] of float32, ok: bool (enum int8 {FALSE: 0, TRUE: 1})}");
        double[] x = new double[3];
        String[] names = new String[3];
        float[] v = new float[9];
        byte[] ok = new byte[3];
        d.read(
            2,
            3,
            H5ColumnRead.into(x, 0, "x"),
            H5ColumnRead.into(names, 0, "name"),
            H5ColumnRead.into(v, 0, "v"),
            H5ColumnRead.into(ok, 0, "ok"));
        assertThat(x).containsExactly(3.0, 4.5, 6.0);
        assertThat(names).containsExactly("row2", "row3", "row4");
        assertThat(v).containsExactly(2, 3, 4, 3, 4, 5, 4, 5, 6);
        assertThat(ok).containsExactly(1, 0, 1);
        assertThat((int[]) d.readColumn(0, 5, "n")).containsExactly(0, -1, -2, -3, -4);
      }
      Map<String, Object> root = file.attributes("/");
      assertThat(root)
          .containsEntry("title", "made by h5py")
          .containsEntry("count", 5L)
          .containsEntry("flag", true)
          .doesNotContainKey("raw");
      assertThat((double[]) root.get("weights")).containsExactly(0.5, 1.5);
    }
  }

  @Test
  void unsupportedH5pyTypesAreNamed() throws Exception {
    requireH5py();
    String f = h5pyFixture();
    try (H5File file = H5File.openReadOnly(f);
        H5Dataset refs = file.openDataset("/refs");
        H5Dataset opaque = file.openDataset("/opaque")) {
      assertThat(refs.info().type().kind()).isEqualTo(H5Type.Kind.UNSUPPORTED);
      assertThat(refs.info().type().className()).isEqualTo("H5T_REFERENCE");
      assertThat(opaque.info().type()).hasToString("opaque (unsupported)");
      assertThat(refs.info().leaves()).isEmpty();
      assertThatThrownBy(() -> refs.readColumn(0, 1))
          .isInstanceOf(H5SwmrDataException.class)
          .hasMessageContaining(
              "object '/refs': unsupported type reference (unsupported) for the dataset");
    }
    try (H5File file = H5File.openReadOnly(f);
        H5Dataset vlen = file.openDataset("/vlen");
        H5Dataset mixed = file.openDataset("/mixed")) {
      assertThat(vlen.info().type()).hasToString("vlen (unsupported)");
      assertThat(mixed.info().type()).hasToString("compound{n: int16, seq: vlen (unsupported)}");
      assertThat(mixed.info().leaves()).extracting(H5Column::displayName).containsExactly("n");
      assertThat((short[]) mixed.readColumn(0, 2, "n")).containsExactly(0, 0);
      assertThatThrownBy(() -> mixed.readColumn(0, 2, "seq"))
          .hasMessageContaining("unsupported type vlen (unsupported) for member 'seq'");
    }
  }

  @Test
  void h5pyReadsWhatTheLayerWrites() throws Exception {
    requireH5py();
    String f = dir.resolve("ours.h5").toString();
    H5Type row =
        H5Type.compound(
            List.of("id", "label", "ok", "xyz"),
            List.of(
                H5Type.int64(),
                H5Type.vlenUtf8(),
                H5Type.bool(),
                H5Type.array(new long[] {3}, H5Type.float32())));
    try (H5File file = H5File.create(f)) {
      try (H5Dataset d =
          file.createDataset(
              "/data/table", H5DatasetSpec.of(row).withChunkRows(2).withDeflate(1))) {
        d.append(
            3,
            H5ColumnWrite.from(new long[] {10, 20, 30}, 0, "id"),
            H5ColumnWrite.from(new String[] {"a", "ß", "✓"}, 0, "label"),
            H5ColumnWrite.from(new byte[] {1, 0, 1}, 0, "ok"),
            H5ColumnWrite.from(new float[] {1, 2, 3, 4, 5, 6, 7, 8, 9}, 0, "xyz"));
      }
      try (H5Dataset d =
          file.createDataset(
              "/be16", H5DatasetSpec.of(H5Type.floating(2, java.nio.ByteOrder.BIG_ENDIAN)))) {
        d.append(2, H5ColumnWrite.from(new float[] {0.5f, -8f}, 0));
      }
      try (H5Dataset d =
          file.createDataset(
              "/s",
              H5DatasetSpec.of(
                  H5Type.fixedString(5, H5Type.Charset.ASCII, H5Type.StringPad.SPACEPAD)))) {
        d.append(2, H5ColumnWrite.from(new String[] {"ab", "abcde"}, 0));
      }
      file.writeAttribute("/", "origin", "h5swmr");
      file.writeAttribute("/data/table", "n", new long[] {1, 2});
    }
    String out =
        H5TestSupport.python(
            dir,
            String.join(
                "\n",
                "import h5py",
                "with h5py.File('" + f + "', 'r') as f:",
                "    t = f['data/table']",
                "    print(t.dtype.names, t.maxshape, t.chunks, t.compression)",
                "    for r in t[:]:",
                "        print(int(r['id']), r['label'].decode(), bool(r['ok']), [float(v) for v in r['xyz']])",
                "    print(t.dtype['ok'])",
                "    print(f['be16'].dtype, list(f['be16'][:]))",
                "    print(list(f['s'][:]))",
                "    print(f.attrs['origin'], list(t.attrs['n']))",
                ""));
    assertThat(out)
        .isEqualTo(
            String.join(
                "\n",
                "('id', 'label', 'ok', 'xyz') (None,) (2,) gzip",
                "10 a True [1.0, 2.0, 3.0]",
                "20 ß False [4.0, 5.0, 6.0]",
                "30 ✓ True [7.0, 8.0, 9.0]",
                "bool",
                ">f2 [0.5, -8.0]",
                "[b'ab', b'abcde']", // HDF5 converts space padding to h5py's null padding
                "h5swmr [1, 2]",
                ""));
  }

  @Test
  void h5dumpReadsWhatTheLayerWrites() throws Exception {
    assumeTrue(h5dump, "h5dump check skipped: h5dump not on PATH (install hdf5-tools)");
    String f = dir.resolve("dump.h5").toString();
    try (H5File file = H5File.create(f);
        H5Dataset d =
            file.createDataset(
                "/g/v",
                H5DatasetSpec.of(H5Type.integer(2, false, java.nio.ByteOrder.BIG_ENDIAN))
                    .withChunkRows(4)
                    .withShuffle(true)
                    .withDeflate(9))) {
      d.append(5, H5ColumnWrite.from(new int[] {1, 2, 3, 65535, 0}, 0));
      d.writeAttribute("note", "hi");
    }
    H5TestSupport.Result r = H5TestSupport.run(List.of("h5dump", f), null);
    assertThat(r.exitCode).as(r.output).isZero();
    assertThat(r.output)
        .contains("DATASET \"v\"")
        .contains("H5T_STD_U16BE")
        .contains("DATASPACE  SIMPLE { ( 5 ) / ( H5S_UNLIMITED ) }")
        .contains("1, 2, 3, 65535, 0")
        .contains("ATTRIBUTE \"note\"")
        .contains("\"hi\"");
  }

  @Test
  void h5pyHoldingTheFileOpenForWritingIsRefusedHonestlyNotAsCorrupt() throws Exception {
    requireH5py();
    String f = h5pyFixture();
    // HDF5 1.10+ takes an exclusive flock for a writable open. A non-SWMR writer may change the
    // file's metadata at any time, so h5swmr refuses to read it with a message that says so (not
    // "corrupt", no h5clear advice).
    Path script = dir.resolve("hold.py");
    Files.writeString(
        script,
        String.join(
            "\n",
            "import sys, h5py",
            "f = h5py.File('" + f + "', 'r+')",
            "print('ready', flush=True)",
            "sys.stdin.readline()",
            "f.close()",
            ""));
    Process p =
        new ProcessBuilder(List.of(H5TestSupport.PYTHON, script.toString()))
            .redirectErrorStream(true)
            .start();
    try (BufferedReader in =
            new BufferedReader(new InputStreamReader(p.getInputStream(), StandardCharsets.UTF_8));
        OutputStream stdin = p.getOutputStream()) {
      assertThat(in.readLine()).isEqualTo("ready");
      org.assertj.core.api.Assertions.assertThatThrownBy(() -> H5File.openReadOnly(f).close())
          .isInstanceOf(io.h5swmr.exceptions.H5SwmrFileInUseException.class)
          .hasMessageContaining(f)
          .hasMessageContaining("not in SWMR mode")
          .hasMessageContaining("not corrupt")
          .hasMessageNotContaining("truncated");
      stdin.write('\n');
      stdin.flush();
      assertThat(p.waitFor(60, TimeUnit.SECONDS)).isTrue();
      assertThat(p.exitValue()).isZero();
      try (H5File file = H5File.openReadOnly(f);
          H5Dataset d = file.openDataset("/be")) {
        assertThat((int[]) d.readColumn(0, 3)).containsExactly(1, -2, Integer.MAX_VALUE);
      }
    } finally {
      p.destroyForcibly();
    }
  }
}
