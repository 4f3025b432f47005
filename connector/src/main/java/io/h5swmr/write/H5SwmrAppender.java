package io.h5swmr.write;

import io.h5swmr.config.H5SwmrOptions;
import io.h5swmr.exceptions.H5SwmrDataException;
import io.h5swmr.exceptions.H5SwmrException;
import io.h5swmr.hdf5.journal.CommitHook;
import io.h5swmr.lock.LockSettings;
import java.io.IOException;
import java.lang.reflect.Array;
import java.nio.file.Path;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.Objects;
import java.util.UUID;
import org.apache.spark.sql.catalyst.expressions.GenericInternalRow;
import org.apache.spark.sql.types.StructField;
import org.apache.spark.sql.types.StructType;
import org.apache.spark.unsafe.types.UTF8String;

/**
 * Appends rows to one dataset of an HDF5 file from plain Java, without a SparkSession (Spark's
 * catalyst classes must be on the class path). Each {@link #append} is one write of the Spark write
 * path: the rows are staged beside the target exactly as a Spark task stages them, then committed
 * by {@link H5SwmrCommitter} under the file's exclusive lease (in place under the redo journal,
 * fenced; see docs/journal.md), so readers and Spark writers of the same file see appenders and
 * Spark jobs alike, and a crash at any point leaves the file as it was before or after the append.
 *
 * <p>Native HDF5 writers of the file are looked for at every commit (superblock flags, HDF5's file
 * lock); the scan of this host's processes, which only a writer of an older-superblock file with
 * file locking disabled needs, runs at the first commit and then at most once per {@link
 * #PROCESS_RESCAN}.
 *
 * <p>The first append inspects the target under a shared lease and creates a staging directory
 * beside it (a heartbeat keeps it recognisably alive); later appends reuse both, and every commit
 * re-checks the dataset under the exclusive lease (a dataset another writer replaced meanwhile
 * makes the appender inspect it again). Close the appender to delete the staging directory; one
 * left by a process that died is removed by the next writer.
 *
 * <p>By default every append takes the file's exclusive lease and releases it (the appender holds
 * no lease between appends, as lock listings and other writers have always seen it).
 *
 * <p><b>Append session</b> (opt-in: {@link #leaseLinger} with a positive linger, e.g. {@link
 * #SESSION_LEASE_LINGER}). The appender then keeps the file's exclusive lease between appends
 * (renewed in the background like every lease), so that a run of appends pays for one acquisition
 * instead of one per append; everything else (write fence, recovery, HDF5 open, journal, fsyncs) is
 * done by every append as before, and every commit checks the kept lease in Redis exactly as a
 * fresh one. The lease is given up
 *
 * <ul>
 *   <li>right after a commit, and while the appender is idle within about 10 ms, whenever a reader
 *       or writer queues for the file (writer preference never starves them: they get in between
 *       two appends, in the lock's queue order);
 *   <li>when the appender has been idle for its {@link #leaseLinger};
 *   <li>at {@link #close()}, and after any failed append.
 * </ul>
 *
 * A session whose lease was lost meanwhile (the process was paused past the lease TTL, Redis lost
 * it, an admin force-released it) is refused at its next append with an {@link
 * io.h5swmr.exceptions.H5SwmrLeaseLostException} saying so; nothing of that append is written and
 * the file holds the last committed append; the append after it takes a new lease. See
 * docs/write.md, "Appender sessions".
 *
 * <p>Not thread-safe; one instance per appending thread.
 */
public final class H5SwmrAppender implements AutoCloseable {
  /**
   * How long the appender relies on its last clean scan of this host's processes for native
   * writers.
   */
  public static final java.time.Duration PROCESS_RESCAN = java.time.Duration.ofSeconds(1);

  /**
   * How often an appender removes leftovers of interrupted writes beside the target (it lists the
   * directory).
   */
  static final java.time.Duration ORPHAN_CLEANING = java.time.Duration.ofMinutes(1);

  private final H5SwmrOptions options;
  private final StructType schema;

  /** Told every commit step: {@link CommitHook#NONE} but in tests. */
  private final CommitHook hook;

  private final Cadence rescan = Cadence.atMostEvery(PROCESS_RESCAN);

