package io.h5swmr.hdf5.journal;

import java.io.Closeable;
import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.file.Path;

/**
 * The file operations the journal protocol issues, and nothing else: so a test can record them and
 * rebuild the files a power cut at any point would leave ({@link LocalDisk} is the real thing).
 */
public interface Disk {
  /**
   * Opens {@code file} for reading and writing; {@code create} creates it empty (O_CREAT|O_TRUNC).
   */
  Channel open(Path file, boolean create) throws IOException;

  /** Opens {@code file} read-only. */
  Channel openReadOnly(Path file) throws IOException;

  boolean exists(Path file);

  /**
   * Removes {@code file} if present (its directory entry is durable only after {@link
   * #syncDirectory}).
   */
  void delete(Path file) throws IOException;

  /** fsync of a directory: makes creations and deletions in it durable. */
  void syncDirectory(Path dir) throws IOException;

  /**
   * {device, inode} of {@code file} where the filesystem has them, else zeros (journals name them
   * in errors).
   */
  default long[] fileId(Path file) throws IOException {
    return new long[] {0, 0};
  }

  /** One open file. */
  interface Channel extends Closeable {
    /** As {@link java.nio.channels.FileChannel#read(ByteBuffer, long)}: -1 at or beyond the end. */
    int read(long position, ByteBuffer dst) throws IOException;

    void write(long position, ByteBuffer src) throws IOException;

    long size() throws IOException;

    /** Sets the size (shrinks, or grows with zeros). */
    void truncate(long size) throws IOException;

    /** fsync. */
    void force() throws IOException;

    /** Reads exactly {@code dst.remaining()} bytes or throws {@link java.io.EOFException}. */
    default void readFully(long position, ByteBuffer dst) throws IOException {
      long at = position;
      while (dst.hasRemaining()) {
        int n = read(at, dst);
        if (n < 0) {
          throw new java.io.EOFException("end of file at " + at);
        }
        at += n;
      }
    }
  }
}
