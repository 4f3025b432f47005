package io.h5swmr.hdf5;

import java.io.IOException;
import java.nio.ByteBuffer;

/**
 * Positional reads of a file's bytes, for chunks read without the native library. Implementations
 * must allow concurrent calls from several threads (the local one is a {@link
 * java.nio.channels.FileChannel}).
 */
public interface H5ByteSource extends AutoCloseable {
  /**
   * Fills {@code dst} (from its position to its limit) with the bytes at {@code position}; fails at
   * EOF.
   */
  void readFully(long position, ByteBuffer dst) throws IOException;

  /**
   * The bytes {@code [position, position + length)} memory-mapped, or null when this source cannot
   * map (then {@link #readFully} is used). A mapping saves one copy of large unfiltered reads; give
   * it back with {@link #unmap}.
   */
  default ByteBuffer map(long position, long length) throws IOException {
    return null;
  }

  /** Releases a buffer {@link #map} returned (at once, not when the GC gets to it). */
  default void unmap(ByteBuffer mapped) {}

  /**
   * Whether every read costs a request's latency (object stores, HDFS): then {@code H5DirectRead}
   * fetches the byte ranges of a read's chunks coalesced into few large reads, the next one while
   * it decodes the last. False (the default): each chunk is read where it is decoded.
   */
  default boolean prefersFewLargeReads() {
    return false;
  }

  @Override
  void close() throws IOException;
}