  /**
   * A linger for an append session of an instrument appending at 20 Hz or faster (see {@link
   * #leaseLinger}): the lease is kept across appends less than 50 ms apart.
   */
  public static final java.time.Duration SESSION_LEASE_LINGER = java.time.Duration.ofMillis(50);

  /** The write every append stages into and commits through (created by the first append). */
  private H5SwmrBatchWrite write;

  /** The append session's lease, kept between appends (created by the first append). */
  private AppendLease session;

  private java.time.Duration linger = java.time.Duration.ZERO;

  /** The dataset's row count after the last committed append (-1 before the first). */
  private long committedRows = -1;

  private boolean closed;

  private H5SwmrAppender(H5SwmrOptions options, StructType schema, CommitHook hook) {
    this.options = options;
    this.schema = schema;
    this.hook = hook;
  }

  /**
   * An appender to {@code dataset} in {@code file} (created by the first append when absent),
   * locking through {@code lock} (Redis URL, key prefix, lease TTL, acquire and connect timeouts).
   *
   * @param schema the columns every {@link #append} passes, in order (the types Spark writes
   *     accept)
   */
  public static H5SwmrAppender open(
      Path file, String dataset, StructType schema, LockSettings lock) {
    return open(file, dataset, schema, lock, CommitHook.NONE);
  }

  /**
   * As {@link #open(Path, String, StructType, LockSettings)}, every commit step reported to {@code
   * hook} (tests).
   */
  static H5SwmrAppender open(
      Path file, String dataset, StructType schema, LockSettings lock, CommitHook hook) {
    Objects.requireNonNull(lock, "lock");
    Map<String, String> o = new LinkedHashMap<>();
    o.put(H5SwmrOptions.REDIS_URL, lock.redisUrl());
    o.put(H5SwmrOptions.LOCK_PREFIX, lock.keyPrefix());
    o.put(H5SwmrOptions.LOCK_TTL, lock.leaseTtl().toMillis() + "ms");
    o.put(H5SwmrOptions.LOCK_TIMEOUT, lock.acquireTimeout().toMillis() + "ms");
    o.put(H5SwmrOptions.REDIS_CONNECT_TIMEOUT, lock.connectTimeout().toMillis() + "ms");
    return open(file, dataset, schema, o, hook);
  }

  /**
   * An appender configured with the options of {@code df.write.format("h5swmr")} (e.g. {@code
   * redis.url}, {@code lock.ttl}, {@code chunkRows}, {@code compression}, {@code stagingDir});
   * {@code path} and {@code dataset} are set from the arguments.
   */
  public static H5SwmrAppender open(
      Path file, String dataset, StructType schema, Map<String, String> options) {
    return open(file, dataset, schema, options, CommitHook.NONE);
  }

  /**
   * As {@link #open(Path, String, StructType, Map)}, every commit step reported to {@code hook}
   * (tests).
   */
  static H5SwmrAppender open(
      Path file, String dataset, StructType schema, Map<String, String> options, CommitHook hook) {
    Objects.requireNonNull(file, "file");
    Objects.requireNonNull(hook, "hook");
    Objects.requireNonNull(schema, "schema");
    if (io.h5swmr.config.LocalPaths.isRemote(file.toString())) {
      // Paths.get("s3a://bucket/x.h5") is a local relative path "s3a:/bucket/x.h5": refuse what was
      // meant
      throw new io.h5swmr.exceptions.H5SwmrConfigException(
          io.h5swmr.config.LocalPaths.remoteWriteRefusal(
              file.toString(), io.h5swmr.config.LocalPaths.schemeOf(file.toString())));
    }
    Map<String, String> o = new LinkedHashMap<>(options);
    o.put(H5SwmrOptions.PATH, file.toAbsolutePath().toString());
    o.put(H5SwmrOptions.DATASET, dataset);
    H5SwmrOptions parsed = H5SwmrOptions.of(o);
    H5SwmrBatchWrite.datasetOf(parsed);
    WriteSchema.of(schema, parsed.indexColumn());
    return new H5SwmrAppender(parsed, schema, hook);
  }

