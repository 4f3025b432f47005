package io.h5swmr.hdf5.journal;

import static org.assertj.core.api.Assertions.assertThat;

import io.h5swmr.hdf5.H5ColumnRead;
import io.h5swmr.hdf5.H5ColumnWrite;
import io.h5swmr.hdf5.H5Dataset;
import io.h5swmr.hdf5.H5DatasetSpec;
import io.h5swmr.hdf5.H5File;
import io.h5swmr.hdf5.H5Type;
import java.io.ByteArrayOutputStream;
import java.nio.ByteBuffer;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Arrays;
import java.util.EnumMap;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Random;
import java.util.Set;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

/**
 * Power loss, the ALICE/CrashMonkey way: one real journaled commit (HDF5 through the storage
 * driver) is recorded on a {@link RecordingDisk}; for every cut point of its operation sequence,
 * and for every way of losing, tearing and reordering the operations not yet covered by an fsync
 * (all kept, all lost, and random samples), the files are rebuilt on disk, a reader's view is
 * taken, recovery runs, and the target must be byte-identical to the old or the new committed state
 * (or the old one plus bytes past HDF5's end of allocation, which HDF5 then reads as old). Once the
 * commit point (the directory fsync after the journal) is passed, every image must recover to the
 * new state.
 */
class PowerLossTest {
  /** Random loss samples per cut point: 12 by default, 200 with {@code -Dlong=true}. */
  static final int SAMPLES = Boolean.getBoolean("long") ? 200 : 12;

  enum Outcome {
    OLD,
    NEW,
    OLD_WITH_TAIL
  }

  @TempDir Path dir;

  private static double[] seq(int from, int n) {
    double[] v = new double[n];
    for (int i = 0; i < n; i++) {
      v[i] = from + i;
    }
    return v;
  }

  private static void change(String kind, H5File h) {
    switch (kind) {
      case "append" -> {
        try (H5Dataset d = h.openDataset("/d")) {
          d.append(1000, H5ColumnWrite.from(seq(5000, 1000), 0));
        }
      }
      case "new-dataset" -> {
        try (H5Dataset d =
            h.createDataset("/g/e", H5DatasetSpec.of(H5Type.int64()).withChunkRows(256))) {
          long[] v = new long[700];
          Arrays.fill(v, 7);
          d.append(700, H5ColumnWrite.from(v, 0));
        }
      }
      case "overwrite" -> {
        h.delete("/d");
        try (H5Dataset d =
            h.createDataset("/d", H5DatasetSpec.of(H5Type.float64()).withChunkRows(1000))) {
          d.append(3000, H5ColumnWrite.from(seq(100, 3000), 0));
        }
      }
      case "gzip-append" -> { // a partial chunk, two whole chunks compressed in Java
        // (H5ChunkStore), a partial one
        try (H5Dataset d = h.openDataset("/gz")) {
          d.append(2600, H5ColumnWrite.from(seq(4500, 2600), 0));
        }
      }
      default -> throw new IllegalArgumentException(kind);
    }
  }

  /** One recorded commit: the disk, the target's real path, its old and new bytes. */
  record Recorded(RecordingDisk disk, Path real, byte[] old, byte[] neu) {}

  private Recorded record(String kind) throws Exception {
    Path f = dir.resolve("p.h5");
    try (H5File h = H5File.create(f.toString())) {
      try (H5Dataset d =
          h.createDataset("/d", H5DatasetSpec.of(H5Type.float64()).withChunkRows(1000))) {
        d.append(5000, H5ColumnWrite.from(seq(0, 5000), 0));
      }
      try (H5Dataset o =
          h.createDataset("/other", H5DatasetSpec.of(H5Type.int32()).withChunkRows(100))) {
        o.append(300, H5ColumnWrite.from(new int[300], 0));
      }
      try (H5Dataset g =
          h.createDataset(
              "/gz",
              H5DatasetSpec.of(H5Type.float64())
                  .withChunkRows(1000)
                  .withDeflate(4)
                  .withShuffle(true))) {
        g.append(4500, H5ColumnWrite.from(seq(0, 4500), 0));
      }
    }
    Path real = JournalFiles.realTarget(f);
    byte[] old = Files.readAllBytes(real);
    RecordingDisk disk = new RecordingDisk();
    disk.preload(real, old);
    JournalSession s = JournalSession.begin(disk, real, 5);
    try (H5File h = H5File.openReadWrite(real.toString(), s.opener())) {
      change(kind, h);
    }
    assertThat(s.commit(() -> {}, CommitHook.NONE)).isTrue();
    return new Recorded(disk, real, old, disk.liveContent(real));
  }

