package io.h5swmr.hdf5.driver;

import java.io.IOException;
import java.net.URI;
import java.nio.ByteBuffer;
import java.util.LinkedHashMap;
import java.util.Map;
import org.apache.hadoop.conf.Configuration;
import org.apache.hadoop.fs.FSDataInputStream;
import org.apache.hadoop.fs.FileStatus;
import org.apache.hadoop.fs.FileSystem;
import org.apache.hadoop.fs.Path;

/**
 * A read-only {@link H5Storage} over any Hadoop {@link FileSystem} (s3a, abfss, gs, hdfs, ...):
 * HDF5's small metadata reads become positional reads ({@code readFully(position, ...)}) of whole
 * blocks, kept in a bounded LRU block cache, so opening a file and reading its metadata costs a few
 * ranged requests, never a download of the file. Credentials come from the Hadoop {@link
 * Configuration} given (the session's, as for Spark's own sources) and never appear in messages.
 * The object's length and modification time are read once at open: the storage is a snapshot of one
 * version of the object.
 */
public final class HadoopStorage implements H5Storage {
  /** Default bytes per cached block. */
  public static final int DEFAULT_BLOCK_BYTES = 256 << 10;

  /** Default blocks the cache keeps (16 MiB with the default block size). */
  public static final int DEFAULT_MAX_BLOCKS = 64;

  private final URI uri;
  private final FSDataInputStream in;
  private final long length;
  private final long modified;
  private final int blockBytes;
  private final Map<Long, byte[]> cache;
  private long blockReads;

  private String etag;

  private HadoopStorage(
      URI uri, FSDataInputStream in, long length, long modified, int blockBytes, int maxBlocks) {
    this.uri = uri;
    this.in = in;
    this.length = length;
    this.modified = modified;
    this.blockBytes = blockBytes;
    this.cache =
        new LinkedHashMap<>(16, 0.75f, true) {
          private static final long serialVersionUID = 1L;

          @Override
          protected boolean removeEldestEntry(Map.Entry<Long, byte[]> eldest) {
            return size() > maxBlocks;
          }
        };
  }

  /** An opener of {@code uri} (read-only) with the default block cache. */
  public static Opener opener(URI uri, Configuration conf) {
    return opener(uri, conf, DEFAULT_BLOCK_BYTES, DEFAULT_MAX_BLOCKS);
  }

  /** An opener of {@code uri} caching at most {@code maxBlocks} blocks of {@code blockBytes}. */
  public static Opener opener(URI uri, Configuration conf, int blockBytes, int maxBlocks) {
    if (blockBytes <= 0 || maxBlocks <= 0) {
      throw new IllegalArgumentException(
          "block cache needs positive sizes, got " + blockBytes + " x " + maxBlocks);
    }
    return access -> {
      if (access.write() || access.create() || access.truncate()) {
        throw new IOException(refusal(uri));
      }
      Path p = new Path(uri);
      FileSystem fs = p.getFileSystem(conf);
      FileStatus st =
          fs.getFileStatus(p); // FileNotFoundException (a NoSuchFile for HDF5) when absent
      FSDataInputStream in = openForRandomReads(fs, p, st);
      HadoopStorage s =
          new HadoopStorage(uri, in, st.getLen(), st.getModificationTime(), blockBytes, maxBlocks);
      if (st instanceof org.apache.hadoop.fs.EtagSource) {
        String etag = ((org.apache.hadoop.fs.EtagSource) st).getEtag();
        s.etag = etag == null || etag.isEmpty() ? null : etag;
      }
      return s;
    };
  }

  /**
   * Opens {@code p} for positional reads of scattered ranges (HDF5 metadata blocks, chunks) with
   * Hadoop's "random" read policy: an object store then fetches each range with one ranged GET,
   * instead of streaming towards the end of the object and aborting the connection at the next seek
   * (measured against s3proxy with the default policy: 111 of 112 chunk reads of a scan aborted
   * their stream). {@code status} (may be null) spares a metadata request. Both option names are
   * optional hints: Hadoop 3.3.5+ reads the first, older s3a clients the second, and file systems
   * that know neither ignore them.
   */
  public static FSDataInputStream openForRandomReads(FileSystem fs, Path p, FileStatus status)
      throws IOException {
    org.apache.hadoop.fs.FutureDataInputStreamBuilder b =
        fs.openFile(p)
            .opt("fs.option.openfile.read.policy", "random")
            .opt("fs.s3a.experimental.input.fadvise", "random");
    if (status != null) {
      b.withFileStatus(status);
    }
    try {
      return b.build().get();
    } catch (java.util.concurrent.ExecutionException e) {
      Throwable c = e.getCause();
      if (c instanceof IOException) {
        throw (IOException) c;
      }
      throw new IOException("could not open " + p + ": " + c, c);
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      throw new java.io.InterruptedIOException("interrupted while opening " + p);
    }
  }

  /** Why remote files are not written (the message of every refused write). */
  public static String refusal(URI uri) {
    return "File "
        + uri
        + " is on a remote file system ("
        + uri.getScheme()
        + "): h5swmr reads it, but does not "
        + "write it, because object stores and HDFS cannot rewrite bytes in place, which HDF5 appends and h5swmr's "
        + "journaled commits need; write to a local or POSIX-mounted path and copy the file";
  }

  @Override
  public synchronized int read(long position, ByteBuffer dst) throws IOException {
    if (position >= length) {
      return -1;
    }
    int done = 0;
    long pos = position;
    while (dst.hasRemaining() && pos < length) {
      long block = pos / blockBytes;
      byte[] b = block(block);
      int from = (int) (pos - block * blockBytes);
      int n = Math.min(dst.remaining(), b.length - from);
      dst.put(b, from, n);
      pos += n;
      done += n;
    }
    return done;
  }

  private byte[] block(long block) throws IOException {
    byte[] b = cache.get(block);
    if (b == null) {
      long start = block * blockBytes;
      b = new byte[(int) Math.min(blockBytes, length - start)];
      in.readFully(start, b, 0, b.length);
      blockReads++;
      cache.put(block, b);
    }
    return b;
  }

  /** The object's length in bytes when it was opened. */
  public long length() {
    return length;
  }

  /**
   * The object's ETag when it was opened, where the file system offers one (S3A, ABFS); else null.
   */
  public String etag() {
    return etag;
  }

  /** The object's modification time (epoch ms) when it was opened. */
  public long modificationTime() {
    return modified;
  }

  /** Ranged reads issued so far (cache misses), for tests and metrics. */
  public synchronized long blockReads() {
    return blockReads;
  }

  @Override
  public void write(long position, ByteBuffer src) throws IOException {
    throw new IOException(refusal(uri));
  }

  @Override
  public long size() {
    return length;
  }

  @Override
  public void truncate(long size) throws IOException {
    throw new IOException(refusal(uri));
  }

  @Override
  public void sync() {
    // Read-only: nothing to make durable.
  }

  @Override
  public boolean isWritable() {
    return false;
  }

  @Override
  public String identity() {
    return "hadoop:" + uri + "@" + length + ":" + modified;
  }

  @Override
  public synchronized void close() throws IOException {
    cache.clear();
    in.close();
  }
}
