package io.h5swmr.hdf5;

import hdf.hdf5lib.H5;
import hdf.hdf5lib.HDF5Constants;
import io.h5swmr.exceptions.H5SwmrDataException;
import java.lang.reflect.Array;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.HashMap;
import java.util.List;
import java.util.Map;

/**
 * An open dataset: metadata plus bulk reads and writes of row ranges along dimension 0 (a hyperslab
 * over all other dimensions). Each {@link #read}/{@link #write} call moves all requested columns
 * with one HDF5 call where possible, straight into/out of the caller's arrays or native memory.
 *
 * <p>Obtained from {@link H5File#openDataset} or {@link H5File#createDataset}; close it before the
 * file.
 */
public final class H5Dataset implements AutoCloseable {
  private final H5File file;
  private final String path;
  private final H5Id id;
  private final H5Spaces spaces = new H5Spaces();
  private H5DatasetInfo info;

  /**
   * This handle wrote rows since {@link #info} measured the allocated storage: {@link #info()}
   * re-measures it (for a chunked dataset HDF5 visits every chunk), the write path itself does not
   * need it.
   */
  private boolean storageStale;

  /** Whole chunks written through {@link H5ChunkStore} by this handle ({@link #chunksStored}). */
  private long chunksStored;

  /** How deflate chunks are encoded and decoded in Java (options parallelDeflate, libdeflate). */
  private volatile H5Codecs codecs = H5Codecs.DEFAULT;

  H5Dataset(H5File file, String path, H5Id id) {
    this.file = file;
    this.path = path;
    this.id = id;
  }

  /** Absolute path of this dataset inside its file. */
  public String path() {
    return path;
  }

  public H5File file() {
    return file;
  }

  private String where() {
    return H5Calls.where(file.path(), path);
  }

  // ------------------------------------------------------------------------------------------
  // metadata

  /**
   * Metadata, loaded on first use and kept up to date with this handle's own extent changes and
   * writes; see {@link #refresh()}.
   */
  public H5DatasetInfo info() {
    H5DatasetInfo i = meta();
    if (storageStale) {
      long bytes =
          H5Calls.run(
              file.path(),
              path,
              "could not read the dataset's storage size",
              () -> H5.H5Dget_storage_size(id.id()));
      info = i.withStorageSize(bytes);
      storageStale = false;
    }
    return info;
  }

  /**
   * Metadata as {@link #info()} but for the storage size, which may predate this handle's last
   * writes.
   */
  private H5DatasetInfo meta() {
    if (info == null) {
      info = H5Calls.run(file.path(), path, "could not read dataset metadata", this::load);
      storageStale = false;
    }
    return info;
  }

  /**
   * Reloads metadata from the file (e.g. after another writer extended the dataset); in a file
   * opened in SWMR-read mode, first has HDF5 re-read the dataset's metadata from the file ({@code
   * H5Drefresh}).
   */
  public H5DatasetInfo refresh() {
    if (file.isSwmrRead()) {
      H5Calls.run(
          file.path(),
          path,
          "could not refresh the dataset",
          () -> H5Calls.check(org.bytedeco.hdf5.global.hdf5.H5Drefresh(id.id()), "H5Drefresh"));
    }
    info = null;
    return info();
  }

  /** Current rows along dimension 0 as this handle sees them (1 for a scalar dataset). */
  public long rows() {
    return H5Calls.run(
        file.path(),
        path,
        "could not read the dataset's extent",
        () -> {
          long[] dims = spaces.dims(id.id());
          return dims.length == 0 ? 1L : dims[0];
        });
  }

  /**
   * Longest run of trailing unwritten chunk bands {@link #flushedRows()} looks through before
   * giving up.
   */
  private static final long MAX_BANDS_SCANNED = 1 << 16;

