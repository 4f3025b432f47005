package io.h5swmr.write;

import hdf.hdf5lib.H5;
import hdf.hdf5lib.HDF5Constants;
import hdf.hdf5lib.structs.H5O_info_t;
import io.h5swmr.exceptions.H5SwmrDataException;
import io.h5swmr.hdf5.H5Native;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import org.bytedeco.javacpp.BytePointer;

/**
 * The target dataset inside one HDF5 file opened read-write (during a commit: the commit copy). Creates the
 * dataset (with intermediate groups, chunked, extensible along dimension 0) or opens it, extends it and writes
 * staged blocks with one hyperslab write each, and records the commit attributes. Every native call runs under
 * {@link H5Native#call}.
 */
final class H5TargetDataset implements AutoCloseable {
  static final String ATTR_FENCE = "h5swmr.fence_token";
  static final String ATTR_ROWS = "h5swmr.committed_rows";
  static final String ATTR_GENERATION = "h5swmr.generation";

  /** What exists at the target path, seen read-only (pre-flight and commit checks). */
  static final class Existing {
    final boolean fileExists;
    final boolean datasetExists;
    final H5FileType type;
    final long[] dims;
    final long[] maxDims;
    final boolean chunked;

    Existing(boolean fileExists, boolean datasetExists, H5FileType type, long[] dims, long[] maxDims,
        boolean chunked) {
      this.fileExists = fileExists;
      this.datasetExists = datasetExists;
      this.type = type;
      this.dims = dims;
      this.maxDims = maxDims;
      this.chunked = chunked;
    }
  }

  private final Path file;
  private final String datasetPath;
  private final long fid;
  private boolean closed;
  private long did = -1;
  private WriteLayout layout;
  private long rows;

  private H5TargetDataset(Path file, String datasetPath, long fid) {
    this.file = file;
    this.datasetPath = datasetPath;
    this.fid = fid;
  }

  /** Looks at the target without changing it. */
  static Existing inspect(Path file, String datasetPath) {
    if (!Files.exists(file)) {
      return new Existing(false, false, null, null, null, false);
    }
    return call(file, () -> {
      if (!H5.H5Fis_accessible(file.toString(), HDF5Constants.H5P_DEFAULT)) {
        throw new H5SwmrDataException("Target " + file + " exists but is not an HDF5 file (or is damaged): "
            + "choose another path or remove it");
      }
      long fapl = accessList();
      long f;
      try {
        f = H5.H5Fopen(file.toString(), HDF5Constants.H5F_ACC_RDONLY, fapl);
      } finally {
        H5.H5Pclose(fapl);
      }
      try {
        return inspectOpen(f, file, datasetPath);
      } finally {
        H5.H5Fclose(f);
      }
    });
  }

  private static Existing inspectOpen(long f, Path file, String datasetPath) throws Exception {
    if (!linkExists(f, datasetPath)) {
      return new Existing(true, false, null, null, null, false);
    }
    H5O_info_t info = H5.H5Oget_info_by_name(f, datasetPath, HDF5Constants.H5P_DEFAULT);
    if (info.type != HDF5Constants.H5O_TYPE_DATASET) {
      throw new H5SwmrDataException("Option 'dataset' names " + datasetPath + " in " + file + ", which is "
          + (info.type == HDF5Constants.H5O_TYPE_GROUP ? "a group" : "not a dataset")
          + ": give the path of a dataset (existing or to create), e.g. " + datasetPath.replaceAll("/+$", "")
          + "/data");
    }
    long d = H5.H5Dopen(f, datasetPath, HDF5Constants.H5P_DEFAULT);
    try {
      long t = H5.H5Dget_type(d);
      long s = H5.H5Dget_space(d);
      long p = H5.H5Dget_create_plist(d);
      try {
        int rank = H5.H5Sget_simple_extent_ndims(s);
        long[] dims = new long[rank];
        long[] max = new long[rank];
        if (rank > 0) {
          H5.H5Sget_simple_extent_dims(s, dims, max);
        }
        boolean chunked = H5.H5Pget_layout(p) == HDF5Constants.H5D_CHUNKED;
        return new Existing(true, true, H5FileType.of(t), dims, max, chunked);
      } finally {
        H5.H5Pclose(p);
        H5.H5Sclose(s);
        H5.H5Tclose(t);
      }
    } finally {
      H5.H5Dclose(d);
    }
  }

  private static boolean linkExists(long f, String path) throws Exception {
    String[] parts = path.split("/");
    StringBuilder at = new StringBuilder();
    for (String p : parts) {
      if (p.isEmpty()) {
        continue;
      }
      at.append('/').append(p);
      if (!H5.H5Lexists(f, at.toString(), HDF5Constants.H5P_DEFAULT)) {
        return false;
      }
    }
    return at.length() > 0;
  }

