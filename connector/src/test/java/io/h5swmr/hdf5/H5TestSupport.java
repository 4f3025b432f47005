package io.h5swmr.hdf5;

import hdf.hdf5lib.H5;
import hdf.hdf5lib.HDF5Constants;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;

/**
 * Fixtures the layer itself does not offer (scalar datasets, raw files) and external-tool helpers.
 */
final class H5TestSupport {
  static final String PYTHON = "/usr/bin/python3";

  private H5TestSupport() {}

  /** Creates a scalar (rank 0) dataset holding {@code value[0]} (a one-element primitive array). */
  static void createScalar(H5File file, String path, H5Type type, Object value) throws Exception {
    H5Native.call(
        () -> {
          try (H5Id t = H5Id.type(H5Types.createFileType(type));
              H5Id mt = H5Id.type(H5Types.createMemType(type, type.memKind()));
              H5Id space = H5Id.space(H5.H5Screate(HDF5Constants.H5S_SCALAR));
              H5Id d =
                  H5Id.dataset(
                      H5.H5Dcreate(
                          file.id(),
                          path,
                          t.id(),
                          space.id(),
                          HDF5Constants.H5P_DEFAULT,
                          HDF5Constants.H5P_DEFAULT,
                          HDF5Constants.H5P_DEFAULT))) {
            H5.H5Dwrite(
                d.id(),
                mt.id(),
                HDF5Constants.H5S_ALL,
                HDF5Constants.H5S_ALL,
                HDF5Constants.H5P_DEFAULT,
                value,
                true);
          }
          return null;
        });
  }

  /** True when /usr/bin/python3 can import h5py. */
  static boolean h5pyAvailable() {
    try {
      return run(List.of(PYTHON, "-c", "import h5py, numpy"), null).exitCode == 0;
    } catch (IOException e) {
      return false;
    }
  }

  /** True when h5dump is on the PATH. */
  static boolean h5dumpAvailable() {
    try {
      return run(List.of("h5dump", "--version"), null).exitCode == 0;
    } catch (IOException e) {
      return false;
    }
  }

  /**
   * Runs a Python script with h5py; fails the test with the script's output if it does not exit 0.
   */
  static String python(Path dir, String script) throws IOException {
    Path py = Files.createTempFile(dir, "fixture", ".py");
    Files.writeString(py, script);
    Result r = run(List.of(PYTHON, py.toString()), null);
    if (r.exitCode != 0) {
      throw new AssertionError("python failed (" + r.exitCode + "):\n" + r.output);
    }
    return r.output;
  }

  /** Outcome of an external process. */
  static final class Result {
    final int exitCode;
    final String output;

    Result(int exitCode, String output) {
      this.exitCode = exitCode;
      this.output = output;
    }
  }

  static Result run(List<String> command, Path workDir) throws IOException {
    List<String> cmd = new ArrayList<>(command);
    ProcessBuilder pb = new ProcessBuilder(cmd).redirectErrorStream(true);
    if (workDir != null) {
      pb.directory(workDir.toFile());
    }
    Process p = pb.start();
    try {
      String out =
          new String(p.getInputStream().readAllBytes(), java.nio.charset.StandardCharsets.UTF_8);
      if (!p.waitFor(120, TimeUnit.SECONDS)) {
        p.destroyForcibly();
        return new Result(-1, out + "\n(timed out)");
      }
      return new Result(p.exitValue(), out);
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      p.destroyForcibly();
      return new Result(-1, "interrupted");
    }
  }
}
