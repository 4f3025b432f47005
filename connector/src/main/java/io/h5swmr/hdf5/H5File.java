package io.h5swmr.hdf5;

import hdf.hdf5lib.H5;
import hdf.hdf5lib.HDF5Constants;
import hdf.hdf5lib.structs.H5O_info_t;
import io.h5swmr.exceptions.H5SwmrDataException;
import io.h5swmr.exceptions.H5SwmrNotFoundException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.Paths;
import java.util.ArrayList;
import java.util.Collections;
import java.util.HashMap;
import java.util.List;
import java.util.Map;

/**
 * An open HDF5 file. Opened read-only (never modifies the file), read-write or created; HDF5's own
 * file locking is always disabled because access is coordinated by the connector's Redis lease, and
 * a flock on a shared file system would only block other readers (h5py included) or fail outright.
 *
 * <p>Native writers: {@link #openReadOnly} first looks at what native HDF5 writers are doing with
 * the file ({@link NativeWriters}): a file marked open by a SWMR writer is opened in SWMR-read mode
 * ({@link #isSwmrRead()}; datasets are then refreshed on open and {@link H5Dataset#flushedRows()}
 * bounds what was flushed); a file a non-SWMR writer has open is refused with an {@link
 * io.h5swmr.exceptions.H5SwmrFileInUseException} saying so.
 *
 * <p>Paths inside the file are absolute ("/group/data"); a missing leading slash is added. Not
 * thread-safe as an object (use one per task), but any number of files may be used from any
 * threads: every native call goes through {@link H5Native#call}.
 */
public final class H5File implements AutoCloseable {
  /** Chunks the default chunk cache of {@link #openDataset(String)} holds. */
  public static final int CACHED_CHUNKS = 2;

  /** Upper bound of the default chunk cache per open dataset. */
  public static final long MAX_CHUNK_CACHE_BYTES = 256L << 20;

  private static final long MIN_CHUNK_CACHE_BYTES = 1L << 20;
  private static final long CHUNK_CACHE_SLOTS = 10_007; // prime, as HDF5 recommends
  private static final long DEFAULT = H5Calls.DEFAULT;
  private static final int MAX_LISTED = 20;

  private final String path;
  private final boolean readOnly;
  private final H5Id id;
  private boolean swmrRead;

  /**
   * The SWMR-read turn this handle holds until closed ({@link SwmrOpenLocks}); null when not
   * SWMR-read.
   */
  private Object swmrTurn;

  private long userBlock = -1;
  private H5ByteSource rawBytes;

  /**
   * Opened through an {@code H5Storage} (a committed journal's overlay, a remote object): the bytes
   * on disk at {@link #path} are not (all) the file HDF5 sees, so chunks are never read from them
   * directly.
   */
  private boolean throughStorage;

  /**
   * A remote file ({@link #openRemote}): its Hadoop configuration and what its storage saw at open;
   * else null.
   */
  private org.apache.hadoop.conf.Configuration remoteConf;

  private io.h5swmr.hdf5.driver.HadoopStorage remote;

  private H5File(String path, boolean readOnly, H5Id id) {
    this.path = path;
    this.readOnly = readOnly;
    this.id = id;
  }

  /**
   * Where a reader finds the committed state of a local file when the bytes on disk are not it (a
   * writer died after its commit point but before applying its journal, docs/journal.md). H5File
   * knows no journal: the caller hands it one of these (the journal package's {@code
   * JournalOverlay.COMMITTED}); {@link #AS_ON_DISK} reads the file as it is.
   */
  @FunctionalInterface
  public interface CommittedView {
    /** The file's bytes on disk are its committed state. */
    CommittedView AS_ON_DISK = file -> null;

    /**
     * An opener through which {@code file} reads as last committed, or null when its bytes on disk
     * are that state.
     *
     * @throws java.io.IOException when that cannot be told (the plain open then reports what is
     *     wrong with the file)
     */
    io.h5swmr.hdf5.driver.H5Storage.Opener committed(Path file) throws java.io.IOException;
  }

  /**
   * Opens an existing file read-only as it is on disk. A file a writer of this project may have
   * left with a committed journal beside it is opened with {@link #openReadOnly(String,
   * CommittedView)} instead.
   */
  public static H5File openReadOnly(String path) {
    return open(path, true);
  }

  /**
   * Opens an existing file read-only in its committed state: through the opener {@code view} gives
   * when there is one (e.g. a committed journal's overlay: read-only), else as it is on disk.
   */
  public static H5File openReadOnly(String path, CommittedView view) {
    io.h5swmr.hdf5.driver.H5Storage.Opener committed;
    Path file = Paths.get(normalizeFile(path));
    try {
      committed = view.committed(file);
    } catch (java.io.IOException | java.io.UncheckedIOException e) {
      committed = null; // the plain open reports what is wrong with the file
    }
    return committed != null ? openReadOnly(file.toString(), committed) : open(path, true);
  }

  /** Opens an existing file for reading and writing. */
  public static H5File openReadWrite(String path) {
    return open(path, false);
  }

