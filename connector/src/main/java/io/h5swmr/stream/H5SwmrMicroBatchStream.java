package io.h5swmr.stream;

import io.h5swmr.config.H5SwmrOptions;
import io.h5swmr.config.H5SwmrOptions.OnDatasetChange;
import io.h5swmr.config.H5SwmrOptions.StartingPosition;
import io.h5swmr.config.StreamOptions;
import io.h5swmr.exceptions.H5SwmrDataException;
import io.h5swmr.exceptions.H5SwmrNotFoundException;
import io.h5swmr.read.IncrementalScan;
import io.h5swmr.read.IncrementalScan.FileState;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.TreeMap;
import org.apache.spark.sql.connector.read.InputPartition;
import org.apache.spark.sql.connector.read.PartitionReaderFactory;
import org.apache.spark.sql.connector.read.streaming.MicroBatchStream;
import org.apache.spark.sql.connector.read.streaming.Offset;
import org.apache.spark.sql.connector.read.streaming.ReadLimit;
import org.apache.spark.sql.connector.read.streaming.ReadMaxRows;
import org.apache.spark.sql.connector.read.streaming.ReportsSourceMetrics;
import org.apache.spark.sql.connector.read.streaming.SupportsAdmissionControl;
import org.apache.spark.sql.connector.read.streaming.SupportsTriggerAvailableNow;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * {@code spark.readStream.format("h5swmr")}: tails the datasets the options name in every file the
 * path matches.
 *
 * <p>Each trigger inspects every file under its shared lease, as batch planning does: the dataset
 * extent seen there is the committed row count (for writers using the lock protocol; for native
 * SWMR writers, the extent a SWMR reader sees). The end offset of a micro-batch is those counts
 * (capped by the rate limits or the {@code AvailableNow} bound); the micro-batch reads rows {@code
 * [start, end)} of each file with the batch scan's partition planning and readers, each task under
 * the file's shared lease, checking the dataset is still the one the offset names. A replayed batch
 * therefore reads exactly the same rows. See docs/streaming.md.
 */
