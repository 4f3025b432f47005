package io.h5swmr.hdf5.journal;

import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Random;

/**
 * An in-memory {@link Disk} that records every operation (write, truncate, fsync, create, unlink,
 * directory fsync) and can rebuild the files a power cut after any prefix of them would leave,
 * under the model "an operation not covered by a completed fsync (of its file, or of the directory
 * for creations and unlinks) may be lost, torn into pieces at the file's 4 KiB page boundaries or
 * reordered".
 */
final class RecordingDisk implements Disk {
  static final int SECTOR = 4096;

  enum Kind {
    WRITE,
    TRUNCATE,
    FSYNC,
    CREATE,
    DELETE,
    DIRSYNC
  }

  /** One recorded operation; {@code inode} identifies the file it applies to. */
  record Op(Kind kind, Path path, int inode, long position, byte[] bytes, long size) {}

  private final List<Op> log = new ArrayList<>();
  private final Map<Path, Integer> names = new HashMap<>();
  private final Map<Integer, byte[]> initial = new HashMap<>();
  private final Map<Path, Integer> initialNames = new HashMap<>();
  private final Map<Integer, Mem> live = new HashMap<>();
  private int nextInode = 1;

  /** A file that exists before recording starts, with durable content {@code bytes}. */
  void preload(Path p, byte[] bytes) {
    int ino = nextInode++;
    names.put(p, ino);
    initialNames.put(p, ino);
    initial.put(ino, bytes.clone());
    live.put(ino, new Mem(bytes));
  }

  List<Op> log() {
    return log;
  }

  byte[] liveContent(Path p) {
    Integer ino = names.get(p);
    return ino == null ? null : live.get(ino).toArray();
  }

  private static final class Mem {
    byte[] data;
    int size;

    Mem(byte[] init) {
      data = Arrays.copyOf(init, Math.max(16, init.length));
      size = init.length;
    }

    void write(long pos, byte[] b) {
      int end = (int) pos + b.length;
      if (end > data.length) {
        data = Arrays.copyOf(data, Math.max(end, data.length * 2));
      }
      if (pos > size) {
        Arrays.fill(data, size, (int) pos, (byte) 0);
      }
      System.arraycopy(b, 0, data, (int) pos, b.length);
      size = Math.max(size, end);
    }

    void truncate(long s) {
      if (s > data.length) {
        data = Arrays.copyOf(data, (int) s);
      }
      if (s > size) {
        Arrays.fill(data, size, (int) s, (byte) 0);
      }
      size = (int) s;
    }

    byte[] toArray() {
      return Arrays.copyOf(data, size);
    }
  }

  @Override
  public Channel open(Path file, boolean create) throws IOException {
    Integer ino = names.get(file);
    if (create) {
      if (ino == null) {
        ino = nextInode++;
        names.put(file, ino);
        live.put(ino, new Mem(new byte[0]));
        log.add(new Op(Kind.CREATE, file, ino, 0, null, 0));
      } else {
        live.get(ino).truncate(0);
        log.add(new Op(Kind.TRUNCATE, file, ino, 0, null, 0));
      }
    } else if (ino == null) {
      throw new NoSuchFileException(file.toString());
    }
    return new Chan(file, ino, false);
  }

  @Override
  public Channel openReadOnly(Path file) throws IOException {
    Integer ino = names.get(file);
    if (ino == null) {
      throw new NoSuchFileException(file.toString());
    }
    return new Chan(file, ino, true);
  }

  @Override
  public boolean exists(Path file) {
    return names.containsKey(file);
  }

  @Override
  public void delete(Path file) {
    Integer ino = names.remove(file);
    if (ino != null) {
      log.add(new Op(Kind.DELETE, file, ino, 0, null, 0));
    }
  }

  @Override
  public void syncDirectory(Path dir) {
    log.add(new Op(Kind.DIRSYNC, dir, 0, 0, null, 0));
  }

  private final class Chan implements Channel {
    final Path path;
    final int ino;
    final boolean readOnly;

    Chan(Path path, int ino, boolean readOnly) {
      this.path = path;
      this.ino = ino;
      this.readOnly = readOnly;
    }

    @Override
    public int read(long position, ByteBuffer dst) {
      Mem m = live.get(ino);
      if (position >= m.size) {
        return -1;
      }
      int n = (int) Math.min(dst.remaining(), m.size - position);
      dst.put(m.data, (int) position, n);
      return n;
    }