  /** Opens (or creates, when {@code create}) the file read-write. */
  static H5TargetDataset open(Path file, String datasetPath, boolean create) {
    return call(file, () -> {
      long fapl = accessList();
      try {
        long f = create
            ? H5.H5Fcreate(file.toString(), HDF5Constants.H5F_ACC_EXCL, HDF5Constants.H5P_DEFAULT, fapl)
            : H5.H5Fopen(file.toString(), HDF5Constants.H5F_ACC_RDWR, fapl);
        return new H5TargetDataset(file, datasetPath, f);
      } finally {
        H5.H5Pclose(fapl);
      }
    });
  }

  /**
   * The dataset in a file the caller opened read-write (HDF5 file id {@code fid}, e.g. through the storage
   * driver over a journal session); {@link #close} closes the file id.
   */
  static H5TargetDataset onOpenFile(Path file, String datasetPath, long fid) {
    return new H5TargetDataset(file, datasetPath, fid);
  }

  /**
   * File access as the project's HDF5 layer opens files (HDF5 file locking off): HDF5 refuses to open one file
   * twice in a process with different locking settings. Writers are serialised by the Redis lease and only ever
   * open their private commit copy read-write, so HDF5's own lock adds nothing.
   */
  private static long accessList() throws Exception {
    long fapl = H5.H5Pcreate(HDF5Constants.H5P_FILE_ACCESS);
    H5.H5Pset_file_locking(fapl, false, true);
    return fapl;
  }

  /** Deletes the dataset's link (overwrite: a new dataset is then created in its place). */
  void deleteDataset() {
    call(file, () -> {
      if (linkExists(fid, datasetPath)) {
        H5.H5Ldelete(fid, datasetPath, HDF5Constants.H5P_DEFAULT);
      }
      return null;
    });
  }

  /** Creates the dataset for {@code layout}, with intermediate groups. */
  void create(WriteLayout layout, long chunkRows, boolean gzip, int level, boolean shuffle) {
    this.layout = layout;
    call(file, () -> {
      int rank = 1 + layout.extraDims.length;
      long[] dims = new long[rank];
      long[] max = new long[rank];
      long[] chunk = new long[rank];
      max[0] = HDF5Constants.H5S_UNLIMITED;
      chunk[0] = chunkRows;
      for (int i = 0; i < layout.extraDims.length; i++) {
        dims[i + 1] = layout.extraDims[i];
        max[i + 1] = layout.extraDims[i];
        chunk[i + 1] = layout.extraDims[i];
      }
      long space = H5.H5Screate_simple(rank, dims, max);
      long dcpl = H5.H5Pcreate(HDF5Constants.H5P_DATASET_CREATE);
      long lcpl = H5.H5Pcreate(HDF5Constants.H5P_LINK_CREATE);
      long ftype = layout.createFileType();
      try {
        H5.H5Pset_chunk(dcpl, rank, chunk);
        if (gzip) {
          if (shuffle) {
            H5.H5Pset_shuffle(dcpl);
          }
          H5.H5Pset_deflate(dcpl, level);
        }
        H5.H5Pset_create_intermediate_group(lcpl, true);
        long dapl = chunkCacheAccess();
        try {
          did = H5.H5Dcreate(fid, datasetPath, ftype, space, lcpl, dcpl, dapl);
        } finally {
          H5.H5Pclose(dapl);
        }
      } finally {
        H5.H5Tclose(ftype);
        H5.H5Pclose(lcpl);
        H5.H5Pclose(dcpl);
        H5.H5Sclose(space);
      }
      rows = 0;
      return null;
    });
  }

  /** Opens the existing dataset for appending with {@code layout} (already checked compatible). */
  void openExisting(WriteLayout layout) {
    this.layout = layout;
    call(file, () -> {
      long dapl = chunkCacheAccess();
      try {
        did = H5.H5Dopen(fid, datasetPath, dapl);
      } finally {
        H5.H5Pclose(dapl);
      }
      long s = H5.H5Dget_space(did);
      try {
        long[] dims = new long[H5.H5Sget_simple_extent_ndims(s)];
        H5.H5Sget_simple_extent_dims(s, dims, null);
        rows = dims[0];
      } finally {
        H5.H5Sclose(s);
      }
      return null;
    });
  }

  /** The generation attribute of the existing dataset (0 when absent). */
  long previousGeneration() {
    return call(file, () -> {
      long d = H5.H5Dopen(fid, datasetPath, HDF5Constants.H5P_DEFAULT);
      try {
        return readLongAttr(d, ATTR_GENERATION, 0);
      } finally {
        H5.H5Dclose(d);
      }
    });
  }

  /**
   * A 64 MiB chunk cache: staged blocks rarely end on chunk boundaries, and a partial chunk must stay cached
   * until the next block completes it, or HDF5 writes it twice (and reads it back in between).
   */
  private static long chunkCacheAccess() throws Exception {
    long dapl = H5.H5Pcreate(HDF5Constants.H5P_DATASET_ACCESS);
    H5.H5Pset_chunk_cache(dapl, 12421, 64L << 20, 1.0);
    return dapl;
  }

  /** Rows in the dataset now. */
  long rows() {
    return rows;
  }

  /** Extends dimension 0 by the block's rows and writes them with one hyperslab write. */
  void append(StagingCodec.Block block) {
    if (block.rows == 0) {
      return;
    }
    try (WriteLayout.Buffer buf = layout.encode(block)) {
      appendEncoded(block.rows, buf);
    }
  }

