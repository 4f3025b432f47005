package io.h5swmr.hdf5;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.h5swmr.exceptions.H5SwmrFileInUseException;
import io.h5swmr.testing.NativeWriterProcess;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Map;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** The evidence h5swmr reads about native HDF5 writers, against real h5py writer processes. */
class NativeWritersTest {
  @TempDir Path dir;

  @BeforeAll
  static void h5py() {
    NativeWriterProcess.assumeAvailable();
  }

  @Test
  void swmrWriterMarksTheFileAndDropsTheLock() throws Exception {
    Path f = dir.resolve("swmr.h5");
    try (NativeWriterProcess w = NativeWriterProcess.start(f, "swmr")) {
      w.append(10);
      NativeWriters s = NativeWriters.inspect(f);
      assertThat(s.superblock().version()).isEqualTo(3);
      assertThat(s.swmrMarked()).isTrue();
      assertThat(s.lock()).isEqualTo(NativeWriters.Lock.FREE);
      assertThat(LocalOpeners.writers(f))
          .singleElement()
          .asString()
          .startsWith("pid " + w.pid() + " (");
      try (H5File h = H5File.openReadOnly(f.toString())) {
        assertThat(h.isSwmrRead()).isTrue();
        try (H5Dataset d = h.openDataset("/data/x")) {
          assertThat(d.info().rows()).isEqualTo(10);
          assertThat(d.flushedRows()).isEqualTo(10);
          w.append(5);
          assertThat(d.refresh().rows()).isEqualTo(15);
        }
        try (H5Dataset d = h.openDataset("/data/img")) {
          assertThat(d.flushedRows()).isEqualTo(15);
        }
      }
      assertThatThrownBy(() -> H5File.openReadWrite(f.toString()))
          .isInstanceOf(H5SwmrFileInUseException.class)
          .hasMessageContaining(
              "is marked open for writing by a native HDF5 writer (SWMR or not), so it cannot be "
                  + "opened for writing")
          .hasMessageContaining("h5clear -s is only for a file whose writer crashed");
    }
    NativeWriters after = NativeWriters.inspect(f);
    assertThat(after.marked()).isFalse();
    try (H5File h = H5File.openReadOnly(f.toString())) {
      assertThat(h.isSwmrRead()).isFalse();
    }
  }

  @Test
  void plainWriterHoldsHdf5sLockAndReadersAreToldSo() throws Exception {
    Path f = dir.resolve("plain.h5");
    try (NativeWriterProcess w = NativeWriterProcess.start(f, "plain")) {
      NativeWriters s = NativeWriters.inspect(f);
      assertThat(s.superblock().version()).isLessThan(3);
      assertThat(s.lock()).isEqualTo(NativeWriters.Lock.HELD);
      assertThatThrownBy(() -> H5File.openReadOnly(f.toString()))
          .isInstanceOf(H5SwmrFileInUseException.class)
          .hasMessageContaining("is open for writing by another process that is not in SWMR mode")
          .hasMessageContaining("not corrupt")
          .hasMessageContaining(
              "do not run h5clear -s on it, that is only for a file whose writer crashed")
          .hasMessageNotContaining("truncated");
    }
    assertThat(NativeWriters.inspect(f).lock()).isEqualTo(NativeWriters.Lock.FREE);
  }

  @Test
  void unlockedNonSwmrWriterIsNamed() throws Exception {
    Path f = dir.resolve("unlocked.h5");
    try (NativeWriterProcess w =
        NativeWriterProcess.start(f, "latest", 7, Map.of("HDF5_USE_FILE_LOCKING", "FALSE"))) {
      NativeWriters s = NativeWriters.inspect(f);
      assertThat(s.marked()).isTrue();
      assertThat(s.swmrMarked()).isFalse();
      assertThat(s.lock()).isEqualTo(NativeWriters.Lock.FREE);
      assertThatThrownBy(() -> H5File.openReadOnly(f.toString()))
          .isInstanceOf(H5SwmrFileInUseException.class)
          .hasMessageContaining(
              "marked open for writing by a non-SWMR HDF5 writer (superblock status flags 0x1)")
          .hasMessageContaining("HDF5_USE_FILE_LOCKING=FALSE")
          .hasMessageContaining("pid " + w.pid())
          .hasMessageContaining("h5clear -s " + f);
    }
  }

