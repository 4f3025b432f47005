package io.h5swmr.stream;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import io.h5swmr.exceptions.H5SwmrDataException;
import io.h5swmr.read.IncrementalScan.FileState;
import java.util.ArrayList;
import java.util.Collections;
import java.util.List;
import java.util.Map;
import java.util.SortedMap;
import java.util.TreeMap;
import org.apache.spark.sql.connector.read.streaming.Offset;

/**
 * A position of the stream: per file, the dataset(s) read (paths and object identities), the
 * committed rows up to which the stream has read, and how many times the stream restarted that file
 * from row 0 after its dataset was replaced ({@code onDatasetChange=restart}). Serialised as JSON
 * in the checkpoint's offset log:
 *
 * <pre>
 * {"version":1,"files":{"/data/run1.h5":{"datasets":["/rec"],"ids":["2a0@1712345678"],"rows":4096,
 * "chunkRows":1024,"restarts":0}}}</pre>
 */
public final class H5SwmrStreamOffset extends Offset {
  static final int VERSION = 1;
  private static final ObjectMapper JSON = new ObjectMapper();

  /** One file's entry. */
  static final class Entry {
    final FileState state;
    final int restarts;

    Entry(FileState state, int restarts) {
      this.state = state;
      this.restarts = restarts;
    }

    /**
     * Whether rows of {@code o} continue this entry's rows (same dataset objects, same restart
     * count).
     */
    boolean continues(Entry o) {
      return o != null && restarts == o.restarts && state.sameDatasets(o.state);
    }

    Entry withRows(long rows) {
      return new Entry(state.withRows(rows), restarts);
    }

    @Override
    public boolean equals(Object o) {
      return o instanceof Entry
          && ((Entry) o).state.equals(state)
          && ((Entry) o).restarts == restarts;
    }

    @Override
    public int hashCode() {
      return state.hashCode() * 31 + restarts;
    }
  }

  static final H5SwmrStreamOffset EMPTY = new H5SwmrStreamOffset(Map.of());

  private final SortedMap<String, Entry> files;

  H5SwmrStreamOffset(Map<String, Entry> files) {
    this.files = Collections.unmodifiableSortedMap(new TreeMap<>(files));
  }

  SortedMap<String, Entry> files() {
    return files;
  }

  Entry get(String file) {
    return files.get(file);
  }

  /** Rows up to which the stream has read, over all files. */
  long totalRows() {
    long n = 0;
    for (Entry e : files.values()) {
      n += e.state.rows;
    }
    return n;
  }

  @Override
  public String json() {
    ObjectNode root = JSON.createObjectNode();
    root.put("version", VERSION);
    ObjectNode fs = root.putObject("files");
    for (Map.Entry<String, Entry> e : files.entrySet()) {
      FileState s = e.getValue().state;
      ObjectNode f = fs.putObject(e.getKey());
      ArrayNode ds = f.putArray("datasets");
      s.datasets.forEach(ds::add);
      ArrayNode ids = f.putArray("ids");
      s.ids.forEach(ids::add);
      f.put("rows", s.rows);
      f.put("chunkRows", s.chunkRows);
      f.put("restarts", e.getValue().restarts);
    }
    return root.toString();
  }

  /**
   * Parses {@link #json()}; a checkpoint written by a newer h5swmr, or damaged, fails naming what
   * is wrong.
   */
  static H5SwmrStreamOffset fromJson(String json) {
    try {
      JsonNode root = JSON.readTree(json);
      int version = root.path("version").asInt(-1);
      if (version != VERSION) {
        throw new H5SwmrDataException(
            "h5swmr stream offset has version "
                + version
                + ", this h5swmr reads version "
                + VERSION
                + " (was the checkpoint written by another h5swmr release?): "
                + json);
      }
      Map<String, Entry> files = new TreeMap<>();
      java.util.Iterator<Map.Entry<String, JsonNode>> it = root.path("files").fields();
      while (it.hasNext()) {
        Map.Entry<String, JsonNode> e = it.next();
        JsonNode f = e.getValue();
        FileState s =
            new FileState(
                e.getKey(),
                strings(f.path("datasets")),
                strings(f.path("ids")),
                f.path("rows").asLong(),
                f.path("chunkRows").asLong(1));
        files.put(e.getKey(), new Entry(s, f.path("restarts").asInt(0)));
      }
      return new H5SwmrStreamOffset(files);
    } catch (java.io.IOException e) {
      throw new H5SwmrDataException("h5swmr stream offset is not valid JSON: " + json, e);
    }
  }

  private static List<String> strings(JsonNode array) {
    List<String> out = new ArrayList<>();
    array.forEach(n -> out.add(n.asText()));
    return out;
  }
}
