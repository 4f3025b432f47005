package io.h5swmr.hdf5;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Arrays;
import org.bytedeco.hdf5.global.hdf5;
import org.bytedeco.javacpp.DoublePointer;

/**
 * Benchmark (not a test): what reading a version-3 file in SWMR-read mode costs against a plain
 * read-only open, and what h5swmr's native-writer check ({@link NativeWriters#inspect}: superblock
 * read + HDF5 file-lock probe) adds to every open. The file is written and closed by h5py ({@code
 * libver='latest'}), then opened, one dataset read whole and closed, many times per mode. Run
 * (README "Native SWMR files"): {@code java -cp
 * connector/target/test-classes:connector/target/classes:$(cat cp.txt)
 * io.h5swmr.hdf5.H5SwmrOpenBench [rows] [rounds]}
 */
public final class H5SwmrOpenBench {
  private H5SwmrOpenBench() {}

  public static void main(String[] args) throws Exception {
    int rows = args.length > 0 ? Integer.parseInt(args[0]) : 100_000;
    int rounds = args.length > 1 ? Integer.parseInt(args[1]) : 200;
    Path dir = Files.createTempDirectory("h5swmr-openbench");
    Path f = dir.resolve("v3.h5");
    Process p =
        new ProcessBuilder(
                "/usr/bin/python3",
                "-c",
                "import sys, h5py, numpy as np\n"
                    + "with h5py.File(sys.argv[1], 'w', libver='latest') as f:\n"
                    + "    f.create_dataset('x', data=np.arange("
                    + rows
                    + ") / 2.0, maxshape=(None,), chunks=(4096,))\n",
                f.toString())
            .inheritIO()
            .start();
    if (p.waitFor() != 0) {
      throw new IllegalStateException("h5py could not write the file");
    }
    H5Native.ensureLoaded();
    long[] plain = new long[rounds];
    long[] swmr = new long[rounds];
    long[] check = new long[rounds];
    for (int r = 0; r < rounds; r++) {
      plain[r] = openRead(f.toString(), rows, false);
      swmr[r] = openRead(f.toString(), rows, true);
      long t0 = System.nanoTime();
      NativeWriters.inspect(f);
      check[r] = System.nanoTime() - t0;
    }
    System.out.printf("rows=%d rounds=%d (median per open+read+close)%n", rows, rounds);
    System.out.printf("plain read-only   %8.1f us (anchor 1.00)%n", median(plain) / 1e3);
    System.out.printf(
        "SWMR-read         %8.1f us (%.2fx)%n", median(swmr) / 1e3, median(swmr) / median(plain));
    System.out.printf(
        "writer check      %8.1f us (%.2fx of the anchor)%n",
        median(check) / 1e3, median(check) / median(plain));
  }

  private static long openRead(String file, int rows, boolean swmrRead) throws Exception {
    return H5Native.call(
        () -> {
          long t0 = System.nanoTime();
          long fapl = hdf5.H5Pcreate(hdf5.H5P_CLS_FILE_ACCESS_ID_g());
          hdf5.H5Pset_file_locking(fapl, false, true);
          long fid =
              hdf5.H5Fopen(
                  file,
                  swmrRead ? hdf5.H5F_ACC_RDONLY | hdf5.H5F_ACC_SWMR_READ : hdf5.H5F_ACC_RDONLY,
                  fapl);
          long did = hdf5.H5Dopen2(fid, "/x", hdf5.H5P_DEFAULT);
          try (DoublePointer out = new DoublePointer(rows)) {
            if (hdf5.H5Dread(
                    did,
                    hdf5.H5T_NATIVE_DOUBLE_g(),
                    hdf5.H5S_ALL,
                    hdf5.H5S_ALL,
                    hdf5.H5P_DEFAULT,
                    out)
                < 0) {
              throw new IllegalStateException("read failed");
            }
          }
          hdf5.H5Dclose(did);
          hdf5.H5Fclose(fid);
          hdf5.H5Pclose(fapl);
          return System.nanoTime() - t0;
        });
  }

  private static double median(long[] v) {
    long[] s = v.clone();
    Arrays.sort(s);
    return s[s.length / 2];
  }
}
