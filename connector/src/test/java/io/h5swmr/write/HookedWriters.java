package io.h5swmr.write;

import io.h5swmr.hdf5.journal.CommitHook;
import io.h5swmr.lock.LockSettings;
import java.nio.file.Path;
import java.util.Map;
import org.apache.spark.sql.types.StructType;

/**
 * Test-only: writers built with a {@link CommitHook}, and the hook of Spark-built writes ({@link
 * SparkCommitHook}), for tests outside this package (the hook parameters are package-private: the
 * public API has none).
 */
public final class HookedWriters {
  private HookedWriters() {}

  /**
   * Every commit of a write Spark builds in this process tells {@code hook} its steps ({@code
   * null}: none).
   */
  public static void sparkWrites(CommitHook hook) {
    SparkCommitHook.set(hook);
  }

  /**
   * {@link H5SwmrAppender#open(Path, String, StructType, LockSettings)} with every commit step told
   * to {@code hook}.
   */
  public static H5SwmrAppender appender(
      Path file, String dataset, StructType schema, LockSettings lock, CommitHook hook) {
    return H5SwmrAppender.open(file, dataset, schema, lock, hook);
  }

  /**
   * {@link H5SwmrAppender#open(Path, String, StructType, Map)} with every commit step told to
   * {@code hook}.
   */
  public static H5SwmrAppender appender(
      Path file, String dataset, StructType schema, Map<String, String> options, CommitHook hook) {
    return H5SwmrAppender.open(file, dataset, schema, options, hook);
  }
}
