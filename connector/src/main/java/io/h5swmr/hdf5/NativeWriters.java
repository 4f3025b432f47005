package io.h5swmr.hdf5;

import io.h5swmr.exceptions.H5SwmrDataException;
import io.h5swmr.exceptions.H5SwmrFileInUseException;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Path;
import java.util.List;
import org.bytedeco.hdf5.H5FD_t;
import org.bytedeco.hdf5.global.hdf5;
import org.bytedeco.javacpp.BytePointer;
import org.bytedeco.javacpp.SizeTPointer;

/**
 * What native HDF5 writers (h5py, areaDetector, any libhdf5 1.10+ program; not h5swmr's own
 * writers, which are coordinated through the lock service) are doing with a file, from three
 * sources of evidence:
 *
 * <ol>
 *   <li>the superblock's status flags ({@link H5Superblock}): set by a writer of a version-3
 *       superblock while it has the file open, {@code SWMR_WRITE} added in SWMR mode; left set by a
 *       writer that crashed;
 *   <li>HDF5's own file lock: HDF5 1.10+ takes an exclusive {@code flock()} when it opens a file
 *       for writing and keeps it until close, except that a SWMR writer drops it once the flags are
 *       written (unless the writer disabled locking, e.g. {@code HDF5_USE_FILE_LOCKING=FALSE}).
 *       Probed through HDF5's own driver lock ({@code H5FDlock}, non-blocking, shared, released at
 *       once), so the probe uses the same kind of lock as HDF5 writers (Java's {@code FileLock} is
 *       an fcntl lock, which flock() never sees);
 *   <li>for writes only, processes on this host holding the file open for writing ({@link
 *       LocalOpeners}).
 * </ol>
 *
 * <p>Readers: a file marked by a SWMR writer (live or crashed) is opened in SWMR-read mode; a file
 * a non-SWMR writer has open is refused with a message saying so. Writers: refused while any sign
 * of a native writer is seen; a SWMR mark with no sign of life is cleared only when the user says
 * the writer is gone (h5swmr cannot prove it: writers on other hosts or in other containers are
 * invisible to every check a process can make).
 */
public final class NativeWriters {
  /** Result of probing HDF5's file lock. */
  public enum Lock {
    /** Another process holds HDF5's exclusive lock: a non-SWMR writer has the file open. */
    HELD,
    FREE,
    /** The filesystem does not support flock(), or the probe could not run. */
    UNKNOWN
  }

  private final Path file;
  private final H5Superblock superblock;
  private final Lock lock;

  private NativeWriters(Path file, H5Superblock superblock, Lock lock) {
    this.file = file;
    this.superblock = superblock;
    this.lock = lock;
  }

  /** Reads the superblock flags and probes HDF5's file lock of {@code file} (an existing file). */
  public static NativeWriters inspect(Path file) {
    H5Superblock sb;
    try {
      sb = H5Superblock.read(file);
    } catch (IOException e) {
      throw new UncheckedIOException("could not read the superblock of " + file, e);
    }
    return new NativeWriters(file, sb, probeLock(file.toString()));
  }

  /**
   * Whether {@code file}'s superblock is marked open by a SWMR writer (live or crashed); false if
   * unreadable.
   */
  public static boolean swmrMarked(Path file) {
    try {
      H5Superblock sb = H5Superblock.read(file);
      return sb != null && sb.markedForSwmrWrite();
    } catch (IOException e) {
      return false;
    }
  }

  public H5Superblock superblock() {
    return superblock;
  }

  public Lock lock() {
    return lock;
  }

  /** A SWMR writer has the file open (or crashed with it open): read it in SWMR-read mode. */
  public boolean swmrMarked() {
    return superblock != null && superblock.markedForSwmrWrite();
  }

  /** The superblock says a writer has the file open (SWMR or not), or crashed with it open. */
  public boolean marked() {
    return superblock != null && superblock.markedForWrite();
  }

  /**
   * How a reader may open the file: true for SWMR-read, false for plain read-only.
   *
   * @throws H5SwmrFileInUseException when a non-SWMR writer has the file open, or left it marked
   */
  public boolean checkReadable() {
    if (swmrMarked()) {
      return true;
    }
    if (lock == Lock.HELD) {
      throw new H5SwmrFileInUseException(
          nonSwmrWriterHolds(file)
              + " HDF5 does not let anyone read a file while a "
              + "non-SWMR writer changes it. Wait until that writer closes the file, or have it write in SWMR mode (h5py: "
              + "File(..., libver='latest'), then f.swmr_mode = True after creating its datasets) so h5swmr can read while "
              + "it appends. The file is not corrupt: do not run h5clear -s on it, that is only for a file whose writer "
              + "crashed.");
    }
    if (marked()) {
      List<String> local = LocalOpeners.writers(file);
      throw new H5SwmrFileInUseException(
          "HDF5 file '"
              + file
              + "' is marked open for writing by a non-SWMR HDF5 "
              + "writer (superblock status flags 0x"
              + Integer.toHexString(superblock.flags())
              + "), but no process holds "
              + "HDF5's file lock: either that writer runs with file locking disabled (HDF5_USE_FILE_LOCKING=FALSE)"
              + (local.isEmpty()
                  ? ""
                  : " - on this host " + String.join(", ", local) + " has it open for writing")
              + ", or it crashed without closing the file. While it runs, wait until it closes the file. Only if you know "
              + "it crashed, clear the mark with 'h5clear -s "
              + file
              + "' (what it had not flushed is lost, and a "
              + "non-SWMR writer that crashed may leave the file inconsistent).");
    }
    return false;
  }