  /** Creates a new file; fails if a file already exists at {@code path}. */
  public static H5File create(String path) {
    String p = normalizeFile(path);
    if (Files.exists(Paths.get(p))) {
      throw new H5SwmrDataException(
          "HDF5 file '" + p + "' already exists; open it read-write instead");
    }
    Path parent = Paths.get(p).getParent();
    if (parent != null && !Files.isDirectory(parent)) {
      throw new H5SwmrNotFoundException(
          "HDF5 file '" + p + "' cannot be created: directory '" + parent + "' does not exist");
    }
    long fid =
        H5Calls.run(
            p,
            null,
            "could not create the file",
            () -> {
              try (H5Id fapl = accessList()) {
                return H5Calls.check(
                    H5Names.fcreate(p, HDF5Constants.H5F_ACC_EXCL, DEFAULT, fapl.id()),
                    "H5Fcreate");
              }
            });
    return new H5File(p, false, H5Id.file(fid));
  }

  /** Opens {@code path} read-write, creating an empty file first when none exists. */
  public static H5File openOrCreate(String path) {
    return Files.exists(Paths.get(normalizeFile(path))) ? openReadWrite(path) : create(path);
  }

  // ------------------------------------------------------------------ through a storage (h5swmr
  // storage driver)

  /**
   * Opens the existing file {@code path} read-only with every byte read through the storages {@code
   * storage} makes ({@link io.h5swmr.hdf5.driver.H5StorageDriver}); e.g. a committed journal's
   * overlay, a remote object.
   */
  public static H5File openReadOnly(String path, io.h5swmr.hdf5.driver.H5Storage.Opener storage) {
    return openThrough(path, true, storage);
  }

  /**
   * Opens the existing file {@code path} read-write through {@code storage} (e.g. a journaled write
   * session).
   */
  public static H5File openReadWrite(String path, io.h5swmr.hdf5.driver.H5Storage.Opener storage) {
    return openThrough(path, false, storage);
  }

  /** Creates the file {@code path} (which must not exist) through {@code storage}. */
  public static H5File create(String path, io.h5swmr.hdf5.driver.H5Storage.Opener storage) {
    String p = normalizeFile(path);
    long fid =
        io.h5swmr.hdf5.driver.H5StorageDriver.create(
            p, HDF5Constants.H5F_ACC_EXCL, DEFAULT, storage);
    H5File f = new H5File(p, false, H5Id.file(fid));
    f.throughStorage = true;
    return f;
  }

  private static H5File openThrough(
      String path, boolean readOnly, io.h5swmr.hdf5.driver.H5Storage.Opener storage) {
    String p = normalizeFile(path);
    long fid =
        io.h5swmr.hdf5.driver.H5StorageDriver.open(
            p, readOnly ? HDF5Constants.H5F_ACC_RDONLY : HDF5Constants.H5F_ACC_RDWR, storage);
    H5File f = new H5File(p, readOnly, H5Id.file(fid));
    f.throughStorage = true;
    return f;
  }

  /**
   * Opens the file at {@code uri} on a Hadoop {@code FileSystem} (s3a, abfss, gs, hdfs, ...)
   * read-only: HDF5 reads its metadata through a {@link io.h5swmr.hdf5.driver.HadoopStorage}
   * (positional reads, block cache), and the Java chunk path reads chunk bytes with positional
   * reads of the same object ({@link #rawBytes()}).
   *
   * @param uri a fully qualified URI (as listed by Hadoop), used as the file's name in messages
   * @param conf the Hadoop configuration holding the file system's settings and credentials
   */
  public static H5File openRemote(String uri, org.apache.hadoop.conf.Configuration conf) {
    org.apache.hadoop.fs.Path p = new org.apache.hadoop.fs.Path(uri);
    io.h5swmr.hdf5.driver.H5Storage.Opener storages =
        io.h5swmr.hdf5.driver.HadoopStorage.opener(p.toUri(), conf);
    io.h5swmr.hdf5.driver.HadoopStorage[] opened = new io.h5swmr.hdf5.driver.HadoopStorage[1];
    long fid =
        io.h5swmr.hdf5.driver.H5StorageDriver.open(
            uri,
            HDF5Constants.H5F_ACC_RDONLY,
            access -> {
              io.h5swmr.hdf5.driver.HadoopStorage s =
                  (io.h5swmr.hdf5.driver.HadoopStorage) storages.open(access);
              opened[0] = s;
              return s;
            });
    H5File f = new H5File(uri, true, H5Id.file(fid));
    f.throughStorage = true;
    f.remoteConf = conf;
    f.remote = opened[0];
    return f;
  }

  /**
   * Length in bytes of a remote file when it was opened ({@link #openRemote}); -1 for local files.
   */
  public long remoteLength() {
    return remote == null ? -1 : remote.length();
  }

  /** ETag of a remote file when it was opened, where its file system offers one; else null. */
  public String remoteEtag() {
    return remote == null ? null : remote.etag();
  }

