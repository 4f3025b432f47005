package io.h5swmr.write;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.h5swmr.exceptions.H5SwmrDataException;
import io.h5swmr.hdf5.H5Dataset;
import io.h5swmr.hdf5.H5File;
import io.h5swmr.lock.LockKeys;
import io.h5swmr.lock.LockService;
import io.h5swmr.lock.LockSettings;
import io.h5swmr.testing.RedisServerExtension;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.stream.Stream;
import org.apache.spark.sql.types.DataTypes;
import org.apache.spark.sql.types.StructType;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;
import org.junit.jupiter.api.io.TempDir;

/**
 * The plain-Java appender: commits through the Spark write path's committer, under the exclusive
 * lease.
 */
class H5SwmrAppenderTest {
  @RegisterExtension static final RedisServerExtension REDIS = RedisServerExtension.create();

  static final StructType SCHEMA =
      new StructType()
          .add("seq", DataTypes.LongType, false)
          .add("value", DataTypes.DoubleType, false);

  @TempDir Path dir;

  LockSettings lock() {
    return LockSettings.builder()
        .redisUrl(REDIS.url())
        .leaseTtl(Duration.ofSeconds(2))
        .acquireTimeout(Duration.ofSeconds(20))
        .build();
  }

  @Test
  void appendsCreateThenExtendTheDatasetAndLeaveNoLeaseOrStaging() throws Exception {
    Path file = dir.resolve("log.h5");
    try (H5SwmrAppender a = H5SwmrAppender.open(file, "/log", SCHEMA, lock())) {
      assertThat(a.append(new long[] {1, 2, 3}, new double[] {0.5, 1.5, 2.5})).isEqualTo(3);
      assertThat(a.append(new long[] {4, 5}, new double[] {3.5, 4.5})).isEqualTo(5);
    }
    try (H5File h =
            H5File.openReadOnly(file.toString(), io.h5swmr.hdf5.journal.JournalOverlay.COMMITTED);
        H5Dataset ds = h.openDataset("/log")) {
      assertThat(ds.rows()).isEqualTo(5);
      assertThat((long[]) ds.readColumn(0, 5, "seq")).containsExactly(1, 2, 3, 4, 5);
      assertThat((double[]) ds.readColumn(0, 5, "value")).containsExactly(0.5, 1.5, 2.5, 3.5, 4.5);
    }
    try (LockService s = LockService.open(lock())) {
      assertThat(s.state(LockKeys.forFile(file)).holders()).isEmpty();
    }
    try (Stream<Path> left = Files.list(dir)) {
      // the write fence's lock file stays (deleting it would let two writers lock different inodes)
      assertThat(left.map(p -> p.getFileName().toString()))
          .containsExactlyInAnyOrder("log.h5", ".log.h5.h5swmr-lock");
    }
  }

  @Test
  void appendsThroughASymlinkWriteTheRealFileInPlaceKeepingLinksInodeAndPermissions()
      throws Exception {
    Path real = dir.resolve("data").resolve("real.h5");
    Files.createDirectories(real.getParent());
    try (H5SwmrAppender a = H5SwmrAppender.open(real, "/log", SCHEMA, lock())) {
      a.append(new long[] {1, 2}, new double[] {0.5, 1.5});
    }
    Files.setPosixFilePermissions(
        real, java.nio.file.attribute.PosixFilePermissions.fromString("rw-r-----"));
    Path link = Files.createSymbolicLink(dir.resolve("link.h5"), real);
    Path hard = Files.createLink(dir.resolve("data").resolve("hard.h5"), real);
    Object inode =
        Files.readAttributes(real, java.nio.file.attribute.BasicFileAttributes.class).fileKey();
    try (H5SwmrAppender a = H5SwmrAppender.open(link, "/log", SCHEMA, lock())) {
      assertThat(a.append(new long[] {3}, new double[] {2.5})).isEqualTo(3);
      // a 0-row append changes nothing on disk
      byte[] before = Files.readAllBytes(real);
      java.nio.file.attribute.FileTime mtime = Files.getLastModifiedTime(real);
      assertThat(a.append(new long[0], new double[0])).isEqualTo(3);
      assertThat(Files.readAllBytes(real)).isEqualTo(before);
      assertThat(Files.getLastModifiedTime(real)).isEqualTo(mtime);
    }
    assertThat(Files.isSymbolicLink(link)).isTrue();
    assertThat(
            Files.readAttributes(real, java.nio.file.attribute.BasicFileAttributes.class).fileKey())
        .isEqualTo(inode);
    assertThat(Files.getPosixFilePermissions(real))
        .isEqualTo(java.nio.file.attribute.PosixFilePermissions.fromString("rw-r-----"));
    assertThat(Files.getAttribute(real, "unix:nlink")).isEqualTo(2);
    for (Path p : List.of(real, link, hard)) {
      try (H5File h =
              H5File.openReadOnly(p.toString(), io.h5swmr.hdf5.journal.JournalOverlay.COMMITTED);
          H5Dataset ds = h.openDataset("/log")) {
        assertThat((long[]) ds.readColumn(0, 3, "seq")).containsExactly(1, 2, 3);
      }
    }
    // the journal and the lock file live beside the real file, not beside the link
    assertThat(Files.exists(real.resolveSibling(".real.h5.h5swmr-lock"))).isTrue();
    assertThat(Files.exists(dir.resolve(".link.h5.h5swmr-lock"))).isFalse();
  }

