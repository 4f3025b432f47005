package io.h5swmr.hdf5.journal;

import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.file.Path;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Finishes or undoes what an interrupted writer left (docs/journal.md, "Recovery"). A committed
 * journal is replayed (newest journaled bytes written in place, then the end of file set, then
 * fsync) once its BASE record proves the file is in a state it applies to (the old state, the new
 * one, or partly applied); a journal whose header says its commit was never made durable is
 * discarded, the target cut back to the journal's base end of file (nothing below it was written
 * before the commit was durable); a journal with a damaged header is discarded without cutting.
 * Anything else — a journal written for another file state, a journal damaged after its commit, a
 * version 1 journal that is not already applied — stops with a {@link JournalStateException} that
 * changes nothing. Idempotent. Only a writer holding the file's lease and {@link WriteFence} runs
 * it (writers through {@link JournalTransaction#open}); readers use {@link JournalOverlay} instead.
 */
public final class JournalRecovery {
  private static final Logger LOG = LoggerFactory.getLogger(JournalRecovery.class);

  /** What recovery did. */
  public enum Outcome {
    /** No journal: nothing to do. */
    NONE,
    /** An incomplete or damaged journal was thrown away: the file is as last committed. */
    DISCARDED,
    /** A committed journal was applied: the file holds the interrupted commit. */
    REPLAYED
  }

  private JournalRecovery() {}

  /**
   * Recovers {@code realTarget} (see {@link JournalFiles#realTarget}).
   *
   * @throws JournalStateException when the journal cannot be used on the file as it is (nothing is
   *     changed)
   */
  public static Outcome recover(Disk disk, Path realTarget) throws IOException {
    Path jp = JournalFiles.journal(realTarget);
    if (!disk.exists(jp)) {
      return Outcome.NONE;
    }
    JournalFormat.Parsed j;
    boolean replayed = false;
    try (Disk.Channel ch = disk.openReadOnly(jp)) {
      j = JournalFormat.parse(ch);
      if (!disk.exists(realTarget)) {
        // the file was deleted: no journal applies to a file that is not there (a new one starts
        // from scratch)
      } else if (j.headerValid && j.version == 1) {
        if (!j.committed) {
          throw JournalCheck.versionOne(jp, realTarget, j);
        }
        try (Disk.Channel data = disk.openReadOnly(realTarget)) {
          if (!JournalCheck.alreadyApplied(ch, j, data)) {
            throw JournalCheck.versionOne(jp, realTarget, j);
          }
        }
      } else if (j.committed) {
        try (Disk.Channel data = disk.open(realTarget, false)) {
          String why = JournalCheck.mismatch(ch, j, data);
          if (why != null) {
            throw JournalCheck.notThisFile(disk, jp, realTarget, j, data, why);
          }
          replay(ch, j, data);
          data.force();
          replayed = true;
        }
      } else if (j.headerValid && j.applying) {
        throw JournalCheck.damagedAfterCommit(jp, realTarget, j);
      } else if (j.headerValid) {
        // the header says the commit never became durable: nothing below base_eof was written
        try (Disk.Channel data = disk.open(realTarget, false)) {
          if (data.size() > j.baseEof) {
            data.truncate(j.baseEof);
          }
        }
      }
    }
    disk.delete(jp);
    LOG.warn(
        "h5swmr: {} the journal of an interrupted commit to {}: {}",
        replayed ? "replayed" : "discarded",
        realTarget,
        j);
    return replayed ? Outcome.REPLAYED : Outcome.DISCARDED;
  }

  /**
   * Writes the journal's image (newest bytes per offset, so that a crash in the middle leaves every
   * byte old or new, never an older record's) in pieces that never cross a 64 KiB boundary, then
   * sets the size.
   */
  static void replay(Disk.Channel journal, JournalFormat.Parsed j, Disk.Channel data)
      throws IOException {
    writeImage(JournalCheck.overlay(j), journal, j.newEof, data);
    if (data.size() != j.newEof) {
      data.truncate(j.newEof);
    }
  }

  /**
   * Writes every extent of {@code overlay} below {@code eof} into {@code data}, page-aligned
   * pieces.
   */
  static void writeImage(Overlay overlay, Disk.Channel journal, long eof, Disk.Channel data)
      throws IOException {
    final int piece = 1 << 16;
    byte[] buf = new byte[piece];
    for (Overlay.Extent e : overlay.extents()) {
      long end = Math.min(e.end(), eof);
      for (long p = e.start(); p < end; ) {
        int n = (int) (Math.min(end, (p / piece + 1) * piece) - p);
        ByteBuffer b = ByteBuffer.wrap(buf, 0, n);
        journal.readFully(e.journalAt() + (p - e.start()), b);
        b.flip();
        data.write(p, b);
        p += n;
      }
    }
  }
}