  /**
   * Rows along dimension 0 that a SWMR writer has written out, as far as the file shows: the
   * extent, less the trailing row bands (one chunk high) that have any chunk not yet in the file.
   * HDF5 lets a writer's new extent reach the file before the chunks of its new rows (for example
   * when its metadata cache is under pressure); such rows would read as fill values. For files not
   * opened in SWMR-read mode and for unchunked datasets, this is the extent: there, an unwritten
   * chunk is a hole the file's writer chose, read as fill values as HDF5 does.
   */
  public long flushedRows() {
    H5DatasetInfo i = info();
    if (!file.isSwmrRead() || i.layout() != H5Layout.CHUNKED || i.rank() == 0 || i.rows() == 0) {
      return i.rows();
    }
    long[] dims = i.dims();
    long[] chunk = i.chunkDims();
    return H5Calls.run(
        file.path(),
        path,
        "could not look up the dataset's chunks",
        () -> {
          long band = (dims[0] + chunk[0] - 1) / chunk[0] - 1;
          long stop = Math.max(-1, band - MAX_BANDS_SCANNED);
          while (band > stop && !bandWritten(band, dims, chunk)) {
            band--;
          }
          return Math.min(dims[0], (band + 1) * chunk[0]);
        });
  }

  /**
   * Whether every chunk of row band {@code band} (all chunks across the trailing dimensions) is in
   * the file.
   */
  private boolean bandWritten(long band, long[] dims, long[] chunk) throws Exception {
    int rank = dims.length;
    long[] counts = new long[rank];
    long total = 1;
    for (int k = 1; k < rank; k++) {
      counts[k] = Math.max(1, (dims[k] + chunk[k] - 1) / chunk[k]);
      total *= counts[k];
    }
    long[] offset = new long[rank];
    int[] filterMask = new int[1];
    long[] addr = new long[1];
    long[] size = new long[1];
    for (long n = 0; n < total; n++) {
      offset[0] = band * chunk[0];
      long rest = n;
      for (int k = rank - 1; k >= 1; k--) {
        offset[k] = (rest % counts[k]) * chunk[k];
        rest /= counts[k];
      }
      H5Calls.check(
          org.bytedeco.hdf5.global.hdf5.H5Dget_chunk_info_by_coord(
              id.id(), offset, filterMask, addr, size),
          "H5Dget_chunk_info_by_coord");
      if (addr[0] == -1L || size[0] == 0) {
        return false;
      }
    }
    return true;
  }

  private H5DatasetInfo load() throws Exception {
    long did = id.id();
    H5Type type;
    try (H5Id t = H5Id.type(H5.H5Dget_type(did))) {
      type = H5Types.describe(t.id());
    }
    long[] dims;
    long[] max;
    boolean nullSpace;
    try (H5Id space = H5Id.space(H5.H5Dget_space(did))) {
      nullSpace = H5.H5Sget_simple_extent_type(space.id()) == HDF5Constants.H5S_NULL;
      int rank = H5.H5Sget_simple_extent_ndims(space.id());
      dims = new long[rank];
      max = new long[rank];
      if (rank > 0) {
        H5.H5Sget_simple_extent_dims(space.id(), dims, max);
      }
      for (int i = 0; i < rank; i++) {
        if (max[i] == HDF5Constants.H5S_UNLIMITED) {
          max[i] = H5DatasetInfo.UNLIMITED;
        }
      }
    }
    H5Layout layout;
    long[] chunk = null;
    List<H5Filter> filters = new ArrayList<>();
    try (H5Id dcpl = H5Id.plist(H5.H5Dget_create_plist(did))) {
      int l = H5.H5Pget_layout(dcpl.id());
      layout =
          l == HDF5Constants.H5D_COMPACT
              ? H5Layout.COMPACT
              : l == HDF5Constants.H5D_CHUNKED
                  ? H5Layout.CHUNKED
                  : l == HDF5Constants.H5D_VIRTUAL ? H5Layout.VIRTUAL : H5Layout.CONTIGUOUS;
      if (layout == H5Layout.CHUNKED) {
        chunk = new long[dims.length];
        H5.H5Pget_chunk(dcpl.id(), dims.length, chunk);
      }
      int n = H5.H5Pget_nfilters(dcpl.id());
      for (int i = 0; i < n; i++) {
        int[] flags = new int[1];
        long[] nelmts = {32};
        int[] values = new int[32];
        String[] name = new String[1];
        int[] config = new int[1];
        int fid = H5.H5Pget_filter(dcpl.id(), i, flags, nelmts, values, 256, name, config);
        String nm = name[0] == null || name[0].isBlank() ? wellKnownFilter(fid) : name[0].trim();
        filters.add(
            new H5Filter(fid, nm, Arrays.copyOf(values, (int) Math.min(nelmts[0], values.length))));
      }
    }
    long storage = H5.H5Dget_storage_size(did);
    String objectId = file.objectId(did);
    return new H5DatasetInfo(
            file.path(),
            path,
            type,
            dims,
            max,
            chunk,
            layout,
            filters,
            storage,
            objectId,
            H5Attributes.readAll(did))
        .withNullSpace(nullSpace);
  }

