/**
 * The Structured Streaming source: {@code spark.readStream.format("h5swmr")}.
 *
 * <p>Owns the micro-batch stream ({@code H5SwmrMicroBatchStream}): per trigger, inspect the
 * matching files under their shared leases, check each dataset is the one the offset names, admit
 * rows up to the committed counts within {@code maxRowsPerTrigger} / {@code maxBytesPerTrigger},
 * and plan the batch. Owns the offset ({@code H5SwmrStreamOffset}: per file and dataset the
 * committed rows, the identities, a restart counter, as versioned JSON), the first start's stored
 * position ({@code InitialOffsetStore}) and the lag metrics. Semantics: docs/streaming.md.
 *
 * <p>May import: {@code io.h5swmr.read} (its public pieces: {@code IncrementalScan}, inspection and
 * the partition readers), {@code io.h5swmr.config} (the typed stream options, validated with every
 * other option before a query starts) and {@code io.h5swmr.exceptions}. Never {@code write} (the
 * streaming sink lives there) or the root package; {@code read} never imports this package (the
 * table hands the scan a {@code StreamFactory}).
 */
package io.h5swmr.stream;