  /** Modification time (epoch ms) of a remote file when it was opened; -1 for local files. */
  public long remoteModificationTime() {
    return remote == null ? -1 : remote.modificationTime();
  }

  private static String normalizeFile(String path) {
    if (path == null || path.isEmpty()) {
      throw new H5SwmrDataException("HDF5 file path is empty");
    }
    return Paths.get(path).toAbsolutePath().normalize().toString();
  }

  private static H5File open(String path, boolean readOnly) {
    if (readOnly) {
      try {
        return openOnce(path, true);
      } catch (WriterStartedException e) {
        // A native writer opened the file between the status check and H5Fopen: look again, once.
        return openOnce(path, true);
      }
    }
    return openOnce(path, false);
  }

  /**
   * H5Fopen refused a read-only open because the file became marked for writing after it was
   * checked.
   */
  private static final class WriterStartedException
      extends io.h5swmr.exceptions.H5SwmrFileInUseException {
    private static final long serialVersionUID = 1L;

    WriterStartedException(String file, String stack) {
      super(
          "HDF5 file '"
              + file
              + "' was opened for writing by a native HDF5 writer while h5swmr opened it, twice "
              + "in a row (HDF5: "
              + stack
              + "); retry the read once the writer has started");
    }
  }

  private static H5File openOnce(String path, boolean readOnly) {
    String p = normalizeFile(path);
    Path file = Paths.get(p);
    if (!Files.exists(file)) {
      throw new H5SwmrNotFoundException("HDF5 file '" + p + "' does not exist");
    }
    if (!Files.isRegularFile(file)) {
      throw new H5SwmrDataException("HDF5 file '" + p + "' is not a regular file");
    }
    if (!Files.isReadable(file) || (!readOnly && !Files.isWritable(file))) {
      throw new H5SwmrDataException(
          "HDF5 file '"
              + p
              + "' is not "
              + (readOnly ? "readable" : "writable")
              + " by this process");
    }
    boolean swmr = readOnly && NativeWriters.inspect(file).checkReadable();
    // One SWMR-read handle of a file at a time in this process (SwmrOpenLocks: shared metadata
    // cache).
    Object turn = swmr ? SwmrOpenLocks.key(p) : null;
    if (turn != null) {
      SwmrOpenLocks.acquire(turn, p);
    }
    long fid;
    try {
      fid = openId(p, file, readOnly, swmr);
    } catch (RuntimeException | Error e) {
      if (turn != null) {
        SwmrOpenLocks.release(turn);
      }
      throw e;
    }
    H5File h = new H5File(p, readOnly, H5Id.file(fid));
    h.swmrRead = swmr;
    h.swmrTurn = turn;
    return h;
  }

  /**
   * Runs {@code block} holding the SWMR-read turn of local file {@code path} (see {@link
   * #openReadOnly}): opens of it inside {@code block} on this thread do not wait, also under {@link
   * H5Native#exclusively}.
   */
  public static <T> T withSwmrTurn(String path, java.util.function.Supplier<T> block) {
    return SwmrOpenLocks.holding(normalizeFile(path), block);
  }

  private static long openId(String p, Path file, boolean readOnly, boolean swmr) {
    return H5Calls.run(
        p,
        null,
        "could not open the file",
        () -> {
          try (H5Id fapl = accessList()) {
            // The signature probe opens the file a second time: for read-only opens of non-empty
            // files (planning opens thousands) it runs only when the open fails. HDF5 opens an
            // empty file read-write without error.
            if ((!readOnly || Files.size(file) == 0) && !H5Names.fisAccessible(p, fapl.id())) {
              H5Calls.stackText();
              throw new H5SwmrDataException(
                  "HDF5 file '"
                      + p
                      + "' is not an HDF5 file (no HDF5 signature; "
                      + Files.size(file)
                      + " bytes)");
            }
            long f = hdf5Open(p, readOnly, swmr, fapl.id());
            if (f < 0) {
              String stack = H5Calls.stackText();
              // Only on failure (a second open per file costs planning time): was it HDF5 at all?
              if (!H5Names.fisAccessible(p, fapl.id())) {
                H5Calls.stackText();
                throw new H5SwmrDataException(
                    "HDF5 file '"
                        + p
                        + "' is not an HDF5 file (no HDF5 signature; "
                        + Files.size(file)
                        + " bytes)");
              }
              String detail = stack.isEmpty() ? "" : " (HDF5: " + stack + ")";
              if (readOnly
                  && (stack.contains("already open for write")
                      || stack.contains("not already open for SWMR"))) {
                throw new WriterStartedException(p, stack);
              }
              if (stack.contains("already open for write")) {
                throw new io.h5swmr.exceptions.H5SwmrFileInUseException(
                    "HDF5 file '"
                        + p
                        + "' is marked open for "
                        + "writing by a native HDF5 writer (SWMR or not), so it cannot be opened for writing"
                        + detail
                        + "; the file is not corrupt: wait until that writer closes it (h5clear -s is only for a file "
                        + "whose writer crashed)");
              }
              if (stack.contains("already open for read-only")) {
                throw new H5SwmrDataException(
                    "HDF5 file '"
                        + p
                        + "' is already open read-only in this process; "
                        + "close every reader of it before opening it for writing"
                        + detail);
              }
              if (stack.contains("unable to lock file")) {
                throw new H5SwmrDataException(
                    "HDF5 file '" + p + "' is locked by another process" + detail);
              }
              throw new H5SwmrDataException(
                  "HDF5 file '"
                      + p
                      + "' is a truncated or corrupt HDF5 file: it has an "
                      + "HDF5 signature but cannot be opened"
                      + detail);
            }
            return f;
          }
        });
  }

