package io.h5swmr.write;

import static io.h5swmr.write.WriteTestSupport.readBack;
import static io.h5swmr.write.WriteTestSupport.sha256;
import static io.h5swmr.write.WriteTestSupport.spark;
import static io.h5swmr.write.WriteTestSupport.writer;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.catchThrowable;

import io.h5swmr.exceptions.H5SwmrConfigException;
import io.h5swmr.exceptions.H5SwmrFileInUseException;
import io.h5swmr.hdf5.NativeWriters;
import io.h5swmr.testing.NativeWriterProcess;
import io.h5swmr.testing.RedisServerExtension;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import org.apache.spark.sql.Dataset;
import org.apache.spark.sql.Row;
import org.apache.spark.sql.RowFactory;
import org.apache.spark.sql.types.DataTypes;
import org.apache.spark.sql.types.StructType;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;
import org.junit.jupiter.api.io.TempDir;

/**
 * Spark writes and the appender never meet a native HDF5 writer in one file: refused with a message
 * saying who has it and what to do, the file unchanged; a crashed SWMR writer's mark is cleared
 * only when the user says so.
 */
class NativeWriterConflictTest {
  @RegisterExtension static final RedisServerExtension REDIS = RedisServerExtension.create();

  static final StructType SCHEMA =
      new StructType()
          .add("seq", DataTypes.LongType, false)
          .add("value", DataTypes.DoubleType, false);

  @TempDir Path dir;

  private static Dataset<Row> rows() {
    return spark()
        .createDataFrame(List.of(RowFactory.create(1L, 0.5), RowFactory.create(2L, 1.5)), SCHEMA);
  }

  private Throwable sparkWrite(Path f, Map<String, String> extra) {
    return catchThrowable(
        () ->
            writer(rows(), REDIS.url(), "/ours").options(extra).mode("append").save(f.toString()));
  }

  private Throwable append(Path f, Map<String, String> extra) {
    Map<String, String> o = new java.util.HashMap<>(extra);
    o.put("redis.url", REDIS.url());
    return catchThrowable(
        () -> {
          try (H5SwmrAppender a = H5SwmrAppender.open(f, "/ours", SCHEMA, o)) {
            a.append(new long[] {7}, new double[] {7.5});
          }
        });
  }

  /**
   * The H5SwmrFileInUseException in {@code t}'s cause chain (Spark may wrap driver-side errors).
   */
  private static H5SwmrFileInUseException inUse(Throwable t) {
    for (Throwable c = t; c != null; c = c.getCause()) {
      if (c instanceof H5SwmrFileInUseException) {
        return (H5SwmrFileInUseException) c;
      }
    }
    throw new AssertionError("expected an H5SwmrFileInUseException, got " + t, t);
  }

  @Test
  void aNonSwmrWriterHoldingHdf5sLockRefusesEveryWrite() throws Exception {
    NativeWriterProcess.assumeAvailable();
    Path f = dir.resolve("plain.h5");
    try (NativeWriterProcess w = NativeWriterProcess.start(f, "plain")) {
      String before = sha256(f);
      for (Throwable t : List.of(sparkWrite(f, Map.of()), append(f, Map.of()))) {
        assertThat(inUse(t).getMessage())
            .startsWith("Cannot write to HDF5 file '" + f + "': ")
            .contains(
                "is open for writing by another process that is not in SWMR mode (it holds HDF5's exclusive "
                    + "file lock")
            .contains("Nothing was written: two writers must never share a file.");
      }
      Throwable read =
          catchThrowable(
              () -> WriteTestSupport.reader(REDIS.url(), "/data/x").load(f.toString()).count());
      assertThat(inUse(read).getMessage())
          .contains("is open for writing by another process that is not in SWMR " + "mode")
          .doesNotContain("corrupt HDF5 file");
      assertThat(sha256(f)).isEqualTo(before);
      try (var left = Files.list(dir)) {
        assertThat(left.map(p -> p.getFileName().toString()).filter(n -> n.contains("h5swmr")))
            .isEmpty();
      }
    }
  }

  @Test
  void aLiveSwmrWriterIsNamedAndRefused() throws Exception {
    NativeWriterProcess.assumeAvailable();
    Path f = dir.resolve("swmr.h5");
    try (NativeWriterProcess w = NativeWriterProcess.start(f, "swmr")) {
      w.append(10);
      String before = sha256(f);
      for (Throwable t :
          List.of(sparkWrite(f, Map.of()), append(f, Map.of("clearStaleFlags", "true")))) {
        assertThat(inUse(t).getMessage())
            .contains("another process on this host has it open for writing: pid " + w.pid() + " (")
            .contains("the superblock is marked open by a SWMR writer, status flags 0x5")
            .contains("Nothing was written");
      }
      assertThat(sha256(f)).isEqualTo(before);
    }
  }

  @Test
  void aCrashedSwmrWritersMarkIsClearedOnlyWhenTheUserSaysItIsGone() throws Exception {
    NativeWriterProcess.assumeAvailable();
    Path f = dir.resolve("crashed.h5");
    try (NativeWriterProcess w = NativeWriterProcess.start(f, "swmr")) {
      w.append(20);
      w.kill();
    }
    String before = sha256(f);
    for (Throwable t : List.of(sparkWrite(f, Map.of()), append(f, Map.of()))) {
      assertThat(inUse(t).getMessage())
          .contains(
              "its superblock is marked open for writing by a SWMR writer (status flags 0x5) and h5swmr cannot "
                  + "tell whether that writer still runs")
          .contains("set the write option 'clearStaleFlags' to true")
          .contains("'h5clear -s " + f + "'");
    }
    assertThat(sha256(f)).isEqualTo(before);
    assertThat(NativeWriters.inspect(f).swmrMarked()).isTrue();

    assertThat(sparkWrite(f, Map.of("clearStaleFlags", "true"))).isNull();
    assertThat(NativeWriters.inspect(f).marked()).isFalse();
    assertThat(readBack(REDIS.url(), f, "/ours"))
        .extracting(r -> r.getLong(0))
        .containsExactly(1L, 2L);
    assertThat(readBack(REDIS.url(), f, "/data/x")).hasSize(20);
    assertThat(
            WriteTestSupport.python(
                    "import h5py\nwith h5py.File('"
                        + f
                        + "', 'r') as h:\n"
                        + "    print(h['data/x'].shape[0], h['ours'].shape[0])\n")
                .trim())
        .isEqualTo("20 2");
  }

  @Test
  void lockNoneIsRefusedByWritesBeforeAnythingHappens() {
    Path f = dir.resolve("never.h5");
    for (Throwable t :
        List.of(sparkWrite(f, Map.of("lock", "none")), append(f, Map.of("lock", "none")))) {
      Throwable c = t;
      while (c != null && !(c instanceof H5SwmrConfigException)) {
        c = c.getCause();
      }
      assertThat(c).as("config error in %s", t).isNotNull();
      assertThat(c.getMessage())
          .startsWith(
              "Option 'lock' is 'none', which only reads accept: a write must hold the "
                  + "file's exclusive lease")
          .contains("set lock=redis (the default)");
    }
    assertThat(f).doesNotExist();
  }
}
