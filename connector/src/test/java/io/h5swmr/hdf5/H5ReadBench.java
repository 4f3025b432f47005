package io.h5swmr.hdf5;

import hdf.hdf5lib.H5;
import hdf.hdf5lib.HDF5Constants;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Arrays;
import org.bytedeco.javacpp.DoublePointer;

/**
 * Ad-hoc comparison (not a test): reading a large chunked float64 dataset through the layer vs one
 * raw H5Dread of the same hyperslab. Run: java -cp test-classes:classes:deps
 * io.h5swmr.hdf5.H5ReadBench [rowsM].
 */
public final class H5ReadBench {
  private H5ReadBench() {}

  public static void main(String[] args) throws Exception {
    int rows = (args.length > 0 ? Integer.parseInt(args[0]) : 16) * 1_000_000;
    int deflate = args.length > 1 ? Integer.parseInt(args[1]) : 0;
    Path dir = Files.createTempDirectory("h5bench");
    String f = dir.resolve("big.h5").toString();
    double[] data = new double[rows];
    for (int i = 0; i < rows; i++) {
      data[i] = i * 0.5;
    }
    try (H5File file = H5File.create(f);
        H5Dataset d =
            file.createDataset(
                "/x",
                H5DatasetSpec.of(H5Type.float64()).withChunkRows(65_536).withDeflate(deflate))) {
      d.append(rows, H5ColumnWrite.from(data, 0));
    }
    int part = rows / 2;
    long start = rows / 4;
    double[] out = new double[part];
    try (H5File file = H5File.openReadOnly(f);
        H5Dataset d = file.openDataset("/x");
        DoublePointer nativeOut = new DoublePointer(part)) {
      double[] batch = new double[4096];
      long[] best = new long[5];
      Arrays.fill(best, Long.MAX_VALUE);
      for (int round = 0; round < 15; round++) {
        best[0] = Math.min(best[0], time(() -> rawRead(d, start, part, out)));
        check(out, start);
        Arrays.fill(out, 0);
        best[1] = Math.min(best[1], time(() -> d.read(start, part, H5ColumnRead.into(out, 0))));
        check(out, start);
        best[2] =
            Math.min(
                best[2],
                time(
                    () ->
                        d.read(
                            start,
                            part,
                            H5ColumnRead.intoAddress(
                                nativeOut.address(), (long) part * 8, H5MemKind.DOUBLE))));
        best[3] = Math.min(best[3], time(() -> rawBatches(d, start, part, out)));
        check(out, start);
        Arrays.fill(out, 0);
        best[4] =
            Math.min(
                best[4],
                time(
                    () -> {
                      for (int r = 0; r < part; r += 4096) {
                        int n = Math.min(4096, part - r);
                        d.read(start + r, n, H5ColumnRead.into(batch, 0));
                        System.arraycopy(
                            batch, 0, out, r, n); // what OnHeapColumnVector.putDoubles does
                      }
                    }));
        check(out, start);
      }
      System.out.printf(
          "%d rows (%d MiB), deflate %d, best of 15:%n  raw single H5Dread   %6.1f ms%n"
              + "  layer into double[]  %6.1f ms (%.2fx raw)%n  layer into native    %6.1f ms (%.2fx raw)%n"
              + "  raw 4096-row calls   %6.1f ms%n  layer 4096-row calls %6.1f ms (%.2fx raw single, %.2fx raw batches)%n",
          part,
          part * 8L >> 20,
          deflate,
          best[0] / 1e6,
          best[1] / 1e6,
          (double) best[0] / best[1],
          best[2] / 1e6,
          (double) best[0] / best[2],
          best[3] / 1e6,
          best[4] / 1e6,
          (double) best[0] / best[4],
          (double) best[3] / best[4]);
    }
    Files.delete(Path.of(f));
    Files.delete(dir);
  }

  private static void rawRead(H5Dataset d, long start, int count, double[] out) throws Exception {
    H5Native.call(
        () -> {
          long did = H5.H5Dopen(d.file().id(), "/x", HDF5Constants.H5P_DEFAULT);
          long fs = H5.H5Dget_space(did);
          H5.H5Sselect_hyperslab(
              fs, HDF5Constants.H5S_SELECT_SET, new long[] {start}, null, new long[] {count}, null);
          long ms = H5.H5Screate_simple(1, new long[] {count}, null);
          H5.H5Dread_double(
              did, HDF5Constants.H5T_NATIVE_DOUBLE, ms, fs, HDF5Constants.H5P_DEFAULT, out, true);
          H5.H5Sclose(ms);
          H5.H5Sclose(fs);
          H5.H5Dclose(did);
          return null;
        });
  }

  /** The floor: 4096-row H5Dread calls reusing one dataset, file space and memory space. */
  private static void rawBatches(H5Dataset d, long start, int count, double[] out)
      throws Exception {
    double[] batch = new double[4096];
    H5Native.call(
        () -> {
          long did = H5.H5Dopen(d.file().id(), "/x", HDF5Constants.H5P_DEFAULT);
          long fs = H5.H5Dget_space(did);
          long ms = H5.H5Screate_simple(1, new long[] {4096}, null);
          for (int r = 0; r + 4096 <= count; r += 4096) {
            H5.H5Sselect_hyperslab(
                fs,
                HDF5Constants.H5S_SELECT_SET,
                new long[] {start + r},
                null,
                new long[] {4096},
                null);
            H5.H5Dread_double(
                did,
                HDF5Constants.H5T_NATIVE_DOUBLE,
                ms,
                fs,
                HDF5Constants.H5P_DEFAULT,
                batch,
                true);
            System.arraycopy(batch, 0, out, r, 4096);
          }
          H5.H5Sclose(ms);
          H5.H5Sclose(fs);
          H5.H5Dclose(did);
          return null;
        });
  }

  private static void check(double[] out, long start) {
    for (int i = 0; i < out.length; i += 9973) {
      if (out[i] != (start + i) * 0.5) {
        throw new AssertionError("wrong value at " + i + ": " + out[i]);
      }
    }
  }

  interface Body {
    void run() throws Exception;
  }

  private static long time(Body b) throws Exception {
    long t0 = System.nanoTime();
    b.run();
    return System.nanoTime() - t0;
  }
}