  private static long hdf5Open(String p, boolean readOnly, boolean swmr, long fapl) {
    int flags = readOnly ? HDF5Constants.H5F_ACC_RDONLY : HDF5Constants.H5F_ACC_RDWR;
    return H5Names.fopen(p, swmr ? flags | HDF5Constants.H5F_ACC_SWMR_READ : flags, fapl);
  }

  /** File access properties: no file locking (ignored if the file system cannot lock anyway). */
  private static H5Id accessList() throws Exception {
    H5Id fapl = H5Id.plist(H5.H5Pcreate(HDF5Constants.H5P_FILE_ACCESS));
    H5.H5Pset_file_locking(fapl.id(), false, true);
    return fapl;
  }

  /** Absolute, normalized file path. */
  public String path() {
    return path;
  }

  public boolean isReadOnly() {
    return readOnly;
  }

  /**
   * Whether the file was opened in SWMR-read mode because a native SWMR writer has it open (or
   * crashed with it open): its datasets may grow while open; see {@link H5Dataset#flushedRows()}.
   */
  public boolean isSwmrRead() {
    return swmrRead;
  }

  long id() {
    return id.id();
  }

  static String normalize(String objectPath) {
    if (objectPath == null || objectPath.isEmpty() || objectPath.equals("/")) {
      return "/";
    }
    String p = objectPath.startsWith("/") ? objectPath : "/" + objectPath;
    while (p.length() > 1 && p.endsWith("/")) {
      p = p.substring(0, p.length() - 1);
    }
    return p;
  }

  // ------------------------------------------------------------------------------------------
  // metadata

  /** What {@code objectPath} names: group, dataset, other object or nothing. */
  public H5ObjectKind kind(String objectPath) {
    String p = normalize(objectPath);
    return H5Calls.run(path, p, "could not inspect the path", () -> kindOf(p));
  }

  private H5ObjectKind kindOf(String p) throws Exception {
    if (p.equals("/")) {
      return H5ObjectKind.GROUP;
    }
    // H5Lexists fails on a missing intermediate group, so walk the components.
    int from = 1;
    while (true) {
      int slash = p.indexOf('/', from);
      String prefix = slash < 0 ? p : p.substring(0, slash);
      if (org.bytedeco.hdf5.global.hdf5.H5Lexists(id(), prefix, DEFAULT) <= 0) {
        H5Calls.stackText();
        return H5ObjectKind.MISSING;
      }
      if (slash < 0) {
        break;
      }
      from = slash + 1;
    }
    if (org.bytedeco.hdf5.global.hdf5.H5Oexists_by_name(id(), p, DEFAULT) <= 0) {
      H5Calls.stackText();
      return H5ObjectKind.MISSING; // dangling soft or external link
    }
    int type = H5Names.otype(id(), p, DEFAULT);
    return type == HDF5Constants.H5O_TYPE_GROUP
        ? H5ObjectKind.GROUP
        : type == HDF5Constants.H5O_TYPE_DATASET ? H5ObjectKind.DATASET : H5ObjectKind.OTHER;
  }

  /**
   * Every dataset in the file as absolute paths, in the order h5py lists them: link creation order
   * where the groups track it (h5py's {@code track_order=True}, netCDF-4), else sorted.
   */
  public List<String> listDatasets() {
    return listDatasets("/");
  }