  private static String wellKnownFilter(int id) {
    switch (id) {
      case H5Filter.DEFLATE:
        return "deflate";
      case H5Filter.SHUFFLE:
        return "shuffle";
      case H5Filter.FLETCHER32:
        return "fletcher32";
      case H5Filter.SZIP:
        return "szip";
      default:
        return "filter " + id;
    }
  }

  // ------------------------------------------------------------------------------------------
  // reading

  /** See {@link #read(long, long, List)}. */
  public void read(long start, long count, H5ColumnRead... columns) {
    read(start, count, Arrays.asList(columns));
  }

  /**
   * Reads rows {@code [start, start + count)} of every column in {@code columns}. A non-compound
   * dataset has one column (member path {@code []}); a compound dataset reads only the members
   * named, all of them with one H5Dread into a packed buffer that is then copied out column by
   * column (a single column goes straight into its destination). HDF5 still reads whole chunks from
   * disk: compound members are stored interleaved. Enum columns read into a {@code String[]} or
   * {@code byte[][]} receive member names (null for values without a name).
   *
   * @throws H5SwmrDataException naming the dataset for out-of-range rows, unknown members,
   *     destinations of the wrong kind or too small, and native failures
   */
  public void read(long start, long count, List<H5ColumnRead> columns) {
    H5DatasetInfo meta = info();
    List<H5Column> cols = new ArrayList<>(columns.size());
    List<H5MemKind> kinds = new ArrayList<>(columns.size());
    long elements = checkRows(meta, start, count);
    List<H5ColumnRead> targets = new ArrayList<>(columns);
    List<Runnable> after = new ArrayList<>();
    for (int i = 0; i < targets.size(); i++) {
      H5ColumnRead r = targets.get(i);
      H5Column c = meta.column(r.memberPath());
      if (c.type().leaf().kind() == H5Type.Kind.ENUM && r.kind().isText()) {
        // Enum names: read the values, then look the names up.
        H5ColumnRead names = r;
        long[] values = new long[(int) Math.min(Integer.MAX_VALUE - 8, count * c.elementsPerRow())];
        r = H5ColumnRead.into(values, 0, r.memberPath());
        targets.set(i, r);
        H5Type enumType = c.type().leaf();
        after.add(
            () -> {
              Object[] out = (Object[]) names.array();
              for (int k = 0; k < values.length; k++) {
                String name = enumType.enumText(values[k]);
                out[names.offset() + k] =
                    names.kind() == H5MemKind.STRING
                        ? name
                        : name.getBytes(java.nio.charset.StandardCharsets.UTF_8);
              }
            });
        if (names.capacity() < values.length) {
          throw new H5SwmrDataException(
              where()
                  + "destination for column '"
                  + c.displayName()
                  + "' holds "
                  + names.capacity()
                  + " elements from its offset but rows ["
                  + start
                  + ", "
                  + (start + count)
                  + ") need "
                  + values.length);
        }
      }
      checkKind(c, r.kind(), "read into");
      long need = count * c.elementsPerRow();
      if (r.capacity() < need) {
        throw new H5SwmrDataException(
            where()
                + "destination for column '"
                + c.displayName()
                + "' holds "
                + r.capacity()
                + " elements from its offset but rows ["
                + start
                + ", "
                + (start + count)
                + ") need "
                + need);
      }
      if (!r.isNative() && r.offset() % c.type().elementsPerValue() != 0) {
        throw new H5SwmrDataException(
            where()
                + "destination offset "
                + r.offset()
                + " for column '"
                + c.displayName()
                + "' must be a multiple of its "
                + c.type().elementsPerValue()
                + " array elements");
      }
      cols.add(c);
      kinds.add(r.kind());
    }
    if (elements == 0 || columns.isEmpty()) {
      return;
    }
    String what =
        "could not read rows [" + start + ", " + (start + count) + ") of " + columnNames(cols);
    H5Calls.run(
        file.path(),
        path,
        what,
        () -> {
          long fs = spaces.selectRows(id.id(), start, count);
          if (meta.type().kind() != H5Type.Kind.COMPOUND || columns.size() == 1) {
            for (int i = 0; i < columns.size(); i++) {
              try (H5MemLayout layout =
                  H5MemLayout.build(
                      meta.type(), cols.subList(i, i + 1), kinds.subList(i, i + 1), false)) {
                H5RowIo.readOne(
                    id.id(),
                    fs,
                    elements,
                    layout,
                    cols.get(i),
                    targets.get(i),
                    spaces,
                    file.mayPin());
              }
            }
          } else {
            // One packed read; a member asked again as a different kind cannot share its slot: read
            // it apart.
            Map<List<String>, H5MemKind> slots = new HashMap<>();
            List<Integer> packed = new ArrayList<>();
            List<Integer> apart = new ArrayList<>();
            for (int i = 0; i < cols.size(); i++) {
              H5MemKind first = slots.putIfAbsent(cols.get(i).memberPath(), kinds.get(i));
              (first == null || first == kinds.get(i) ? packed : apart).add(i);
            }
            try (H5MemLayout layout =
                H5MemLayout.build(meta.type(), pick(cols, packed), pick(kinds, packed), false)) {
              H5RowIo.readPacked(
                  id.id(),
                  fs,
                  elements,
                  layout,
                  pick(cols, packed),
                  pick(targets, packed),
                  spaces,
                  file.mayPin());
            }
            for (int i : apart) {
              try (H5MemLayout layout =
                  H5MemLayout.build(
                      meta.type(), cols.subList(i, i + 1), kinds.subList(i, i + 1), false)) {
                H5RowIo.readOne(
                    id.id(),
                    fs,
                    elements,
                    layout,
                    cols.get(i),
                    targets.get(i),
                    spaces,
                    file.mayPin());
              }
            }
          }
          return null;
        });
    after.forEach(Runnable::run);
  }

