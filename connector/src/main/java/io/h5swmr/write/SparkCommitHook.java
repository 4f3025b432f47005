package io.h5swmr.write;

import io.h5swmr.hdf5.journal.CommitHook;

/**
 * TEST SEAM, the one process-wide commit hook left: the hook of the writes Spark builds itself.
 * Spark creates the data source, table, write and streaming sink reflectively from string options,
 * so a hook object cannot be handed to them the way {@link H5SwmrBatchWrite} and {@link
 * H5SwmrAppender} take one; the Spark entry points ({@code H5SwmrWrite}, {@link
 * H5SwmrSaveRelation}, {@link H5SwmrV1Relation}) pass {@link #SPARK_WRITES} down instead, and it
 * forwards every step to the hook a test {@link #set}. Nothing in production sets one: it stays
 * {@link CommitHook#NONE}. Tests that run a Spark write set it (in this JVM, or once in a child
 * JVM's main from a test-only system property, see the tests' {@code
 * io.h5swmr.testing.CommitPause}; tests outside this package through the test-jar's {@code
 * io.h5swmr.write.HookedWriters}) and reset it with {@code set(null)}. Package-private: no public
 * API sets a hook. Writers created directly (the appender, the batch-write roles) never read it.
 */
final class SparkCommitHook {
  private static volatile CommitHook hook = CommitHook.NONE;

  /** What Spark-built writers pass to their commits: forwards each step to the hook set now. */
  static final CommitHook SPARK_WRITES = step -> hook.reached(step);

  private SparkCommitHook() {}

  /**
   * Tests only: the hook of every commit of a Spark-built write in this process ({@code null}:
   * none).
   */
  static void set(CommitHook testHook) {
    hook = testHook == null ? CommitHook.NONE : testHook;
  }
}
