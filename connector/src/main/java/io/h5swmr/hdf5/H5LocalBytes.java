package io.h5swmr.hdf5;

import java.io.EOFException;
import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.channels.FileChannel;
import java.nio.file.Paths;
import java.nio.file.StandardOpenOption;

/**
 * {@link H5ByteSource} of a local (or POSIX-mounted) file: positional reads of one read-only
 * channel.
 */
final class H5LocalBytes implements H5ByteSource {
  private final String path;
  private final FileChannel channel;

  H5LocalBytes(String path) throws IOException {
    this.path = path;
    this.channel = FileChannel.open(Paths.get(path), StandardOpenOption.READ);
  }

  @Override
  public void readFully(long position, ByteBuffer dst) throws IOException {
    long pos = position;
    while (dst.hasRemaining()) {
      int n = channel.read(dst, pos);
      if (n < 0) {
        throw new EOFException(
            "file "
                + path
                + " ends before byte "
                + pos
                + " ("
                + dst.remaining()
                + " more bytes wanted)");
      }
      pos += n;
    }
  }

  @Override
  public ByteBuffer map(long position, long length) throws IOException {
    if (UNMAPPER == null || position + length > channel.size()) {
      return null; // past the end: readFully reports it
    }
    return channel.map(FileChannel.MapMode.READ_ONLY, position, length);
  }

  @Override
  public void unmap(ByteBuffer mapped) {
    try {
      UNMAPPER.invoke(UNSAFE, mapped);
    } catch (ReflectiveOperationException e) {
      // Left to the GC.
    }
  }

  private static final Object UNSAFE;
  private static final java.lang.reflect.Method UNMAPPER;

  static {
    Object unsafe = null;
    java.lang.reflect.Method m = null;
    try {
      Class<?> c = Class.forName("sun.misc.Unsafe");
      java.lang.reflect.Field f = c.getDeclaredField("theUnsafe");
      f.setAccessible(true);
      unsafe = f.get(null);
      m = c.getMethod("invokeCleaner", ByteBuffer.class);
    } catch (ReflectiveOperationException | RuntimeException e) {
      m = null; // no prompt unmapping here: do not map at all
    }
    UNSAFE = unsafe;
    UNMAPPER = m;
  }

  @Override
  public void close() throws IOException {
    channel.close();
  }
}