    @Override
    public void write(long position, ByteBuffer src) throws IOException {
      if (readOnly) {
        throw new IOException("read-only");
      }
      byte[] b = new byte[src.remaining()];
      src.get(b);
      live.get(ino).write(position, b);
      log.add(new Op(Kind.WRITE, path, ino, position, b, 0));
    }

    @Override
    public long size() {
      return live.get(ino).size;
    }

    @Override
    public void truncate(long size) {
      live.get(ino).truncate(size);
      log.add(new Op(Kind.TRUNCATE, path, ino, 0, null, size));
    }

    @Override
    public void force() {
      log.add(new Op(Kind.FSYNC, path, ino, 0, null, 0));
    }

    @Override
    public void close() {}
  }

  /** How a crash image treats operations not yet made durable. */
  enum Loss {
    NONE_LOST,
    ALL_LOST,
    RANDOM
  }

  /**
   * The files (path → bytes) a power cut after the first {@code cut} operations leaves: durable
   * operations all applied; the others kept in order ({@link Loss#NONE_LOST}), dropped ({@link
   * Loss#ALL_LOST}), or each 4 KiB piece kept with probability 1/2 in a shuffled order ({@link
   * Loss#RANDOM}).
   */
  Map<Path, byte[]> crashImage(int cut, Loss loss, Random rnd) {
    // which operations are durable: a file's data ops up to its last fsync; name ops up to the last
    // dir fsync
    int lastDirSync = -1;
    Map<Integer, Integer> lastFsync = new HashMap<>();
    for (int i = 0; i < cut; i++) {
      Op op = log.get(i);
      if (op.kind() == Kind.DIRSYNC) {
        lastDirSync = i;
      } else if (op.kind() == Kind.FSYNC) {
        lastFsync.put(op.inode(), i);
      }
    }
    Map<Path, Integer> dir = new HashMap<>(initialNames);
    Map<Integer, Mem> files = new HashMap<>();
    for (Map.Entry<Integer, byte[]> e : initial.entrySet()) {
      files.put(e.getKey(), new Mem(e.getValue()));
    }
    List<Op> pendingData = new ArrayList<>();
    for (int i = 0; i < cut; i++) {
      Op op = log.get(i);
      switch (op.kind()) {
        case CREATE -> {
          files.put(op.inode(), new Mem(new byte[0]));
          if (i <= lastDirSync || keep(loss, rnd)) {
            dir.put(op.path(), op.inode());
          }
        }
        case DELETE -> {
          if (i <= lastDirSync || keep(loss, rnd)) {
            dir.remove(op.path(), op.inode());
          }
        }
        case WRITE, TRUNCATE -> {
          if (i <= lastFsync.getOrDefault(op.inode(), -1)) {
            apply(files.get(op.inode()), op);
          } else {
            pendingData.add(op);
          }
        }
        default -> {}
      }
    }
    if (loss == Loss.NONE_LOST) {
      pendingData.forEach(op -> apply(files.get(op.inode()), op));
    } else if (loss == Loss.RANDOM) {
      List<Op> pieces = new ArrayList<>();
      for (Op op : pendingData) {
        if (op.kind() == Kind.WRITE) {
          // pieces end at every multiple of 4 KiB of the file, as the page cache writes them back
          for (int off = 0; off < op.bytes().length; ) {
            long at = op.position() + off;
            int stop =
                (int) Math.min(op.bytes().length, (at / SECTOR + 1) * SECTOR - op.position());
            byte[] part = Arrays.copyOfRange(op.bytes(), off, stop);
            pieces.add(new Op(Kind.WRITE, op.path(), op.inode(), at, part, 0));
            off = stop;
          }
        } else {
          pieces.add(op);
        }
      }
      java.util.Collections.shuffle(pieces, rnd);
      for (Op op : pieces) {
        if (rnd.nextBoolean()) {
          apply(files.get(op.inode()), op);
        }
      }
    }
    Map<Path, byte[]> out = new HashMap<>();
    dir.forEach((p, ino) -> out.put(p, files.get(ino).toArray()));
    return out;
  }

  private static boolean keep(Loss loss, Random rnd) {
    return loss == Loss.NONE_LOST || (loss == Loss.RANDOM && rnd.nextBoolean());
  }

  private static void apply(Mem m, Op op) {
    if (op.kind() == Kind.WRITE) {
      m.write(op.position(), op.bytes());
    } else {
      m.truncate(op.size());
    }
  }
}
