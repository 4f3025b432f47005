package io.h5swmr.config;

import io.h5swmr.config.H5SwmrOptions.OnDatasetChange;
import io.h5swmr.config.H5SwmrOptions.StartingPosition;
import java.util.Map;

/**
 * The typed, immutable options of a streaming read ({@code spark.readStream.format("h5swmr")}):
 * where it starts, its rate limits, what it does when a dataset is replaced. Parsed with every
 * other option when the options are built, so a bad value fails at {@code load()} on the driver,
 * before the stream starts.
 */
public final class StreamOptions {
  private final StartingPosition startingPosition;
  private final Long maxRowsPerTrigger;
  private final Long maxBytesPerTrigger;
  private final OnDatasetChange onDatasetChange;

  StreamOptions(Map<String, String> merged) {
    this.startingPosition =
        OptionParsers.oneOf(
            H5SwmrOptions.STARTING_POSITION,
            merged,
            StartingPosition.class,
            StartingPosition.EARLIEST);
    this.maxRowsPerTrigger =
        OptionParsers.positiveOrNull(
            H5SwmrOptions.MAX_ROWS_PER_TRIGGER,
            merged,
            OptionParsers::parseLong,
            "a positive row count, e.g. 100000");
    this.maxBytesPerTrigger =
        OptionParsers.positiveOrNull(
            H5SwmrOptions.MAX_BYTES_PER_TRIGGER,
            merged,
            OptionParsers::parseBytes,
            "a positive byte size such as 1048576, 64m or 1g");
    this.onDatasetChange =
        OptionParsers.oneOf(
            H5SwmrOptions.ON_DATASET_CHANGE, merged, OnDatasetChange.class, OnDatasetChange.FAIL);
  }

  public StartingPosition startingPosition() {
    return startingPosition;
  }

  /** Most rows per micro-batch, or null for no limit. */
  public Long maxRowsPerTrigger() {
    return maxRowsPerTrigger;
  }

  /** Most bytes (of the selected columns) per micro-batch, or null for no limit. */
  public Long maxBytesPerTrigger() {
    return maxBytesPerTrigger;
  }

  public OnDatasetChange onDatasetChange() {
    return onDatasetChange;
  }
}
