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
import java.util.List;
import java.time.Duration;
import java.util.stream.Stream;
import org.apache.spark.sql.types.DataTypes;
import org.apache.spark.sql.types.StructType;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;
import org.junit.jupiter.api.io.TempDir;

/** The plain-Java appender: commits through the Spark write path's committer, under the exclusive lease. */
class H5SwmrAppenderTest {
  @RegisterExtension
  static final RedisServerExtension REDIS = RedisServerExtension.create();

  static final StructType SCHEMA = new StructType()
      .add("seq", DataTypes.LongType, false)
      .add("value", DataTypes.DoubleType, false);

  @TempDir
  Path dir;

  LockSettings lock() {
    return LockSettings.builder().redisUrl(REDIS.url()).leaseTtl(Duration.ofSeconds(2))
        .acquireTimeout(Duration.ofSeconds(20)).build();
  }

  @Test
  void appendsCreateThenExtendTheDatasetAndLeaveNoLeaseOrStaging() throws Exception {
    Path file = dir.resolve("log.h5");
    try (H5SwmrAppender a = H5SwmrAppender.open(file, "/log", SCHEMA, lock())) {
      assertThat(a.append(new long[] {1, 2, 3}, new double[] {0.5, 1.5, 2.5})).isEqualTo(3);
      assertThat(a.append(new long[] {4, 5}, new double[] {3.5, 4.5})).isEqualTo(5);
    }
    try (H5File h = H5File.openReadOnly(file.toString()); H5Dataset ds = h.openDataset("/log")) {
      assertThat(ds.rows()).isEqualTo(5);
      assertThat((long[]) ds.readColumn(0, 5, "seq")).containsExactly(1, 2, 3, 4, 5);
      assertThat((double[]) ds.readColumn(0, 5, "value")).containsExactly(0.5, 1.5, 2.5, 3.5, 4.5);
    }
    try (LockService s = LockService.open(lock())) {
      assertThat(s.state(LockKeys.forFile(file)).holders()).isEmpty();
    }
    try (Stream<Path> left = Files.list(dir)) {
      // the write fence's lock file stays (deleting it would let two writers lock different inodes)
      assertThat(left.map(p -> p.getFileName().toString())).containsExactlyInAnyOrder("log.h5",
          ".log.h5.h5swmr-lock");
    }
  }

  @Test
  void appendsThroughASymlinkWriteTheRealFileInPlaceKeepingLinksInodeAndPermissions() throws Exception {
    Path real = dir.resolve("data").resolve("real.h5");
    Files.createDirectories(real.getParent());
    try (H5SwmrAppender a = H5SwmrAppender.open(real, "/log", SCHEMA, lock())) {
      a.append(new long[] {1, 2}, new double[] {0.5, 1.5});
    }
    Files.setPosixFilePermissions(real, java.nio.file.attribute.PosixFilePermissions.fromString("rw-r-----"));
    Path link = Files.createSymbolicLink(dir.resolve("link.h5"), real);
    Path hard = Files.createLink(dir.resolve("data").resolve("hard.h5"), real);
    Object inode = Files.readAttributes(real, java.nio.file.attribute.BasicFileAttributes.class).fileKey();
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
    assertThat(Files.readAttributes(real, java.nio.file.attribute.BasicFileAttributes.class).fileKey())
        .isEqualTo(inode);
    assertThat(Files.getPosixFilePermissions(real))
        .isEqualTo(java.nio.file.attribute.PosixFilePermissions.fromString("rw-r-----"));
    assertThat(Files.getAttribute(real, "unix:nlink")).isEqualTo(2);
    for (Path p : List.of(real, link, hard)) {
      try (H5File h = H5File.openReadOnly(p.toString()); H5Dataset ds = h.openDataset("/log")) {
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
    try (H5File h = H5File.openReadOnly(file.toString()); H5Dataset ds = h.openDataset("/log")) {
      assertThat((long[]) ds.readColumn(0, ds.rows(), "seq")).containsExactly(10, 20, 11, 21, 12, 22);
    }
  }

  @Test
  void mismatchedColumnsAreRefusedNamingTheColumn() {
    Path file = dir.resolve("bad.h5");
    try (H5SwmrAppender a = H5SwmrAppender.open(file, "/log", SCHEMA, lock())) {
      assertThatThrownBy(() -> a.append(new long[] {1}))
          .isInstanceOf(H5SwmrDataException.class)
          .hasMessageContaining("got 1 columns").hasMessageContaining("schema has 2");
      assertThatThrownBy(() -> a.append(new long[] {1, 2}, new double[] {1}))
          .isInstanceOf(H5SwmrDataException.class)
          .hasMessageContaining("column 'value' has 1 values but column 'seq' has 2");
      assertThatThrownBy(() -> a.append(new long[] {1}, "x"))
          .isInstanceOf(H5SwmrDataException.class)
          .hasMessageContaining("column 'value' must be an array");
    }
    assertThat(Files.exists(file)).isFalse();
  }

  @Test
  void closedAppenderRefusesAppends() {
    H5SwmrAppender a = H5SwmrAppender.open(dir.resolve("c.h5"), "/log", SCHEMA, lock());
    a.close();
    assertThatThrownBy(() -> a.append(new long[] {1}, new double[] {1})).hasMessageContaining("is closed");
  }
}