  /**
   * Appends one block: {@code columns[i]} holds the values of schema field {@code i} for every row
   * (a primitive array, or an {@code Object[]} of boxed values, {@code String}s or nulls), all of
   * the same length. Returns once the block is published (then every later reader sees it), or
   * throws and publishes nothing, except that a failure after the commit point (the journal's
   * COMMIT record is durable) leaves the block published: recovery by the next writer or reader
   * finishes it.
   *
   * @return the dataset's row count after this append
   * @throws H5SwmrDataException when the columns do not match the schema (naming the column)
   * @throws io.h5swmr.exceptions.H5SwmrLockException when the lease could not be taken or was lost
   *     (fenced)
   */
  public long append(Object... columns) {
    if (closed) {
      throw new H5SwmrException("This appender to " + options.singlePath() + " is closed");
    }
    int rows = checkColumns(columns);
    for (int attempt = 0; ; attempt++) {
      if (write == null) {
        // Inspects the target under a shared lease and creates the staging directory; reused by
        // later appends.
        write =
            new H5SwmrBatchWrite(
                UUID.randomUUID().toString(), schema, options, WriteMode.APPEND, rescan, hook);
        write.cleanOrphansAtMostEvery(ORPHAN_CLEANING);
      }
      if (session == null) {
        session = new AppendLease(write.locks(), options.singlePath(), linger);
      }
      H5SwmrWriterCommitMessage message = stage(columns, rows);
      io.h5swmr.lock.Lease lease;
      try {
        lease = session.take(committedRows);
      } catch (RuntimeException | Error e) {
        deleteQuietly(message);
        throw e;
      }
      try {
        write.commitOneOfMany(message, lease);
      } catch (RuntimeException e) {
        RuntimeException thrown = session.failed(lease, committedRows, e);
        if (thrown != e || !(e instanceof StoredTypes.ChangedSinceStaging) || attempt > 0) {
          throw thrown;
        }
        // Another writer created or replaced the dataset since this appender inspected it: inspect
        // again and check the values against the dataset as it is now (once; a second change in a
        // row is reported).
        end();
        continue;
      } catch (Error e) {
        session.failed(lease, committedRows, new H5SwmrException(e.toString(), e));
        throw e;
      }
      committedRows = write.lastResult().totalRows;
      session.committed(lease);
      return committedRows;
    }
  }

  /**
   * Makes this appender an append session: it keeps the file's exclusive lease after an append for
   * the next one, for at most {@code linger} of idleness (e.g. {@link #SESSION_LEASE_LINGER});
   * {@link java.time.Duration#ZERO}, the default, releases it after every append. The lease is
   * released earlier, right after the commit, whenever a reader or writer queues for the file, so a
   * longer linger only delays readers that arrive while the appender is idle (by at most the
   * linger). Takes effect from the next append.
   *
   * @return this appender
   */
  public H5SwmrAppender leaseLinger(java.time.Duration linger) {
    Objects.requireNonNull(linger, "linger");
    if (linger.isNegative()) {
      throw new io.h5swmr.exceptions.H5SwmrConfigException(
          "leaseLinger must be zero or positive, got " + linger);
    }
    this.linger = linger;
    if (session != null) {
      session.linger(linger);
    }
    return this;
  }

  /** The append session's lease (tests, the benchmark); null before the first append. */
  AppendLease session() {
    return session;
  }

  private static void deleteQuietly(H5SwmrWriterCommitMessage message) {
    try {
      java.nio.file.Files.deleteIfExists(Path.of(message.stagingFile()));
    } catch (IOException e) {
      // the staging directory is removed when the appender closes
    }
  }

  /** Stages {@code rows} rows of {@code columns} exactly as a Spark task stages its partition. */
  private H5SwmrWriterCommitMessage stage(Object[] columns, int rows) {
    H5SwmrDataWriter w =
        (H5SwmrDataWriter) write.createBatchWriterFactory(() -> 1).createWriter(0, 0);
    try {
      Object[] values = new Object[columns.length];
      GenericInternalRow row = new GenericInternalRow(values);
      for (int r = 0; r < rows; r++) {
        for (int c = 0; c < columns.length; c++) {
          values[c] = internal(Array.get(columns[c], r));
        }
        w.write(row);
      }
      return (H5SwmrWriterCommitMessage) w.commit();
    } catch (IOException | RuntimeException e) {
      w.abort();
      if (e instanceof RuntimeException) {
        throw (RuntimeException) e;
      }
      throw new H5SwmrException(
          "Could not stage " + rows + " rows for " + options.singlePath() + ": " + e, e);
    } finally {
      w.close();
    }
  }

