package io.h5swmr.hdf5;

import java.io.EOFException;
import java.io.IOException;
import java.nio.ByteBuffer;
import org.apache.hadoop.conf.Configuration;
import org.apache.hadoop.fs.FSDataInputStream;
import org.apache.hadoop.fs.Path;

/**
 * {@link H5ByteSource} of a file on a Hadoop {@code FileSystem} (s3a, hdfs, ...) through positional
 * {@code readFully(position, ...)} calls (ranged GETs on object stores), never a download of the
 * file. Each call reads exactly the bytes asked for; {@link H5DirectRead} asks for a read's chunks
 * coalesced into few large ranges ({@link #prefersFewLargeReads}). Calls are serialised on the
 * stream (not every Hadoop stream's positional reads are thread-safe).
 */
final class H5HadoopBytes implements H5ByteSource {
  /** Bytes copied per positional read into a direct buffer. */
  private static final int SLICE = 4 << 20;

  private final String uri;
  private final long length;
  private final FSDataInputStream in;
  private long reads;
  private long bytesRead;

  private H5HadoopBytes(String uri, long length, FSDataInputStream in) {
    this.uri = uri;
    this.length = length;
    this.in = in;
  }

  /**
   * Opens {@code path} for positional reads; {@code length} is the object's length HDF5's open saw.
   */
  static H5HadoopBytes open(Path path, long length, Configuration conf) throws IOException {
    return new H5HadoopBytes(
        path.toString(),
        length,
        io.h5swmr.hdf5.driver.HadoopStorage.openForRandomReads(
            path.getFileSystem(conf), path, null));
  }

  @Override
  public void readFully(long position, ByteBuffer dst) throws IOException {
    int want = dst.remaining();
    if (position < 0 || position + want > length) {
      throw new EOFException(
          "file " + uri + " ends at byte " + length + ", before byte " + (position + want));
    }
    synchronized (in) {
      if (dst.hasArray()) {
        in.readFully(position, dst.array(), dst.arrayOffset() + dst.position(), want);
        dst.position(dst.position() + want);
      } else {
        byte[] buf = new byte[Math.min(want, SLICE)];
        long pos = position;
        while (dst.hasRemaining()) {
          int n = Math.min(buf.length, dst.remaining());
          in.readFully(pos, buf, 0, n);
          dst.put(buf, 0, n);
          pos += n;
        }
      }
      reads++;
      bytesRead += want;
    }
  }

  @Override
  public boolean prefersFewLargeReads() {
    return true;
  }

  /** Calls of {@link #readFully} that returned so far (for tests). */
  long reads() {
    synchronized (in) {
      return reads;
    }
  }

  /** Bytes those calls returned (for tests). */
  long bytesRead() {
    synchronized (in) {
      return bytesRead;
    }
  }

  @Override
  public void close() throws IOException {
    in.close();
  }
}
