/**
 * The one thin native HDF5 layer shared by the read and the write path.
 *
 * <p>Owns: {@code H5File} (open read-only, read-write or create with HDF5's file locking off — the
 * Redis lease coordinates access —; inspect, list, attributes, groups, datasets, links), {@code
 * H5Dataset} (metadata as an {@code H5Type} tree flattened into {@code H5Column} leaves; bulk
 * row-range reads and writes along dimension 0 with one H5Dread/H5Dwrite per call), {@code
 * H5ValueCheck} (every written value checked against the stored type: no clamping, no overflow to
 * infinity, no string cut at a NUL), the Java chunk paths outside the native lock ({@code
 * H5DirectRead}, {@code H5ChunkFilters} and {@code H5Bitshuffle} over one shared byte-transpose
 * kernel, {@code H5ChunkStore}, libdeflate), and native-writer detection (superblock marks, HDF5's
 * file lock, {@code /proc}).
 *
 * <p>Cost model: each call costs about ten microseconds plus the data moved, so read whole chunks
 * or more per call. Every native call runs under {@link io.h5swmr.hdf5.H5Native#call} (libhdf5 is
 * not thread-safe) and every hid_t lives in an {@code H5Id} closed by try-with-resources. Java
 * arrays are pinned (JNI critical region) only by reads of files HDF5 reads with its own driver;
 * files open through {@code hdf5.driver} call back into Java, so there the binding copies, and
 * writes never pin: they copy rows into native memory each dataset handle keeps. Failures raise
 * {@link io.h5swmr.exceptions.H5SwmrDataException} (or {@link
 * io.h5swmr.exceptions.H5SwmrNotFoundException}) naming the file, the object and the operation.
 *
 * <p>Touching {@code hdf.hdf5lib.HDF5Constants} before {@link
 * io.h5swmr.hdf5.H5Native#ensureLoaded()} fails with an {@code UnsatisfiedLinkError}; this package
 * always loads the library first.
 *
 * <p>May import: {@code io.h5swmr.hdf5.driver} and {@code io.h5swmr.exceptions}. Never Spark types
 * (the HDF5 ↔ Spark mapping is {@code types}), never {@code hdf5.journal} (a reader is handed a
 * committed-journal view, {@code H5File.CommittedView}), {@code read}, {@code stream} or {@code
 * write}.
 */
package io.h5swmr.hdf5;