  /**
   * Checks that no native writer is seen before h5swmr writes to the file.
   *
   * @param clearStale the user says a SWMR writer that left the file marked is gone (write option
   *     {@code clearStaleFlags})
   * @return true when the file carries a stale SWMR mark to clear (with {@link #clearFlags}) under
   *     the exclusive lease before writing
   * @throws H5SwmrFileInUseException when a native writer is, or may be, alive
   */
  public boolean checkWritable(boolean clearStale) {
    return checkWritable(clearStale, true);
  }

  /**
   * As {@link #checkWritable(boolean)}; with {@code lookForLocalProcesses} false the scan of {@code
   * /proc} (the costly part: every descriptor of every process) is left out for an unmarked file,
   * for a pre-flight check that the same check with the scan repeats just before the commit, or for
   * a caller that scanned moments ago. The scan is also left out when {@link #needsProcessScan()}
   * says it cannot add evidence.
   */
  public boolean checkWritable(boolean clearStale, boolean lookForLocalProcesses) {
    String refuse = "Cannot write to HDF5 file '" + file + "': ";
    String nothing = " Nothing was written: two writers must never share a file.";
    if (lock == Lock.HELD) {
      throw new H5SwmrFileInUseException(
          refuse
              + nonSwmrWriterHolds(null)
              + nothing
              + " Wait until that writer "
              + "closes the file, or write to another file.");
    }
    // A marked file is always scanned (it is refused or unmarked below, so the cost is rare): a
    // live SWMR writer on this host must be refused and named, never unmarked, and the refusal must
    // not claim a scan that did not run.
    boolean scan = marked() || (lookForLocalProcesses && needsProcessScan());
    List<String> local = scan ? LocalOpeners.writers(file) : List.of();
    if (!local.isEmpty()) {
      throw new H5SwmrFileInUseException(
          refuse
              + "another process on this host has it open for writing: "
              + String.join(", ", local)
              + (marked()
                  ? " (the superblock is marked open by a "
                      + (swmrMarked() ? "SWMR" : "non-SWMR")
                      + " writer, status flags 0x"
                      + Integer.toHexString(superblock.flags())
                      + ")"
                  : "")
              + "."
              + nothing
              + " Wait until it closes the file (stop the SWMR writer first), or write to another file.");
    }
    if (!marked()) {
      return false;
    }
    if (swmrMarked() && clearStale) {
      return true;
    }
    String kind = swmrMarked() ? "a SWMR writer" : "a non-SWMR writer";
    throw new H5SwmrFileInUseException(
        refuse
            + "its superblock is marked open for writing by "
            + kind
            + " (status flags 0x"
            + Integer.toHexString(superblock.flags())
            + ") and h5swmr cannot tell whether that "
            + "writer still runs: no HDF5 file lock is held"
            + (swmrMarked() ? " (SWMR writers do not keep one)" : "")
            + " and no process on this host has the file open for writing, but writers on other hosts or in other "
            + "containers are invisible."
            + nothing
            + (swmrMarked()
                ? " If that writer crashed, set the write option 'clearStaleFlags' to true (h5swmr then clears the mark "
                    + "under its exclusive lease, as h5clear -s does) or run 'h5clear -s "
                    + file
                    + "'; if it still runs, "
                    + "wait until it closes the file."
                : " If that writer crashed, check the file and clear the mark with 'h5clear -s "
                    + file
                    + "' (a non-SWMR "
                    + "writer that crashed may leave the file inconsistent, so h5swmr does not clear it for you); if it still "
                    + "runs, wait until it closes the file."));
  }

  /**
   * Whether scanning this host's processes can add evidence about native writers. Not for an
   * unmarked version-3 superblock: every HDF5 writer able to open such a file (1.10 and later) sets
   * its write-access flag when it opens it for writing, with file locking on or off, so an unmarked
   * version-3 file has no native writer (the flag is checked at every call). Files with older
   * superblocks (h5py's default) carry no such flag, so a writer that disabled HDF5's file locking
   * is visible only to the scan; a marked file is scanned to tell a live SWMR writer from a crashed
   * one.
   */
  public boolean needsProcessScan() {
    return superblock == null || !superblock.tracksWriters() || marked();
  }

