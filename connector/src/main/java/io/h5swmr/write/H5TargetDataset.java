package io.h5swmr.write;

import io.h5swmr.exceptions.H5SwmrDataException;
import io.h5swmr.hdf5.H5Codecs;
import io.h5swmr.hdf5.H5Dataset;
import io.h5swmr.hdf5.H5DatasetInfo;
import io.h5swmr.hdf5.H5DatasetSpec;
import io.h5swmr.hdf5.H5File;
import io.h5swmr.hdf5.H5ObjectKind;
import io.h5swmr.hdf5.journal.JournalOverlay;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Map;

/**
 * The target dataset of a commit inside one HDF5 file opened read-write, on the project's HDF5
 * layer ({@link H5File}/{@link H5Dataset}): creates it (intermediate groups, chunked, extensible
 * along dimension 0) or opens it, appends staged blocks (one extent change and one write each,
 * values checked by the layer) and records the commit attributes.
 *
 * <p>Works on an already-open {@link H5File} handed in by the caller ({@link #on}), whatever driver
 * opened it; {@link #open} is the convenience that opens (or creates) the file with the default
 * driver and closes it with this object.
 */
final class H5TargetDataset implements AutoCloseable {
  static final String ATTR_FENCE = "h5swmr.fence_token";
  static final String ATTR_ROWS = "h5swmr.committed_rows";
  static final String ATTR_GENERATION = "h5swmr.generation";

  /**
   * Chunk cache of a filtered (compressed) target while appending: staged blocks rarely end on
   * chunk boundaries, and a partial chunk must stay cached until the next block completes it, or
   * HDF5 compresses and writes it twice (and reads it back in between).
   */
  static final long WRITE_CHUNK_CACHE_BYTES = 64L << 20;

  /**
   * The chunk cache for writing a dataset: none when it is unfiltered. HDF5 then writes the rows of
   * an already allocated chunk straight to their place in the file instead of reading the whole
   * chunk into the cache and writing all of it back: a 1000-row append to a partly filled 8 MiB
   * chunk writes 8 KB, not 8 MiB (and the journal no longer compares 8 MiB to find them). HDF5 then
   * calls our Java file driver from inside {@code H5Dwrite}, which is why the HDF5 layer never pins
   * Java arrays for files open through it.
   */
  static long writeChunkCache(boolean filtered) {
    return filtered ? WRITE_CHUNK_CACHE_BYTES : 0;
  }

  /** What exists at the target path, seen read-only (pre-flight and commit checks). */
  static final class Existing {
    final boolean fileExists;

    /** The dataset's metadata, or null when there is no dataset at the path. */
    final H5DatasetInfo info;

    final boolean datasetExists;

    Existing(boolean fileExists, H5DatasetInfo info) {
      this.fileExists = fileExists;
      this.info = info;
      this.datasetExists = info != null;
    }

    /** Rows along dimension 0 (1 for a scalar dataset); 0 when absent. */
    long rows() {
      return info == null ? 0 : info.rows();
    }
  }

  private final H5File file;
  private final boolean ownsFile;
  private final String datasetPath;
  private H5Dataset dataset;

  /** How whole chunks are compressed (options parallelDeflate, libdeflate). */
  private H5Codecs codecs = H5Codecs.DEFAULT;

  private WriteLayout layout;
  private boolean closed;

  private H5TargetDataset(H5File file, boolean ownsFile, String datasetPath) {
    this.file = file;
    this.ownsFile = ownsFile;
    this.datasetPath = datasetPath;
  }

  /** Looks at the target without changing it (opens it read-only with the default driver). */
  static Existing inspect(Path file, String datasetPath) {
    if (!Files.exists(file)) {
      return new Existing(false, null);
    }
    try (H5File f = H5File.openReadOnly(file.toString(), JournalOverlay.COMMITTED)) {
      return inspect(f, datasetPath);
    }
  }

  /** Looks at the target in an open file without changing it. */
  static Existing inspect(H5File file, String datasetPath) {
    H5ObjectKind kind = file.kind(datasetPath);
    if (kind == H5ObjectKind.MISSING) {
      return new Existing(true, null);
    }
    if (kind != H5ObjectKind.DATASET) {
      throw new H5SwmrDataException(
          "Option 'dataset' names "
              + datasetPath
              + " in "
              + file.path()
              + ", which is "
              + (kind == H5ObjectKind.GROUP ? "a group" : "not a dataset")
              + ": give the path of a dataset (existing or to create), e.g. "
              + datasetPath.replaceAll("/+$", "")
              + "/data");
    }
    return new Existing(true, file.datasetInfo(datasetPath));
  }

