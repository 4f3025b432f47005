package io.h5swmr.hdf5.journal;

import static org.assertj.core.api.Assertions.assertThat;

import io.h5swmr.hdf5.driver.H5Storage;
import java.nio.ByteBuffer;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Arrays;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * A session that cuts the file below its committed end and writes there again (HDF5 does this when
 * an overwrite frees the end of the file: issue 29's shrinking overwrites): the session and the
 * committed file read what a plain file would, zeros where the cut bytes were not written again.
 */
class JournalCutTest {
  @TempDir Path dir;

  private static byte[] filled(int n, int value) {
    byte[] b = new byte[n];
    Arrays.fill(b, (byte) value);
    return b;
  }

  private static byte[] readAll(H5Storage s) throws Exception {
    ByteBuffer b = ByteBuffer.allocate((int) s.size());
    while (b.hasRemaining()) {
      if (s.read(b.position(), b) < 0) {
        break;
      }
    }
    return b.array();
  }

  @Test
  void writesBelowACutReadAndCommitAsInAPlainFile() throws Exception {
    Path f = dir.resolve("cut.bin");
    Files.write(f, filled(10_000, 7));
    // The same operations on a plain byte array: what the committed file must hold.
    byte[] expected = filled(10_000, 7);
    try (JournalSession s = JournalSession.begin(LocalDisk.INSTANCE, f, 3)) {
      H5Storage v = s.opener().open(new H5Storage.Access(true, false, false, false));
      v.write(9_000, ByteBuffer.wrap(filled(500, 1))); // journaled, then cut away
      Arrays.fill(expected, 9_000, 9_500, (byte) 1);
      v.truncate(4_000);
      expected = Arrays.copyOf(expected, 4_000);
      v.write(
          5_000,
          ByteBuffer.wrap(filled(100, 2))); // below L, above the cut: [4000, 5000) reads zeros
      expected = Arrays.copyOf(expected, 5_100);
      Arrays.fill(expected, 5_000, 5_100, (byte) 2);
      assertThat(readAll(v)).isEqualTo(expected);
      v.truncate(12_000); // grown beyond L again
      expected = Arrays.copyOf(expected, 12_000);
      v.write(11_000, ByteBuffer.wrap(filled(10, 3)));
      Arrays.fill(expected, 11_000, 11_010, (byte) 3);
      assertThat(readAll(v)).isEqualTo(expected);
      assertThat(s.commit(() -> {}, step -> {})).isTrue();
    }
    assertThat(Files.readAllBytes(f)).isEqualTo(expected);
    assertThat(Files.exists(JournalFiles.journal(f))).isFalse();
  }

  @Test
  void aCommittedCutSessionIsReplayedByRecoveryToTheSameBytes() throws Exception {
    Path f = dir.resolve("replay.bin");
    Files.write(f, filled(8_000, 9));
    byte[] expected = Arrays.copyOf(filled(3_000, 9), 6_000);
    Arrays.fill(expected, 5_000, 6_000, (byte) 4);
    try (JournalSession s = JournalSession.begin(LocalDisk.INSTANCE, f, 5)) {
      H5Storage v = s.opener().open(new H5Storage.Access(true, false, false, false));
      v.truncate(3_000);
      v.write(5_000, ByteBuffer.wrap(filled(1_000, 4)));
      // Killed right at the commit point: the target still holds the old bytes, the journal the new
      // state.
      assertThat(
              s.commit(
                  () -> {},
                  step -> {
                    if (step.equals(JournalSession.STEP_COMMITTED)) {
                      throw new IllegalStateException("killed at " + step);
                    }
                  }))
          .isTrue();
    } catch (IllegalStateException e) {
      assertThat(e).hasMessageContaining("killed at committed");
    }
    assertThat(Files.exists(JournalFiles.journal(f))).isTrue();
    JournalRecovery.recover(LocalDisk.INSTANCE, f);
    assertThat(Files.readAllBytes(f)).isEqualTo(expected);
  }
}
