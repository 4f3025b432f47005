package io.h5swmr.hdf5.driver;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.h5swmr.exceptions.H5SwmrDataException;
import io.h5swmr.hdf5.H5ColumnRead;
import io.h5swmr.hdf5.H5ColumnWrite;
import io.h5swmr.hdf5.H5Dataset;
import io.h5swmr.hdf5.H5DatasetSpec;
import io.h5swmr.hdf5.H5File;
import io.h5swmr.hdf5.H5Native;
import io.h5swmr.hdf5.H5Type;
import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;
import org.bytedeco.hdf5.global.hdf5;
import org.bytedeco.javacpp.DoublePointer;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** The Java storage driver against HDF5's own sec2 driver, h5py and h5dump. */
class H5StorageDriverTest {
  @TempDir Path dir;

  /**
   * Create, then three open/extend/write/close cycles, with raw C-API calls and object times off.
   */
  private static void createAppendCycle(Path file, boolean throughDriver, int superblockLibver)
      throws Exception {
    H5Native.call(
        () -> {
          long fapl = hdf5.H5Pcreate(hdf5.H5P_CLS_FILE_ACCESS_ID_g());
          hdf5.H5Pset_file_locking(fapl, false, true);
          long fid;
          if (throughDriver) {
            fid =
                H5StorageDriver.create(
                    file.toString(),
                    hdf5.H5F_ACC_EXCL,
                    hdf5.H5P_DEFAULT,
                    FileChannelStorage.opener(file));
          } else {
            if (superblockLibver > 0) {
              hdf5.H5Pset_libver_bounds(fapl, hdf5.H5F_LIBVER_LATEST, hdf5.H5F_LIBVER_LATEST);
            }
            fid = hdf5.H5Fcreate(file.toString(), hdf5.H5F_ACC_EXCL, hdf5.H5P_DEFAULT, fapl);
          }
          assertThat(fid).isNotNegative();
          long space = hdf5.H5Screate_simple(1, new long[] {0}, new long[] {hdf5.H5S_UNLIMITED});
          long dcpl = hdf5.H5Pcreate(hdf5.H5P_CLS_DATASET_CREATE_ID_g());
          hdf5.H5Pset_chunk(dcpl, 1, new long[] {1000});
          hdf5.H5Pset_obj_track_times(dcpl, false);
          long d =
              hdf5.H5Dcreate2(
                  fid,
                  "d",
                  hdf5.H5T_IEEE_F64LE_g(),
                  space,
                  hdf5.H5P_DEFAULT,
                  dcpl,
                  hdf5.H5P_DEFAULT);
          hdf5.H5Dclose(d);
          hdf5.H5Pclose(dcpl);
          hdf5.H5Sclose(space);
          assertThat(hdf5.H5Fclose(fid)).isNotNegative();
          for (int cycle = 0; cycle < 3; cycle++) {
            long f =
                throughDriver
                    ? H5StorageDriver.open(
                        file.toString(), hdf5.H5F_ACC_RDWR, FileChannelStorage.opener(file))
                    : hdf5.H5Fopen(file.toString(), hdf5.H5F_ACC_RDWR, fapl);
            long ds = hdf5.H5Dopen2(f, "d", hdf5.H5P_DEFAULT);
            long n = 1000L * cycle;
            hdf5.H5Dset_extent(ds, new long[] {n + 1000});
            long fs = hdf5.H5Dget_space(ds);
            hdf5.H5Sselect_hyperslab(
                fs, hdf5.H5S_SELECT_SET, new long[] {n}, null, new long[] {1000}, null);
            long ms = hdf5.H5Screate_simple(1, new long[] {1000}, null);
            double[] v = new double[1000];
            for (int i = 0; i < v.length; i++) {
              v[i] = n + i;
            }
            assertThat(
                    hdf5.H5Dwrite(
                        ds,
                        hdf5.H5T_NATIVE_DOUBLE_g(),
                        ms,
                        fs,
                        hdf5.H5P_DEFAULT,
                        new DoublePointer(v)))
                .isNotNegative();
            hdf5.H5Sclose(ms);
            hdf5.H5Sclose(fs);
            hdf5.H5Dclose(ds);
            assertThat(hdf5.H5Fclose(f)).isNotNegative();
          }
          hdf5.H5Pclose(fapl);
          return null;
        });
  }

  @Test
  void createAppendCycleIsByteIdenticalToSec2() throws Exception {
    Path viaDriver = dir.resolve("driver.h5");
    Path viaSec2 = dir.resolve("sec2.h5");
    createAppendCycle(viaDriver, true, 0);
    createAppendCycle(viaSec2, false, 0);
    assertThat(Files.size(viaDriver)).isGreaterThan(24_000);
    assertThat(Files.readAllBytes(viaDriver)).isEqualTo(Files.readAllBytes(viaSec2));
    assertThat(H5StorageDriver.openFiles()).isZero();
  }

