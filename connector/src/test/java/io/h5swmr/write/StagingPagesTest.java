package io.h5swmr.write;

import static org.assertj.core.api.Assertions.assertThat;

import java.nio.ByteBuffer;
import java.nio.channels.FileChannel;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.util.Arrays;
import org.junit.jupiter.api.Assumptions;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class StagingPagesTest {
  private static final int MIB = 1 << 20;

  @TempDir Path dir;

  @Test
  void isInUseOnLinuxWithJna() {
    Assumptions.assumeTrue(System.getProperty("os.name").startsWith("Linux"), "SKIPPED: not Linux");
    Assumptions.assumeFalse(
        "false".equalsIgnoreCase(System.getProperty("h5swmr.releaseStagingPages")),
        "SKIPPED: switched off for this run (-Dh5swmr.releaseStagingPages=false)");
    assertThat(StagingPages.unavailable()).isNull();
  }

  @Test
  void bytesReadAreFreedInWholeMibsOnceAStepWasRead() throws Exception {
    Assumptions.assumeTrue(
        StagingPages.unavailable() == null, "SKIPPED: " + StagingPages.unavailable());
    Path f = filled(dir.resolve("staged.kryo"), 20, (byte) 0x5A);
    try (StagingPages pages = StagingPages.of(f)) {
      // less than a step read: nothing freed
      assertThat(pages.readUpTo(StagingPages.STEP - 1)).isZero();
      assertThat(firstNonZero(f, 0, 20)).isEqualTo(0);
      // 10.5 MiB read: the first 10 whole MiBs are freed, the half MiB being read is not
      assertThat(pages.readUpTo(10L * MIB + MIB / 2)).isEqualTo(10L * MIB);
      assertThat(firstNonZero(f, 0, 20)).isEqualTo(10);
      // another MiB is less than a step: kept
      assertThat(pages.readUpTo(12L * MIB)).isEqualTo(10L * MIB);
      assertThat(firstNonZero(f, 0, 20)).isEqualTo(10);
      assertThat(Files.size(f)).isEqualTo(20L * MIB);
    }
    // the bytes not yet freed are intact
    byte[] rest = new byte[10 * MIB];
    try (FileChannel ch = FileChannel.open(f)) {
      ch.read(ByteBuffer.wrap(rest), 10L * MIB);
    }
    for (int i = 0; i < rest.length; i += 4093) {
      assertThat(rest[i]).isEqualTo((byte) 0x5A);
    }
  }

  @Test
  void aFileWhoseNameIsNotAsciiIsFreedToo() throws Exception {
    Assumptions.assumeTrue(
        StagingPages.unavailable() == null, "SKIPPED: " + StagingPages.unavailable());
    Path sub;
    try {
      sub = Files.createDirectories(dir.resolve("données-λ"));
    } catch (java.nio.file.InvalidPathException e) {
      Assumptions.abort("SKIPPED: this JVM's file-name encoding cannot name 'données-λ'");
      return;
    }
    Path f = filled(sub.resolve("staged-é.kryo"), 9, (byte) 7);
    try (StagingPages pages = StagingPages.of(f)) {
      assertThat(pages.readUpTo(9L * MIB)).isEqualTo(9L * MIB);
    }
    assertThat(firstNonZero(f, 0, 9)).isEqualTo(9);
  }

  @Test
  void aClosedHandleFreesNothingMore() throws Exception {
    Assumptions.assumeTrue(
        StagingPages.unavailable() == null, "SKIPPED: " + StagingPages.unavailable());
    Path f = filled(dir.resolve("closed.kryo"), 16, (byte) 1);
    StagingPages pages = StagingPages.of(f);
    assertThat(pages.readUpTo(8L * MIB)).isEqualTo(8L * MIB);
    pages.close();
    assertThat(pages.readUpTo(16L * MIB)).isEqualTo(8L * MIB);
    assertThat(firstNonZero(f, 0, 16)).isEqualTo(8);
  }

  @Test
  void optionReleaseStagingPagesFalseFreesNothing() throws Exception {
    Path f = filled(dir.resolve("kept.kryo"), 16, (byte) 3);
    try (StagingPages pages = StagingPages.of(f, false)) {
      assertThat(pages.readUpTo(16L * MIB)).isZero();
    }
    assertThat(firstNonZero(f, 0, 16)).isEqualTo(0);
  }

  @Test
  void theOptionsReachTheCommitAsPlainValues() {
    WriteSettings off =
        WriteSettings.of(
            io.h5swmr.config.H5SwmrOptions.of(
                java.util.Map.of(
                    "releaseStagingPages",
                    "false",
                    "parallelDeflate",
                    "false",
                    "libdeflate",
                    "false")));
    assertThat(off.releaseStagingPages).isFalse();
    assertThat(off.codecs.parallelDeflate()).isFalse();
    assertThat(off.codecs.libdeflate()).isFalse();
    WriteSettings dflt = WriteSettings.of(io.h5swmr.config.H5SwmrOptions.of(java.util.Map.of()));
    assertThat(dflt.releaseStagingPages).isEqualTo(StagingPages.releaseByDefault());
    assertThat(dflt.codecs).isEqualTo(io.h5swmr.hdf5.H5Codecs.DEFAULT);
  }

  /** {@code f}, created holding {@code mibs} MiB of {@code value}. */
  private static Path filled(Path f, int mibs, byte value) throws Exception {
    byte[] mib = new byte[MIB];
    Arrays.fill(mib, value);
    try (FileChannel ch =
        FileChannel.open(f, StandardOpenOption.CREATE_NEW, StandardOpenOption.WRITE)) {
      for (int i = 0; i < mibs; i++) {
        ch.write(ByteBuffer.wrap(mib));
      }
    }
    return f;
  }

  /** The first MiB index in [from, to) whose first byte is not zero (to when every one is). */
  private static int firstNonZero(Path f, int from, int to) throws Exception {
    try (FileChannel ch = FileChannel.open(f)) {
      for (int i = from; i < to; i++) {
        ByteBuffer b = ByteBuffer.allocate(1);
        ch.read(b, (long) i * MIB);
        if (b.get(0) != 0) {
          return i;
        }
      }
    }
    return to;
  }
}
