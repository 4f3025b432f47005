package io.h5swmr.write;

import io.h5swmr.hdf5.H5DatasetInfo;
import io.h5swmr.hdf5.H5File;
import io.h5swmr.testing.SharedSpark;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.MessageDigest;
import java.util.ArrayList;
import java.util.HexFormat;
import java.util.List;
import java.util.concurrent.TimeUnit;
import java.util.stream.Stream;
import org.apache.spark.sql.DataFrameReader;
import org.apache.spark.sql.DataFrameWriter;
import org.apache.spark.sql.Dataset;
import org.apache.spark.sql.Row;
import org.apache.spark.sql.SparkSession;

/**
 * Helpers of the write tests: writer/reader bound to the test's Redis, file hashes, h5py/h5dump
 * runs.
 */
final class WriteTestSupport {
  static final String PYTHON = "/usr/bin/python3";

  private WriteTestSupport() {}

  static SparkSession spark() {
    return SharedSpark.get();
  }

  static DataFrameWriter<Row> writer(Dataset<Row> df, String redisUrl, String dataset) {
    return df.write()
        .format("h5swmr")
        .option("redis.url", redisUrl)
        .option("dataset", dataset)
        .option("lock.ttl", "2s");
  }

  static DataFrameReader reader(String redisUrl, String dataset) {
    return spark().read().format("h5swmr").option("redis.url", redisUrl).option("dataset", dataset);
  }

  /** Rows read back through h5swmr, index column dropped, in index order. */
  static List<Row> readBack(String redisUrl, Path file, String dataset) {
    return reader(redisUrl, dataset)
        .load(file.toString())
        .orderBy("index")
        .drop("index")
        .collectAsList();
  }

  /**
   * The file's first 8 bytes as one big-endian long: 0 where a staging file's head was punched out.
   */
  static long firstLong(Path f) {
    try (java.nio.channels.FileChannel ch = java.nio.channels.FileChannel.open(f)) {
      java.nio.ByteBuffer head = java.nio.ByteBuffer.allocate(8);
      ch.read(head, 0);
      return head.flip().getLong();
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    }
  }

  static String sha256(Path f) {
    try {
      return HexFormat.of()
          .formatHex(MessageDigest.getInstance("SHA-256").digest(Files.readAllBytes(f)));
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    } catch (Exception e) {
      throw new IllegalStateException(e);
    }
  }

  static H5DatasetInfo info(Path f, String dataset) {
    try (H5File h =
        H5File.openReadOnly(f.toString(), io.h5swmr.hdf5.journal.JournalOverlay.COMMITTED)) {
      return h.datasetInfo(dataset);
    }
  }

  /**
   * Files under {@code dir} whose names contain {@code part}, except the write fences' lock files
   * ({@code .<name>.h5swmr-lock}), which stay beside every target written once.
   */
  static List<Path> filesContaining(Path dir, String part) {
    List<Path> out = new ArrayList<>();
    try (Stream<Path> s = Files.walk(dir)) {
      s.filter(p -> p.getFileName().toString().contains(part))
          .filter(p -> !p.getFileName().toString().endsWith(".h5swmr-lock"))
          .forEach(out::add);
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    }
    return out;
  }

  static boolean hasH5py() {
    if (!Files.isExecutable(Path.of(PYTHON))) {
      return false;
    }
    try {
      return run(List.of(PYTHON, "-c", "import h5py")).exit == 0;
    } catch (IOException e) {
      return false;
    }
  }

  static boolean hasH5dump() {
    try {
      return run(List.of("h5dump", "--version")).exit == 0;
    } catch (IOException e) {
      return false;
    }
  }

  /** Output and exit code of a process. */
  static final class Ran {
    final int exit;
    final String output;

    Ran(int exit, String output) {
      this.exit = exit;
      this.output = output;
    }
  }

  static Ran run(List<String> cmd) throws IOException {
    Process p = new ProcessBuilder(cmd).redirectErrorStream(true).start();
    try {
      String out =
          new String(p.getInputStream().readAllBytes(), java.nio.charset.StandardCharsets.UTF_8);
      if (!p.waitFor(120, TimeUnit.SECONDS)) {
        p.destroyForcibly();
        throw new IOException("timed out: " + cmd);
      }
      return new Ran(p.exitValue(), out);
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      throw new IOException(e);
    }
  }

  /** Runs a Python snippet with h5py; fails the test with its output when it exits non-zero. */
  static String python(String script) throws IOException {
    Ran r = run(List.of(PYTHON, "-c", script));
    if (r.exit != 0) {
      throw new AssertionError(
          "python failed (" + r.exit + "):\n" + r.output + "\nscript:\n" + script);
    }
    return r.output;
  }
}