  @Test
  void filesWrittenThroughTheDriverReadBackThroughItAndThroughSec2() throws Exception {
    Path f = dir.resolve("rt.h5");
    try (H5File h = H5File.create(f.toString(), FileChannelStorage.opener(f));
        H5Dataset d = h.createDataset("/g/x", H5DatasetSpec.of(H5Type.int64()).withChunkRows(64))) {
      long[] v = new long[500];
      for (int i = 0; i < v.length; i++) {
        v[i] = i * 3L;
      }
      d.append(v.length, H5ColumnWrite.from(v, 0));
      h.writeAttribute("/g/x", "note", "via driver");
    }
    try (H5File h = H5File.openReadOnly(f.toString(), FileChannelStorage.opener(f));
        H5Dataset d = h.openDataset("/g/x")) {
      assertThat(d.info().rows()).isEqualTo(500);
      long[] back = new long[500];
      d.read(0, 500, H5ColumnRead.into(back, 0));
      assertThat(back[499]).isEqualTo(1497L);
    }
    try (H5File h = H5File.openReadOnly(f.toString());
        H5Dataset d = h.openDataset("/g/x")) {
      long[] one = new long[1];
      d.read(10, 1, H5ColumnRead.into(one, 0));
      assertThat(one[0]).isEqualTo(30L);
      assertThat(h.attributes("/g/x")).containsEntry("note", "via driver");
    }
    assertThat(H5StorageDriver.openFiles()).isZero();
    if (h5pyAvailable()) {
      assertThat(
              run(
                  "/usr/bin/python3",
                  "-c",
                  "import h5py\nwith h5py.File('"
                      + f
                      + "','r') as h:\n"
                      + "    x = h['g/x'][:]\n    print(len(x), int(x[-1]), h['g/x'].attrs['note'])"))
          .contains("500 1497 via driver");
    } else {
      System.out.println("SKIPPED h5py check: /usr/bin/python3 cannot import h5py");
    }
    if (h5dumpAvailable()) {
      assertThat(run("h5dump", "-d", "/g/x", "-s", "499", "-c", "1", f.toString()))
          .contains("1497");
    } else {
      System.out.println("SKIPPED h5dump check: h5dump not on PATH");
    }
  }

  @Test
  void sameFileOpenedTwiceIsSharedAsWithSec2() throws Exception {
    Path f = dir.resolve("twice.h5");
    H5File.create(f.toString()).close();
    try (H5File a = H5File.openReadOnly(f.toString(), FileChannelStorage.opener(f));
        H5File b = H5File.openReadOnly(f.toString(), FileChannelStorage.opener(f))) {
      assertThat(a.listDatasets()).isEmpty();
      assertThat(b.listDatasets()).isEmpty();
      // HDF5 found the second open to be the same file (cmp) and closed the duplicate storage.
      assertThat(H5StorageDriver.openFiles()).isEqualTo(1);
    }
    assertThat(H5StorageDriver.openFiles()).isZero();
  }

  @Test
  void readOnlyStorageRefusesWritesAndStorageErrorsAreNamed() throws Exception {
    Path f = dir.resolve("ro.h5");
    try (H5File h = H5File.create(f.toString())) {
      h.createDataset("/x", H5DatasetSpec.of(H5Type.float64()).withChunkRows(8)).close();
    }
    byte[] before = Files.readAllBytes(f);
    H5Storage.Opener readOnly =
        access -> new ReadOnly(FileChannelStorage.open(f, H5Storage.Access.READ));
    try (H5File h = H5File.openReadOnly(f.toString(), readOnly)) {
      assertThat(h.listDatasets()).containsExactly("/x");
    }
    assertThatThrownBy(
            () ->
                H5File.openReadWrite(
                    dir.resolve("missing.h5").toString(),
                    FileChannelStorage.opener(dir.resolve("missing.h5"))))
        .isInstanceOf(H5SwmrDataException.class)
        .hasMessageContaining("missing.h5")
        .hasMessageContaining("no such file");
    assertThat(Files.readAllBytes(f)).isEqualTo(before);
    assertThat(H5StorageDriver.openFiles()).isZero();
  }

  /** A read-only wrapper, as a remote (e.g. S3) storage is. */
  private static final class ReadOnly implements H5Storage {
    private final H5Storage in;

    ReadOnly(H5Storage in) {
      this.in = in;
    }

    @Override
    public int read(long position, ByteBuffer dst) throws IOException {
      return in.read(position, dst);
    }

    @Override
    public void write(long position, ByteBuffer src) throws IOException {
      throw new IOException("read-only");
    }

    @Override
    public long size() throws IOException {
      return in.size();
    }

    @Override
    public void truncate(long size) throws IOException {
      throw new IOException("read-only");
    }

    @Override
    public void sync() {}

    @Override
    public boolean isWritable() {
      return false;
    }

    @Override
    public String identity() {
      return "ro:" + in.identity();
    }

    @Override
    public void close() throws IOException {
      in.close();
    }
  }

  static boolean h5pyAvailable() {
    try {
      return run("/usr/bin/python3", "-c", "import h5py; print('ok')").contains("ok");
    } catch (Exception e) {
      return false;
    }
  }

  static boolean h5dumpAvailable() {
    try {
      run("h5dump", "--version");
      return true;
    } catch (Exception e) {
      return false;
    }
  }

  static String run(String... cmd) throws Exception {
    Process p = new ProcessBuilder(new ArrayList<>(List.of(cmd))).redirectErrorStream(true).start();
    String out = new String(p.getInputStream().readAllBytes());
    assertThat(p.waitFor(60, TimeUnit.SECONDS)).isTrue();
    if (p.exitValue() != 0) {
      throw new AssertionError(String.join(" ", cmd) + " exited " + p.exitValue() + ":\n" + out);
    }
    return out;
  }
}
