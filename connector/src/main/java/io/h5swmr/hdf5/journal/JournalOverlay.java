package io.h5swmr.hdf5.journal;

import io.h5swmr.hdf5.H5File;
import io.h5swmr.hdf5.driver.FileChannelStorage;
import io.h5swmr.hdf5.driver.H5Storage;
import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.file.Files;
import java.nio.file.Path;

/**
 * What a reader uses when it finds a committed journal beside the file (a writer died between the
 * commit point and the end of applying it): the file as the journal's replay would leave it,
 * read-only, changing nothing on disk. Readers ignore a journal whose commit never became durable:
 * the file below the journal's base end of file is exactly the last committed state, and HDF5 never
 * reads beyond its end of allocation. A journal that does not belong to the file as it is (see
 * {@link JournalRecovery}) is refused with a {@link JournalStateException}.
 */
public final class JournalOverlay implements H5Storage {
  private final Disk.Channel target;
  private final Disk.Channel journal;
  private final Overlay overlay = new Overlay();
  private final long eof;
  private final String identity;

  private JournalOverlay(
      Disk.Channel target, Disk.Channel journal, JournalFormat.Parsed parsed, String identity) {
    this.target = target;
    this.journal = journal;
    this.eof = parsed.newEof;
    this.identity = identity;
    for (JournalFormat.Write w : parsed.writes) {
      overlay.put(w.offset(), w.length(), w.dataAt());
    }
  }

  /**
   * The committed state of a local file as every h5swmr reader and writer opens it read-only
   * ({@link H5File#openReadOnly(String, H5File.CommittedView)}): through {@link #readerOpener} when
   * a committed journal lies beside the file, else (the common case: one stat) the file as it is on
   * disk. A journal beside the file that must not be read through, and that the file cannot be read
   * without, makes the open fail with a {@link JournalStateException} (see {@link
   * #openIfCommitted}).
   */
  public static final H5File.CommittedView COMMITTED =
      file -> {
        if (!Files.exists(JournalFiles.journal(JournalFiles.realTarget(file)))
            || !hasCommittedJournal(file)) {
          return null;
        }
        return readerOpener(file);
      };

  /**
   * An opener for readers of {@code file}: through the committed journal's overlay when there is
   * one, else plain {@link FileChannelStorage} (also when the journal is incomplete or vanishes
   * meanwhile).
   */
  public static H5Storage.Opener readerOpener(Path file) {
    return access -> {
      if (access.write() || access.create()) {
        throw new IOException("readers open read-only");
      }
      H5Storage overlay = openIfCommitted(LocalDisk.INSTANCE, file);
      return overlay != null ? overlay : FileChannelStorage.open(file, access);
    };
  }

  /**
   * True when a committed journal lies beside {@code file} (readers then need {@link
   * #readerOpener}).
   *
   * @throws JournalStateException when a journal lies beside it that must not be read through and
   *     that the file cannot be read without (see {@link #openIfCommitted})
   */
  public static boolean hasCommittedJournal(Path file) throws IOException {
    try (JournalOverlay o = openIfCommitted(LocalDisk.INSTANCE, file)) {
      return o != null;
    }
  }

  /**
   * The overlay of {@code file}'s committed journal, or null when the file is to be read as it is
   * (no journal, an unfinished one, one with a damaged header, or a version 1 journal already
   * applied).
   *
   * @throws JournalStateException when the committed journal was written for another state of the
   *     file (it was replaced, regenerated or restored), when the journal was damaged after its
   *     commit was durable (the file may be partly applied), or when it is a version 1 journal not
   *     yet applied (it names no file state)
   */
  static JournalOverlay openIfCommitted(Disk disk, Path file) throws IOException {
    Path real = JournalFiles.realTarget(file);
    Path jp = JournalFiles.journal(real);
    if (!disk.exists(jp)) {
      return null;
    }
    Disk.Channel journal;
    try {
      journal = disk.openReadOnly(jp);
    } catch (java.nio.file.NoSuchFileException gone) {
      return null;
    }
    Disk.Channel target = null;
    try {
      JournalFormat.Parsed parsed = JournalFormat.parse(journal);
      if (!parsed.committed && parsed.headerValid && parsed.applying) {
        throw JournalCheck.damagedAfterCommit(jp, real, parsed);
      }
      if (!parsed.committed) {
        journal.close();
        return null;
      }
      target = disk.openReadOnly(real);
      if (parsed.version == 1) {
        if (!JournalCheck.alreadyApplied(journal, parsed, target)) {
          throw JournalCheck.versionOne(jp, real, parsed);
        }
        target.close();
        journal.close();
        return null;
      }
      String why = JournalCheck.mismatch(journal, parsed, target);
      if (why != null) {
        throw JournalCheck.notThisFile(disk, jp, real, parsed, target, why);
      }
      return new JournalOverlay(target, journal, parsed, "overlay:" + real + "#" + parsed.nonce);
    } catch (IOException | RuntimeException e) {
      if (target != null) {
        target.close();
      }
      journal.close();
      throw e;
    }
  }

  @Override
  public int read(long position, ByteBuffer dst) throws IOException {
    return overlay.read(position, dst, eof, journal, target);
  }

  @Override
  public void write(long position, ByteBuffer src) throws IOException {
    throw new IOException("a reader's journal overlay is read-only");
  }

  @Override
  public long size() {
    return eof;
  }

  @Override
  public void truncate(long size) throws IOException {
    throw new IOException("a reader's journal overlay is read-only");
  }

  @Override
  public void sync() {}

  @Override
  public boolean isWritable() {
    return false;
  }

  @Override
  public String identity() {
    return identity;
  }

  @Override
  public void close() throws IOException {
    try {
      journal.close();
    } finally {
      target.close();
    }
  }
}