  private static <T> List<T> pick(List<T> all, List<Integer> indexes) {
    List<T> out = new ArrayList<>(indexes.size());
    indexes.forEach(i -> out.add(all.get(i)));
    return out;
  }

  /**
   * Uses {@code c} for the chunks this dataset compresses on every core and decodes in Java from
   * now on (default {@link H5Codecs#DEFAULT}); returns this.
   */
  public H5Dataset codecs(H5Codecs c) {
    this.codecs = java.util.Objects.requireNonNull(c, "codecs");
    return this;
  }

  /**
   * Reads rows {@code [start, start + count)} of a whole-element column like {@link #read(long,
   * long, List)}, but uses the library only to look up where those rows are stored (under the
   * native guard, cheap); the stored bytes are then read with positional I/O and decoded in Java
   * with no native call, so several threads read at once. Returns false, having read nothing, when
   * this dataset or destination cannot be read that way (see {@code H5DirectRead.obstacle}: e.g.
   * strings, compounds, unknown filters, unallocated chunks; a file opened through a storage such
   * as a committed journal's overlay, whose bytes on disk are not the committed state): the caller
   * then uses {@link #read(long, long, List)}. Callers must hold off writers (a shared lease) from
   * before this call until it returns, because chunk locations and bytes are only consistent with
   * each other while the file does not change.
   */
  public boolean readDirect(long start, long count, H5ColumnRead into) {
    H5DatasetInfo meta = info();
    if (!file.rawBytesReadable() || H5DirectRead.obstacle(meta, into) != null) {
      return false;
    }
    checkRows(meta, start, count);
    if (into.capacity() < count * meta.type().elementsPerValue() * meta.trailingElements()) {
      return false; // read() reports the short destination
    }
    if (count == 0) {
      return true;
    }
    List<H5StoredBlock> blocks = storedBlocks(start, count);
    if (blocks == null) {
      return false;
    }
    H5DirectRead.read(
        file.rawBytes(), meta, blocks, start, count, into, where(), codecs.libdeflate());
    return true;
  }

