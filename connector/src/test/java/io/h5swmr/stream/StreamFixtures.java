package io.h5swmr.stream;

import io.h5swmr.hdf5.H5ColumnWrite;
import io.h5swmr.hdf5.H5Dataset;
import io.h5swmr.hdf5.H5DatasetSpec;
import io.h5swmr.hdf5.H5File;
import io.h5swmr.hdf5.H5Type;
import io.h5swmr.lock.Lease;
import io.h5swmr.lock.LockKeys;
import io.h5swmr.lock.LockService;
import io.h5swmr.lock.LockSettings;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.Paths;
import java.util.List;
import java.util.concurrent.TimeUnit;

/**
 * Files the stream tests tail: a float64 dataset {@code /x} (row i holds i * 0.5), or the
 * appender's compound {@code /rec {seq, value, check}}; appends take the file's exclusive lease
 * like any writer of the lock protocol.
 */
final class StreamFixtures {
  static final H5Type REC =
      H5Type.compound(
          List.of("seq", "value", "check"),
          List.of(H5Type.int64(), H5Type.float64(), H5Type.int64()));

  private StreamFixtures() {}

  static void createDoubles(Path file, long chunkRows) {
    try (H5File f =
            Files.exists(file)
                ? H5File.openReadWrite(file.toString())
                : H5File.create(file.toString());
        H5Dataset d =
            f.createDataset("/x", H5DatasetSpec.of(H5Type.float64()).withChunkRows(chunkRows))) {
      d.rows();
    }
  }

  static void createRec(Path file) {
    try (H5File f = H5File.create(file.toString());
        H5Dataset d = f.createDataset("/rec", H5DatasetSpec.of(REC).withChunkRows(64))) {
      d.rows();
    }
  }

  /**
   * Appends {@code rows} rows to {@code /x} under the file's exclusive lease; returns the new
   * extent.
   */
  static long appendDoubles(Path file, String redisUrl, int rows) {
    try (Lease lease =
            LockService.shared(LockSettings.builder().redisUrl(redisUrl).build())
                .acquireExclusive(LockKeys.forFile(file));
        H5File f = H5File.openReadWrite(file.toString());
        H5Dataset d = f.openDataset("/x")) {
      long first = d.rows();
      double[] v = new double[rows];
      for (int i = 0; i < rows; i++) {
        v[i] = (first + i) * 0.5;
      }
      d.append(rows, H5ColumnWrite.from(v, 0));
      f.flush();
      lease.checkValid();
      return first + rows;
    }
  }

  static boolean h5pyAvailable() {
    try {
      Process p =
          new ProcessBuilder("/usr/bin/python3", "-c", "import h5py, numpy")
              .redirectErrorStream(true)
              .start();
      p.getInputStream().readAllBytes();
      return p.waitFor(60, TimeUnit.SECONDS) && p.exitValue() == 0;
    } catch (IOException e) {
      return false;
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      return false;
    }
  }

  /** Runs a python script with h5py ({@code sys.argv[1]} = file) and returns its stdout. */
  static String h5py(Path file, String script) throws IOException, InterruptedException {
    Path py = Files.createTempFile("h5swmr-stream", ".py");
    try {
      Files.writeString(py, script);
      Process p = new ProcessBuilder("/usr/bin/python3", py.toString(), file.toString()).start();
      String out = new String(p.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
      String err = new String(p.getErrorStream().readAllBytes(), StandardCharsets.UTF_8);
      if (!p.waitFor(120, TimeUnit.SECONDS) || p.exitValue() != 0) {
        throw new AssertionError("h5py script failed:\n" + out + err);
      }
      return out.trim();
    } finally {
      Files.deleteIfExists(py);
    }
  }

  static Path abs(Path p) {
    return Paths.get(p.toAbsolutePath().normalize().toString());
  }
}