  private static String nonSwmrWriterHolds(Path file) {
    return (file == null ? "" : "HDF5 file '" + file + "' ")
        + "is open for writing by another process that is not "
        + "in SWMR mode (it holds HDF5's exclusive file lock, as HDF5 writers such as h5py File(path, 'a') do).";
  }

  /**
   * Clears the superblock's status flags, as {@code h5clear -s} does (opens the file read-write
   * with HDF5's {@code clear_status_flags} access property, then closes it). Call only under the
   * exclusive lease, after {@link #checkWritable} allowed it.
   */
  public static void clearFlags(Path file) {
    String p = file.toString();
    H5Calls.run(
        p,
        null,
        "could not clear the superblock status flags",
        () -> {
          long fapl = H5Calls.check(hdf5.H5Pcreate(hdf5.H5P_CLS_FILE_ACCESS_ID_g()), "H5Pcreate");
          try {
            H5Calls.check(hdf5.H5Pset_file_locking(fapl, false, true), "H5Pset_file_locking");
            try (SizeTPointer size = new SizeTPointer(1)) {
              H5Calls.check(
                  hdf5.H5Pget_size(fapl, "clear_status_flags", size),
                  "H5Pget_size(clear_status_flags)");
              try (BytePointer on = new BytePointer(Math.max(1, size.get()))) {
                on.fill(0);
                on.put(0, (byte) 1);
                H5Calls.check(
                    hdf5.H5Pset(fapl, "clear_status_flags", on), "H5Pset(clear_status_flags)");
              }
            }
            long f = H5Calls.check(hdf5.H5Fopen(p, hdf5.H5F_ACC_RDWR, fapl), "H5Fopen");
            H5Calls.check(hdf5.H5Fclose(f), "H5Fclose");
            return null;
          } finally {
            hdf5.H5Pclose(fapl);
          }
        });
    try {
      H5Superblock after = H5Superblock.read(file);
      if (after != null && after.markedForWrite()) {
        throw new H5SwmrDataException(
            "HDF5 file '"
                + file
                + "': the superblock status flags are still set after "
                + "clearing them ("
                + after
                + ")");
      }
    } catch (IOException e) {
      throw new UncheckedIOException("could not re-read the superblock of " + file, e);
    }
  }

  /**
   * Probes HDF5's file lock: takes a shared, non-blocking lock through the sec2 driver and releases
   * it at once.
   */
  static Lock probeLock(String path) {
    try {
      return H5Native.call(
          () -> {
            // maxaddr HADDR_UNDEF: the driver's own limit.
            H5FD_t fd = hdf5.H5FDopen(path, hdf5.H5F_ACC_RDONLY, hdf5.H5P_DEFAULT, -1L);
            if (fd == null || fd.isNull()) {
              errorDescriptions();
              return Lock.UNKNOWN;
            }
            try {
              if (hdf5.H5FDlock(fd, false) < 0) {
                String why = errorDescriptions();
                return why.contains("errno = 11,") || why.contains("temporarily unavailable")
                    ? Lock.HELD
                    : Lock.UNKNOWN;
              }
              hdf5.H5FDunlock(fd);
              return Lock.FREE;
            } finally {
              hdf5.H5FDclose(fd);
            }
          });
    } catch (Exception e) {
      return Lock.UNKNOWN;
    }
  }

  /**
   * Collects the descriptions of this thread's HDF5 error stack (C API view, as the driver
   * functions fill it).
   */
  private static final class ErrorWalk extends org.bytedeco.hdf5.H5E_walk2_t {
    final StringBuilder text = new StringBuilder();

    @Override
    public int call(int n, org.bytedeco.hdf5.H5E_error2_t err, org.bytedeco.javacpp.Pointer data) {
      BytePointer d = err.desc();
      text.append(d == null || d.isNull() ? "" : d.getString()).append("; ");
      return 0;
    }
  }

  /** The current HDF5 error stack's descriptions, and clears it. Call under the native guard. */
  private static String errorDescriptions() {
    long stack = hdf5.H5Eget_current_stack();
    if (stack < 0) {
      return "";
    }
    try (ErrorWalk walk = new ErrorWalk()) {
      hdf5.H5Ewalk2(stack, hdf5.H5E_WALK_DOWNWARD, walk, null);
      return walk.text.toString();
    } finally {
      hdf5.H5Eclose_stack(stack);
    }
  }

  @Override
  public String toString() {
    return file + ": " + superblock + ", HDF5 file lock " + lock;
  }
}