public final class H5SwmrMicroBatchStream
    implements MicroBatchStream,
        SupportsAdmissionControl,
        SupportsTriggerAvailableNow,
        ReportsSourceMetrics {
  private static final Logger LOG = LoggerFactory.getLogger(H5SwmrMicroBatchStream.class);

  /** Files listed by name in the lag metric, largest lag first. */
  static final int LAG_FILES_SHOWN = 20;

  private final IncrementalScan scan;
  private final StartingPosition startingPosition;
  private final OnDatasetChange onChange;
  private final Long maxRows;
  private final InitialOffsetStore initialStore;

  /**
   * Every file's committed rows at the last inspection (for lag metrics and reportLatestOffset).
   */
  private volatile H5SwmrStreamOffset lastSeen;

  /**
   * The offsets at {@link #prepareForTriggerAvailableNow()}, which bound such a run; null
   * otherwise.
   */
  private volatile H5SwmrStreamOffset availableNowBound;

  /**
   * The stream over {@code scan}. Its options ({@link StreamOptions}) were checked when {@code
   * options} was built, at {@code readStream...load()}: nothing here can fail on a bad option
   * value.
   */
  public H5SwmrMicroBatchStream(
      IncrementalScan scan, H5SwmrOptions options, String checkpointLocation) {
    this.scan = scan;
    StreamOptions stream = options.stream();
    this.startingPosition = stream.startingPosition();
    this.onChange = stream.onDatasetChange();
    Long rows = stream.maxRowsPerTrigger();
    Long bytes = stream.maxBytesPerTrigger();
    Long byBytes = bytes == null ? null : Math.max(1, bytes / scan.rowBytes());
    if (rows != null && byBytes != null) {
      this.maxRows = Math.min(rows, byBytes);
    } else {
      this.maxRows = rows != null ? rows : byBytes;
    }
    this.initialStore = new InitialOffsetStore(checkpointLocation);
    LOG.info(
        "h5swmr stream over {}: startingPosition={}, onDatasetChange={}, rows per trigger {}",
        options.paths(),
        startingPosition.name().toLowerCase(),
        onChange.name().toLowerCase(),
        maxRows == null
            ? "unlimited"
            : maxRows
                + (bytes == null
                    ? ""
                    : " (maxBytesPerTrigger " + bytes + " at " + scan.rowBytes() + " bytes/row)"));
  }

  @Override
  public Offset initialOffset() {
    if (startingPosition == StartingPosition.EARLIEST) {
      return H5SwmrStreamOffset.EMPTY;
    }
    // "latest" must mean the same rows after a restart before the first batch: persisted like
    // Kafka's.
    return initialStore.getOrCreate(() -> inspectAll(H5SwmrStreamOffset.EMPTY, false));
  }

  @Override
  public Offset deserializeOffset(String json) {
    return H5SwmrStreamOffset.fromJson(json);
  }

  @Override
  public ReadLimit getDefaultReadLimit() {
    return maxRows == null ? ReadLimit.allAvailable() : ReadLimit.maxRows(maxRows);
  }

  @Override
  public Offset latestOffset() {
    throw new UnsupportedOperationException("h5swmr streams use latestOffset(start, limit)");
  }

  @Override
  public Offset latestOffset(Offset startOffset, ReadLimit limit) {
    H5SwmrStreamOffset start = (H5SwmrStreamOffset) startOffset;
    H5SwmrStreamOffset seen = inspectAll(start, true);
    lastSeen = seen;
    H5SwmrStreamOffset bound = availableNowBound;
    Map<String, H5SwmrStreamOffset.Entry> end = new TreeMap<>(start.files());
    List<String> growing = new ArrayList<>();
    Map<String, Long> pending = new LinkedHashMap<>();
    long total = 0;
    for (Map.Entry<String, H5SwmrStreamOffset.Entry> e : seen.files().entrySet()) {
      H5SwmrStreamOffset.Entry now = e.getValue();
      H5SwmrStreamOffset.Entry was = start.get(e.getKey());
      long to = now.state.rows;
      if (bound != null) {
        H5SwmrStreamOffset.Entry b = bound.get(e.getKey());
        if (b == null || !b.state.sameDatasets(now.state)) {
          continue; // joined (or was restarted) after the AvailableNow run began: a later run reads
          // it
        }
        to = Math.min(to, b.state.rows);
      }
      long from = now.continues(was) ? was.state.rows : 0;
      if (to > from || !now.continues(was)) {
        growing.add(e.getKey());
        pending.put(e.getKey(), Math.max(0, to - from));
        total += Math.max(0, to - from);
      }
    }
    long cap = limit instanceof ReadMaxRows ? ((ReadMaxRows) limit).maxRows() : Long.MAX_VALUE;
    Map<String, Long> grant = share(pending, total, cap);
    for (String file : growing) {
      H5SwmrStreamOffset.Entry now = seen.get(file);
      H5SwmrStreamOffset.Entry was = start.get(file);
      long from = now.continues(was) ? was.state.rows : 0;
      end.put(file, now.withRows(from + grant.get(file)));
    }
    return new H5SwmrStreamOffset(end);
  }

  /**
   * Splits {@code cap} rows over the files in proportion to what each has pending (then the
   * remainder in file order), so a fast-growing file cannot starve the others.
   */
  static Map<String, Long> share(Map<String, Long> pending, long total, long cap) {
    Map<String, Long> grant = new LinkedHashMap<>();
    if (total <= cap) {
      grant.putAll(pending);
      return grant;
    }
    long given = 0;
    for (Map.Entry<String, Long> e : pending.entrySet()) {
      long g = (long) Math.floor((double) cap * e.getValue() / total);
      g = Math.min(g, e.getValue());
      grant.put(e.getKey(), g);
      given += g;
    }
    for (Map.Entry<String, Long> e : pending.entrySet()) {
      if (given >= cap) {
        break;
      }
      long more = Math.min(cap - given, e.getValue() - grant.get(e.getKey()));
      grant.put(e.getKey(), grant.get(e.getKey()) + more);
      given += more;
    }
    return grant;
  }

  /**
   * Every file's committed state now. A file whose dataset was replaced or shrank (against {@code
   * start}) fails the query or, with {@code onDatasetChange=restart}, restarts from row 0. Files
   * that vanished keep their last position (no more rows); new files without the dataset yet join
   * once it exists.
   */
  private H5SwmrStreamOffset inspectAll(H5SwmrStreamOffset start, boolean checkChanges) {
    Map<String, H5SwmrStreamOffset.Entry> out = new TreeMap<>(start.files());
    for (String file : scan.listFiles()) {
      H5SwmrStreamOffset.Entry was = start.get(file);
      FileState now;
      try {
        now = scan.inspect(file);
      } catch (H5SwmrNotFoundException e) {
        if (was == null) {
          LOG.debug("h5swmr stream: {} does not hold the dataset yet: {}", file, e.getMessage());
          continue;
        }
        if (!checkChanges
            || onChange == OnDatasetChange.RESTART
            || !java.nio.file.Files.exists(
                java.nio.file.Paths.get(file))) { // deleted since the listing
          LOG.warn(
              "h5swmr stream: {} no longer holds {}: its position stays at {} rows",
              file,
              was.state.datasets,
              was.state.rows);
          continue;
        }
        throw changed(was.state, "it no longer exists", e);
      }
      if (was == null) {
        out.put(file, new H5SwmrStreamOffset.Entry(now, 0));
        continue;
      }
      String what =
          !now.sameDatasets(was.state)
              ? io.h5swmr.read.FileIdentity.describeChange(was.state.ids, now.ids)
              : now.rows < was.state.rows
                  ? "it shrank from " + was.state.rows + " to " + now.rows + " rows"
                  : null;
      if (what == null) {
        out.put(file, new H5SwmrStreamOffset.Entry(now, was.restarts));
      } else if (!checkChanges) {
        out.put(file, was);
      } else if (onChange == OnDatasetChange.RESTART) {
        LOG.warn(
            "h5swmr stream: dataset {} in file {} changed ({}): reading it again from row 0 "
                + "(onDatasetChange=restart)",
            was.state.datasets,
            file,
            what);
        out.put(file, new H5SwmrStreamOffset.Entry(now, was.restarts + 1));
      } else {
        throw changed(was.state, what, null);
      }
    }
    return new H5SwmrStreamOffset(out);
  }

  private static H5SwmrDataException changed(FileState was, String what, Throwable cause) {
    String msg =
        "Dataset "
            + String.join(",", was.datasets)
            + " in file "
            + was.file
            + " changed under a running "
            + "stream: "
            + what
            + ", after the stream had read "
            + was.rows
            + " rows of it. A stream reads datasets "
            + "that only grow; set option '"
            + H5SwmrOptions.ON_DATASET_CHANGE
            + "' to 'restart' to read the new "
            + "contents from row 0, or start the query with a new checkpoint";
    return cause == null ? new H5SwmrDataException(msg) : new H5SwmrDataException(msg, cause);
  }

  @Override
  public InputPartition[] planInputPartitions(Offset startOffset, Offset endOffset) {
    H5SwmrStreamOffset start = (H5SwmrStreamOffset) startOffset;
    H5SwmrStreamOffset end = (H5SwmrStreamOffset) endOffset;
    List<IncrementalScan.Range> ranges = new ArrayList<>();
    for (H5SwmrStreamOffset.Entry e : end.files().values()) {
      H5SwmrStreamOffset.Entry was = start.get(e.state.file);
      long from = e.continues(was) ? was.state.rows : 0;
      if (e.state.rows > from) {
        ranges.add(new IncrementalScan.Range(e.state, from));
      }
    }
    return scan.plan(ranges);
  }

  @Override
  public PartitionReaderFactory createReaderFactory() {
    return scan.readerFactory();
  }

  @Override
  public void prepareForTriggerAvailableNow() {
    H5SwmrStreamOffset now = inspectAll(H5SwmrStreamOffset.EMPTY, false);
    availableNowBound = now;
    LOG.info(
        "h5swmr stream: Trigger.AvailableNow reads up to {} committed rows in {} files",
        now.totalRows(),
        now.files().size());
  }

  @Override
  public Offset reportLatestOffset() {
    return lastSeen;
  }

  /**
   * In {@code StreamingQueryProgress.sources[].metrics}: {@code files}, {@code lagRows} (rows
   * committed but not yet read, all files), {@code maxLagRows}, {@code filesLagging} and {@code
   * lagRowsByFile} (JSON object of the {@value #LAG_FILES_SHOWN} files furthest behind).
   */
  @Override
  public Map<String, String> metrics(Optional<Offset> latestConsumedOffset) {
    H5SwmrStreamOffset seen = lastSeen;
    if (seen == null) {
      return Map.of();
    }
    H5SwmrStreamOffset read =
        latestConsumedOffset.map(o -> (H5SwmrStreamOffset) o).orElse(H5SwmrStreamOffset.EMPTY);
    long total = 0;
    long max = 0;
    List<Map.Entry<String, Long>> lags = new ArrayList<>();
    for (H5SwmrStreamOffset.Entry e : seen.files().values()) {
      H5SwmrStreamOffset.Entry r = read.get(e.state.file);
      long lag = e.state.rows - (e.continues(r) ? Math.min(r.state.rows, e.state.rows) : 0);
      total += lag;
      max = Math.max(max, lag);
      if (lag > 0) {
        lags.add(Map.entry(e.state.file, lag));
      }
    }
    lags.sort((a, b) -> Long.compare(b.getValue(), a.getValue()));
    com.fasterxml.jackson.databind.node.ObjectNode byFile =
        new com.fasterxml.jackson.databind.ObjectMapper().createObjectNode();
    for (Map.Entry<String, Long> l : lags.subList(0, Math.min(LAG_FILES_SHOWN, lags.size()))) {
      byFile.put(l.getKey(), l.getValue());
    }
    Map<String, String> m = new LinkedHashMap<>();
    m.put("files", String.valueOf(seen.files().size()));
    m.put("lagRows", String.valueOf(total));
    m.put("maxLagRows", String.valueOf(max));
    m.put("filesLagging", String.valueOf(lags.size()));
    m.put("lagRowsByFile", byFile.toString());
    return m;
  }

  @Override
  public void commit(Offset end) {
    // Nothing to clean up: offsets are positions in the files themselves.
  }

  @Override
  public void stop() {
    // Holds no resources between triggers (leases are taken per inspection and per task).
  }

  @Override
  public String toString() {
    return "H5SwmrMicroBatchStream[" + scan.schema().simpleString() + "]";
  }
}
