/**
 * h5swmr's own HDF5 virtual file driver: HDF5's file I/O routed through Java.
 *
 * <p>Owns: {@code H5Storage} (the seam: positional reads and writes, size, truncate, sync of one
 * file), {@code H5StorageDriver} (registers the driver with libhdf5 and forwards its callbacks to a
 * storage), and the storages {@code FileChannelStorage} (local files) and {@code HadoopStorage}
 * (remote files read through Hadoop's positional reads, block-cached). A journal session is just
 * another storage: the driver does not know journals, it is handed the storage to use.
 *
 * <p>Also owns the process-wide guard every native call runs under and the loading of the library
 * ({@code NativeGuard}; {@code hdf5}'s {@code H5Native} delegates to it), since the driver's
 * callbacks run under it too.
 *
 * <p>May import: {@code io.h5swmr.exceptions} and the HDF5, JavaCPP and Hadoop client APIs. Never
 * {@code io.h5swmr.hdf5}, which sits above and opens files through this driver, nor {@code
 * hdf5.journal}, {@code read}, {@code stream} or {@code write}.
 */
package io.h5swmr.hdf5.driver;
