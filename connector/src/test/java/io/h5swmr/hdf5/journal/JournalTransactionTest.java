package io.h5swmr.hdf5.journal;

import static io.h5swmr.hdf5.journal.JournalSessionTest.readAll;
import static io.h5swmr.hdf5.journal.JournalSessionTest.sample;
import static io.h5swmr.hdf5.journal.JournalSessionTest.seq;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.h5swmr.exceptions.H5SwmrLockException;
import io.h5swmr.hdf5.H5ColumnWrite;
import io.h5swmr.hdf5.H5Dataset;
import io.h5swmr.hdf5.H5DatasetSpec;
import io.h5swmr.hdf5.H5File;
import io.h5swmr.hdf5.H5Type;
import io.h5swmr.hdf5.driver.H5StorageDriver;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * The writers' funnel: fence, recovery, in-place commit, copy-on-write new file, each step told to
 * the hook.
 */
class JournalTransactionTest {
  @TempDir Path dir;

  /** A lease that is held (verify passes) unless {@code lost[0]}. */
  static JournalTransaction.Fence lease(long token, boolean[] lost) {
    return new JournalTransaction.Fence() {
      @Override
      public long token() {
        return token;
      }

      @Override
      public void verify() {
        if (lost[0]) {
          throw new H5SwmrLockException("lease lost");
        }
      }

      @Override
      public Duration osLockWait() {
        return Duration.ZERO;
      }
    };
  }

  private static void append(H5File h, int from, int n) {
    try (H5Dataset d = h.openDataset("/d")) {
      d.append(n, H5ColumnWrite.from(seq(from, n), 0));
    }
  }

  @Test
  void inPlaceCommitTellsTheHookEveryStepInOrder() throws Exception {
    Path f = sample(dir, 2000);
    List<String> steps = new ArrayList<>();
    try (JournalTransaction tx = JournalTransaction.open(f, lease(3, new boolean[1]), steps::add)) {
      assertThat(tx.recovery()).isEqualTo(JournalRecovery.Outcome.NONE);
      try (H5File h = tx.openInPlace()) {
        append(h, 2000, 500);
      }
      assertThat(tx.commit()).isTrue();
      assertThat(tx.inPlace()).isTrue();
      assertThat(tx.fsyncs()).isEqualTo(5);
    }
    assertThat(steps)
        .containsExactly(
            JournalTransaction.STEP_LOCKED,
            JournalTransaction.STEP_FENCED,
            JournalSession.STEP_DATA_SYNCED,
            JournalSession.STEP_JOURNAL_SYNCED,
            JournalSession.STEP_COMMITTED,
            JournalSession.STEP_APPLIED,
            JournalSession.STEP_DONE);
    assertThat(readAll(f)).isEqualTo(seq(0, 2500));
    assertThat(H5StorageDriver.openFiles()).isZero();
  }

  @Test
  void closingWithoutCommitLeavesTheFileAsItWasAndReleasesTheFence() throws Exception {
    Path f = sample(dir, 2000);
    byte[] old = Files.readAllBytes(f);
    try (JournalTransaction tx =
        JournalTransaction.open(f, lease(4, new boolean[1]), CommitHook.NONE)) {
      try (H5File h = tx.openInPlace()) {
        append(h, 2000, 500);
      }
    }
    assertThat(Files.readAllBytes(f)).isEqualTo(old);
    assertThat(Files.exists(JournalFiles.journal(JournalFiles.realTarget(f)))).isFalse();
    // the fence was released: the next transaction takes it at once
    try (JournalTransaction tx =
        JournalTransaction.open(f, lease(5, new boolean[1]), CommitHook.NONE)) {
      assertThat(tx.recovery()).isEqualTo(JournalRecovery.Outcome.NONE);
    }
  }

  @Test
  void aLostLeaseStopsTheCommitBeforeItsCommitPoint() throws Exception {
    Path f = sample(dir, 2000);
    byte[] old = Files.readAllBytes(f);
    boolean[] lost = {false};
    try (JournalTransaction tx = JournalTransaction.open(f, lease(6, lost), CommitHook.NONE)) {
      try (H5File h = tx.openInPlace()) {
        append(h, 2000, 500);
      }
      lost[0] = true;
      assertThatThrownBy(tx::commit).isInstanceOf(H5SwmrLockException.class);
    }
    assertThat(Files.readAllBytes(f)).isEqualTo(old);
  }

  @Test
  void aNewFileIsBuiltBesideTheTargetAndRenamedIntoPlace() throws Exception {
    Path f = dir.resolve("new.h5");
    List<String> steps = new ArrayList<>();
    try (JournalTransaction tx = JournalTransaction.open(f, lease(7, new boolean[1]), steps::add)) {
      Path copy = tx.newFileCopy();
      assertThat(copy).isEqualTo(JournalTransaction.commitCopy(JournalFiles.realTarget(f), 7));
      try (H5File h = tx.createNewFile();
          H5Dataset d =
              h.createDataset("/d", H5DatasetSpec.of(H5Type.float64()).withChunkRows(100))) {
        d.append(300, H5ColumnWrite.from(seq(0, 300), 0));
      }
      assertThat(Files.exists(copy)).isTrue();
      assertThat(Files.exists(f)).isFalse();
      tx.syncNewFile();
      tx.publishNewFile();
      assertThat(tx.inPlace()).isFalse();
      assertThat(tx.fsyncs()).isEqualTo(2);
      assertThat(Files.exists(copy)).isFalse();
    }
    assertThat(steps)
        .containsExactly(
            JournalTransaction.STEP_LOCKED,
            JournalTransaction.STEP_FENCED,
            JournalTransaction.STEP_BEFORE_RENAME,
            JournalTransaction.STEP_RENAMED);
    assertThat(readAll(f)).isEqualTo(seq(0, 300));
  }

  @Test
  void aNewFileNeverPublishedLeavesNothing() throws Exception {
    Path f = dir.resolve("never.h5");
    Path copy;
    try (JournalTransaction tx =
        JournalTransaction.open(f, lease(8, new boolean[1]), CommitHook.NONE)) {
      copy = tx.newFileCopy();
      try (H5File h = tx.createNewFile()) {
        h.createGroup("/g");
      }
    }
    assertThat(Files.exists(copy)).isFalse();
    assertThat(Files.exists(f)).isFalse();
  }

  @Test
  void openRecoversWhatAnInterruptedWriterLeft() throws Exception {
    Path f = sample(dir, 2000);
    Path real = JournalFiles.realTarget(f);
    JournalSession s = JournalSession.begin(LocalDisk.INSTANCE, real, 9);
    JournalSessionTest.appendThrough(s, f, 2000, 1000);
    assertThatThrownBy(
            () ->
                s.commit(
                    () -> {},
                    step -> {
                      if (step.equals(JournalSession.STEP_COMMITTED)) {
                        throw new IllegalStateException("killed after the commit point");
                      }
                    }))
        .hasMessage("killed after the commit point");
    assertThat(Files.exists(JournalFiles.journal(real))).isTrue();
    try (JournalTransaction tx =
        JournalTransaction.open(f, lease(10, new boolean[1]), CommitHook.NONE)) {
      assertThat(tx.recovery()).isEqualTo(JournalRecovery.Outcome.REPLAYED);
    }
    assertThat(readAll(f)).isEqualTo(seq(0, 3000));
  }
}