  /**
   * Where rows {@code [start, start + count)} are stored, in row order: one block per chunk, or the
   * contiguous data as one block; null when some of them cannot be read without the library
   * (unallocated chunks hold only fill values, compact/virtual/external storage, files with a user
   * block).
   */
  public List<H5StoredBlock> storedBlocks(long start, long count) {
    H5DatasetInfo meta = info();
    return H5Calls.run(
        file.path(),
        path,
        "could not look up where rows [" + start + ", " + (start + count) + ") are stored",
        () -> {
          if (meta.rank() == 0 || file.userBlockBytes() != 0 || !storedInOpenedFile()) {
            return null;
          }
          long rowBytes = H5DirectRead.rowBytes(meta);
          List<H5StoredBlock> out = new ArrayList<>();
          if (meta.layout() == H5Layout.CONTIGUOUS) {
            long addr = org.bytedeco.hdf5.global.hdf5.H5Dget_offset(id.id());
            H5Calls.stackText(); // HADDR_UNDEF leaves an error stack
            long rows = meta.rows();
            if (addr == -1 || H5.H5Dget_storage_size(id.id()) < rows * rowBytes) {
              return null;
            }
            out.add(new H5StoredBlock(0, rows, addr, rows * rowBytes, 0));
            return out;
          }
          if (meta.layout() != H5Layout.CHUNKED) {
            return null;
          }
          long chunkRows = meta.chunkRows();
          long[] coord = new long[meta.rank()];
          int[] mask = new int[1];
          long[] addr = new long[1];
          long[] size = new long[1];
          for (long k = start / chunkRows; k * chunkRows < start + count; k++) {
            coord[0] = k * chunkRows;
            addr[0] = -1;
            if (org.bytedeco.hdf5.global.hdf5.H5Dget_chunk_info_by_coord(
                    id.id(), coord, mask, addr, size)
                < 0) {
              H5Calls.stackText();
              return null;
            }
            if (addr[0] == -1 || size[0] <= 0) {
              return null;
            }
            out.add(new H5StoredBlock(coord[0], chunkRows, addr[0], size[0], mask[0]));
          }
          return out;
        });
  }

  /**
   * Whether this dataset's object is in the file this handle opened: not when it was reached
   * through an external link (an Eiger master file's {@code /entry/data/data_000001}), whose chunk
   * addresses are offsets in the linked file, so reading them from the opened file's bytes would
   * return that file's unrelated bytes as values. Under the native guard.
   */
  private boolean storedInOpenedFile() throws Exception {
    long own = H5.H5Iget_file_id(id.id());
    try {
      return H5.H5Fget_fileno(own) == H5.H5Fget_fileno(file.id());
    } finally {
      H5.H5Fclose(own);
    }
  }