  @ParameterizedTest(name = "{0}")
  @ValueSource(strings = {"append", "new-dataset", "overwrite", "gzip-append"})
  void everyCutAndEveryLossOfUnsyncedWritesRecoversToOldOrNew(String kind) throws Exception {
    Recorded r = record(kind);
    RecordingDisk disk = r.disk();
    Path real = r.real();
    byte[] old = r.old();
    byte[] neu = r.neu();
    assertThat(neu).isNotEqualTo(old);
    int ops = disk.log().size();
    int commitPoint = -1;
    for (int i = 0; i < ops; i++) {
      if (disk.log().get(i).kind() == RecordingDisk.Kind.DIRSYNC) {
        commitPoint = i;
      }
    }
    assertThat(commitPoint).as("the commit fsyncs the directory").isPositive();

    Path img = dir.resolve("img");
    Files.createDirectories(img);
    Path target = img.resolve(real.getFileName());
    Path journal = JournalFiles.journal(target);
    Map<Outcome, Integer> counts = new EnumMap<>(Outcome.class);
    Set<Integer> checkedTails = new HashSet<>();
    Random rnd = new Random(42);
    int states = 0;
    for (int cut = 0; cut <= ops; cut++) {
      for (int sample = 0; sample < SAMPLES + 2; sample++) {
        RecordingDisk.Loss loss =
            sample == 0
                ? RecordingDisk.Loss.NONE_LOST
                : sample == 1 ? RecordingDisk.Loss.ALL_LOST : RecordingDisk.Loss.RANDOM;
        Map<Path, byte[]> image = disk.crashImage(cut, loss, rnd);
        Files.write(target, image.get(real));
        Files.deleteIfExists(journal);
        if (image.containsKey(JournalFiles.journal(real))) {
          Files.write(journal, image.get(JournalFiles.journal(real)));
        }
        String where = kind + " cut " + cut + "/" + ops + " " + loss + " sample " + sample;
        // a reader before recovery: old or new, and it changes nothing
        byte[] before = Files.readAllBytes(target);
        Outcome seen = classify(readerView(target), old, neu, where + " (reader)");
        assertThat(Files.readAllBytes(target)).as(where + ": reader wrote").isEqualTo(before);
        JournalRecovery.recover(LocalDisk.INSTANCE, target);
        byte[] after = Files.readAllBytes(target);
        Outcome o = classify(after, old, neu, where);
        assertThat(Files.exists(journal)).as(where + ": journal left").isFalse();
        if (cut > commitPoint) {
          assertThat(o).as(where + ": after the commit point").isEqualTo(Outcome.NEW);
        }
        if (seen == Outcome.NEW) {
          assertThat(o).as(where + ": recovery lost what a reader saw").isEqualTo(Outcome.NEW);
        }
        if (o == Outcome.OLD_WITH_TAIL && checkedTails.add(Arrays.hashCode(after))) {
          assertReadsAsOld(target, where);
        }
        // recovery is idempotent
        JournalRecovery.recover(LocalDisk.INSTANCE, target);
        assertThat(Files.readAllBytes(target)).as(where + ": second recovery").isEqualTo(after);
        counts.merge(o, 1, Integer::sum);
        states++;
      }
    }
    System.out.println(
        "H5SWMR-POWERLOSS "
            + kind
            + ": "
            + ops
            + " operations, "
            + states
            + " crash states checked "
            + counts
            + ", commit point after operation "
            + commitPoint);
    assertThat(counts).containsKeys(Outcome.OLD, Outcome.NEW);
  }

