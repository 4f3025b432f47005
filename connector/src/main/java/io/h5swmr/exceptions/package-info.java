/**
 * The one unchecked exception family of h5swmr.
 *
 * <p>{@link io.h5swmr.exceptions.H5SwmrException} is the root of every error h5swmr raises on
 * purpose; subtypes say what went wrong: {@link io.h5swmr.exceptions.H5SwmrConfigException} (a bad
 * option, path or schema, raised on the driver before any task runs), {@link
 * io.h5swmr.exceptions.H5SwmrDataException} (the data or the file does not allow it), {@link
 * io.h5swmr.exceptions.H5SwmrNotFoundException}, {@link
 * io.h5swmr.exceptions.H5SwmrFileInUseException} (a native HDF5 writer has the file open) and the
 * lock errors {@link io.h5swmr.exceptions.H5SwmrLockException}, {@link
 * io.h5swmr.exceptions.H5SwmrLockTimeoutException} and {@link
 * io.h5swmr.exceptions.H5SwmrLeaseLostException}.
 *
 * <p>Messages name the option, file, dataset, column or type that was wrong and what would be
 * valid, and never contain a secret (Redis passwords, Hadoop credentials). Users catch these types;
 * the README's troubleshooting chapter lists the messages.
 *
 * <p>May import: nothing of h5swmr (the bottom of the package graph) and no Spark, HDF5 or Redis
 * classes: every other package may import this one.
 */
package io.h5swmr.exceptions;