  @Test
  void appendersInterleaveWithoutLosingBlocks() throws Exception {
    Path file = dir.resolve("two.h5");
    try (H5SwmrAppender a = H5SwmrAppender.open(file, "/log", SCHEMA, lock());
        H5SwmrAppender b = H5SwmrAppender.open(file, "/log", SCHEMA, lock())) {
      for (int i = 0; i < 3; i++) {
        a.append(new long[] {10 + i}, new double[] {1});
        b.append(new long[] {20 + i}, new double[] {2});
      }
    }
    try (H5File h =
            H5File.openReadOnly(file.toString(), io.h5swmr.hdf5.journal.JournalOverlay.COMMITTED);
        H5Dataset ds = h.openDataset("/log")) {
      assertThat((long[]) ds.readColumn(0, ds.rows(), "seq"))
          .containsExactly(10, 20, 11, 21, 12, 22);
    }
  }

  @Test
  void mismatchedColumnsAreRefusedNamingTheColumn() {
    Path file = dir.resolve("bad.h5");
    try (H5SwmrAppender a = H5SwmrAppender.open(file, "/log", SCHEMA, lock())) {
      assertThatThrownBy(() -> a.append(new long[] {1}))
          .isInstanceOf(H5SwmrDataException.class)
          .hasMessageContaining("got 1 columns")
          .hasMessageContaining("schema has 2");
      assertThatThrownBy(() -> a.append(new long[] {1, 2}, new double[] {1}))
          .isInstanceOf(H5SwmrDataException.class)
          .hasMessageContaining("column 'value' has 1 values but column 'seq' has 2");
      assertThatThrownBy(() -> a.append(new long[] {1}, "x"))
          .isInstanceOf(H5SwmrDataException.class)
          .hasMessageContaining("column 'value' must be an array");
    }
    assertThat(Files.exists(file)).isFalse();
  }

  /**
   * Issue 29: a column array of the wrong element type names the column, not a ClassCastException.
   */
  @Test
  void wrongArrayTypeIsRefusedNamingTheColumnAndTheTypeItTakes() {
    Path file = dir.resolve("types.h5");
    try (H5SwmrAppender a = H5SwmrAppender.open(file, "/log", SCHEMA, lock())) {
      assertThatThrownBy(() -> a.append(new long[] {1, 2}, new long[] {3, 4}))
          .isInstanceOf(H5SwmrDataException.class)
          .hasMessageContaining("column 'value' is double")
          .hasMessageContaining("got long[]")
          .hasMessageContaining("double[]");
      assertThatThrownBy(() -> a.append(new int[] {1}, new double[] {3}))
          .isInstanceOf(H5SwmrDataException.class)
          .hasMessageContaining("column 'seq' is bigint")
          .hasMessageContaining("got int[]");
      assertThatThrownBy(() -> a.append(new Object[] {1L, 2}, new double[] {3, 4}))
          .isInstanceOf(H5SwmrDataException.class)
          .hasMessageContaining("column 'seq'")
          .hasMessageContaining("java.lang.Integer at row 1");
      assertThat(a.append(new Object[] {1L, 2L}, new double[] {3, 4})).isEqualTo(2);
    }
  }

  @Test
  void closedAppenderRefusesAppends() {
    H5SwmrAppender a = H5SwmrAppender.open(dir.resolve("c.h5"), "/log", SCHEMA, lock());
    a.close();
    assertThatThrownBy(() -> a.append(new long[] {1}, new double[] {1}))
        .hasMessageContaining("is closed");
  }

  static final StructType SHORTS =
      new StructType()
          .add("seq", DataTypes.ShortType, false)
          .add("value", DataTypes.DoubleType, false);

  /** Stages rows (seq, seq / 2) through the write roles of {@code write}, as a Spark task would. */
  static H5SwmrWriterCommitMessage stage(H5SwmrBatchWrite write, short... seq) throws Exception {
    H5SwmrDataWriter w =
        (H5SwmrDataWriter) write.createBatchWriterFactory(() -> 1).createWriter(0, 0);
    for (short x : seq) {
      w.write(
          new org.apache.spark.sql.catalyst.expressions.GenericInternalRow(
              new Object[] {x, x / 2.0}));
    }
    H5SwmrWriterCommitMessage m = (H5SwmrWriterCommitMessage) w.commit();
    w.close();
    return m;
  }

