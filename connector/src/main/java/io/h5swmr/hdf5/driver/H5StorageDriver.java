package io.h5swmr.hdf5.driver;

import io.h5swmr.exceptions.H5SwmrDataException;
import java.nio.ByteBuffer;
import java.nio.file.NoSuchFileException;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import org.bytedeco.hdf5.H5FD_class_t;
import org.bytedeco.hdf5.H5FD_t;
import org.bytedeco.hdf5.global.hdf5;
import org.bytedeco.javacpp.BytePointer;
import org.bytedeco.javacpp.CLongPointer;
import org.bytedeco.javacpp.Loader;
import org.bytedeco.javacpp.Pointer;

/**
 * An HDF5 virtual file driver written in Java: every byte HDF5 reads or writes for a file opened
 * through {@link #open} or {@link #create} goes to an {@link H5Storage}. One driver class is
 * registered per process ({@code H5FDregister}); the callbacks are single strongly-held instances
 * (JavaCPP allows at most ten live instances per callback class) and find the per-file state by the
 * address of the {@code H5FD_t} they get.
 *
 * <p>Behaves as HDF5's sec2 driver does (same feature flags, free-list map, end-of-file handling,
 * truncation to the end of allocated space on close), so files come out as sec2 writes them, and no
 * driver-info block is written to the superblock: files stay readable by any HDF5 application with
 * its default driver.
 *
 * <p>All entry points take the process-wide native guard ({@link NativeGuard#call}, shared with
 * {@code io.h5swmr.hdf5.H5Native}); callbacks run on the thread holding it. A Java exception never
 * crosses a callback: it is kept ({@link #lastFailure()}) and HDF5 gets -1.
 */
public final class H5StorageDriver {
  /** User-defined driver class value (256–511 are free for drivers outside the library). */
  static final int CLASS_VALUE = 0x1A5;

  static final String NAME = "h5swmr_storage";
  private static final long MAXADDR = Long.MAX_VALUE;
  private static final int CHUNK = 1 << 30;

  /** Per-file state, keyed by the H5FD_t address HDF5 hands to every callback. */
  private static final Map<Long, OpenFile> FILES = new ConcurrentHashMap<>();

  /** Openers for the files being opened right now, by the name given to H5Fopen/H5Fcreate. */
  private static final Map<String, H5Storage.Opener> PENDING = new ConcurrentHashMap<>();

  private static final ThreadLocal<String> LAST_FAILURE = new ThreadLocal<>();
  private static final long H5FD_T_SIZE = Loader.sizeof(H5FD_t.class);

  private static volatile long driverId = -1;
  // Strong references: the native class struct and every callback it points to live as long as the
  // process.
  private static H5FD_class_t cls;
  private static Object[] callbacks;

  private H5StorageDriver() {}

  /** One open file: its storage and HDF5's end of allocated space. */
  private static final class OpenFile {
    final H5Storage storage;
    final Pointer handle;
    long eoa;

    OpenFile(H5Storage storage, Pointer handle) {
      this.storage = storage;
      this.handle = handle;
    }
  }

  /**
   * Opens the existing HDF5 file {@code name} ({@code H5Fopen} with {@code flags}, e.g. {@code
   * H5F_ACC_RDONLY} or {@code H5F_ACC_RDWR}) with every byte going through the storages {@code
   * opener} makes. HDF5 file locking is off, as everywhere in this project. Returns the HDF5 file
   * id; the caller closes it with {@code H5Fclose}.
   *
   * @param name the file's path as HDF5 should know it (messages; relative external links resolve
   *     against it)
   * @throws H5SwmrDataException naming {@code name} and the storage's error when the open fails
   */
  public static long open(String name, int flags, H5Storage.Opener opener) {
    return withOpener(name, opener, "open", fapl -> hdf5.H5Fopen(name, flags, fapl));
  }

