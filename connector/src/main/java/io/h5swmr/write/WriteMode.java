package io.h5swmr.write;

import io.h5swmr.exceptions.H5SwmrDataException;
import java.nio.file.Path;
import org.apache.spark.sql.SaveMode;

/**
 * How a write treats existing data: Spark's four save modes ({@code append}, {@code overwrite},
 * {@code errorifexists}, {@code ignore}), and the one place that decides what each does to the
 * target dataset ({@link #decide}). The pre-flight (under a shared lease) and the commit (under the
 * exclusive lease) both ask it.
 */
enum WriteMode {
  APPEND,
  OVERWRITE,
  ERROR_IF_EXISTS,
  IGNORE;

  /** What a write does to the target dataset. */
  enum Action {
    /** The dataset does not exist: create it (and the file when absent). */
    CREATE,
    /** Append the rows to the existing dataset. */
    APPEND,
    /** Delete the existing dataset and create it anew. */
    REPLACE,
    /** Leave the existing dataset alone and write nothing (ignore). */
    SKIP,
    /** The dataset exists and the mode is errorifexists: refuse ({@link #alreadyExists}). */
    REFUSE
  }

  /** The mode of {@code df.write.mode(m)}. */
  static WriteMode of(SaveMode mode) {
    switch (mode) {
      case Append:
        return APPEND;
      case Overwrite:
        return OVERWRITE;
      case Ignore:
        return IGNORE;
      default:
        return ERROR_IF_EXISTS;
    }
  }

  /** The mode of a SQL {@code INSERT} ({@code INSERT OVERWRITE} when {@code overwrite}). */
  static WriteMode ofInsert(boolean overwrite) {
    return overwrite ? OVERWRITE : APPEND;
  }

  /** What this mode does when the target dataset exists ({@code datasetExists}) or not. */
  Action decide(boolean datasetExists) {
    if (!datasetExists) {
      return Action.CREATE;
    }
    switch (this) {
      case APPEND:
        return Action.APPEND;
      case OVERWRITE:
        return Action.REPLACE;
      case IGNORE:
        return Action.SKIP;
      default:
        return Action.REFUSE;
    }
  }

  /** The refusal of an errorifexists write to an existing dataset. */
  static H5SwmrDataException alreadyExists(Path target, String dataset) {
    return new H5SwmrDataException(
        "Dataset "
            + dataset
            + " already exists in "
            + target
            + " and the save mode is "
            + "errorifexists (the default): use mode 'append' to extend it, 'overwrite' to replace it or 'ignore' to "
            + "leave it");
  }

  /** Lower-case name, as in logs and descriptions. */
  String label() {
    return name().toLowerCase();
  }
}
