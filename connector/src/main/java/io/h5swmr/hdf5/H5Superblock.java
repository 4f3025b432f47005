package io.h5swmr.hdf5;

import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.channels.FileChannel;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;

/**
 * The two superblock fields that say whether an HDF5 writer has a file open: the superblock version
 * and, from version 3 on, the file consistency ("status") flags. Read straight from the file's
 * bytes, without the native library, so it works on files HDF5 refuses to open.
 *
 * <p>An HDF5 1.10+ writer sets {@link #WRITE_ACCESS} when it opens a version-3 file for writing,
 * adds {@link #SWMR_WRITE_ACCESS} in SWMR mode, and clears both when it closes the file; a writer
 * that crashed leaves them set. HDF5 ignores the flags of older superblocks (versions 0-2, the h5py
 * default {@code libver}), so a writer of such a file is visible only through its file lock (see
 * {@link NativeWriters}).
 */
public final class H5Superblock {
  public static final int WRITE_ACCESS = 0x01;
  public static final int SWMR_WRITE_ACCESS = 0x04;
  private static final byte[] SIGNATURE = {(byte) 0x89, 'H', 'D', 'F', '\r', '\n', 0x1a, '\n'};

  private final long offset;
  private final int version;
  private final int flags;

  private H5Superblock(long offset, int version, int flags) {
    this.offset = offset;
    this.version = version;
    this.flags = flags;
  }

  /**
   * Reads the superblock of {@code file}, searching the signature at 0, 512, 1024, 2048, ... as
   * HDF5 does (a user block may precede it); null when the file has no HDF5 signature.
   */
  public static H5Superblock read(Path file) throws IOException {
    try (FileChannel ch = FileChannel.open(file, StandardOpenOption.READ)) {
      long size = ch.size();
      ByteBuffer b = ByteBuffer.allocate(24);
      for (long at = 0; at + SIGNATURE.length + 4 <= size; at = at == 0 ? 512 : at * 2) {
        b.clear();
        while (b.hasRemaining() && ch.read(b, at + b.position()) > 0) {
          // fill
        }
        if (b.position() < 12 || !signatureAt(b)) {
          continue;
        }
        int version = b.get(8) & 0xff;
        // Versions 2 and 3 keep one flags byte after the offset and length sizes; 0 and 1 a 4-byte
        // field that
        // HDF5 does not use for write tracking.
        int flags = version >= 2 ? b.get(11) & 0xff : 0;
        return new H5Superblock(at, version, flags);
      }
      return null;
    }
  }

  private static boolean signatureAt(ByteBuffer b) {
    for (int i = 0; i < SIGNATURE.length; i++) {
      if (b.get(i) != SIGNATURE[i]) {
        return false;
      }
    }
    return true;
  }

  /** Byte offset of the superblock (the user block's size). */
  public long offset() {
    return offset;
  }

  public int version() {
    return version;
  }

  /** Raw status flags (0 for superblocks before version 2). */
  public int flags() {
    return flags;
  }

  /**
   * Whether HDF5 tracks writers in this superblock (version 3 and later; h5py {@code
   * libver='latest'}).
   */
  public boolean tracksWriters() {
    return version >= 3;
  }

  /** The file is marked open for writing (by a live writer, or one that crashed). */
  public boolean markedForWrite() {
    return tracksWriters() && (flags & (WRITE_ACCESS | SWMR_WRITE_ACCESS)) != 0;
  }

  /**
   * The file is marked open by a SWMR writer (both flags set, as HDF5 requires of SWMR readers).
   */
  public boolean markedForSwmrWrite() {
    return tracksWriters() && (flags & WRITE_ACCESS) != 0 && (flags & SWMR_WRITE_ACCESS) != 0;
  }

  @Override
  public String toString() {
    return "superblock v"
        + version
        + " at "
        + offset
        + ", status flags 0x"
        + Integer.toHexString(flags);
  }
}
