package io.h5swmr.config;

import io.h5swmr.config.H5SwmrOptions.Operation;
import io.h5swmr.config.H5SwmrOptions.Side;
import io.h5swmr.exceptions.H5SwmrConfigException;
import java.util.ArrayList;
import java.util.Collection;
import java.util.Collections;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Set;
import org.apache.commons.text.similarity.LevenshteinDistance;

/**
 * Every h5swmr option, once: its name as documented, the side it applies to (reads, writes or
 * both), the typed view that holds its value ({@link View}), its default as README shows it and a
 * one-line doc. The source of the name checks of {@link H5SwmrOptions#checkNames} and of their "did
 * you mean" suggestions; README's option tables are checked against it by a test (every option,
 * both ways).
 *
 * <p>To add an option: one {@code def(...)} line here (the order is the order of the "valid
 * options" lists in messages: append), a field in its view, and a row in README's table.
 */
public final class OptionRegistry {
  /** The typed view an option's value lands in. */
  public enum View {
    /**
     * What to read or write: paths, datasets, columns ({@link ReadOptions}; writes reach them
     * through the facade).
     */
    READ,
    /** {@link WriteOptions}. */
    WRITE,
    /** {@link StreamOptions}: options of {@code spark.readStream} only. */
    STREAM,
    /** {@link LockOptions}: Redis and leases. */
    LOCK
  }

  /** One option: immutable. */
  public static final class Option {
    private final String name;
    private final Side side;
    private final View view;
    private final String defaultValue;
    private final String doc;

    private Option(String name, Side side, View view, String defaultValue, String doc) {
      this.name = name;
      this.side = side;
      this.view = view;
      this.defaultValue = defaultValue;
      this.doc = doc;
    }

    /** The name as documented (matching is case-insensitive). */
    public String name() {
      return name;
    }

    public Side side() {
      return side;
    }

    public View view() {
      return view;
    }

    /** The default as a user reads it (README's "default" column), e.g. {@code 30s}. */
    public String defaultValue() {
      return defaultValue;
    }

    public String doc() {
      return doc;
    }

    /**
     * The session-conf key that sets this option for a whole session: {@code spark.h5swmr.<name>}.
     */
    public String sessionKey() {
      return H5SwmrOptions.SESSION_PREFIX + name;
    }

    @Override
    public String toString() {
      return name;
    }
  }

  private static final Map<String, Option> BY_KEY =
      new LinkedHashMap<>(); // lower-case name -> option

  private static Option def(String name, Side side, View view, String dflt, String doc) {
    Option o = new Option(name, side, view, dflt, doc);
    if (BY_KEY.put(key(name), o) != null) {
      throw new IllegalStateException("option declared twice: " + name);
    }
    return o;
  }

  // ---- the options, in the order messages list them ----
  static final Option PATH =
      def("path", Side.BOTH, View.READ, "", "a file, directory or glob (writes: one file)");
  static final Option PATHS =
      def("paths", Side.READ, View.READ, "", "several paths, a JSON array of strings");
  static final Option DATASET =
      def("dataset", Side.BOTH, View.READ, "the file's only dataset", "dataset path");
  static final Option DATASETS =
      def("datasets", Side.READ, View.READ, "", "comma-separated 1-D column datasets");
  static final Option FILE_COLUMN =
      def("fileColumn", Side.READ, View.READ, "none", "column of each row's file");
  static final Option INDEX_COLUMN =
      def("indexColumn", Side.BOTH, View.READ, "index", "row-position column");
  static final Option PARTITION_BYTES =
      def(
          "partitionBytes",
          Side.READ,
          View.READ,
          "spark.sql.files.maxPartitionBytes",
          "target bytes per partition");
  static final Option BATCH_ROWS =
      def("batchRows", Side.READ, View.READ, "4096", "rows per columnar batch");
  static final Option REDIS_URL =
      def("redis.url", Side.BOTH, View.LOCK, "redis://localhost:6379", "Redis URL");
  static final Option LOCK_KEY =
      def("lock.key", Side.BOTH, View.LOCK, "the file's canonical path", "lock name");
  static final Option LOCK_PREFIX =
      def("lock.prefix", Side.BOTH, View.LOCK, "h5swmr:", "Redis key prefix");
  static final Option LOCK_TTL = def("lock.ttl", Side.BOTH, View.LOCK, "30s", "lease time-to-live");
  static final Option LOCK_TIMEOUT =
      def("lock.timeout", Side.BOTH, View.LOCK, "10min", "longest wait for a lease");
  static final Option REDIS_CONNECT_TIMEOUT =
      def("redis.connectTimeout", Side.BOTH, View.LOCK, "5s", "connect timeout towards Redis");
  static final Option CHUNK_ROWS =
      def("chunkRows", Side.WRITE, View.WRITE, "rows of ~1 MiB", "chunk length");
  static final Option COMPRESSION =
      def("compression", Side.WRITE, View.WRITE, "none", "none or gzip");
  static final Option COMPRESSION_LEVEL =
      def("compressionLevel", Side.WRITE, View.WRITE, "4", "gzip level 1-9");
  static final Option SHUFFLE =
      def("shuffle", Side.WRITE, View.WRITE, "true with gzip", "byte-shuffle filter");
  static final Option STAGING_DIR =
      def(
          "stagingDir",
          Side.WRITE,
          View.WRITE,
          ".<file>.h5swmr-staging/",
          "where executors stage their blocks");
  static final Option DIRECT_READ =
      def(
          "directRead",
          Side.READ,
          View.READ,
          "true",
          "decode chunks in Java outside the native lock");
  static final Option LOCK =
      def("lock", Side.BOTH, View.LOCK, "redis", "redis (leases) or none (reads only)");
  static final Option CLEAR_STALE_FLAGS =
      def(
          "clearStaleFlags",
          Side.WRITE,
          View.WRITE,
          "false",
          "clear a crashed native SWMR writer's mark");
  static final Option STARTING_POSITION =
      def(
          "startingPosition",
          Side.READ,
          View.STREAM,
          "earliest",
          "earliest or latest, for files present at the first start");
  static final Option MAX_ROWS_PER_TRIGGER =
      def("maxRowsPerTrigger", Side.READ, View.STREAM, "none", "most rows per micro-batch");
  static final Option MAX_BYTES_PER_TRIGGER =
      def("maxBytesPerTrigger", Side.READ, View.STREAM, "none", "most bytes per micro-batch");
  static final Option ON_DATASET_CHANGE =
      def(
          "onDatasetChange",
          Side.READ,
          View.STREAM,
          "fail",
          "fail or restart when a dataset is replaced or shrinks");
  // The three JVM-wide switches, now options; each JVM property stays as the default, for
  // compatibility.
  static final Option PARALLEL_DEFLATE =
      def(
          "parallelDeflate",
          Side.WRITE,
          View.WRITE,
          "true (JVM property h5swmr.parallelDeflate)",
          "compress whole gzip chunks on every core");
  static final Option LIBDEFLATE =
      def(
          "libdeflate",
          Side.BOTH,
          View.READ,
          "true (JVM property h5swmr.libdeflate)",
          "use the system's libdeflate for deflate where installed");
  static final Option RELEASE_STAGING_PAGES =
      def(
          "releaseStagingPages",
          Side.WRITE,
          View.WRITE,
          "true (JVM property h5swmr.releaseStagingPages)",
          "free staged pages as the commit reads them");
  static final Option CATALOG =
      def(
          "catalog",
          Side.READ,
          View.READ,
          "none",
          "files, datasets or attributes: read the files' catalog, one row per file, dataset or attribute");

