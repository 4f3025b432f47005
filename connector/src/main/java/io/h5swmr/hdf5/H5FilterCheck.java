package io.h5swmr.hdf5;

import hdf.hdf5lib.H5;
import io.h5swmr.exceptions.H5SwmrDataException;
import java.util.Map;

/**
 * Planning-time check that every filter of a dataset's pipeline can be undone where its chunks will
 * be read: by the bundled HDF5 library (its own filters, or a plugin it finds through {@code
 * HDF5_PLUGIN_PATH}) or by the Java chunk path ({@link H5ChunkFilters#supports}). Without it such a
 * file fails in a task, from inside H5Dread.
 */
public final class H5FilterCheck {
  /** Names of the filter ids registered with The HDF Group that files from other projects carry. */
  private static final Map<Integer, String> NAMES =
      Map.ofEntries(
          Map.entry(1, "deflate (gzip)"),
          Map.entry(2, "shuffle"),
          Map.entry(3, "Fletcher32"),
          Map.entry(4, "szip"),
          Map.entry(5, "n-bit"),
          Map.entry(6, "scale-offset"),
          Map.entry(305, "LZO"),
          Map.entry(307, "bzip2"),
          Map.entry(32000, "LZF"),
          Map.entry(32001, "Blosc"),
          Map.entry(32002, "MAFISC"),
          Map.entry(32003, "Snappy"),
          Map.entry(32004, "LZ4"),
          Map.entry(32005, "APAX"),
          Map.entry(32006, "CBF"),
          Map.entry(32007, "JPEG-XR"),
          Map.entry(32008, "bitshuffle"),
          Map.entry(32009, "SPDP"),
          Map.entry(32010, "LPC-Rice"),
          Map.entry(32011, "CCSDS-123"),
          Map.entry(32012, "JPEG-LS"),
          Map.entry(32013, "zfp"),
          Map.entry(32014, "fpzip"),
          Map.entry(32015, "Zstandard"),
          Map.entry(32016, "B3D"),
          Map.entry(32017, "SZ"),
          Map.entry(32018, "FCIDECOMP"),
          Map.entry(32019, "JPEG"),
          Map.entry(32020, "VBZ"),
          Map.entry(32021, "FAPEC"),
          Map.entry(32022, "BitGroom"),
          Map.entry(32023, "Granular BitRound (GranularBR)"),
          Map.entry(32024, "SZ3"),
          Map.entry(32025, "Delta-Rice"),
          Map.entry(32026, "Blosc2"),
          Map.entry(32027, "FLAC"),
          Map.entry(32028, "SPERR"));

  private H5FilterCheck() {}

  /**
   * The registered name of filter {@code id} (else the name stored in the file, else "filter
   * <id>").
   */
  public static String name(H5Filter f) {
    String known = NAMES.get(f.id());
    return known != null ? known : f.name().isBlank() ? "filter " + f.id() : f.name();
  }

  /**
   * True when the bundled library can apply filter {@code id}: built in, or a plugin found on the
   * plugin path.
   */
  public static boolean inLibrary(int id) {
    return H5Calls.run(
        "could not ask the HDF5 library for filter " + id,
        () -> {
          try {
            return H5.H5Zfilter_avail(id) > 0;
          } finally {
            H5Calls.stackText(); // a plugin search that found nothing leaves an error stack
          }
        });
  }

  /**
   * Fails, naming the filter (name and id), the dataset, the file and what to install or set, when
   * a filter of {@code meta}'s pipeline is neither in the library nor decoded by the Java chunk
   * path for this read ({@code javaPath}: whether the read may use it, option {@code directRead}).
   */
  public static void requireReadable(H5DatasetInfo meta, boolean javaPath) {
    if (meta.filters().isEmpty()) {
      return;
    }
    boolean inJava = javaPath && decodedInJava(meta);
    for (H5Filter f : meta.filters()) {
      if (inLibrary(f.id()) || inJava && H5ChunkFilters.supports(java.util.List.of(f))) {
        continue;
      }
      String stored =
          f.name().isBlank() || f.name().equals(NAMES.get(f.id()))
              ? ""
              : ", stored as '" + f.name() + "'";
      throw new H5SwmrDataException(
          "Dataset '"
              + meta.path()
              + "' in file "
              + meta.file()
              + " is compressed with "
              + "the HDF5 filter "
              + name(f)
              + " (filter id "
              + f.id()
              + stored
              + "), which the HDF5 library bundled "
              + "with h5swmr does not include"
              + (H5ChunkFilters.supports(java.util.List.of(f))
                  ? " (h5swmr decodes it in Java, but not for this dataset's type or with option 'directRead' = false)"
                  : "")
              + ". Install the filter's HDF5 plugin (Python's hdf5plugin package ships bzip2, Blosc, Blosc2, "
              + "LZ4, Zstandard, bitshuffle, zfp, SZ, SZ3 and FCIDECOMP: its directory is printed by python3 -c "
              + "'import hdf5plugin; print(hdf5plugin.PLUGIN_PATH)'; netCDF-C's plugin directory holds BitGroom, "
              + "Granular BitRound and its other quantize/codec filters) and set the environment variable "
              + "HDF5_PLUGIN_PATH to that directory for the Spark driver and the executors (e.g. "
              + "spark.executorEnv.HDF5_PLUGIN_PATH) before they start");
    }
  }

  /**
   * Whether the Java chunk path reads this dataset's whole elements (type, layout and every
   * filter).
   */
  private static boolean decodedInJava(H5DatasetInfo meta) {
    H5Type t = meta.type();
    if (t.leaf().kind() == H5Type.Kind.COMPOUND
        || t.leaf().kind() == H5Type.Kind.UNSUPPORTED
        || t.leaf().kind() == H5Type.Kind.STRING) {
      return false;
    }
    Object none =
        java.lang.reflect.Array.newInstance(t.memKind().arrayClass().getComponentType(), 0);
    return H5DirectRead.obstacle(meta, H5ColumnRead.into(none, 0)) == null;
  }
}
