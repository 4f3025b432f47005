package io.h5swmr.hdf5.driver;

import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.channels.FileChannel;
import java.nio.file.Files;
import java.nio.file.LinkOption;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.nio.file.attribute.BasicFileAttributes;
import java.util.EnumSet;
import java.util.Set;

/**
 * A local file through a {@link FileChannel}: positional I/O as HDF5's sec2 driver does it
 * (pread/pwrite).
 */
public final class FileChannelStorage implements H5Storage {
  private final FileChannel channel;
  private final boolean writable;
  private final String identity;

  private FileChannelStorage(FileChannel channel, boolean writable, String identity) {
    this.channel = channel;
    this.writable = writable;
    this.identity = identity;
  }

  /** Opens {@code file} as HDF5 asks ({@code access}); symlinks are followed. */
  public static FileChannelStorage open(Path file, Access access) throws IOException {
    Set<StandardOpenOption> opts = EnumSet.of(StandardOpenOption.READ);
    if (access.write() || access.create()) {
      opts.add(StandardOpenOption.WRITE);
    }
    if (access.create()) {
      opts.add(access.exclusive() ? StandardOpenOption.CREATE_NEW : StandardOpenOption.CREATE);
    }
    if (access.truncate()) {
      opts.add(StandardOpenOption.TRUNCATE_EXISTING);
    }
    FileChannel ch = FileChannel.open(file, opts);
    try {
      return new FileChannelStorage(ch, opts.contains(StandardOpenOption.WRITE), identityOf(file));
    } catch (IOException | RuntimeException e) {
      ch.close();
      throw e;
    }
  }

  /** An opener for {@code file}, for {@link H5StorageDriver#open}. */
  public static Opener opener(Path file) {
    return access -> open(file, access);
  }

  /** Device and inode where the platform tells them (else the real path). */
  static String identityOf(Path file) throws IOException {
    Object key = Files.readAttributes(file, BasicFileAttributes.class).fileKey();
    return "local:"
        + (key != null ? key.toString() : file.toRealPath(new LinkOption[0]).toString());
  }

  /** The channel, for callers that need more than this interface (e.g. a file lock). */
  public FileChannel channel() {
    return channel;
  }

  @Override
  public int read(long position, ByteBuffer dst) throws IOException {
    return channel.read(dst, position);
  }

  @Override
  public void write(long position, ByteBuffer src) throws IOException {
    requireWritable();
    long at = position;
    while (src.hasRemaining()) {
      at += channel.write(src, at);
    }
  }

  @Override
  public long size() throws IOException {
    return channel.size();
  }

  @Override
  public void truncate(long size) throws IOException {
    requireWritable();
    long now = channel.size();
    if (size < now) {
      channel.truncate(size);
    } else if (size > now) {
      // FileChannel.truncate never grows: write the last byte (a hole before it reads as zeros).
      channel.write(ByteBuffer.wrap(new byte[1]), size - 1);
    }
  }

  @Override
  public void sync() throws IOException {
    if (writable) {
      channel.force(true);
    }
  }

  @Override
  public boolean isWritable() {
    return writable;
  }

  @Override
  public String identity() {
    return identity;
  }

  @Override
  public void close() throws IOException {
    channel.close();
  }

  private void requireWritable() throws IOException {
    if (!writable) {
      throw new IOException("storage opened read-only");
    }
  }

  @Override
  public String toString() {
    return "FileChannelStorage{" + identity + (writable ? ", rw" : ", ro") + "}";
  }
}