  /**
   * Reads rows {@code [start, start + count)} of one column into a new array of its {@link
   * H5MemKind} ({@code double[]}, {@code String[]}, ...), {@code count × elementsPerRow} long.
   */
  public Object readColumn(long start, long count, String... memberPath) {
    H5Column c = info().column(Arrays.asList(memberPath));
    long n = count * c.elementsPerRow();
    if (n > Integer.MAX_VALUE - 8) {
      throw new H5SwmrDataException(
          where()
              + count
              + " rows of column '"
              + c.displayName()
              + "' ("
              + n
              + " elements) do not fit one Java array; read fewer rows at a time");
    }
    Object out = Array.newInstance(c.memKind().arrayClass().getComponentType(), (int) n);
    read(start, count, H5ColumnRead.into(out, 0, memberPath));
    return out;
  }

  private long checkRows(H5DatasetInfo meta, long start, long count) {
    long rows = rows();
    if (start < 0 || count < 0 || start > rows || count > rows - start) {
      throw new H5SwmrDataException(
          where()
              + "rows ["
              + start
              + ", "
              + (start + count)
              + ") are out of range; "
              + "the dataset has "
              + rows
              + " rows"
              + (meta.rank() == 0 ? " (scalar dataset)" : ""));
    }
    long elements = count * meta.trailingElements();
    if (elements > Integer.MAX_VALUE) {
      throw new H5SwmrDataException(
          where()
              + "rows ["
              + start
              + ", "
              + (start + count)
              + ") hold "
              + elements
              + " elements, more than one call can move; use fewer rows per call");
    }
    return elements;
  }

  private void checkKind(H5Column c, H5MemKind kind, String verb) {
    boolean isString = c.type().leaf().kind() == H5Type.Kind.STRING;
    if (isString != kind.isText()) {
      throw new H5SwmrDataException(
          where()
              + "column '"
              + c.displayName()
              + "' of type "
              + c.type()
              + " cannot be "
              + verb
              + " a "
              + kind.arrayClass().getSimpleName()
              + "; use a "
              + c.memKind().arrayClass().getSimpleName());
    }
  }

  private static String columnNames(List<H5Column> cols) {
    List<String> names = new ArrayList<>();
    cols.forEach(c -> names.add(c.displayName()));
    return names.size() == 1 ? "column " + names.get(0) : "columns " + names;
  }

  // ------------------------------------------------------------------------------------------
  // writing

  /** Sets the number of rows along dimension 0 (grow or shrink); new rows hold the fill value. */
  public void extend(long rows) {
    requireWritable();
    H5DatasetInfo meta = meta();
    if (meta.rank() == 0) {
      throw new H5SwmrDataException(where() + "a scalar dataset cannot be extended");
    }
    long max = meta.maxDims()[0];
    if (rows < 0 || (max != H5DatasetInfo.UNLIMITED && rows > max)) {
      throw new H5SwmrDataException(
          where()
              + "cannot set "
              + rows
              + " rows; dimension 0 allows at most "
              + (max == H5DatasetInfo.UNLIMITED ? "unlimited" : String.valueOf(max))
              + " rows");
    }
    H5Calls.run(
        file.path(),
        path,
        "could not extend to " + rows + " rows",
        () -> {
          long[] dims = meta.dims();
          dims[0] = rows;
          H5.H5Dset_extent(id.id(), dims);
          spaces.invalidate();
          return null;
        });
    info = meta.withRows(rows);
    storageStale = true; // shrinking frees chunks
  }

  /** See {@link #write(long, long, List)}. */
  public void write(long start, long count, H5ColumnWrite... columns) {
    write(start, count, Arrays.asList(columns));
  }