  @Test
  void theProcessScanRunsOnlyWhereItCanAddEvidence() throws Exception {
    // An older superblock (h5py's default) carries no write flag: a writer with HDF5's file locking
    // off is seen only by the scan of this host's processes.
    Path old = dir.resolve("v0-unlocked.h5");
    try (NativeWriterProcess w =
        NativeWriterProcess.start(old, "plain", 7, Map.of("HDF5_USE_FILE_LOCKING", "FALSE"))) {
      NativeWriters s = NativeWriters.inspect(old);
      assertThat(s.superblock().tracksWriters()).isFalse();
      assertThat(s.lock()).isEqualTo(NativeWriters.Lock.FREE);
      assertThat(s.needsProcessScan()).isTrue();
      assertThat(s.checkWritable(false, false))
          .as("without the scan nothing shows the writer")
          .isFalse();
      assertThatThrownBy(() -> s.checkWritable(false))
          .isInstanceOf(H5SwmrFileInUseException.class)
          .hasMessageContaining(
              "another process on this host has it open for writing: pid " + w.pid());
    }
    assertThat(NativeWriters.inspect(old).checkWritable(false)).isFalse();
    // A version-3 superblock: every HDF5 writer marks it while it has it open, locking on or off,
    // so an unmarked one needs no scan, and a marked one is scanned (to name the writer, and before
    // any mark is cleared).
    Path v3 = dir.resolve("v3-unlocked.h5");
    try (NativeWriterProcess w =
        NativeWriterProcess.start(v3, "latest", 7, Map.of("HDF5_USE_FILE_LOCKING", "FALSE"))) {
      NativeWriters s = NativeWriters.inspect(v3);
      assertThat(s.marked()).isTrue();
      assertThat(s.needsProcessScan()).isTrue();
      assertThatThrownBy(() -> s.checkWritable(true, false))
          .isInstanceOf(H5SwmrFileInUseException.class)
          .hasMessageContaining("pid " + w.pid());
    }
    NativeWriters closed = NativeWriters.inspect(v3);
    assertThat(closed.superblock().tracksWriters()).isTrue();
    assertThat(closed.marked()).isFalse();
    assertThat(closed.needsProcessScan()).isFalse();
    assertThat(closed.checkWritable(false)).isFalse();
  }

  @Test
  void crashedSwmrWriterLeavesAReadableFileWhoseMarkCanBeCleared() throws Exception {
    Path f = dir.resolve("crashed.h5");
    long flushed;
    try (NativeWriterProcess w = NativeWriterProcess.start(f, "swmr")) {
      w.append(20);
      flushed = w.append(3);
      w.kill();
    }
    NativeWriters s = NativeWriters.inspect(f);
    assertThat(s.swmrMarked()).isTrue();
    assertThat(LocalOpeners.writers(f)).isEmpty();
    try (H5File h = H5File.openReadOnly(f.toString());
        H5Dataset d = h.openDataset("/data/gz")) {
      assertThat(h.isSwmrRead()).isTrue();
      assertThat(d.flushedRows()).isEqualTo(flushed);
    }
    assertThatThrownBy(() -> s.checkWritable(false))
        .isInstanceOf(H5SwmrFileInUseException.class)
        .hasMessageContaining("cannot tell whether that writer still runs")
        .hasMessageContaining("'clearStaleFlags'");
    assertThat(s.checkWritable(true)).isTrue();
    NativeWriters.clearFlags(f);
    assertThat(NativeWriters.inspect(f).marked()).isFalse();
    try (H5File h = H5File.openReadOnly(f.toString());
        H5Dataset d = h.openDataset("/data/gz")) {
      assertThat(h.isSwmrRead()).isFalse();
      assertThat(d.info().rows()).isEqualTo(flushed);
    }
  }

  @Test
  void aCrashedNonSwmrWritersMarkIsNeverClearedByH5swmr() throws Exception {
    Path f = dir.resolve("crashed-plain.h5");
    try (NativeWriterProcess w =
        NativeWriterProcess.start(f, "latest", 7, Map.of("HDF5_USE_FILE_LOCKING", "FALSE"))) {
      w.append(5);
      w.kill();
    }
    NativeWriters s = NativeWriters.inspect(f);
    assertThat(s.marked()).isTrue();
    assertThat(s.swmrMarked()).isFalse();
    assertThatThrownBy(() -> s.checkWritable(true))
        .isInstanceOf(H5SwmrFileInUseException.class)
        .hasMessageContaining(
            "its superblock is marked open for writing by a non-SWMR writer (status flags 0x1)")
        .hasMessageContaining("so h5swmr does not clear it for you")
        .hasMessageContaining("'h5clear -s " + f + "'");
    assertThatThrownBy(() -> H5File.openReadOnly(f.toString()))
        .isInstanceOf(H5SwmrFileInUseException.class)
        .hasMessageContaining("or it crashed without closing the file");
  }

  @Test
  void filesWithoutSignatureHaveNoSuperblock() throws Exception {
    Path f = dir.resolve("text.h5");
    Files.writeString(f, "not hdf5 at all, just some text of a fair length");
    assertThat(H5Superblock.read(f)).isNull();
  }
}
