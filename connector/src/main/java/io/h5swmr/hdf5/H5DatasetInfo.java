package io.h5swmr.hdf5;

import io.h5swmr.exceptions.H5SwmrDataException;
import java.io.Serializable;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.Collections;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Objects;

/**
 * Immutable snapshot of a dataset's metadata: shape, type, storage and attributes. Serializable so
 * the driver can ship it to executors.
 */
public final class H5DatasetInfo implements Serializable {
  private static final long serialVersionUID = 1L;

  /** The value of a {@link #maxDims()} entry that may grow without bound (H5S_UNLIMITED). */
  public static final long UNLIMITED = -1;

  private final String file;
  private final String path;
  private final H5Type type;
  private final long[] dims;
  private final long[] maxDims;
  private final long[] chunkDims;
  private final H5Layout layout;
  private final List<H5Filter> filters;
  private final long storageSize;
  private final String objectId;
  private final Map<String, Object> attributes;
  private boolean nullSpace;

  H5DatasetInfo(
      String file,
      String path,
      H5Type type,
      long[] dims,
      long[] maxDims,
      long[] chunkDims,
      H5Layout layout,
      List<H5Filter> filters,
      long storageSize,
      String objectId,
      Map<String, Object> attributes) {
    this.file = file;
    this.path = path;
    this.type = type;
    this.dims = dims.clone();
    this.maxDims = maxDims.clone();
    this.chunkDims = chunkDims == null ? new long[0] : chunkDims.clone();
    this.layout = layout;
    this.filters = List.copyOf(filters);
    this.storageSize = storageSize;
    this.objectId = objectId;
    this.attributes = Collections.unmodifiableMap(new LinkedHashMap<>(attributes));
  }

  H5DatasetInfo withNullSpace(boolean isNull) {
    this.nullSpace = isNull;
    return this;
  }

  /** This metadata after the dataset's dimension 0 was set to {@code rows} (by this handle). */
  H5DatasetInfo withRows(long rows) {
    long[] d = dims.clone();
    d[0] = rows;
    return new H5DatasetInfo(
            file,
            path,
            type,
            d,
            maxDims,
            chunkDims,
            layout,
            filters,
            storageSize,
            objectId,
            attributes)
        .withNullSpace(nullSpace);
  }

  /** This metadata with the dataset's allocated storage re-measured. */
  H5DatasetInfo withStorageSize(long bytes) {
    return new H5DatasetInfo(
            file,
            path,
            type,
            dims,
            maxDims,
            chunkDims,
            layout,
            filters,
            bytes,
            objectId,
            attributes)
        .withNullSpace(nullSpace);
  }

  /**
   * Whether the dataset has a NULL dataspace (H5S_NULL: no elements at all, not even a scalar one).
   */
  public boolean isNullSpace() {
    return nullSpace;
  }

  /** The file path the dataset was read from. */
  public String file() {
    return file;
  }

  /** Absolute dataset path inside the file, e.g. "/group/data". */
  public String path() {
    return path;
  }

  public H5Type type() {
    return type;
  }

  /** Current dimensions; empty for a scalar dataset. */
  public long[] dims() {
    return dims.clone();
  }

  /** Maximum dimensions, {@link #UNLIMITED} where unbounded. */
  public long[] maxDims() {
    return maxDims.clone();
  }

  /** Chunk dimensions; empty unless {@link #layout()} is CHUNKED. */
  public long[] chunkDims() {
    return chunkDims.clone();
  }

  public H5Layout layout() {
    return layout;
  }

  public List<H5Filter> filters() {
    return filters;
  }

  /** Bytes allocated in the file for the raw data. */
  public long storageSize() {
    return storageSize;
  }

  /**
   * Identity of the dataset object: its object token (file address) plus creation time when
   * tracked. A dataset deleted and re-created, or replaced by a link swap, gets a different id.
   */
  public String objectId() {
    return objectId;
  }

  /**
   * Attribute a writer stores on a dataset it creates (h5swmr's committer: the fencing token of
   * that commit). HDF5 may give a dataset deleted and re-created in one session the same address,
   * and files with version-1 object headers record no birth time, so {@link #objectId()} alone
   * cannot always tell a replaced dataset.
   */
  public static final String CREATED_TOKEN_ATTRIBUTE = "h5swmr.created_token";

  /**
   * What a scan compares to detect a replaced dataset: {@link #objectId()} plus, when present, the
   * {@link #CREATED_TOKEN_ATTRIBUTE} its writer stored.
   */
  public String identity() {
    Object created = attributes.get(CREATED_TOKEN_ATTRIBUTE);
    return created == null ? objectId : objectId + "#" + created;
  }

  /**
   * Attributes by name: Long, Double, String, Boolean, long[], double[], String[]; unsupported
   * types are absent.
   */
  public Map<String, Object> attributes() {
    return attributes;
  }

  public int rank() {
    return dims.length;
  }