  /**
   * Every dataset under group {@code groupPath}, recursively, ordered as {@link #listDatasets()}.
   */
  public List<String> listDatasets(String groupPath) {
    String g = normalize(groupPath);
    return H5Calls.run(
        path,
        g,
        "could not list datasets",
        () -> {
          H5ObjectKind kind = kindOf(g);
          if (kind != H5ObjectKind.GROUP) {
            throw new H5SwmrNotFoundException(
                H5Calls.where(path, g) + "is not a group (" + kind + ")");
          }
          List<String> out = new ArrayList<>();
          List<String> groups = new ArrayList<>();
          String prefix = g.equals("/") ? "/" : g + "/";
          try (H5Id grp = H5Id.group(H5Names.gopen(id(), g, DEFAULT))) {
            groups.add(g);
            for (String name : H5Names.visit(grp.id(), HDF5Constants.H5O_TYPE_DATASET)) {
              out.add(prefix + name);
            }
            for (String name : H5Names.visit(grp.id(), HDF5Constants.H5O_TYPE_GROUP)) {
              if (!name.equals(".")) {
                groups.add(prefix + name);
              }
            }
          }
          Collections.sort(out);
          Map<String, Boolean> tracked = new HashMap<>();
          boolean any = false;
          for (String grpPath : groups) {
            boolean t = tracksCreationOrder(grpPath);
            tracked.put(grpPath, t);
            any |= t;
          }
          if (any) {
            Map<String, Long> corder = new HashMap<>();
            for (String d : out) {
              for (int k = d.indexOf('/', 1); ; k = d.indexOf('/', k + 1)) {
                String link = k < 0 ? d : d.substring(0, k);
                if (link.length() > prefix.length() || link.equals(d)) {
                  corder.computeIfAbsent(link, this::creationIndex);
                }
                if (k < 0) {
                  break;
                }
              }
            }
            out.sort((a, b) -> compareOrdered(a, b, tracked, corder));
          }
          return out;
        });
  }

  /**
   * Depth-first order as h5py lists a group's members: a group that tracks link creation order
   * (h5py's {@code track_order=True}, netCDF-4) by creation order, any other by name.
   */
  private static int compareOrdered(
      String a, String b, Map<String, Boolean> tracked, Map<String, Long> corder) {
    int from = 1;
    while (true) {
      int ea = a.indexOf('/', from);
      int eb = b.indexOf('/', from);
      String ca = a.substring(from, ea < 0 ? a.length() : ea);
      String cb = b.substring(from, eb < 0 ? b.length() : eb);
      if (!ca.equals(cb)) {
        String parent = from == 1 ? "/" : a.substring(0, from - 1);
        if (tracked.getOrDefault(parent, false)) {
          long oa = corder.getOrDefault(a.substring(0, ea < 0 ? a.length() : ea), -1L);
          long ob = corder.getOrDefault(b.substring(0, eb < 0 ? b.length() : eb), -1L);
          if (oa >= 0 && ob >= 0 && oa != ob) {
            return Long.compare(oa, ob);
          }
        }
        return ca.compareTo(cb);
      }
      if (ea < 0 || eb < 0) {
        return Integer.compare(a.length(), b.length());
      }
      from = ea + 1;
    }
  }

  /** Whether the group at {@code groupPath} keeps its links' creation order. */
  private boolean tracksCreationOrder(String groupPath) throws Exception {
    try (H5Id grp = H5Id.group(H5Names.gopen(id(), groupPath, DEFAULT));
        H5Id gcpl = H5Id.plist(H5.H5Gget_create_plist(grp.id()))) {
      return (H5.H5Pget_link_creation_order(gcpl.id()) & HDF5Constants.H5P_CRT_ORDER_TRACKED) != 0;
    }
  }

  /**
   * The creation index of the link at {@code linkPath}, or -1 when its group does not record one.
   */
  private long creationIndex(String linkPath) {
    try {
      hdf.hdf5lib.structs.H5L_info_t info = H5.H5Lget_info(id(), linkPath, DEFAULT);
      return info.corder_valid ? info.corder : -1;
    } catch (Exception e) {
      return -1;
    }
  }

  /** Attributes of the object at {@code objectPath} ("/" for the file's root group). */
  public Map<String, Object> attributes(String objectPath) {
    String p = normalize(objectPath);
    return H5Calls.run(
        path,
        p,
        "could not read attributes",
        () -> {
          requireExists(p);
          try (H5Id o = H5Id.object(H5Names.oopen(id(), p, DEFAULT))) {
            return Collections.unmodifiableMap(H5Attributes.readAll(o.id()));
          }
        });
  }

  private void requireExists(String p) throws Exception {
    if (kindOf(p) == H5ObjectKind.MISSING) {
      throw new H5SwmrNotFoundException(H5Calls.where(path, p) + "no such object");
    }
  }

  /** Metadata of the dataset at {@code datasetPath} (opens and closes it). */
  public H5DatasetInfo datasetInfo(String datasetPath) {
    try (H5Dataset d = openDataset(datasetPath, 0)) { // metadata only: no chunk cache to size
      return d.info();
    }
  }

  /**
   * Opens the dataset at {@code datasetPath} with a chunk cache sized to hold {@link
   * #CACHED_CHUNKS} chunks (at least HDF5's 1 MiB default, at most {@link #MAX_CHUNK_CACHE_BYTES}),
   * so reading a chunk in several smaller row ranges decompresses it once.
   *
   * @throws H5SwmrNotFoundException when nothing is there (message lists the file's datasets)
   * @throws H5SwmrDataException when the path is a group or another kind of object
   */
  public H5Dataset openDataset(String datasetPath) {
    return openDataset(datasetPath, -1);
  }

