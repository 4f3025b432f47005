package io.h5swmr.hdf5.journal;

import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.file.Path;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Finishes or undoes what an interrupted writer left (docs/journal.md, "Recovery"): a committed journal is
 * replayed (its WRITE records in order, then the end of file set, then fsync), anything else is discarded (the
 * target cut back to the journal's base end of file when its header is intact). Then the journal is deleted.
 * Idempotent: running it again, or after a crash in the middle of it, gives the same file. Only a writer holding
 * the file's lease and {@link WriteFence} runs it; readers use {@link JournalOverlay} instead.
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

  /** Recovers {@code realTarget} (see {@link JournalFiles#realTarget}). */
  public static Outcome recover(Disk disk, Path realTarget) throws IOException {
    Path jp = JournalFiles.journal(realTarget);
    if (!disk.exists(jp)) {
      return Outcome.NONE;
    }
    JournalFormat.Parsed j;
    try (Disk.Channel ch = disk.openReadOnly(jp)) {
      j = JournalFormat.parse(ch);
      if (j.committed) {
        try (Disk.Channel data = disk.open(realTarget, false)) {
          replay(ch, j, data);
          data.force();
        }
      } else if (j.headerValid && disk.exists(realTarget)) {
        try (Disk.Channel data = disk.open(realTarget, false)) {
          if (data.size() > j.baseEof) {
            data.truncate(j.baseEof);
          }
        }
      }
    }
    disk.delete(jp);
    LOG.warn("h5swmr: {} the journal of an interrupted commit to {}: {}", j.committed ? "replayed" : "discarded",
        realTarget, j);
    return j.committed ? Outcome.REPLAYED : Outcome.DISCARDED;
  }

  private static void replay(Disk.Channel journal, JournalFormat.Parsed j, Disk.Channel data) throws IOException {
    byte[] buf = new byte[1 << 16];
    for (JournalFormat.Write w : j.writes) {
      for (long done = 0; done < w.length(); ) {
        int n = (int) Math.min(buf.length, w.length() - done);
        ByteBuffer b = ByteBuffer.wrap(buf, 0, n);
        journal.readFully(w.dataAt() + done, b);
        b.flip();
        data.write(w.offset() + done, b);
        done += n;
      }
    }
    if (data.size() != j.newEof) {
      data.truncate(j.newEof);
    }
  }
}
