/**
 * Writes into HDF5 files: Spark batch writes, the streaming sink and {@code H5SwmrAppender}.
 *
 * <p>Owns the Spark write roles (each one small class named after it: {@code H5SwmrWriteBuilder},
 * {@code H5SwmrBatchWrite}, {@code H5SwmrDataWriterFactory}, {@code H5SwmrDataWriter}, {@code
 * H5SwmrWriterCommitMessage}, {@code H5SwmrStreamingWrite}, the V1 relations Spark's save path and
 * Spark 3.5 need), the pre-flight checks on the driver (schema, types, names, the save-mode
 * decision, made once), staging by the tasks ({@code StagingArea}, Kryo-coded blocks, staging pages
 * freed as read), the value checks against stored types ({@code StoredTypes}), and the
 * dataset-level part of a commit ({@code H5SwmrCommitter}: create, append or replace the dataset
 * from the decoded blocks). The commit itself — fence, recovery, journal session, commit point — is
 * the transaction of {@code hdf5.journal}, used the same way by every writer here. Protocol:
 * docs/write.md.
 *
 * <p>May import: {@code io.h5swmr.hdf5.journal}, {@code io.h5swmr.hdf5}, {@code
 * io.h5swmr.hdf5.driver}, {@code io.h5swmr.lock}, {@code io.h5swmr.config}, {@code io.h5swmr.types}
 * and {@code io.h5swmr.exceptions}. Never {@code read} (a sibling), {@code stream} or the root
 * package.
 */
package io.h5swmr.write;
