/**
 * The HDF5 ↔ Spark type mapping, in one neutral place both directions share.
 *
 * <p>Owns: {@code TypeMapping}: the Spark type a read gives each HDF5 type (and what an append must
 * bring), and the HDF5 type a write creates for each Spark type. The README's type tables document
 * exactly this mapping; the read and the write paths both call it, so they cannot drift apart.
 *
 * <p>May import: {@code io.h5swmr.hdf5} (its {@code H5Type} tree) and {@code io.h5swmr.exceptions},
 * plus Spark's {@code org.apache.spark.sql.types}. Never {@code read}, {@code stream}, {@code
 * write} or the root package: they import this one.
 */
package io.h5swmr.types;
