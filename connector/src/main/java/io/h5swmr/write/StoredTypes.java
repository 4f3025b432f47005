package io.h5swmr.write;

import io.h5swmr.exceptions.H5SwmrDataException;
import io.h5swmr.hdf5.H5Type;
import io.h5swmr.hdf5.H5ValueCheck;
import java.io.Serializable;
import java.nio.charset.StandardCharsets;
import java.util.HashSet;
import java.util.List;
import java.util.Set;

/**
 * The stored type of every leaf an append writes into, shipped to the tasks so they check each
 * value while buffering it, before anything is staged (fail fast: the task fails, nothing is
 * committed). The same rules as {@link H5ValueCheck}, which the commit applies again: integers in
 * range, floats not overflowing to infinity or underflowing to zero, strings without NUL,
 * fixed-length strings within their size, enum names that are members. For a new dataset every
 * stored type is the one the Spark type maps to, so only strings are checked (NUL).
 */
final class StoredTypes implements Serializable {
  private static final long serialVersionUID = 1L;

  private final String target;
  private final H5Type[] leafTypes; // null entries: created from the Spark type (exact)
  private final boolean[] checkNumbers;
  private final Set<String>[] enumNames;

  @SuppressWarnings("unchecked")
  private StoredTypes(String target, H5Type[] leafTypes, List<WriteSchema.Node> leaves) {
    this.target = target;
    this.leafTypes = leafTypes;
    this.checkNumbers = new boolean[leafTypes.length];
    this.enumNames = new Set[leafTypes.length];
    for (int i = 0; i < leafTypes.length; i++) {
      H5Type t = leafTypes[i];
      if (t == null) {
        continue;
      }
      WriteSchema.LeafKind k = leaves.get(i).kind;
      boolean integer =
          k == WriteSchema.LeafKind.BYTE
              || k == WriteSchema.LeafKind.SHORT
              || k == WriteSchema.LeafKind.INT
              || k == WriteSchema.LeafKind.LONG;
      checkNumbers[i] =
          (integer && t.kind() == H5Type.Kind.INTEGER && (!t.isSigned() || t.size() < k.bytes))
              || (k == WriteSchema.LeafKind.FLOAT && t.kind() == H5Type.Kind.FLOAT && t.size() < 4)
              || (k == WriteSchema.LeafKind.DOUBLE
                  && t.kind() == H5Type.Kind.FLOAT
                  && t.size() < 8);
      if (k == WriteSchema.LeafKind.STRING && t.kind() == H5Type.Kind.ENUM) {
        enumNames[i] = new HashSet<>(t.enumNames());
      }
    }
  }

  /** No existing dataset: only the string rules apply. */
  static StoredTypes none(String target, WriteSchema schema) {
    return new StoredTypes(target, new H5Type[schema.leaves().size()], schema.leaves());
  }

  /** Appending to {@code existing}: every leaf's stored (scalar) type. */
  static StoredTypes of(String target, H5TargetDataset.Existing existing, WriteSchema schema) {
    H5Type[] types = new H5Type[schema.leaves().size()];
    for (int i = 0; i < types.length; i++) {
      types[i] = WriteCompatibility.existingLeafType(existing, schema, i);
    }
    return new StoredTypes(target, types, schema.leaves());
  }

  /**
   * At the commit, under the exclusive lease: throws unless every value check that {@code now} (the
   * stored types of the dataset as it is now) calls for was made when the rows were staged against
   * these types. Another writer may have created the dataset, or replaced it with narrower types,
   * between staging and commit: the staged values were then never checked against what would store
   * them, and HDF5 would clamp or truncate them silently.
   */
  void requireStagedChecksHold(StoredTypes now, java.util.List<WriteSchema.Node> leaves) {
    for (int i = 0; i < now.leafTypes.length; i++) {
      H5Type t = now.leafTypes[i];
      boolean constrains =
          t != null
              && (now.checkNumbers[i]
                  || now.enumNames[i] != null
                  || (t.kind() == H5Type.Kind.STRING && !t.isVariableLength()));
      if (constrains && !t.equals(i < leafTypes.length ? leafTypes[i] : null)) {
        H5Type was = i < leafTypes.length ? leafTypes[i] : null;
        throw new ChangedSinceStaging(
            "Cannot commit to "
                + now.target
                + ": it changed while this write staged "
                + "its rows: column '"
                + leaves.get(i).path
                + "' is now stored as "
                + t
                + ", but the rows were checked "
                + "against "
                + (was == null
                    ? "the type created from the Spark type (the dataset did not exist then)"
                    : was.toString())
                + ". Another writer created or replaced the dataset meanwhile. Nothing was written: "
                + "run the write again (it checks the values against the dataset as it is then)");
      }
    }
  }

