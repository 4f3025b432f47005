/**
 * Batch reads of HDF5 files into Spark: the DSv2 scan and everything it plans and reads.
 *
 * <p>Owns: path expansion and listing (local and Hadoop file systems), inspection of every file
 * under its shared lease ({@code TableInspector}, 8 threads), the snapshot a scan reads ({@code
 * TableSnapshot}, {@code FileSnapshot}: extent, dataset identity, file identity), schema inference
 * and binding, column names, partition planning aligned to chunks with index pushdown ({@code
 * PartitionPlanner}, {@code IndexRanges}), the row and columnar partition readers, metrics, and
 * {@code IncrementalScan}, the public piece the streaming source reads through, and the catalog
 * views of option {@code catalog} ({@code CatalogScanBuilder}, {@code CatalogInspector}: files,
 * datasets and attributes read on the driver under the same shared leases, {@code SharedLeases}).
 * Each Spark role is one small class named after it ({@code H5SwmrScanBuilder}, {@code H5SwmrScan},
 * {@code H5SwmrBatch}, {@code H5SwmrPartitionReaderFactory}, …); none does I/O in a constructor or
 * getter.
 *
 * <p>May import: {@code io.h5swmr.lock}, {@code io.h5swmr.config}, {@code io.h5swmr.hdf5} (and the
 * committed-journal view of {@code hdf5.journal}), the HDF5 ↔ Spark type mapping, and {@code
 * io.h5swmr.exceptions}. Never {@code stream} or {@code write}: they import this package's public
 * pieces, not the other way round.
 */
package io.h5swmr.read;
