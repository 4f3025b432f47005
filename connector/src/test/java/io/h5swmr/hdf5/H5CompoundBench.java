package io.h5swmr.hdf5;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;

/**
 * Ad-hoc (not a test): compound column pruning — one packed read of k members vs k single-member
 * reads.
 */
public final class H5CompoundBench {
  private H5CompoundBench() {}

  public static void main(String[] args) throws Exception {
    int rows = 2_000_000;
    int deflate = args.length > 0 ? Integer.parseInt(args[0]) : 0;
    Path dir = Files.createTempDirectory("h5bench");
    String f = dir.resolve("c.h5").toString();
    List<String> names = List.of("a", "b", "c", "d", "e", "f", "g", "h");
    H5Type t =
        H5Type.compound(
            names,
            List.of(
                H5Type.float64(),
                H5Type.float64(),
                H5Type.float64(),
                H5Type.float64(),
                H5Type.int32(),
                H5Type.int32(),
                H5Type.float32(),
                H5Type.int64()));
    double[] v = new double[rows];
    for (int i = 0; i < rows; i++) {
      v[i] = i;
    }
    try (H5File file = H5File.create(f);
        H5Dataset d =
            file.createDataset(
                "/t", H5DatasetSpec.of(t).withChunkRows(16_384).withDeflate(deflate))) {
      d.append(
          rows,
          H5ColumnWrite.from(v, 0, "a"),
          H5ColumnWrite.from(v, 0, "b"),
          H5ColumnWrite.from(v, 0, "c"));
    }
    double[] a = new double[rows];
    double[] b = new double[rows];
    double[] c = new double[rows];
    long packed = Long.MAX_VALUE;
    long single = Long.MAX_VALUE;
    long one = Long.MAX_VALUE;
    try (H5File file = H5File.openReadOnly(f);
        H5Dataset d = file.openDataset("/t")) {
      for (int round = 0; round < 10; round++) {
        long t0 = System.nanoTime();
        d.read(
            0,
            rows,
            H5ColumnRead.into(a, 0, "a"),
            H5ColumnRead.into(b, 0, "b"),
            H5ColumnRead.into(c, 0, "c"));
        long t1 = System.nanoTime();
        d.read(0, rows, H5ColumnRead.into(a, 0, "a"));
        d.read(0, rows, H5ColumnRead.into(b, 0, "b"));
        d.read(0, rows, H5ColumnRead.into(c, 0, "c"));
        long t2 = System.nanoTime();
        d.read(0, rows, H5ColumnRead.into(a, 0, "a"));
        long t3 = System.nanoTime();
        packed = Math.min(packed, t1 - t0);
        single = Math.min(single, t2 - t1);
        one = Math.min(one, t3 - t2);
        if (a[rows - 1] != rows - 1 || c[17] != 17) {
          throw new AssertionError("bad values");
        }
      }
    }
    System.out.printf(
        "compound of 8 members (52 B/row), %d rows, deflate %d: 3 members packed %.1f ms, "
            + "3 single-member reads %.1f ms, 1 member %.1f ms%n",
        rows, deflate, packed / 1e6, single / 1e6, one / 1e6);
    Files.delete(Path.of(f));
    Files.delete(dir);
  }
}
