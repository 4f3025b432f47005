package io.h5swmr.hdf5.journal;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.h5swmr.hdf5.H5ColumnRead;
import io.h5swmr.hdf5.H5ColumnWrite;
import io.h5swmr.hdf5.H5Dataset;
import io.h5swmr.hdf5.H5DatasetSpec;
import io.h5swmr.hdf5.H5File;
import io.h5swmr.hdf5.H5Type;
import io.h5swmr.hdf5.driver.H5StorageDriver;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** One journaled in-place session: commit, rollback, recovery, reader overlay. */
class JournalSessionTest {
  @TempDir Path dir;

  static Path sample(Path dir, int rows) {
    Path f = dir.resolve("s.h5");
    try (H5File h = H5File.create(f.toString());
        H5Dataset d =
            h.createDataset("/d", H5DatasetSpec.of(H5Type.float64()).withChunkRows(1000))) {
      d.append(rows, H5ColumnWrite.from(seq(0, rows), 0));
    }
    return f;
  }

  static double[] seq(int from, int n) {
    double[] v = new double[n];
    for (int i = 0; i < n; i++) {
      v[i] = from + i;
    }
    return v;
  }

  static void appendThrough(JournalSession s, Path f, int from, int n) {
    try (H5File h = H5File.openReadWrite(f.toString(), s.opener());
        H5Dataset d = h.openDataset("/d")) {
      d.append(n, H5ColumnWrite.from(seq(from, n), 0));
    }
  }

  static double[] readAll(H5File h) {
    try (H5Dataset d = h.openDataset("/d")) {
      int n = (int) d.info().rows();
      double[] v = new double[n];
      d.read(0, n, H5ColumnRead.into(v, 0));
      return v;
    }
  }

  static double[] readAll(Path f) {
    try (H5File h =
        H5File.openReadOnly(f.toString(), io.h5swmr.hdf5.journal.JournalOverlay.COMMITTED)) {
      return readAll(h);
    }
  }

  @Test
  void commitAppendsInPlaceKeepingTheInodeAndJournalsOnlyMetadata() throws Exception {
    Path f = sample(dir, 5000);
    Object inode =
        Files.readAttributes(f, java.nio.file.attribute.BasicFileAttributes.class).fileKey();
    long before = Files.size(f);
    List<String> steps = new ArrayList<>();
    try (JournalSession s =
        JournalSession.begin(LocalDisk.INSTANCE, JournalFiles.realTarget(f), 7)) {
      appendThrough(s, f, 5000, 1000);
      assertThat(s.journaledBytes()).isPositive().isLessThan(8000);
      assertThat(s.commit(() -> {}, steps::add)).isTrue();
      assertThat(s.fsyncs()).isEqualTo(5);
    }
    assertThat(steps)
        .containsExactly(
            "data-synced", "journal-synced", "committed", "applied", "journal-deleted");
    assertThat(Files.readAttributes(f, java.nio.file.attribute.BasicFileAttributes.class).fileKey())
        .isEqualTo(inode);
    assertThat(Files.size(f)).isGreaterThan(before);
    assertThat(readAll(f)).isEqualTo(seq(0, 6000));
    assertThat(Files.exists(JournalFiles.journal(JournalFiles.realTarget(f)))).isFalse();
    assertThat(H5StorageDriver.openFiles()).isZero();
  }

  @Test
  void rollbackAndLostLeaseLeaveTheFileByteIdentical() throws Exception {
    Path f = sample(dir, 3000);
    byte[] old = Files.readAllBytes(f);
    try (JournalSession s =
        JournalSession.begin(LocalDisk.INSTANCE, JournalFiles.realTarget(f), 7)) {
      appendThrough(s, f, 3000, 1000);
      assertThatThrownBy(
              () ->
                  s.commit(
                      () -> {
                        throw new IllegalStateException("lease lost");
                      },
                      CommitHook.NONE))
          .hasMessage("lease lost");
    }
    assertThat(Files.readAllBytes(f)).isEqualTo(old);
    try (JournalSession s =
        JournalSession.begin(LocalDisk.INSTANCE, JournalFiles.realTarget(f), 8)) {
      appendThrough(s, f, 3000, 1000);
    } // closed without commit
    assertThat(Files.readAllBytes(f)).isEqualTo(old);
    assertThat(Files.exists(JournalFiles.journal(JournalFiles.realTarget(f)))).isFalse();
  }