  /**
   * The target dataset in {@code file}, which the caller opened read-write and closes after this
   * object.
   */
  static H5TargetDataset on(H5File file, String datasetPath) {
    if (file.isReadOnly()) {
      throw new IllegalArgumentException(
          file + " is open read-only; a commit target must be writable");
    }
    return new H5TargetDataset(file, false, datasetPath);
  }

  /**
   * Opens (or creates, when {@code create}) the file read-write with the default driver; closed
   * with this.
   */
  static H5TargetDataset open(Path file, String datasetPath, boolean create) {
    H5File f = create ? H5File.create(file.toString()) : H5File.openReadWrite(file.toString());
    return new H5TargetDataset(f, true, datasetPath);
  }

  /** The open file. */
  H5File file() {
    return file;
  }

  /**
   * Deletes the dataset's link when present (overwrite: a new dataset is then created in its
   * place).
   */
  void deleteDataset() {
    if (file.kind(datasetPath) != H5ObjectKind.MISSING) {
      file.delete(datasetPath);
    }
  }

  /** Creates the dataset for {@code layout}, with intermediate groups. */
  void create(WriteLayout layout, long chunkRows, boolean gzip, int level, boolean shuffle) {
    this.layout = layout;
    H5DatasetSpec spec =
        H5DatasetSpec.of(layout.fileType())
            .withTrailingDims(layout.extraDims)
            .withChunkRows(chunkRows)
            .withDeflate(gzip ? level : 0)
            .withShuffle(gzip && shuffle);
    dataset = file.createDataset(datasetPath, spec, writeChunkCache(gzip)).codecs(codecs);
  }

  /** Opens the existing dataset for appending with {@code layout} (already checked compatible). */
  void openExisting(WriteLayout layout) {
    this.layout = layout;
    boolean filtered = !file.datasetInfo(datasetPath).filters().isEmpty();
    dataset = file.openDataset(datasetPath, writeChunkCache(filtered)).codecs(codecs);
  }

  /**
   * Compresses with {@code c} the dataset this object creates or opens from now on; returns this.
   */
  H5TargetDataset codecs(H5Codecs c) {
    this.codecs = c;
    return this;
  }

  /** The generation attribute of the existing dataset (0 when absent). */
  long previousGeneration() {
    return longAttr(file.datasetInfo(datasetPath), ATTR_GENERATION, 0);
  }

  /** Rows in the dataset now. */
  long rows() {
    return dataset.rows();
  }

  /** Extends dimension 0 by the block's rows and writes them with one write. */
  void append(StagingCodec.Block block) {
    if (block.rows == 0) {
      return;
    }
    appendEncoded(block.rows, layout.encode(block));
  }

  /**
   * Extends dimension 0 by {@code blockRows} and writes the encoded block (one extent change, one
   * write).
   */
  void appendEncoded(int blockRows, WriteLayout.Buffer buf) {
    dataset.append(blockRows, buf.columns());
  }

  /**
   * Marks the dataset as created by the commit with this fencing token (see
   * H5DatasetInfo.identity()).
   */
  void markCreated(long fenceToken) {
    dataset.writeAttribute(H5DatasetInfo.CREATED_TOKEN_ATTRIBUTE, fenceToken);
  }

  /** Writes (or replaces) the three commit attributes on the dataset. */
  void writeCommitAttributes(long fenceToken, long generation) {
    long rows = dataset.rows();
    dataset.writeAttribute(ATTR_FENCE, fenceToken);
    dataset.writeAttribute(ATTR_ROWS, rows);
    dataset.writeAttribute(ATTR_GENERATION, generation);
  }

  /**
   * Sets extra long attributes of the dataset (e.g. a streaming sink's last batch id), as part of
   * the commit.
   */
  void writeLongAttributes(Map<String, Long> attributes) {
    for (Map.Entry<String, Long> e : attributes.entrySet()) {
      dataset.writeAttribute(e.getKey(), e.getValue());
    }
  }

  /** A long attribute of the open dataset, or {@code dflt} when absent. */
  long longAttr(String name, long dflt) {
    return longAttr(dataset.refresh(), name, dflt);
  }

  static long longAttr(H5DatasetInfo info, String name, long dflt) {
    Object v = info.attributes().get(name);
    return v instanceof Long ? (Long) v : dflt;
  }

  /** Closes the dataset, flushes the file, and closes it when this object opened it; idempotent. */
  @Override
  public void close() {
    if (closed) {
      return;
    }
    closed = true;
    try {
      if (dataset != null) {
        dataset.close();
      }
      file.flush();
    } finally {
      if (ownsFile) {
        file.close();
      }
    }
  }
}
