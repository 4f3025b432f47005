package io.h5swmr.hdf5;

import java.io.EOFException;
import java.io.IOException;
import java.nio.ByteBuffer;
import org.apache.hadoop.conf.Configuration;
import org.apache.hadoop.fs.FSDataInputStream;
import org.apache.hadoop.fs.Path;

/**
 * {@link H5ByteSource} of a file on a Hadoop {@code FileSystem} (s3a, hdfs, ...) through positional
 * {@code readFully(position, ...)} calls (ranged GETs on object stores), never a download of the file: a chunk of
 * at least {@link #READ_AHEAD} bytes is one read of its stored bytes; smaller chunks are served from a read-ahead
 * window of that size, fetched from the first chunk it did not hold. Calls are serialised on the stream (not every
 * Hadoop stream's positional reads are thread-safe).
 */
final class H5HadoopBytes implements H5ByteSource {
  /** Bytes copied per positional read into a direct buffer. */
  private static final int SLICE = 4 << 20;
  /**
   * Reads smaller than this fetch this much from their position (bounded by the file's end) and serve the reads
   * that follow from it: a task reads its chunks in file order, so one ranged GET covers many chunks instead of
   * one GET each (measured against s3proxy: 544 GETs for a 256 MiB scan, each costing a request's latency). At
   * most this much is read beyond what a task needs, once per file it opens.
   */
  static final int READ_AHEAD = 8 << 20;

  private final String uri;
  private final long length;
  private final FSDataInputStream in;
  private byte[] window;
  private long windowStart;
  private int windowLength;

  private H5HadoopBytes(String uri, long length, FSDataInputStream in) {
    this.uri = uri;
    this.length = length;
    this.in = in;
  }

  /** Opens {@code path} for positional reads; {@code length} is the object's length HDF5's open saw. */
  static H5HadoopBytes open(Path path, long length, Configuration conf) throws IOException {
    return new H5HadoopBytes(path.toString(), length,
        io.h5swmr.hdf5.driver.HadoopStorage.openForRandomReads(path.getFileSystem(conf), path, null));
  }

  @Override
  public void readFully(long position, ByteBuffer dst) throws IOException {
    int want = dst.remaining();
    if (position < 0 || position + want > length) {
      throw new EOFException("file " + uri + " ends at byte " + length + ", before byte " + (position + want));
    }
    synchronized (in) {
      if (want < READ_AHEAD) {
        if (window == null || position < windowStart || position + want > windowStart + windowLength) {
          if (window == null) {
            window = new byte[(int) Math.min(READ_AHEAD, length)];
          }
          windowStart = position;
          windowLength = (int) Math.min(window.length, length - position);
          in.readFully(position, window, 0, windowLength);
        }
        dst.put(window, (int) (position - windowStart), want);
        return;
      }
      if (dst.hasArray()) {
        in.readFully(position, dst.array(), dst.arrayOffset() + dst.position(), want);
        dst.position(dst.position() + want);
        return;
      }
      byte[] buf = new byte[Math.min(want, SLICE)];
      long pos = position;
      while (dst.hasRemaining()) {
        int n = Math.min(buf.length, dst.remaining());
        in.readFully(pos, buf, 0, n);
        dst.put(buf, 0, n);
        pos += n;
      }
    }
  }

  @Override
  public void close() throws IOException {
    in.close();
  }
}
