/**
 * Typed, immutable options: what a user may write in {@code .option(...)}, a table's {@code
 * OPTIONS} or the session conf {@code spark.h5swmr.*}, checked once on the driver before any task
 * runs.
 *
 * <p>Owns: the option registry ({@code OptionRegistry}: every name, its sides — read, write,
 * stream, lock — its default, and the closest valid name for a typo), the parsers of values ({@code
 * OptionParsers}: sizes, durations with a unit, booleans, enumerations, path lists as JSON arrays),
 * the precedence (built-in default &lt; session conf &lt; table options &lt; the options of this
 * read or write), the JVM-wide settings as documented settings, and the typed views each side reads
 * ({@code ReadOptions}, {@code WriteOptions}, {@code StreamOptions}, {@code LockOptions}) behind
 * the {@code H5SwmrOptions} facade. Also the local/remote path rules ({@code LocalPaths}). A bad
 * value fails with an {@link io.h5swmr.exceptions.H5SwmrConfigException} naming the option, the
 * value and what is allowed. The README's option table is checked against the registry, both ways.
 *
 * <p>May import: {@code io.h5swmr.exceptions} and {@code io.h5swmr.lock} (to build {@link
 * io.h5swmr.lock.LockSettings} and lock keys). Never HDF5, never the read, stream or write
 * packages; Spark only for the case-insensitive option map and the session conf it is handed.
 */
package io.h5swmr.config;