  H5SwmrBatchWrite batchWrite(Path file) {
    java.util.Map<String, String> o =
        java.util.Map.of("redis.url", REDIS.url(), "path", file.toString(), "dataset", "/log");
    return new H5SwmrBatchWrite(
        java.util.UUID.randomUUID().toString(),
        SHORTS,
        io.h5swmr.config.H5SwmrOptions.of(o),
        WriteMode.APPEND,
        io.h5swmr.hdf5.journal.CommitHook.NONE);
  }

  /**
   * h5py (re)creates /log as {seq: uint8, value: float64} (read as smallint, double) holding {@code
   * seq}.
   */
  static void h5pyCreatesUint8(Path file, String seq) throws Exception {
    WriteTestSupport.python(
        "import h5py, numpy as np\n"
            + "with h5py.File('"
            + file
            + "', 'a') as h:\n"
            + "    if 'log' in h: del h['log']\n"
            + "    t = np.dtype([('seq', 'u1'), ('value', '<f8')])\n"
            + "    d = h.create_dataset('log', shape=(0,), maxshape=(None,), chunks=(16,), dtype=t)\n"
            + "    v = np.array(["
            + seq
            + "], dtype='u1')\n"
            + "    d.resize((len(v),))\n"
            + "    d['seq'] = v\n"
            + "    d['value'] = v / 2.0\n");
  }

  @Test
  void rowsStagedBeforeAnotherWriterCreatedANarrowerDatasetAreRefusedNotClamped() throws Exception {
    io.h5swmr.testing.NativeWriterProcess.assumeAvailable();
    Path file = dir.resolve("race.h5");
    WriteTestSupport.python("import h5py\nh5py.File('" + file + "', 'w').close()\n");
    // staged while /log does not exist: no range checks (it would be created as int16 from the
    // Spark type)
    H5SwmrBatchWrite write = batchWrite(file);
    H5SwmrWriterCommitMessage staged = stage(write, (short) 300, (short) 2);
    // meanwhile another writer creates /log as uint8, which reads as smallint: the schemas match,
    // 300 does not fit
    h5pyCreatesUint8(file, "1");
    String before = WriteTestSupport.sha256(file);
    assertThatThrownBy(
            () ->
                write.commit(
                    new org.apache.spark.sql.connector.write.WriterCommitMessage[] {staged}))
        .isInstanceOf(H5SwmrDataException.class)
        .hasMessageStartingWith(
            "Cannot commit to dataset /log of "
                + file
                + ": it changed while this write staged "
                + "its rows: column 'seq' is now stored as ")
        .hasMessageContaining(
            "the type created from the Spark type (the dataset did not exist then)")
        .hasMessageContaining("Nothing was written: run the write again");
    assertThat(WriteTestSupport.sha256(file)).isEqualTo(before);
  }

  @Test
  void anAppenderReinspectsADatasetReplacedBetweenItsAppendsAndChecksValuesAgainstTheNewTypes()
      throws Exception {
    io.h5swmr.testing.NativeWriterProcess.assumeAvailable();
    Path file = dir.resolve("replaced.h5");
    try (H5SwmrAppender a = H5SwmrAppender.open(file, "/log", SHORTS, lock())) {
      assertThat(a.append(new short[] {1, 2}, new double[] {0.5, 1.0})).isEqualTo(2);
      // another writer replaces /log (int16) with a uint8 dataset between two appends
      h5pyCreatesUint8(file, "5, 6");
      String before = WriteTestSupport.sha256(file);
      // 300 fits the int16 the appender first saw, not the uint8 stored now: refused, never clamped
      // to 255
      assertThatThrownBy(() -> a.append(new short[] {300}, new double[] {0.25}))
          .isInstanceOf(H5SwmrDataException.class)
          .hasMessageContaining("Column 'seq' holds 300, which the stored ")
          .hasMessageContaining("Nothing was written");
      assertThat(WriteTestSupport.sha256(file)).isEqualTo(before);
      assertThat(a.append(new short[] {7}, new double[] {0.25})).isEqualTo(3);
    }
    try (H5File h =
            H5File.openReadOnly(file.toString(), io.h5swmr.hdf5.journal.JournalOverlay.COMMITTED);
        H5Dataset ds = h.openDataset("/log")) {
      assertThat(ds.rows()).isEqualTo(3);
      assertThat(ds.readColumn(0, 3, "seq")).isInstanceOf(short[].class);
      assertThat((short[]) ds.readColumn(0, 3, "seq"))
          .containsExactly((short) 5, (short) 6, (short) 7);
      assertThat((double[]) ds.readColumn(0, 3, "value")).containsExactly(2.5, 3.0, 0.25);
    }
    try (Stream<Path> left = Files.list(dir)) {
      assertThat(left.map(p -> p.getFileName().toString()))
          .as("staging directory removed at close")
          .containsExactlyInAnyOrder("replaced.h5", ".replaced.h5.h5swmr-lock");
    }
  }
}
