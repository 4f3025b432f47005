package io.h5swmr.hdf5;

import java.io.Serializable;

/**
 * How this layer encodes and decodes deflate chunks in Java, as plain values handed to a dataset
 * ({@link H5Dataset#codecs(H5Codecs)}) instead of JVM-wide switches: whether whole chunks of a gzip
 * dataset are compressed on every core ({@link H5ChunkStore}; option {@code parallelDeflate}) and
 * whether the system's libdeflate is used where installed (option {@code libdeflate}; else {@code
 * Inflater}/{@code Deflater}). {@link #DEFAULT} takes each from its JVM property ({@code
 * -Dh5swmr.parallelDeflate=false}, {@code -Dh5swmr.libdeflate=false}), kept for compatibility as
 * the options' defaults. Immutable, serializable.
 */
public final class H5Codecs implements Serializable {
  private static final long serialVersionUID = 1L;

  /**
   * Both on unless their JVM property says {@code false}; libdeflate only where this JVM can call
   * it.
   */
  public static final H5Codecs DEFAULT =
      new H5Codecs(jvmDefault("h5swmr.parallelDeflate"), jvmDefault("h5swmr.libdeflate"));

  private final boolean parallelDeflate;
  private final boolean libdeflate;

  private H5Codecs(boolean parallelDeflate, boolean libdeflate) {
    this.parallelDeflate = parallelDeflate;
    this.libdeflate = libdeflate;
  }

  /** The codecs of these option values. */
  public static H5Codecs of(boolean parallelDeflate, boolean libdeflate) {
    return new H5Codecs(parallelDeflate, libdeflate);
  }

  private static boolean jvmDefault(String property) {
    return !"false".equalsIgnoreCase(System.getProperty(property));
  }

  /** Whether whole chunks of gzip datasets are compressed on every core before they are stored. */
  public boolean parallelDeflate() {
    return parallelDeflate;
  }

  /** Whether deflate goes through libdeflate: asked for and present in this JVM. */
  public boolean libdeflate() {
    return libdeflate && H5ChunkFilters.LIBDEFLATE_PRESENT;
  }

  /** As these, with libdeflate {@code on} or not (tests compare both decoders). */
  public H5Codecs withLibdeflate(boolean on) {
    return new H5Codecs(parallelDeflate, on);
  }

  /** As these, with parallel deflate {@code on} or not. */
  public H5Codecs withParallelDeflate(boolean on) {
    return new H5Codecs(on, libdeflate);
  }

  @Override
  public boolean equals(Object o) {
    return o instanceof H5Codecs
        && ((H5Codecs) o).parallelDeflate == parallelDeflate
        && ((H5Codecs) o).libdeflate == libdeflate;
  }

  @Override
  public int hashCode() {
    return (parallelDeflate ? 2 : 0) + (libdeflate ? 1 : 0);
  }

  @Override
  public String toString() {
    return "H5Codecs{parallelDeflate=" + parallelDeflate + ", libdeflate=" + libdeflate + "}";
  }
}