  /**
   * Creates HDF5 file {@code name} ({@code H5Fcreate} with {@code flags}, e.g. {@code
   * H5F_ACC_EXCL}) with file creation properties {@code fcpl} ({@code H5P_DEFAULT} for the
   * defaults) through {@code opener}'s storages.
   */
  public static long create(String name, int flags, long fcpl, H5Storage.Opener opener) {
    return withOpener(name, opener, "create", fapl -> hdf5.H5Fcreate(name, flags, fcpl, fapl));
  }

  /** Failures callbacks caught on each thread so far. */
  private static final ThreadLocal<long[]> FAILURES = ThreadLocal.withInitial(() -> new long[1]);

  /**
   * How many exceptions callbacks caught on this thread so far (compare two values: were there new
   * ones?).
   */
  public static long failures() {
    return FAILURES.get()[0];
  }

  /**
   * The message of the last exception a callback caught on this thread (null when none); keeps it.
   */
  public static String peekFailure() {
    return LAST_FAILURE.get();
  }

  /**
   * The message of the last exception a callback caught on this thread (null when none); clears it.
   */
  public static String lastFailure() {
    String s = LAST_FAILURE.get();
    LAST_FAILURE.remove();
    return s;
  }

  /** Number of files open through the driver now (tests: every open is closed). */
  public static int openFiles() {
    return FILES.size();
  }

  private interface FileCall {
    long call(long fapl);
  }

  private static long withOpener(String name, H5Storage.Opener opener, String what, FileCall call) {
    try {
      return NativeGuard.call(
          () -> {
            long fapl = accessList();
            if (PENDING.putIfAbsent(name, opener) != null) {
              hdf5.H5Pclose(fapl);
              throw new IllegalStateException("re-entrant open of " + name);
            }
            LAST_FAILURE.remove();
            try {
              long fid = call.call(fapl);
              if (fid < 0) {
                String cause = lastFailure();
                throw new H5SwmrDataException(
                    "HDF5 file '"
                        + name
                        + "': could not "
                        + what
                        + " the file through the "
                        + "h5swmr storage driver"
                        + (cause == null ? " (not an HDF5 file, or damaged)" : ": " + cause));
              }
              return fid;
            } finally {
              PENDING.remove(name);
              hdf5.H5Pclose(fapl);
            }
          });
    } catch (RuntimeException e) {
      throw e;
    } catch (Exception e) {
      throw new H5SwmrDataException(
          "HDF5 file '" + name + "': could not " + what + " the file: " + e, e);
    }
  }

  /** A file access list selecting this driver, HDF5 file locking off. Caller holds the guard. */
  private static long accessList() {
    long id = driverId();
    long fapl = hdf5.H5Pcreate(hdf5.H5P_CLS_FILE_ACCESS_ID_g());
    if (fapl < 0
        || hdf5.H5Pset_driver(fapl, id, null) < 0
        || hdf5.H5Pset_file_locking(fapl, false, true) < 0) {
      if (fapl >= 0) {
        hdf5.H5Pclose(fapl);
      }
      throw new H5SwmrDataException(
          "could not set up the h5swmr storage driver's file access list");
    }
    return fapl;
  }

