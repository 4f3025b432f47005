package io.h5swmr.read;

import io.h5swmr.hdf5.H5ColumnWrite;
import io.h5swmr.hdf5.H5Dataset;
import io.h5swmr.hdf5.H5DatasetSpec;
import io.h5swmr.hdf5.H5File;
import io.h5swmr.hdf5.H5Type;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;

/** HDF5 fixtures for read tests, written with the project's HDF5 layer. */
final class Fixtures {
  private Fixtures() {}

  /**
   * A 1-D dataset of {@code type} at {@code dataset}, filled from the given columns (member path →
   * array).
   */
  static void write(
      Path file, String dataset, H5DatasetSpec spec, long rows, H5ColumnWrite... columns) {
    try (H5File f =
            Files.exists(file)
                ? H5File.openReadWrite(file.toString())
                : H5File.create(file.toString());
        H5Dataset d = f.createDataset(dataset, spec)) {
      if (rows > 0) {
        d.append(rows, columns);
      }
    }
  }

  /** float64 column {@code /x} with values i * 0.5, chunked by {@code chunk}. */
  static double[] doubles(Path file, String dataset, int rows, long chunk) {
    double[] v = new double[rows];
    for (int i = 0; i < rows; i++) {
      v[i] = i * 0.5;
    }
    write(
        file,
        dataset,
        H5DatasetSpec.of(H5Type.float64()).withChunkRows(chunk),
        rows,
        H5ColumnWrite.from(v, 0));
    return v;
  }

  static H5Type compound(List<String> names, H5Type... types) {
    return H5Type.compound(names, List.of(types));
  }
}
