package io.h5swmr.read;

import static org.junit.jupiter.api.Assumptions.assumeTrue;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.Paths;
import java.util.concurrent.TimeUnit;

/**
 * Runs h5py scripts with /usr/bin/python3 to write interop fixtures; tests skip visibly without
 * h5py.
 */
final class H5py {
  static final String PYTHON = "/usr/bin/python3";

  private H5py() {}

  static boolean available() {
    if (!Files.isExecutable(Paths.get(PYTHON))) {
      return false;
    }
    try {
      Process p =
          new ProcessBuilder(PYTHON, "-c", "import h5py, numpy").redirectErrorStream(true).start();
      p.getInputStream().readAllBytes();
      return p.waitFor(60, TimeUnit.SECONDS) && p.exitValue() == 0;
    } catch (IOException e) {
      return false;
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      return false;
    }
  }

  static void assumeAvailable() {
    assumeTrue(
        available(),
        "SKIPPED: "
            + PYTHON
            + " with h5py and numpy is not installed (apt-get install "
            + "python3-h5py); h5py interop fixtures not tested");
  }

  /**
   * Runs {@code script} (python source; {@code sys.argv[1]} is {@code file}) and fails with its
   * output.
   */
  static void run(Path file, String script) throws IOException, InterruptedException {
    Path py = Files.createTempFile("h5swmr-fixture", ".py");
    try {
      Files.writeString(py, script);
      Process p =
          new ProcessBuilder(PYTHON, py.toString(), file.toString())
              .redirectErrorStream(true)
              .start();
      String out = new String(p.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
      if (!p.waitFor(120, TimeUnit.SECONDS) || p.exitValue() != 0) {
        throw new AssertionError("h5py fixture script failed:\n" + out);
      }
    } finally {
      Files.deleteIfExists(py);
    }
  }
}