  /**
   * Journal damaged after apply: every crash image from the end of the apply step on that still has
   * the journal (a kill before its unlink, or a power cut that lost the unlink), with one byte of
   * the journal changed at a spread of positions (header, records, BASE record, COMMIT record).
   * Recovery must leave the applied file as it is — either refusing (the journal kept for a person
   * to look at) or discarding the journal — and never cut it back; a reader either reads the new
   * state or is refused.
   */
  @ParameterizedTest(name = "{0}")
  @ValueSource(strings = {"append", "overwrite"})
  void journalDamagedAfterApplyNeverCutsTheAppliedFile(String kind) throws Exception {
    Recorded r = record(kind);
    RecordingDisk disk = r.disk();
    Path real = r.real();
    int ops = disk.log().size();
    int applied = -1;
    for (int i = 0; i < ops; i++) {
      RecordingDisk.Op op = disk.log().get(i);
      if (op.kind() == RecordingDisk.Kind.FSYNC && op.path().equals(real)) {
        applied = i; // the last fsync of the target: the end of the apply step
      }
    }
    Path img = Files.createDirectories(dir.resolve("dmg"));
    Path target = img.resolve(real.getFileName());
    Path journal = JournalFiles.journal(target);
    Random rnd = new Random(7);
    int refused = 0;
    int discarded = 0;
    for (int cut = applied + 1; cut <= ops; cut++) {
      for (RecordingDisk.Loss loss : RecordingDisk.Loss.values()) {
        Map<Path, byte[]> image = disk.crashImage(cut, loss, rnd);
        byte[] j = image.get(JournalFiles.journal(real));
        if (j == null) {
          continue;
        }
        assertThat(image.get(real)).isEqualTo(r.neu());
        java.util.TreeSet<Integer> at =
            new java.util.TreeSet<>(List.of(0, 9, 20, 40, 50, 56, 60, 63));
        for (int k = 0; k < 40; k++) {
          at.add(64 + (int) ((long) (j.length - 64) * k / 40));
        }
        for (int back = 1; back <= 60; back += 3) {
          at.add(j.length - back);
        }
        for (int p : at) {
          String where =
              kind
                  + " cut "
                  + cut
                  + "/"
                  + ops
                  + " "
                  + loss
                  + ", journal byte "
                  + p
                  + " of "
                  + j.length;
          byte[] bad = j.clone();
          bad[p] ^= (byte) (1 + rnd.nextInt(255));
          Files.write(target, r.neu());
          Files.write(journal, bad);
          byte[] seen;
          try {
            seen = readerView(target);
            assertThat(seen).as(where + ": reader").isEqualTo(r.neu());
          } catch (io.h5swmr.exceptions.H5SwmrException e) {
            assertThat(e.getMessage()).as(where).contains(journal.toString());
          }
          try {
            JournalRecovery.recover(LocalDisk.INSTANCE, target);
            assertThat(Files.exists(journal)).as(where + ": journal left").isFalse();
            discarded++;
          } catch (io.h5swmr.exceptions.H5SwmrException e) {
            assertThat(e.getMessage())
                .as(where)
                .contains(journal.toString())
                .contains(target.toString());
            assertThat(Files.readAllBytes(journal)).as(where + ": journal kept").isEqualTo(bad);
            refused++;
          }
          assertThat(Arrays.equals(Files.readAllBytes(target), r.neu()))
              .as(where + ": the applied file changed")
              .isTrue();
        }
      }
    }
    System.out.println(
        "H5SWMR-POWERLOSS journal damaged after apply, "
            + kind
            + ": "
            + (refused + discarded)
            + " damaged journals, "
            + refused
            + " refused (both files kept), "
            + discarded
            + " discarded; applied file"
            + " unchanged in all");
    assertThat(refused).isPositive();
  }

  private static Outcome classify(byte[] b, byte[] old, byte[] neu, String where) {
    if (Arrays.equals(b, old)) {
      return Outcome.OLD;
    }
    if (Arrays.equals(b, neu)) {
      return Outcome.NEW;
    }
    if (b.length > old.length && Arrays.equals(b, 0, old.length, old, 0, old.length)) {
      return Outcome.OLD_WITH_TAIL;
    }
    throw new AssertionError(
        where
            + ": neither old ("
            + old.length
            + " bytes) nor new ("
            + neu.length
            + " bytes): "
            + b.length
            + " bytes");
  }

  /** What a reader reads: the committed journal's overlay when there is one, else the file. */
  private static byte[] readerView(Path target) throws Exception {
    JournalOverlay o = JournalOverlay.openIfCommitted(LocalDisk.INSTANCE, target);
    if (o == null) {
      return Files.readAllBytes(target);
    }
    try (o) {
      ByteArrayOutputStream out = new ByteArrayOutputStream();
      ByteBuffer buf = ByteBuffer.allocate(8192);
      long pos = 0;
      while (true) {
        buf.clear();
        int n = o.read(pos, buf);
        if (n < 0) {
          break;
        }
        out.write(buf.array(), 0, n);
        pos += n;
      }
      return out.toByteArray();
    }
  }

  private static void assertReadsAsOld(Path target, String where) {
    try (H5File h =
            H5File.openReadOnly(
                target.toString(), io.h5swmr.hdf5.journal.JournalOverlay.COMMITTED);
        H5Dataset d = h.openDataset("/d")) {
      double[] v = new double[5000];
      assertThat(d.info().rows()).as(where).isEqualTo(5000);
      d.read(0, 5000, H5ColumnRead.into(v, 0));
      assertThat(v).as(where).isEqualTo(seq(0, 5000));
      assertThat(h.listDatasets()).as(where).containsExactly("/d", "/gz", "/other");
    }
  }
}