  /**
   * Opens the dataset at {@code datasetPath} with a chunk cache of {@code chunkCacheBytes} (0
   * disables it; negative sizes it as {@link #openDataset(String)} does).
   */
  public H5Dataset openDataset(String datasetPath, long chunkCacheBytes) {
    String p = normalize(datasetPath);
    long did =
        H5Calls.run(
            path,
            p,
            "could not open the dataset",
            () -> {
              H5ObjectKind kind = kindOf(p);
              if (kind == H5ObjectKind.MISSING) {
                throw new H5SwmrNotFoundException(
                    H5Calls.where(path, p) + "no dataset at this path; " + describeDatasets("/"));
              }
              if (kind == H5ObjectKind.GROUP) {
                throw new H5SwmrDataException(
                    H5Calls.where(path, p) + "is a group, not a dataset; " + describeDatasets(p));
              }
              if (kind == H5ObjectKind.OTHER) {
                throw new H5SwmrDataException(
                    H5Calls.where(path, p) + "is neither a dataset nor a group");
              }
              long cache = chunkCacheBytes >= 0 ? chunkCacheBytes : defaultChunkCache(p);
              try (H5Id dapl = chunkCacheList(cache)) {
                long d = H5Names.dopen(id(), p, dapl.id());
                if (swmrRead) {
                  // Another open handle of this file in this process shares HDF5's metadata cache,
                  // which may hold an older extent; refresh the dataset's metadata from the file as
                  // SWMR readers do.
                  try {
                    H5Calls.check(org.bytedeco.hdf5.global.hdf5.H5Drefresh(d), "H5Drefresh");
                  } catch (Exception e) {
                    H5.H5Dclose(d);
                    throw e;
                  }
                }
                return d;
              }
            });
    return new H5Dataset(this, p, H5Id.dataset(did));
  }

  private static H5Id chunkCacheList(long bytes) throws Exception {
    H5Id dapl = H5Id.plist(H5.H5Pcreate(HDF5Constants.H5P_DATASET_ACCESS));
    H5.H5Pset_chunk_cache(dapl.id(), CHUNK_CACHE_SLOTS, bytes, 0.75);
    return dapl;
  }

  /**
   * Cache bytes for {@link #CACHED_CHUNKS} chunks of the dataset at {@code p} (HDF5 default if
   * contiguous).
   */
  private long defaultChunkCache(String p) throws Exception {
    try (H5Id d = H5Id.dataset(H5Names.dopen(id(), p, DEFAULT));
        H5Id dcpl = H5Id.plist(H5.H5Dget_create_plist(d.id()));
        H5Id type = H5Id.type(H5.H5Dget_type(d.id()))) {
      if (H5.H5Pget_layout(dcpl.id()) != HDF5Constants.H5D_CHUNKED) {
        return MIN_CHUNK_CACHE_BYTES;
      }
      int rank;
      try (H5Id space = H5Id.space(H5.H5Dget_space(d.id()))) {
        rank = H5.H5Sget_simple_extent_ndims(space.id());
      }
      long[] chunk = new long[rank];
      H5.H5Pget_chunk(dcpl.id(), rank, chunk);
      long bytes = H5.H5Tget_size(type.id());
      for (long c : chunk) {
        bytes *= c;
      }
      return Math.max(
          MIN_CHUNK_CACHE_BYTES, Math.min(MAX_CHUNK_CACHE_BYTES, CACHED_CHUNKS * bytes));
    }
  }

  private String describeDatasets(String group) {
    List<String> all = listDatasets(group);
    String where = group.equals("/") ? "the file" : "group '" + group + "'";
    if (all.isEmpty()) {
      return where + " has no datasets";
    }
    List<String> shown = all.size() > MAX_LISTED ? all.subList(0, MAX_LISTED) : all;
    return where
        + " has datasets: "
        + String.join(", ", shown)
        + (all.size() > shown.size() ? ", ... (" + all.size() + " in all)" : "");
  }

  // ------------------------------------------------------------------------------------------
  // writing

  private void requireWritable(String what) {
    if (readOnly) {
      throw new H5SwmrDataException(H5Calls.where(path, null) + "opened read-only; cannot " + what);
    }
  }

  /**
   * Creates a chunked dataset at {@code datasetPath} (intermediate groups included) with 0 rows,
   * extensible along dimension 0.
   */
  public H5Dataset createDataset(String datasetPath, H5DatasetSpec spec) {
    return createDataset(datasetPath, spec, -1);
  }

