package io.h5swmr.hdf5;

import static org.assertj.core.api.Assertions.assertThat;

import io.h5swmr.testing.ChildJvm;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * Several JVMs on one host load the HDF5 natives at the same moment into one empty JavaCPP cache
 * directory (as executors starting together do): all succeed, and none prints anything to stderr
 * (the official Java API's static initialiser used to dump an UnsatisfiedLinkError before
 * succeeding).
 */
class NativeLoadTest {

  @Test
  void concurrentJvmsLoadQuietlyFromOneFreshCache(@TempDir Path cache) throws Exception {
    List<ChildJvm> children = new ArrayList<>();
    try {
      for (int i = 0; i < 4; i++) {
        children.add(
            ChildJvm.start(
                NativeLoadChild.class,
                List.of("-Dorg.bytedeco.javacpp.cachedir=" + cache, "-Xmx128m"),
                List.of()));
      }
      for (ChildJvm c : children) {
        c.awaitLine("READY", Duration.ofSeconds(60));
      }
      for (ChildJvm c : children) {
        c.send("go");
      }
      for (ChildJvm c : children) {
        assertThat(c.awaitLine("LOADED", Duration.ofSeconds(120))).isEqualTo("LOADED 1.14.3");
        assertThat(c.waitFor(Duration.ofSeconds(30))).isZero();
        assertThat(c.stderrLines()).as("stderr of %s", c).isEmpty();
      }
    } finally {
      children.forEach(ChildJvm::close);
    }
  }

  @Test
  void loadingTwiceInOneJvmIsANoOp() throws Exception {
    H5Native.ensureLoaded();
    H5Native.ensureLoaded();
    int[] v = new int[3];
    H5Native.call(() -> hdf.hdf5lib.H5.H5get_libversion(v));
    assertThat(v).containsExactly(1, 14, 3);
  }
}