  /**
   * The dataset's stored types changed between staging and commit (see {@link
   * #requireStagedChecksHold}).
   */
  static final class ChangedSinceStaging extends H5SwmrDataException {
    private static final long serialVersionUID = 1L;

    ChangedSinceStaging(String message) {
      super(message);
    }
  }

  /**
   * Whether values of leaf {@code leafIndex} need {@link #checkNumbers} (a narrower stored type).
   */
  boolean checksNumbers(int leafIndex) {
    return checkNumbers[leafIndex];
  }

  /** Checks the numeric values {@code from..b.size} just added to {@code b}. */
  void checkNumbers(LeafBuffer b, int from) {
    int i = b.leaf.leafIndex;
    if (!checkNumbers[i]) {
      return;
    }
    Object values = b.values();
    int bad = H5ValueCheck.firstMisfit(leafTypes[i], values, from, b.size - from, false);
    if (bad >= 0) {
      throw misfit(b.leaf, H5ValueCheck.valueText(values, from + bad), leafTypes[i]);
    }
  }

  /** Checks one string value (UTF-8) of leaf {@code leaf} before it is buffered. */
  void checkString(WriteSchema.Node leaf, byte[] utf8) {
    H5Type t = leafTypes[leaf.leafIndex];
    if (!H5ValueCheck.fitsString(utf8)) {
      throw new H5SwmrDataException(
          "Column '"
              + leaf.path
              + "' holds "
              + text(utf8)
              + ", which contains a NUL "
              + "character (U+0000): HDF5 strings end at the first NUL (h5py refuses them too), so it would be stored "
              + "cut short. Remove or replace the NULs (e.g. regexp_replace(col, '\\\\x00', '')) before writing; "
              + "nothing was written to "
              + target);
    }
    if (t == null) {
      return;
    }
    Set<String> names = enumNames[leaf.leafIndex];
    if (names != null) {
      String name = new String(utf8, StandardCharsets.UTF_8);
      if (!names.contains(name)) {
        throw new H5SwmrDataException(
            "Column '"
                + leaf.path
                + "' holds "
                + text(utf8)
                + ", which is not a member "
                + "of the stored "
                + t
                + " of "
                + target
                + "; valid values are "
                + t.enumNames()
                + ". Nothing was written");
      }
    } else if (t.kind() == H5Type.Kind.STRING && !t.isVariableLength() && utf8.length > t.size()) {
      throw new H5SwmrDataException(
          "Column '"
              + leaf.path
              + "' holds "
              + text(utf8)
              + " ("
              + utf8.length
              + " UTF-8 bytes), longer than the stored "
              + t
              + " of "
              + target
              + " (at most "
              + t.size()
              + " bytes): h5swmr never truncates. Shorten the values (e.g. substring) or rewrite the dataset with "
              + "mode 'overwrite' (variable-length strings). Nothing was written");
    }
  }

  private H5SwmrDataException misfit(WriteSchema.Node leaf, String value, H5Type t) {
    return new H5SwmrDataException(
        "Column '"
            + leaf.path
            + "' holds "
            + value
            + ", which the stored "
            + t
            + " of "
            + target
            + " cannot hold as given (valid: "
            + H5ValueCheck.validRange(t)
            + "): h5swmr never "
            + "clamps or overflows to infinity. Filter or fix the values, or rewrite the dataset with a wider type "
            + "(mode 'overwrite'). Nothing was written");
  }

  private static String text(byte[] utf8) {
    return H5ValueCheck.valueText(new byte[][] {utf8}, 0);
  }
}