  /** Registers the driver class once per process (caller holds the guard). */
  static long driverId() {
    if (driverId >= 0) {
      return driverId;
    }
    hdf5.H5open();
    H5FD_class_t c = new H5FD_class_t();
    Object[] keep = {
      new Open(),
      new Close(),
      new Cmp(),
      new Query(),
      new GetEoa(),
      new SetEoa(),
      new GetEof(),
      new Read(),
      new Write(),
      new Truncate(),
      new BytePointer(NAME)
    };
    c.version(hdf5.H5FD_CLASS_VERSION)
        .value(CLASS_VALUE)
        .name((BytePointer) keep[10])
        .maxaddr(MAXADDR)
        .fc_degree(hdf5.H5F_CLOSE_WEAK)
        .fapl_size(0)
        .dxpl_size(0)
        .open((Open) keep[0])
        ._close((Close) keep[1])
        .cmp((Cmp) keep[2])
        .query((Query) keep[3])
        .get_eoa((GetEoa) keep[4])
        .set_eoa((SetEoa) keep[5])
        .get_eof((GetEof) keep[6])
        .read((Read) keep[7])
        .write((Write) keep[8])
        .truncate((Truncate) keep[9]);
    // sec2's free-list map (H5FD_FLMAP_DICHOTOMY): raw data and global heaps apart from all other
    // metadata.
    int[] map = {
      hdf5.H5FD_MEM_SUPER,
      hdf5.H5FD_MEM_SUPER,
      hdf5.H5FD_MEM_SUPER,
      hdf5.H5FD_MEM_DRAW,
      hdf5.H5FD_MEM_DRAW,
      hdf5.H5FD_MEM_SUPER,
      hdf5.H5FD_MEM_SUPER
    };
    for (int i = 0; i < map.length; i++) {
      c.fl_map(i, map[i]);
    }
    long id = hdf5.H5FDregister(c);
    if (id < 0) {
      throw new H5SwmrDataException(
          "could not register the h5swmr storage driver with HDF5 (H5FDregister)");
    }
    cls = c;
    callbacks = keep;
    driverId = id;
    return id;
  }

  private static void fail(Throwable t) {
    String msg = t.getMessage() == null ? t.getClass().getSimpleName() : t.getMessage();
    if (t instanceof NoSuchFileException) {
      msg = "no such file: " + msg;
    }
    LAST_FAILURE.set(msg);
    FAILURES.get()[0]++;
  }

  private static OpenFile state(H5FD_t f) {
    OpenFile o = FILES.get(f.address());
    if (o == null) {
      throw new IllegalStateException("unknown file handle " + f.address());
    }
    return o;
  }

  /** Memory HDF5 passed, {@code len} bytes from {@code off}, as a ByteBuffer. */
  private static ByteBuffer slice(Pointer buf, long off, int len) {
    BytePointer p = new BytePointer(buf);
    p.position(off).limit(off + len);
    return p.asByteBuffer();
  }

  // ------------------------------------------------------------------------------------------
  // callbacks

  private static final class Open extends H5FD_class_t.Open_BytePointer_int_long_long {
    @Override
    public H5FD_t call(BytePointer name, int flags, long fapl, long maxaddr) {
      try {
        String n = name.getString();
        H5Storage.Opener opener = PENDING.get(n);
        if (opener == null) {
          throw new IllegalStateException("no storage registered for " + n);
        }
        boolean write = (flags & hdf5.H5F_ACC_RDWR) != 0;
        boolean create = (flags & hdf5.H5F_ACC_CREAT) != 0;
        H5Storage.Access access =
            new H5Storage.Access(
                write, create, (flags & hdf5.H5F_ACC_TRUNC) != 0, (flags & hdf5.H5F_ACC_EXCL) != 0);
        H5Storage storage = opener.open(access);
        Pointer mem = Pointer.calloc(1, H5FD_T_SIZE);
        if (mem == null || mem.isNull()) {
          storage.close();
          throw new OutOfMemoryError("H5FD_t");
        }
        OpenFile o = new OpenFile(storage, mem);
        FILES.put(mem.address(), o);
        return new H5FD_t(mem);
      } catch (Throwable t) {
        fail(t);
        return null;
      }
    }
  }

  private static final class Close extends H5FD_class_t.Close_H5FD_t {
    @Override
    public int call(H5FD_t f) {
      OpenFile o = FILES.remove(f.address());
      if (o == null) {
        return -1;
      }
      try {
        o.storage.close();
        return 0;
      } catch (Throwable t) {
        fail(t);
        return -1;
      } finally {
        Pointer.free(o.handle);
      }
    }
  }