  @Test
  void committedJournalIsReadThroughByReadersAndReplayedOnceByRecovery() throws Exception {
    Path f = sample(dir, 2000);
    byte[] old = Files.readAllBytes(f);
    Path real = JournalFiles.realTarget(f);
    JournalSession s = JournalSession.begin(LocalDisk.INSTANCE, real, 9);
    appendThrough(s, f, 2000, 1000);
    // Die right after the commit point: the journal is committed, nothing applied below L yet.
    assertThatThrownBy(
            () ->
                s.commit(
                    () -> {},
                    step -> {
                      if (step.equals(JournalSession.STEP_COMMITTED)) {
                        throw new IllegalStateException("crash");
                      }
                    }))
        .hasMessage("crash");
    // below L the file is still the old one (only bytes beyond L were written)
    assertThat(java.util.Arrays.equals(Files.readAllBytes(f), 0, old.length, old, 0, old.length))
        .isTrue();
    assertThat(JournalOverlay.hasCommittedJournal(f)).isTrue();
    // a reader: sees the new state through the overlay and changes nothing
    byte[] midway = Files.readAllBytes(f);
    try (H5File h = H5File.openReadOnly(f.toString(), JournalOverlay.readerOpener(f))) {
      assertThat(readAll(h)).isEqualTo(seq(0, 3000));
    }
    assertThat(Files.readAllBytes(f)).isEqualTo(midway);
    // H5File.openReadOnly does the same by itself; the file on its own still holds the old state
    assertThat(readAll(f)).isEqualTo(seq(0, 3000));
    try (H5File plain =
        H5File.openReadOnly(f.toString(), io.h5swmr.hdf5.driver.FileChannelStorage.opener(f))) {
      assertThat(readAll(plain)).isEqualTo(seq(0, 2000));
    }
    assertThat(JournalRecovery.recover(LocalDisk.INSTANCE, real))
        .isEqualTo(JournalRecovery.Outcome.REPLAYED);
    byte[] recovered = Files.readAllBytes(f);
    assertThat(readAll(f)).isEqualTo(seq(0, 3000));
    assertThat(JournalRecovery.recover(LocalDisk.INSTANCE, real))
        .isEqualTo(JournalRecovery.Outcome.NONE);
    assertThat(Files.readAllBytes(f)).isEqualTo(recovered);
  }

  @Test
  void incompleteJournalIsDiscardedAndTheFileCutBackToL() throws Exception {
    Path f = sample(dir, 2000);
    byte[] old = Files.readAllBytes(f);
    Path real = JournalFiles.realTarget(f);
    JournalSession s = JournalSession.begin(LocalDisk.INSTANCE, real, 9);
    appendThrough(s, f, 2000, 1000);
    assertThatThrownBy(
            () ->
                s.commit(
                    () -> {},
                    step -> {
                      if (step.equals(JournalSession.STEP_DATA_SYNCED)) {
                        throw new IllegalStateException("crash");
                      }
                    }))
        .hasMessage("crash");
    // the failed commit rolled itself back; simulate a crash instead: leave a journal header +
    // garbage
    Files.write(JournalFiles.journal(real), JournalFormat.header(old.length, 9, 42).array());
    Files.write(f, new byte[4096], java.nio.file.StandardOpenOption.APPEND);
    assertThat(JournalOverlay.hasCommittedJournal(f)).isFalse();
    assertThat(readAll(f)).isEqualTo(seq(0, 2000));
    assertThat(JournalRecovery.recover(LocalDisk.INSTANCE, real))
        .isEqualTo(JournalRecovery.Outcome.DISCARDED);
    assertThat(Files.readAllBytes(f)).isEqualTo(old);
  }
}