  /**
   * Writes rows {@code [start, start + count)} (which must exist: {@link #extend} first) from the
   * given columns. A compound dataset packs all given members into one interleaved buffer and
   * writes once; members not given keep their current (fill) values. Enum columns take their
   * values, or member names from a {@code String[]}/{@code byte[][]}. Every value is checked first
   * ({@link H5ValueCheck}): one the stored type cannot hold as given (out of range, overflowing to
   * infinity, a string with NUL or too long, an unknown enum name) fails naming the column, the
   * value and what is valid, and nothing is written.
   */
  public void write(long start, long count, List<H5ColumnWrite> given) {
    requireWritable();
    H5DatasetInfo meta = meta();
    long elements = checkRows(meta, start, count);
    List<H5Column> cols = new ArrayList<>(given.size());
    List<H5MemKind> kinds = new ArrayList<>(given.size());
    List<H5ColumnWrite> columns = new ArrayList<>(given.size());
    for (H5ColumnWrite g : given) {
      H5Column c = meta.column(g.memberPath());
      H5ColumnWrite w =
          g.kind().isText() && c.type().leaf().kind() == H5Type.Kind.ENUM
              ? enumValues(c, g, count)
              : g;
      columns.add(w);
      checkKind(c, w.kind(), "written from");
      long need = count * c.elementsPerRow();
      if (w.available() < need) {
        throw new H5SwmrDataException(
            where()
                + "source for column '"
                + c.displayName()
                + "' holds "
                + w.available()
                + " elements from its offset but "
                + count
                + " rows need "
                + need);
      }
      if (w.offset() % c.type().elementsPerValue() != 0) {
        throw new H5SwmrDataException(
            where()
                + "source offset "
                + w.offset()
                + " for column '"
                + c.displayName()
                + "' must be a multiple of its "
                + c.type().elementsPerValue()
                + " array elements");
      }
      if (cols.contains(c)) {
        throw new H5SwmrDataException(where() + "column '" + c.displayName() + "' given twice");
      }
      checkValues(c, w, (int) need);
      cols.add(c);
      kinds.add(w.kind());
    }
    if (meta.type().kind() != H5Type.Kind.COMPOUND && columns.size() > 1) {
      throw new H5SwmrDataException(
          where() + "a non-compound dataset has one column, got " + columns);
    }
    if (elements == 0 || columns.isEmpty()) {
      return;
    }
    String what =
        "could not write rows [" + start + ", " + (start + count) + ") of " + columnNames(cols);
    H5Calls.run(
        file.path(),
        path,
        what,
        () -> {
          long fs = spaces.selectRows(id.id(), start, count);
          try (H5MemLayout layout = H5MemLayout.build(meta.type(), cols, kinds, true)) {
            // Writes that complete a chunk of a gzip dataset compress it on every core
            // (H5ChunkStore).
            long c = meta.chunkRows();
            H5ChunkStore chunks =
                c > 0 && (start + count) / c > start / c
                    ? H5ChunkStore.plan(id.id(), meta, layout.typeId(), codecs)
                    : null;
            H5RowIo.Rows rows = new H5RowIo.Rows(start, count, chunks);
            if (columns.size() == 1) {
              H5RowIo.writeOne(
                  id.id(),
                  fs,
                  elements,
                  layout,
                  cols.get(0),
                  columns.get(0),
                  where(),
                  spaces,
                  rows);
            } else {
              H5RowIo.writePacked(
                  id.id(), fs, elements, layout, cols, columns, where(), spaces, rows);
            }
            if (chunks != null) {
              chunksStored += chunks.stored();
            }
          }
          return null;
        });
    storageStale = true;
  }

  /**
   * Whole chunks this handle's writes compressed in Java on every core and stored directly ({@link
   * H5ChunkStore}); the other rows went through {@code H5Dwrite}. A metric (tests check which path
   * a write took).
   */
  public long chunksStored() {
    return chunksStored;
  }