  private static final class Cmp extends H5FD_class_t.Cmp_H5FD_t_H5FD_t {
    @Override
    public int call(H5FD_t a, H5FD_t b) {
      try {
        int c = state(a).storage.identity().compareTo(state(b).storage.identity());
        return Integer.signum(c);
      } catch (Throwable t) {
        fail(t);
        return Long.compare(a.address(), b.address());
      }
    }
  }

  private static final class Query extends H5FD_class_t.Query_H5FD_t_CLongPointer {
    @Override
    public int call(H5FD_t f, CLongPointer flags) {
      flags.put(
          (long)
              (hdf5.H5FD_FEAT_AGGREGATE_METADATA
                  | hdf5.H5FD_FEAT_ACCUMULATE_METADATA
                  | hdf5.H5FD_FEAT_DATA_SIEVE
                  | hdf5.H5FD_FEAT_AGGREGATE_SMALLDATA
                  | hdf5.H5FD_FEAT_DEFAULT_VFD_COMPATIBLE));
      return 0;
    }
  }

  private static final class GetEoa extends H5FD_class_t.Get_eoa_H5FD_t_int {
    @Override
    public long call(H5FD_t f, int type) {
      try {
        return state(f).eoa;
      } catch (Throwable t) {
        fail(t);
        return -1; // HADDR_UNDEF
      }
    }
  }

  private static final class SetEoa extends H5FD_class_t.Set_eoa_H5FD_t_int_long {
    @Override
    public int call(H5FD_t f, int type, long addr) {
      try {
        state(f).eoa = addr;
        return 0;
      } catch (Throwable t) {
        fail(t);
        return -1;
      }
    }
  }

  private static final class GetEof extends H5FD_class_t.Get_eof_H5FD_t_int {
    @Override
    public long call(H5FD_t f, int type) {
      try {
        return state(f).storage.size();
      } catch (Throwable t) {
        fail(t);
        return -1;
      }
    }
  }

  private static final class Read extends H5FD_class_t.Read_H5FD_t_int_long_long_long_Pointer {
    @Override
    public int call(H5FD_t f, int type, long dxpl, long addr, long size, Pointer buf) {
      try {
        H5Storage s = state(f).storage;
        long done = 0;
        while (done < size) {
          int len = (int) Math.min(CHUNK, size - done);
          ByteBuffer b = slice(buf, done, len);
          while (b.hasRemaining()) {
            int n = s.read(addr + done + b.position(), b);
            if (n < 0) {
              // Beyond the end of file: zeros, as sec2 does.
              while (b.hasRemaining()) {
                b.put((byte) 0);
              }
            }
          }
          done += len;
        }
        return 0;
      } catch (Throwable t) {
        fail(t);
        return -1;
      }
    }
  }

  private static final class Write extends H5FD_class_t.Write_H5FD_t_int_long_long_long_Pointer {
    @Override
    public int call(H5FD_t f, int type, long dxpl, long addr, long size, Pointer buf) {
      try {
        H5Storage s = state(f).storage;
        long done = 0;
        while (done < size) {
          int len = (int) Math.min(CHUNK, size - done);
          s.write(addr + done, slice(buf, done, len));
          done += len;
        }
        return 0;
      } catch (Throwable t) {
        fail(t);
        return -1;
      }
    }
  }

  private static final class Truncate extends H5FD_class_t.Truncate_H5FD_t_long_boolean {
    @Override
    public int call(H5FD_t f, long dxpl, boolean closing) {
      try {
        OpenFile o = state(f);
        // As sec2: make the end of file the end of allocated space (only when writable).
        if (o.storage.isWritable() && o.storage.size() != o.eoa) {
          o.storage.truncate(o.eoa);
        }
        return 0;
      } catch (Throwable t) {
        fail(t);
        return -1;
      }
    }
  }

  /** True once the driver class is registered in this process. */
  static boolean registered() {
    return cls != null && callbacks != null;
  }
}
