package io.h5swmr.hdf5.journal;

import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.file.Path;
import java.util.zip.CRC32;

/**
 * Whether a journal belongs to its target as the target is now (docs/journal.md, "Which file a
 * journal applies to"), and the errors that say why not. Recovery and readers both ask it before
 * they use a journal.
 */
final class JournalCheck {
  private JournalCheck() {}

  /**
   * Null when every BASE unit of the committed version 2 journal {@code j} holds in {@code target}
   * either the bytes the commit overwrote (their CRC) or the bytes it writes — the old state, the
   * new one, or a partly applied mix of the two; else where it does not.
   */
  static String mismatch(Disk.Channel journal, JournalFormat.Parsed j, Disk.Channel target)
      throws IOException {
    long size = target.size();
    Overlay image = overlay(j);
    byte[] now = new byte[JournalFormat.PAGE];
    byte[] neu = new byte[JournalFormat.PAGE];
    for (JournalFormat.Unit u : j.units) {
      int n = (int) u.length();
      if (u.end() > size) {
        return "it is " + size + " bytes long, the journal covers bytes up to " + u.end();
      }
      target.readFully(u.offset(), ByteBuffer.wrap(now, 0, n));
      long crcNow = JournalFormat.crc(now, 0, n);
      if (crcNow == u.oldCrc()) {
        continue;
      }
      if (image.covers(
          u.offset())) { // else a part of the anchor the commit does not write: old bytes only
        readImage(image, u.offset(), neu, n, j.newEof, journal, target);
        if (java.util.Arrays.equals(now, 0, n, neu, 0, n)) {
          continue;
        }
      }
      return "its bytes ["
          + u.offset()
          + ", "
          + u.end()
          + ") are neither those the journal's commit overwrote"
          + " nor those it writes";
    }
    return null;
  }

  /**
   * Version 1 (no BASE record): true when {@code target} already is the committed journal's new
   * state.
   */
  static boolean alreadyApplied(Disk.Channel journal, JournalFormat.Parsed j, Disk.Channel target)
      throws IOException {
    if (target.size() != j.newEof) {
      return false;
    }
    Overlay image = overlay(j);
    byte[] now = new byte[1 << 16];
    byte[] neu = new byte[1 << 16];
    for (Overlay.Extent e : image.extents()) {
      long end = Math.min(e.end(), j.newEof);
      for (long p = e.start(); p < end; ) {
        int n = (int) Math.min(now.length, end - p);
        target.readFully(p, ByteBuffer.wrap(now, 0, n));
        journal.readFully(e.journalAt() + (p - e.start()), ByteBuffer.wrap(neu, 0, n));
        if (!java.util.Arrays.equals(now, 0, n, neu, 0, n)) {
          return false;
        }
        p += n;
      }
    }
    return true;
  }

  static Overlay overlay(JournalFormat.Parsed j) {
    Overlay o = new Overlay();
    for (JournalFormat.Write w : j.writes) {
      o.put(w.offset(), w.length(), w.dataAt());
    }
    return o;
  }

  private static void readImage(
      Overlay image,
      long at,
      byte[] into,
      int n,
      long eof,
      Disk.Channel journal,
      Disk.Channel target)
      throws IOException {
    ByteBuffer b = ByteBuffer.wrap(into, 0, n);
    long p = at;
    while (b.hasRemaining()) {
      int r = image.read(p, b, eof, journal, target);
      if (r < 0) {
        while (b.hasRemaining()) {
          b.put((byte) 0);
        }
        break;
      }
      p += r;
    }
  }

  /**
   * CRC-32 of {@code target} bytes {@code [offset, offset + length)} (the writer's old-state
   * checksums).
   */
  static long crcOf(Disk.Channel target, long offset, int length, byte[] buf) throws IOException {
    target.readFully(offset, ByteBuffer.wrap(buf, 0, length));
    CRC32 c = new CRC32();
    c.update(buf, 0, length);
    return c.getValue();
  }

  private static String written(JournalFormat.Parsed j) {
    return "written by the writer with fencing token "
        + j.token
        + " for a file of "
        + j.baseEof
        + " bytes"
        + (j.inode != 0 ? " (inode " + j.inode + " on device " + j.device + ")" : "");
  }

  private static String now(Disk disk, Path target, Disk.Channel data) {
    try {
      long[] id = disk.fileId(target);
      return data.size()
          + " bytes"
          + (id[1] != 0 ? ", inode " + id[1] + " on device " + id[0] : "");
    } catch (IOException e) {
      return "size unknown: " + e.getMessage();
    }
  }

  static JournalStateException notThisFile(
      Disk disk, Path journal, Path target, JournalFormat.Parsed j, Disk.Channel data, String why) {
    return new JournalStateException(
        "The journal "
            + journal
            + " was not written for "
            + target
            + " as it is now: "
            + why
            + " (journal "
            + written(j)
            + ", new size "
            + j.newEof
            + "; file now "
            + now(disk, target, data)
            + "). The file was replaced, regenerated or restored after the writer of that"
            + " commit died. Nothing was changed and the journal was kept. If "
            + target
            + " is meant to be as it is"
            + " now, delete "
            + journal
            + "; to finish the interrupted commit instead, put back the file it was"
            + " written for and open it again.");
  }

  static JournalStateException damagedAfterCommit(
      Path journal, Path target, JournalFormat.Parsed j) {
    return new JournalStateException(
        "The journal "
            + journal
            + " of a commit to "
            + target
            + " is damaged ("
            + j.problem
            + ") although its commit had been made durable and applying it may have started: "
            + target
            + " may hold the committed state, the one before it, or part of each, and the journal can no longer tell."
            + " Nothing was changed (the file was not cut back) and both files were kept. Check "
            + target
            + " (h5dump, h5py); if it is intact, delete "
            + journal
            + "; otherwise restore it from a backup.");
  }

  static JournalStateException versionOne(Path journal, Path target, JournalFormat.Parsed j) {
    return new JournalStateException(
        "The journal "
            + journal
            + " beside "
            + target
            + " is "
            + (j.committed ? "a committed" : "an unfinished")
            + " journal in format version 1, written by an earlier"
            + " h5swmr that did not record which state of the file it applies to, so it cannot be proved to belong"
            + " to the file as it is now. Nothing was changed and both files were kept. Deleting "
            + journal
            + " keeps "
            + target
            + " as it is"
            + (j.committed
                ? " (without the commit that journal holds, which was" + " not applied yet)"
                : "")
            + ".");
  }
}