  /**
   * Ends the current write: its staging directory is deleted; the next append inspects the target
   * again.
   */
  private void end() {
    if (write != null) {
      H5SwmrBatchWrite w = write;
      write = null;
      w.discard();
    }
  }

  private int checkColumns(Object[] columns) {
    StructField[] fields = schema.fields();
    if (columns.length != fields.length) {
      throw new H5SwmrDataException(
          "append got "
              + columns.length
              + " columns but the appender's schema has "
              + fields.length
              + ": "
              + schema.simpleString());
    }
    int rows = -1;
    for (int c = 0; c < columns.length; c++) {
      if (columns[c] == null || !columns[c].getClass().isArray()) {
        throw new H5SwmrDataException(
            "append: column '"
                + fields[c].name()
                + "' must be an array of values "
                + "(one per row), got "
                + (columns[c] == null ? "null" : columns[c].getClass().getName()));
      }
      checkValueType(fields[c], columns[c]);
      int n = Array.getLength(columns[c]);
      if (rows >= 0 && n != rows) {
        throw new H5SwmrDataException(
            "append: column '"
                + fields[c].name()
                + "' has "
                + n
                + " values but column '"
                + fields[0].name()
                + "' has "
                + rows
                + "; every column needs one value per row");
      }
      rows = n;
    }
    return rows;
  }

  /** The Java value class a column of {@code type} takes (boxed), or null when not checked here. */
  private static Class<?> valueClass(org.apache.spark.sql.types.DataType type) {
    org.apache.spark.sql.types.DataType t = type;
    return t instanceof org.apache.spark.sql.types.LongType
        ? Long.class
        : t instanceof org.apache.spark.sql.types.IntegerType
            ? Integer.class
            : t instanceof org.apache.spark.sql.types.ShortType
                ? Short.class
                : t instanceof org.apache.spark.sql.types.ByteType
                    ? Byte.class
                    : t instanceof org.apache.spark.sql.types.DoubleType
                        ? Double.class
                        : t instanceof org.apache.spark.sql.types.FloatType
                            ? Float.class
                            : t instanceof org.apache.spark.sql.types.BooleanType
                                ? Boolean.class
                                : t instanceof org.apache.spark.sql.types.StringType
                                    ? String.class
                                    : null;
  }

  /**
   * A column's array must hold values of its field's type: else an error naming the column, before
   * staging.
   */
  private static void checkValueType(StructField field, Object column) {
    Class<?> want = valueClass(field.dataType());
    if (want == null) {
      return;
    }
    Class<?> component = column.getClass().getComponentType();
    String valid =
        want == String.class
            ? "String[] (or Object[] of String and null)"
            : java.lang.invoke.MethodType.methodType(want).unwrap().returnType().getName()
                + "[] (or Object[] of "
                + want.getSimpleName()
                + " and null)";
    if (component.isPrimitive()) {
      if (java.lang.invoke.MethodType.methodType(component).wrap().returnType() != want) {
        throw wrongType(field, component.getName() + "[]", valid);
      }
      return;
    }
    int n = Array.getLength(column);
    for (int r = 0; r < n; r++) {
      Object v = Array.get(column, r);
      if (v != null && !want.isInstance(v)) {
        throw wrongType(
            field,
            column.getClass().getComponentType().getSimpleName()
                + "[] holding a "
                + v.getClass().getName()
                + " at row "
                + r,
            valid);
      }
    }
  }

  private static H5SwmrDataException wrongType(StructField field, String got, String valid) {
    return new H5SwmrDataException(
        "append: column '"
            + field.name()
            + "' is "
            + field.dataType().simpleString()
            + " in the appender's schema, but got "
            + got
            + "; give it a "
            + valid
            + "; nothing was appended");
  }

  private static Object internal(Object v) {
    return v instanceof String ? UTF8String.fromString((String) v) : v;
  }

  /**
   * Closes the appender: releases the lease its session kept and deletes its staging directory (it
   * keeps no file open between appends).
   */
  @Override
  public void close() {
    closed = true;
    try {
      if (session != null) {
        session.close();
      }
    } finally {
      end();
    }
  }

  @Override
  public String toString() {
    return "H5SwmrAppender{"
        + options.singlePath()
        + " "
        + options.dataset()
        + ", lock "
        + options.redactedRedisUrl()
        + "}";
  }
}