  /**
   * Enum members written by name: the names of {@code count} rows of {@code src} become the member
   * values (as {@code long[]}); an unknown name fails naming the column, the value and the members.
   */
  private H5ColumnWrite enumValues(H5Column c, H5ColumnWrite src, long count) {
    H5Type e = c.type().leaf();
    List<String> names = e.enumNames();
    long[] values = e.enumValues();
    long need = count * c.elementsPerRow();
    if (src.available() < need) {
      throw new H5SwmrDataException(
          where()
              + "source for column '"
              + c.displayName()
              + "' holds "
              + src.available()
              + " elements from its offset but "
              + count
              + " rows need "
              + need);
    }
    Object[] in = (Object[]) src.array();
    long[] out = new long[(int) need];
    for (int i = 0; i < out.length; i++) {
      Object v = in[src.offset() + i];
      String name =
          v instanceof byte[]
              ? new String((byte[]) v, java.nio.charset.StandardCharsets.UTF_8)
              : (String) v;
      int k = name == null ? -1 : names.indexOf(name);
      if (k < 0) {
        throw new H5SwmrDataException(
            where()
                + "column '"
                + c.displayName()
                + "': value "
                + H5ValueCheck.valueText(in, src.offset() + i)
                + " is not a member of "
                + e
                + "; valid are "
                + names);
      }
      out[i] = values[k];
    }
    return H5ColumnWrite.from(out, 0, src.memberPath());
  }

  /**
   * Refuses values the stored type cannot hold as given (see {@link H5ValueCheck}); HDF5 would
   * clamp them.
   */
  private void checkValues(H5Column c, H5ColumnWrite w, int n) {
    H5Type leaf = c.type().leaf();
    int bad = H5ValueCheck.firstMisfit(leaf, w.array(), w.offset(), n, true);
    if (bad >= 0) {
      throw new H5SwmrDataException(
          where()
              + "column '"
              + c.displayName()
              + "': value "
              + H5ValueCheck.valueText(w.array(), w.offset() + bad)
              + " (source element "
              + (w.offset() + bad)
              + ") cannot be stored in "
              + leaf
              + " as given; valid: "
              + H5ValueCheck.validRange(leaf)
              + ". Nothing was written (HDF5 would have clamped, rounded to infinity or cut it)");
    }
  }

  /** Extends the dataset by {@code count} rows and writes them; returns the first new row. */
  public long append(long count, H5ColumnWrite... columns) {
    return append(count, Arrays.asList(columns));
  }

  /**
   * Extends the dataset by {@code count} rows and writes them; returns the first new row. When the
   * write is refused (a value the type cannot hold, a source too short ...) the extent is set back
   * before the error propagates.
   */
  public long append(long count, List<H5ColumnWrite> columns) {
    long start = rows();
    extend(start + count);
    try {
      write(start, count, columns);
    } catch (RuntimeException e) {
      try {
        extend(start);
      } catch (RuntimeException suppressed) {
        e.addSuppressed(suppressed);
      }
      throw e;
    }
    return start;
  }

  /** Writes (replacing) an attribute of this dataset; see {@link H5File#writeAttribute}. */
  public void writeAttribute(String name, Object value) {
    requireWritable();
    H5Calls.run(
        file.path(),
        path,
        "could not write attribute '" + name + "'",
        () -> {
          H5Attributes.write(id.id(), name, value);
          return null;
        });
    info = null;
  }

  private void requireWritable() {
    if (file.isReadOnly()) {
      throw new H5SwmrDataException(where() + "file opened read-only; cannot modify the dataset");
    }
  }

  /** Closes the dataset; idempotent. */
  @Override
  public void close() {
    if (id.isOpen()) {
      H5Calls.run(
          file.path(),
          path,
          "could not close the dataset",
          () -> {
            spaces.close();
            id.close();
            return null;
          });
    }
  }

  @Override
  public String toString() {
    return "H5Dataset{" + file.path() + ":" + path + "}";
  }
}
