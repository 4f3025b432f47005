package io.h5swmr.hdf5.driver;

import java.io.Closeable;
import java.io.IOException;
import java.nio.ByteBuffer;

/**
 * The bytes of one HDF5 file as {@link H5StorageDriver} sees them: positional reads and writes, a
 * size, truncation, a durability barrier. Implementations: {@link FileChannelStorage} (a local
 * file), the redo journal's write session and read overlay ({@code io.h5swmr.hdf5.journal}), and
 * read-only remote stores (e.g. a Hadoop FileSystem). A read-only storage throws {@link
 * IOException} from {@link #write} and {@link #truncate}.
 *
 * <p>Called by HDF5 through the driver, always on a thread holding the native guard, never
 * concurrently for one instance. Exceptions are caught by the driver and turned into an HDF5 error
 * (their message is kept, see {@link H5StorageDriver#lastFailure()}).
 */
public interface H5Storage extends Closeable {
  /**
   * Reads up to {@code dst.remaining()} bytes starting at {@code position} into {@code dst},
   * advancing its position. Returns the number of bytes read, or -1 when {@code position} is at or
   * beyond the end. May read fewer bytes than asked (the driver calls again); the driver fills
   * bytes beyond the end with zeros.
   */
  int read(long position, ByteBuffer dst) throws IOException;

  /**
   * Writes all of {@code src}'s remaining bytes at {@code position}, growing the storage when
   * needed.
   */
  void write(long position, ByteBuffer src) throws IOException;

  /** The current size in bytes (HDF5's end of file). */
  long size() throws IOException;

  /** Sets the size to {@code size}: shrinks, or grows with zeros. */
  void truncate(long size) throws IOException;

  /** Makes every completed write durable (fsync for local files); a no-op for read-only storage. */
  void sync() throws IOException;

  /** True when {@link #write} and {@link #truncate} are supported. */
  boolean isWritable();

  /**
   * Identity of the underlying file: two storages with equal identities are the same file (HDF5
   * then shares one open file between them, as it does for the same inode with its own drivers).
   * E.g. device and inode for a local file, the URI and version for a remote object.
   */
  String identity();

  /** Releases the storage; called once by the driver when HDF5 closes the file. */
  @Override
  void close() throws IOException;

  /** What HDF5 asks of an open ({@code H5Fopen}, or one of the probes of {@code H5Fcreate}). */
  record Access(boolean write, boolean create, boolean truncate, boolean exclusive) {
    /** Read-only open of an existing file. */
    public static final Access READ = new Access(false, false, false, false);
  }

  /**
   * Opens the storage for one HDF5 open of a file. HDF5 may call it more than once per {@code
   * H5Fopen} or {@code H5Fcreate} (e.g. probing whether the file exists before creating it); throw
   * {@link java.nio.file.NoSuchFileException} when the file does not exist and {@code
   * access.create()} is false.
   */
  @FunctionalInterface
  interface Opener {
    H5Storage open(Access access) throws IOException;
  }
}