  /**
   * As {@link #createDataset(String, H5DatasetSpec)}, opened with a chunk cache of {@code
   * chunkCacheBytes} (negative: HDF5's default). Writers appending blocks that do not end on chunk
   * boundaries want a cache that holds the partial chunk until the next block completes it, or HDF5
   * writes (and reads back) it twice.
   */
  public H5Dataset createDataset(String datasetPath, H5DatasetSpec spec, long chunkCacheBytes) {
    requireWritable("create a dataset");
    String p = normalize(datasetPath);
    long did =
        H5Calls.run(
            path,
            p,
            "could not create dataset of type " + spec.type(),
            () -> {
              if (kindOf(p) != H5ObjectKind.MISSING) {
                throw new H5SwmrDataException(H5Calls.where(path, p) + "already exists");
              }
              long[] trailing = spec.trailingDims();
              int rank = trailing.length + 1;
              long[] dims = new long[rank];
              long[] max = new long[rank];
              long[] chunk = new long[rank];
              dims[0] = spec.initialRows();
              max[0] = HDF5Constants.H5S_UNLIMITED;
              chunk[0] = spec.chunkRows();
              for (int i = 1; i < rank; i++) {
                dims[i] = trailing[i - 1];
                max[i] = trailing[i - 1];
                chunk[i] = trailing[i - 1];
              }
              try (H5Id type = H5Id.type(H5Types.createFileType(spec.type()));
                  H5Id space = H5Id.space(H5.H5Screate_simple(rank, dims, max));
                  H5Id lcpl = linkCreateList();
                  H5Id dcpl = H5Id.plist(H5.H5Pcreate(HDF5Constants.H5P_DATASET_CREATE))) {
                H5.H5Pset_chunk(dcpl.id(), rank, chunk);
                if (spec.shuffle()) {
                  H5.H5Pset_shuffle(dcpl.id());
                }
                if (spec.deflateLevel() > 0) {
                  H5.H5Pset_deflate(dcpl.id(), spec.deflateLevel());
                }
                if (chunkCacheBytes < 0) {
                  return H5Names.dcreate(
                      id(), p, type.id(), space.id(), lcpl.id(), dcpl.id(), DEFAULT);
                }
                try (H5Id dapl = chunkCacheList(chunkCacheBytes)) {
                  return H5Names.dcreate(
                      id(), p, type.id(), space.id(), lcpl.id(), dcpl.id(), dapl.id());
                }
              }
            });
    return new H5Dataset(this, p, H5Id.dataset(did));
  }

  private static H5Id linkCreateList() throws Exception {
    H5Id lcpl = H5Id.plist(H5.H5Pcreate(HDF5Constants.H5P_LINK_CREATE));
    H5.H5Pset_create_intermediate_group(lcpl.id(), true);
    H5.H5Pset_char_encoding(lcpl.id(), HDF5Constants.H5T_CSET_UTF8);
    return lcpl;
  }

  /**
   * Creates group {@code groupPath} and any missing parents; nothing happens when it exists
   * already.
   */
  public void createGroup(String groupPath) {
    requireWritable("create a group");
    String p = normalize(groupPath);
    H5Calls.run(
        path,
        p,
        "could not create the group",
        () -> {
          H5ObjectKind kind = kindOf(p);
          if (kind == H5ObjectKind.GROUP) {
            return null;
          }
          if (kind != H5ObjectKind.MISSING) {
            throw new H5SwmrDataException(
                H5Calls.where(path, p) + "exists and is a " + kind + ", not a group");
          }
          try (H5Id lcpl = linkCreateList()) {
            H5Id.group(H5Names.gcreate(id(), p, lcpl.id(), DEFAULT, DEFAULT)).close();
            return null;
          }
        });
  }

  /**
   * Renames the link {@code from} to {@code to} (creating missing groups on the way); {@code to}
   * must not exist. Together with {@link #delete} this swaps a freshly built dataset into place.
   */
  public void move(String from, String to) {
    requireWritable("move a link");
    String f = normalize(from);
    String t = normalize(to);
    H5Calls.run(
        path,
        f,
        "could not move to '" + t + "'",
        () -> {
          requireExists(f);
          if (kindOf(t) != H5ObjectKind.MISSING) {
            throw new H5SwmrDataException(
                H5Calls.where(path, t)
                    + "already exists; delete it before moving '"
                    + f
                    + "' there");
          }
          try (H5Id lcpl = linkCreateList()) {
            H5Names.lmove(id(), f, id(), t, lcpl.id(), DEFAULT);
          }
          return null;
        });
  }

  /**
   * Puts the object at {@code from} in place of {@code to}: deletes {@code to} if present, then
   * moves {@code from} there, under one hold of the native guard (no other thread of this process
   * sees the gap). The replaced object's file space is not reused by HDF5, so the file grows by the
   * replaced data.
   */
  public void replace(String from, String to) {
    requireWritable("replace a link");
    String f = normalize(from);
    String t = normalize(to);
    H5Calls.run(
        path,
        t,
        "could not replace with '" + f + "'",
        () -> {
          requireExists(f);
          if (kindOf(t) != H5ObjectKind.MISSING) {
            H5Names.ldelete(id(), t, DEFAULT);
          }
          try (H5Id lcpl = linkCreateList()) {
            H5Names.lmove(id(), f, id(), t, lcpl.id(), DEFAULT);
          }
          return null;
        });
  }

  /**
   * Removes the link at {@code objectPath} (the object's space is freed once nothing links to it).
   */
  public void delete(String objectPath) {
    requireWritable("delete a link");
    String p = normalize(objectPath);
    if (p.equals("/")) {
      throw new H5SwmrDataException(H5Calls.where(path, p) + "the root group cannot be deleted");
    }
    H5Calls.run(
        path,
        p,
        "could not delete",
        () -> {
          requireExists(p);
          H5Names.ldelete(id(), p, DEFAULT);
          return null;
        });
  }

