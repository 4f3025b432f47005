package io.h5swmr.hdf5;

import static org.assertj.core.api.Assertions.assertThat;

import java.io.File;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.concurrent.TimeUnit;
import java.util.stream.Collectors;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * A JVM whose classpath has no JNA (a cluster that excluded it, or a shaded jar without it): gzip
 * datasets are still written with whole chunks compressed in Java ({@code Deflater}) and read
 * through the Java chunk path ({@code Inflater}), with the same values, instead of failing on a
 * missing class. Run in a separate JVM started with this test JVM's classpath minus the JNA jar.
 */
class WithoutJnaTest {
  @TempDir Path dir;

  @Test
  void gzipDatasetsAreWrittenAndReadWithoutJna() throws Exception {
    String[] entries = System.getProperty("java.class.path").split(File.pathSeparator);
    List<String> kept =
        Arrays.stream(entries)
            .filter(e -> !e.contains("/net/java/dev/jna/"))
            .collect(Collectors.toList());
    assertThat(kept).as("the test classpath holds the JNA jar").hasSizeLessThan(entries.length);
    Path out = dir.resolve("out.txt");
    List<String> cmd =
        new ArrayList<>(
            List.of(
                Path.of(System.getProperty("java.home"), "bin", "java").toString(),
                "-cp",
                String.join(File.pathSeparator, kept),
                WithoutJnaTest.class.getName(),
                dir.resolve("g.h5").toString()));
    Process p =
        new ProcessBuilder(cmd).redirectErrorStream(true).redirectOutput(out.toFile()).start();
    try {
      assertThat(p.waitFor(120, TimeUnit.SECONDS)).as("the child JVM ends").isTrue();
    } finally {
      p.destroyForcibly(); // a child that hangs is not left behind
    }
    String said = Files.readString(out);
    assertThat(p.exitValue()).as(said).isZero();
    assertThat(said)
        .contains(
            "JNA absent",
            "inflater=java.util.zip.Inflater",
            "chunks stored in Java=4",
            "read directly=true",
            "values equal=true");
  }

  /**
   * The child JVM: writes 4 whole chunks and a partial one of a gzip+shuffle dataset, reads them
   * back.
   */
  public static void main(String[] args) throws Exception {
    try {
      Class.forName("com.sun.jna.Native");
      System.out.println("JNA present");
      System.exit(3);
    } catch (ClassNotFoundException e) {
      System.out.println("JNA absent");
    }
    System.out.println("inflater=" + H5ChunkFilters.inflater());
    int n = 4 * 1000 + 123;
    double[] x = new double[n];
    for (int i = 0; i < n; i++) {
      x[i] = Math.rint(Math.sin(i / 50.0) * 1e6) / 1e3;
    }
    long stored;
    try (H5File f = H5File.create(args[0]);
        H5Dataset d =
            f.createDataset(
                "/x",
                H5DatasetSpec.of(H5Type.float64())
                    .withChunkRows(1000)
                    .withDeflate(4)
                    .withShuffle(true))) {
      d.append(n, List.of(H5ColumnWrite.from(x, 0)));
      stored = d.chunksStored();
    }
    System.out.println("chunks stored in Java=" + stored);
    try (H5File f = H5File.openReadOnly(args[0]);
        H5Dataset d = f.openDataset("/x")) {
      double[] got = new double[n];
      System.out.println("read directly=" + d.readDirect(0, n, H5ColumnRead.into(got, 0)));
      double[] lib = new double[n];
      d.read(0, n, H5ColumnRead.into(lib, 0));
      System.out.println("values equal=" + (Arrays.equals(got, x) && Arrays.equals(lib, x)));
    }
  }
}