  /**
   * Keys Spark itself adds to a source's options (besides {@code path}/{@code paths}): {@code
   * __}-prefixed internal keys such as {@code __partition_columns}, what a Hive metastore stores
   * with a table, and the streaming writer's {@code checkpointLocation} (DataStreamWriter passes it
   * in the sink's options).
   */
  private static final Set<String> SPARK_KEYS =
      Set.of("serialization.format", "skiphivemetadata", "checkpointlocation");

  private OptionRegistry() {}

  static String key(String name) {
    return name.toLowerCase(Locale.ROOT);
  }

  /** Every option, in declaration order. */
  public static List<Option> all() {
    return List.copyOf(BY_KEY.values());
  }

  /** Every option name, as documented, in declaration order. */
  public static List<String> names() {
    List<String> out = new ArrayList<>();
    BY_KEY.values().forEach(o -> out.add(o.name));
    return Collections.unmodifiableList(out);
  }

  /** The option of this name (any case), or null. */
  public static Option find(String name) {
    return BY_KEY.get(key(name));
  }

  /**
   * Whether option {@code name} is a Hadoop setting for remote files: {@code fs.*} (e.g. {@code
   * fs.s3a.endpoint}) or {@code spark.hadoop.*}.
   */
  static boolean isHadoopKey(String name) {
    return name.regionMatches(true, 0, "fs.", 0, 3)
        || name.regionMatches(
            true,
            0,
            H5SwmrOptions.SPARK_HADOOP_PREFIX,
            0,
            H5SwmrOptions.SPARK_HADOOP_PREFIX.length());
  }

  /**
   * The checks of {@link H5SwmrOptions#checkNames}; returns one notice per read-only option given
   * to a write.
   */
  static List<String> sideNotices(Collection<String> names, Operation op) {
    List<String> notices = new ArrayList<>();
    for (String name : names) {
      String k = key(name);
      if (k.startsWith("__") || SPARK_KEYS.contains(k) || isHadoopKey(name)) {
        continue;
      }
      Option o = BY_KEY.get(k);
      if (o == null) {
        throw new H5SwmrConfigException(
            "Unknown option '"
                + name
                + "' for format h5swmr"
                + suggestion(k)
                + "; valid options: "
                + String.join(", ", names()));
      }
      if (o.side.covers(op)) {
        continue;
      }
      if (op == Operation.WRITE) {
        notices.add(
            "Option '"
                + o.name
                + "' applies to reads only: this write ignores it (a table "
                + "created by this write keeps it for its reads)");
        continue;
      }
      List<String> valid = new ArrayList<>();
      for (Option v : BY_KEY.values()) {
        if (v.side.covers(op)) {
          valid.add(v.name);
        }
      }
      throw new H5SwmrConfigException(
          "Option '"
              + o.name
              + "' applies to writes only and has no "
              + "effect on a read: remove it from this read (options of a read: "
              + String.join(", ", valid)
              + ")");
    }
    return notices;
  }

  /** " (did you mean 'x'?)" for the closest name, when it is plausibly a typo; else "". */
  static String suggestion(String unknown) {
    String best = null;
    int bestDistance = Integer.MAX_VALUE;
    for (Map.Entry<String, Option> e : BY_KEY.entrySet()) {
      int d = editDistance(unknown, e.getKey());
      if (d < bestDistance) {
        bestDistance = d;
        best = e.getValue().name;
      }
    }
    // A suggestion only when it is plausibly a typo: at most a third of the name differs.
    return best != null && bestDistance <= Math.max(2, unknown.length() / 3)
        ? " (did you mean '" + best + "'?)"
        : "";
  }

  /** Levenshtein distance, from Commons Text (which Spark ships: provided, not bundled). */
  static int editDistance(String a, String b) {
    return LevenshteinDistance.getDefaultInstance().apply(a, b);
  }
}