  /** Rows along dimension 0; 1 for a scalar dataset. */
  public long rows() {
    return dims.length == 0 ? 1 : dims[0];
  }

  /** Elements per row: the product of dimensions 1..rank-1 (1 for rank 0 and 1). */
  public long trailingElements() {
    long n = 1;
    for (int i = 1; i < dims.length; i++) {
      n *= dims[i];
    }
    return n;
  }

  /** Dimensions 1..rank-1 (empty for rank 0 and 1). */
  public long[] trailingDims() {
    return dims.length <= 1 ? new long[0] : Arrays.copyOfRange(dims, 1, dims.length);
  }

  /** Rows per chunk along dimension 0, or 0 when not chunked. */
  public long chunkRows() {
    return chunkDims.length == 0 ? 0 : chunkDims[0];
  }

  /** True when dimension 0 can be extended. */
  public boolean isExtensible() {
    return maxDims.length > 0 && (maxDims[0] == UNLIMITED || maxDims[0] > dims[0]);
  }

  /**
   * The readable leaf at {@code memberPath} (empty for the whole element of a non-compound
   * dataset).
   *
   * @throws H5SwmrDataException naming the path, the available members and unsupported/compound
   *     types
   */
  public H5Column column(List<String> memberPath) {
    H5Type t = type;
    for (int i = 0; i < memberPath.size(); i++) {
      String name = memberPath.get(i);
      H5Type.Member m = t.kind() == H5Type.Kind.COMPOUND ? t.member(name) : null;
      if (m == null) {
        List<String> names = new ArrayList<>();
        t.members().forEach(x -> names.add(x.name()));
        throw new H5SwmrDataException(
            H5Calls.where(file, path)
                + "no compound member '"
                + String.join(".", memberPath.subList(0, i + 1))
                + "' in type "
                + t
                + (names.isEmpty() ? "" : "; members are " + names));
      }
      t = m.type();
    }
    if (!t.leaf().isScalar()) {
      throw new H5SwmrDataException(
          H5Calls.where(file, path)
              + "unsupported type "
              + t
              + " for "
              + (memberPath.isEmpty()
                  ? "the dataset"
                  : "member '" + String.join(".", memberPath) + "'")
              + "; readable leaves are integers, floats, strings, enums and arrays of them");
    }
    return new H5Column(memberPath, t, trailingElements() * t.elementsPerValue());
  }

  /**
   * Every readable leaf in member order (compounds flattened depth-first); unsupported members
   * skipped.
   */
  public List<H5Column> leaves() {
    List<H5Column> out = new ArrayList<>();
    collect(type, new ArrayList<>(), out);
    return out;
  }

  private void collect(H5Type t, List<String> prefix, List<H5Column> out) {
    if (t.kind() == H5Type.Kind.COMPOUND) {
      for (H5Type.Member m : t.members()) {
        prefix.add(m.name());
        collect(m.type(), prefix, out);
        prefix.remove(prefix.size() - 1);
      }
    } else if (t.leaf().isScalar()) {
      out.add(new H5Column(prefix, t, trailingElements() * t.elementsPerValue()));
    }
  }

  @Override
  public boolean equals(Object o) {
    if (!(o instanceof H5DatasetInfo)) {
      return false;
    }
    H5DatasetInfo i = (H5DatasetInfo) o;
    return file.equals(i.file)
        && path.equals(i.path)
        && type.equals(i.type)
        && Arrays.equals(dims, i.dims)
        && Arrays.equals(maxDims, i.maxDims)
        && Arrays.equals(chunkDims, i.chunkDims)
        && layout == i.layout
        && filters.equals(i.filters)
        && storageSize == i.storageSize
        && Objects.equals(objectId, i.objectId)
        && attributesEqual(attributes, i.attributes);
  }

  private static boolean attributesEqual(Map<String, Object> a, Map<String, Object> b) {
    if (!a.keySet().equals(b.keySet())) {
      return false;
    }
    for (Map.Entry<String, Object> e : a.entrySet()) {
      if (!Objects.deepEquals(e.getValue(), b.get(e.getKey()))) {
        return false;
      }
    }
    return true;
  }

  @Override
  public int hashCode() {
    return Objects.hash(file, path, type, Arrays.hashCode(dims), objectId);
  }

  @Override
  public String toString() {
    return "H5DatasetInfo{"
        + file
        + ":"
        + path
        + ", type="
        + type
        + ", dims="
        + Arrays.toString(dims)
        + ", maxDims="
        + Arrays.toString(maxDims)
        + ", layout="
        + layout
        + (chunkDims.length == 0 ? "" : ", chunk=" + Arrays.toString(chunkDims))
        + (filters.isEmpty() ? "" : ", filters=" + filters)
        + ", storage="
        + storageSize
        + "B, id="
        + objectId
        + ", attributes="
        + attributes.keySet()
        + "}";
  }
}