  /**
   * Writes (replacing) attribute {@code name} on the object at {@code objectPath} ("/" for the root
   * group). Values: String, Long, Integer, Double, Boolean, long[], int[], double[], String[].
   */
  public void writeAttribute(String objectPath, String name, Object value) {
    requireWritable("write an attribute");
    String p = normalize(objectPath);
    H5Calls.run(
        path,
        p,
        "could not write attribute '" + name + "'",
        () -> {
          requireExists(p);
          try (H5Id o = H5Id.object(H5Names.oopen(id(), p, DEFAULT))) {
            H5Attributes.write(o.id(), name, value);
          }
          return null;
        });
  }

  /**
   * Deletes attribute {@code name} of the object at {@code objectPath}; false when it did not
   * exist.
   */
  public boolean deleteAttribute(String objectPath, String name) {
    requireWritable("delete an attribute");
    String p = normalize(objectPath);
    return H5Calls.run(
        path,
        p,
        "could not delete attribute '" + name + "'",
        () -> {
          requireExists(p);
          try (H5Id o = H5Id.object(H5Names.oopen(id(), p, DEFAULT))) {
            if (!H5Names.aexists(o.id(), name)) {
              return false;
            }
            H5Names.adelete(o.id(), name);
            return true;
          }
        });
  }

  /** Flushes all buffers of this file to disk. */
  public void flush() {
    if (readOnly) {
      return;
    }
    H5Calls.run(
        path, null, "could not flush", () -> H5.H5Fflush(id(), HDF5Constants.H5F_SCOPE_GLOBAL));
  }

  /**
   * Identity of open object {@code oid}: its object token as hex, plus "@btime" (birth time) when
   * creation times are tracked (see {@link H5DatasetInfo#objectId()}). Not ctime: HDF5 bumps the
   * change time when a dataset is extended, and an append must not change a dataset's identity.
   */
  String objectId(long oid) throws Exception {
    H5O_info_t info =
        H5.H5Oget_info(oid, HDF5Constants.H5O_INFO_BASIC | HDF5Constants.H5O_INFO_TIME);
    StringBuilder b = new StringBuilder();
    for (byte x : info.token.data) {
      b.append(Character.forDigit((x >> 4) & 0xF, 16)).append(Character.forDigit(x & 0xF, 16));
    }
    // Strip trailing zero bytes of the fixed-size token for readability.
    String hex = b.toString().replaceAll("(00)+$", "");
    return (hex.isEmpty() ? "0" : hex) + (info.btime > 0 ? "@" + info.btime : "");
  }

  /**
   * Size of the file's user block (bytes before the HDF5 superblock), looked up once; under the
   * guard.
   */
  long userBlockBytes() throws Exception {
    if (userBlock < 0) {
      try (H5Id fcpl = H5Id.plist(H5.H5Fget_create_plist(id()))) {
        long[] size = new long[1];
        H5.H5Pget_userblock(fcpl.id(), size);
        userBlock = size[0];
      }
    }
    return userBlock;
  }

  /**
   * Whether chunk bytes may be read directly with {@link #rawBytes()}: a local file not opened
   * through a storage (a journal overlay changes bytes), or a remote file (its storage is the
   * object itself, read-only).
   */
  boolean rawBytesReadable() {
    return !throughStorage || remote != null;
  }

  /**
   * Whether reads of this file may hold Java arrays in a JNI critical region: not when the file is
   * opened through our Java file driver, whose callbacks HDF5 makes from inside those calls (see
   * {@code H5RowIo}).
   */
  boolean mayPin() {
    return !throughStorage;
  }

  /** Positional reads of this file's bytes (opened on first use, closed with the file). */
  H5ByteSource rawBytes() {
    if (rawBytes == null) {
      try {
        rawBytes =
            remote != null
                ? H5HadoopBytes.open(
                    new org.apache.hadoop.fs.Path(path), remote.length(), remoteConf)
                : new H5LocalBytes(path);
      } catch (java.io.IOException e) {
        throw new H5SwmrDataException(
            H5Calls.where(path, null) + "could not open for positional reads: " + e, e);
      }
    }
    return rawBytes;
  }

  /** Closes the file; datasets opened from it should be closed first. Idempotent. */
  @Override
  public void close() {
    if (rawBytes != null) {
      try {
        rawBytes.close();
      } catch (java.io.IOException ignored) {
        // A read-only channel: nothing was buffered.
      }
      rawBytes = null;
    }
    try {
      id.close();
    } finally {
      Object turn = swmrTurn;
      swmrTurn = null;
      if (turn != null) {
        SwmrOpenLocks.release(turn);
      }
    }
  }

  @Override
  public String toString() {
    return "H5File{"
        + path
        + (readOnly ? ", read-only" : ", read-write")
        + (swmrRead ? ", SWMR-read" : "")
        + "}";
  }
}
