/**
 * The Spark entry points of h5swmr: {@code format("h5swmr")}.
 *
 * <p>Owns the classes Spark finds by name and nothing else: {@code H5SwmrDataSource} (the {@code
 * TableProvider} and its V1 relation providers, registered through {@code META-INF/services}),
 * {@code H5SwmrTable} (the table that hands out scan, stream and write builders) and the Spark 3.5
 * analyzer extension ({@code H5SwmrExtensions}, {@code H5SwmrTableRule}) that routes {@code USING
 * h5swmr} tables to the DSv2 scan. Each class is one Spark role, small, and delegates at once.
 *
 * <p>May import: {@code write}, {@code stream}, {@code read}, {@code config} and {@code
 * exceptions}; nothing imports the root package (and the DataSource and the Table do not refer to
 * each other: both use {@code QueryOptions}). No I/O in constructors or getters: files are
 * inspected when a scan or a write is built, not when a table is made or its properties are read.
 *
 * <p>Package order, lowest first: {@code exceptions} ← {@code lock} ← {@code config} ← {@code
 * hdf5.driver} ← {@code hdf5} ← {@code hdf5.journal} ← {@code types} ← {@code read} ← {@code
 * stream} ← {@code write} ← root; {@code PackageGraphTest} holds the code to it. Nothing Scala
 * appears in the public API.
 */
package io.h5swmr;
