package io.h5swmr.hdf5.journal;

import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.channels.FileChannel;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;

/** {@link Disk} on the local filesystem through {@link FileChannel}s. */
public final class LocalDisk implements Disk {
  public static final LocalDisk INSTANCE = new LocalDisk();

  private LocalDisk() {}

  @Override
  public Channel open(Path file, boolean create) throws IOException {
    FileChannel ch =
        create
            ? FileChannel.open(
                file,
                StandardOpenOption.READ,
                StandardOpenOption.WRITE,
                StandardOpenOption.CREATE,
                StandardOpenOption.TRUNCATE_EXISTING)
            : FileChannel.open(file, StandardOpenOption.READ, StandardOpenOption.WRITE);
    return new Local(ch);
  }

  @Override
  public Channel openReadOnly(Path file) throws IOException {
    return new Local(FileChannel.open(file, StandardOpenOption.READ));
  }

  @Override
  public boolean exists(Path file) {
    return Files.exists(file);
  }

  @Override
  public void delete(Path file) throws IOException {
    Files.deleteIfExists(file);
  }

  @Override
  public void syncDirectory(Path dir) throws IOException {
    try (FileChannel ch = FileChannel.open(dir, StandardOpenOption.READ)) {
      ch.force(true);
    }
  }

  @Override
  public long[] fileId(Path file) throws IOException {
    try {
      Object dev = Files.getAttribute(file, "unix:dev");
      Object ino = Files.getAttribute(file, "unix:ino");
      return new long[] {((Number) dev).longValue(), ((Number) ino).longValue()};
    } catch (UnsupportedOperationException | IllegalArgumentException e) {
      return new long[] {0, 0};
    }
  }

  private static final class Local implements Channel {
    private final FileChannel ch;

    Local(FileChannel ch) {
      this.ch = ch;
    }

    @Override
    public int read(long position, ByteBuffer dst) throws IOException {
      return ch.read(dst, position);
    }

    @Override
    public void write(long position, ByteBuffer src) throws IOException {
      long at = position;
      while (src.hasRemaining()) {
        at += ch.write(src, at);
      }
    }

    @Override
    public long size() throws IOException {
      return ch.size();
    }

    @Override
    public void truncate(long size) throws IOException {
      long now = ch.size();
      if (size < now) {
        ch.truncate(size);
      } else if (size > now) {
        ch.write(ByteBuffer.wrap(new byte[1]), size - 1);
      }
    }

    /**
     * {@code fdatasync}: the file's bytes and its size (what recovery and readers need), without
     * the timestamps a full {@code fsync} would also commit (one journal transaction fewer on ext4
     * for an in-place overwrite).
     */
    @Override
    public void force() throws IOException {
      ch.force(false);
    }

    @Override
    public void close() throws IOException {
      ch.close();
    }
  }
}
