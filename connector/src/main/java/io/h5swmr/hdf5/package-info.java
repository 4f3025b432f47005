/**
 * The one thin native HDF5 layer shared by the read and the write path.
 *
 * <ul>
 *   <li>{@link io.h5swmr.hdf5.H5File}: open read-only / read-write / create (HDF5 file locking disabled: the
 *       Redis lease coordinates access), inspect paths, list datasets, attributes, create groups and datasets,
 *       move and delete links (build under a temporary name, then swap), flush.</li>
 *   <li>{@link io.h5swmr.hdf5.H5Dataset}: metadata ({@link io.h5swmr.hdf5.H5DatasetInfo} with an
 *       {@link io.h5swmr.hdf5.H5Type} tree, flattened into readable {@link io.h5swmr.hdf5.H5Column} leaves)
 *       and bulk row-range reads and writes along dimension 0. A read names its columns
 *       ({@link io.h5swmr.hdf5.H5ColumnRead}: compound member path + Java array or native address) and moves
 *       them with one H5Dread: a single column goes straight into the caller's array or native memory;
 *       several compound members go through one packed buffer holding only those members, then a strided copy.
 *       Writes mirror this with {@link io.h5swmr.hdf5.H5ColumnWrite}; every written value is first checked by
 *       {@link io.h5swmr.hdf5.H5ValueCheck} against the stored type (no clamping, no overflow to infinity, no
 *       string cut at a NUL), and enum members can be written by name. The Spark write path
 *       ({@code io.h5swmr.write.H5TargetDataset}) commits through these same classes.</li>
 *   <li>Values arrive in Java kinds ({@link io.h5swmr.hdf5.H5MemKind}): HDF5 converts byte order and widens
 *       unsigned integers and float16; strings are decoded per their pad rule; variable-length string memory
 *       is reclaimed inside the call; enums come as values or, into a {@code String[]}, as names.</li>
 * </ul>
 *
 * <p>Cost model: each read/write call costs roughly ten microseconds of fixed overhead (HDF5's own per-call
 * floor is most of it) plus the data movement, so read many rows per call: whole chunks or more (e.g. 64 Ki
 * rows), not one row. Datasets are opened with a chunk cache holding two chunks, so consecutive smaller
 * ranges within one chunk decompress it once.
 *
 * <p>Every native call runs under {@link io.h5swmr.hdf5.H5Native#call} (the HDF5 C library is not
 * thread-safe) and every hid_t lives in a package-private {@code H5Id} closed by try-with-resources. Both
 * native APIs shipped by org.bytedeco:hdf5 are used over the same libhdf5: {@code hdf.hdf5lib.H5} for
 * metadata and Java-array I/O, the JavaCPP C API for native addresses and {@code char*} strings. Java arrays
 * are pinned in a JNI critical region (no copy) only by reads of files HDF5 reads with its own driver: for a file
 * open through our Java file driver ({@code io.h5swmr.hdf5.driver}) HDF5 calls back into Java from inside the
 * call, which a critical region forbids, and the binding copies the array instead. Writes never pin (a pinned
 * write stalls every allocating thread): they copy the rows into native memory each dataset handle keeps and
 * call the C API.
 * Touching {@code hdf.hdf5lib.HDF5Constants} before {@link io.h5swmr.hdf5.H5Native#ensureLoaded()} fails
 * with an {@code UnsatisfiedLinkError}; this package always loads first. Failures raise
 * {@link io.h5swmr.exceptions.H5SwmrDataException} (or {@link io.h5swmr.exceptions.H5SwmrNotFoundException})
 * naming the file, the object and the operation, with the HDF5 error stack appended; nothing is printed.
 */
package io.h5swmr.hdf5;