  /** Extends dimension 0 by {@code blockRows} and writes the encoded block with one hyperslab write. */
  void appendEncoded(int blockRows, WriteLayout.Buffer buf) {
    call(file, () -> {
      int rank = 1 + layout.extraDims.length;
      long[] newDims = new long[rank];
      long[] start = new long[rank];
      long[] count = new long[rank];
      newDims[0] = rows + blockRows;
      start[0] = rows;
      count[0] = blockRows;
      for (int i = 0; i < layout.extraDims.length; i++) {
        newDims[i + 1] = layout.extraDims[i];
        count[i + 1] = layout.extraDims[i];
      }
      H5.H5Dset_extent(did, newDims);
      long fspace = H5.H5Dget_space(did);
      long mspace = H5.H5Screate_simple(rank, count, null);
      long mtype = layout.createMemType();
      try {
        H5.H5Sselect_hyperslab(fspace, HDF5Constants.H5S_SELECT_SET, start, null, count, null);
        buf.write(did, mtype, mspace, fspace);
      } finally {
        H5.H5Tclose(mtype);
        H5.H5Sclose(mspace);
        H5.H5Sclose(fspace);
      }
      return null;
    });
    rows += blockRows;
  }

  /** Writes (or replaces) the three commit attributes on the dataset. */
  /** Marks the dataset as created by the commit with this fencing token (see H5DatasetInfo.identity()). */
  void markCreated(long fenceToken) {
    call(file, () -> {
      setLongAttr(io.h5swmr.hdf5.H5DatasetInfo.CREATED_TOKEN_ATTRIBUTE, fenceToken);
      return null;
    });
  }

  void writeCommitAttributes(long fenceToken, long generation) {
    call(file, () -> {
      setLongAttr(ATTR_FENCE, fenceToken);
      setLongAttr(ATTR_ROWS, rows);
      setLongAttr(ATTR_GENERATION, generation);
      return null;
    });
  }

  /** Reads a long attribute of the dataset, or {@code dflt} when absent. */
  long longAttr(String name, long dflt) {
    return call(file, () -> readLongAttr(did, name, dflt));
  }

  static long readLongAttr(long obj, String name, long dflt) throws Exception {
    if (!H5.H5Aexists(obj, name)) {
      return dflt;
    }
    long a = H5.H5Aopen(obj, name, HDF5Constants.H5P_DEFAULT);
    try {
      byte[] b = new byte[8];
      H5.H5Aread(a, HDF5Constants.H5T_NATIVE_INT64, b);
      return ByteBuffer.wrap(b).order(ByteOrder.nativeOrder()).getLong();
    } finally {
      H5.H5Aclose(a);
    }
  }

  private void setLongAttr(String name, long value) throws Exception {
    if (H5.H5Aexists(did, name)) {
      H5.H5Adelete(did, name);
    }
    long space = H5.H5Screate(HDF5Constants.H5S_SCALAR);
    try {
      long a = H5.H5Acreate(did, name, HDF5Constants.H5T_STD_I64LE, space, HDF5Constants.H5P_DEFAULT,
          HDF5Constants.H5P_DEFAULT);
      try {
        byte[] b = new byte[8];
        ByteBuffer.wrap(b).order(ByteOrder.nativeOrder()).putLong(value);
        H5.H5Awrite(a, HDF5Constants.H5T_NATIVE_INT64, b);
      } finally {
        H5.H5Aclose(a);
      }
    } finally {
      H5.H5Sclose(space);
    }
  }

  /** Flushes and closes everything; idempotent. */
  @Override
  public void close() {
    if (closed) {
      return;
    }
    closed = true;
    call(file, () -> {
      try {
        if (did >= 0) {
          H5.H5Dclose(did);
          did = -1;
        }
        H5.H5Fflush(fid, HDF5Constants.H5F_SCOPE_GLOBAL);
      } finally {
        H5.H5Fclose(fid);
      }
      return null;
    });
  }

  static <T> T call(Path file, H5Native.NativeAction<T> action) {
    try {
      return H5Native.call(action);
    } catch (H5SwmrDataException e) {
      throw e;
    } catch (Exception e) {
      throw new H5SwmrDataException("HDF5 error on " + file + ": " + e.getMessage(), e);
    }
  }

  /** Native UTF-8 strings for one block of vlen string values; freed on close. */
  static final class StringArena implements AutoCloseable {
    private final BytePointer memory;
    final long address;

    StringArena(long bytes) {
      memory = new BytePointer(Math.max(1, bytes));
      address = memory.address();
    }

    void put(long offset, byte[] src, int from, int length) {
      memory.position(offset).put(src, from, length);
      memory.position(offset + length).put((byte) 0);
      memory.position(0);
    }

    @Override
    public void close() {
      memory.close();
    }
  }

  static List<String> pathsOf(List<WriteSchema.Node> nodes) {
    List<String> out = new ArrayList<>();
    for (WriteSchema.Node n : nodes) {
      out.add(n.toString());
    }
    return out;
  }
}
