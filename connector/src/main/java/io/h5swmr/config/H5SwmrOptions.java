package io.h5swmr.config;

import io.h5swmr.exceptions.H5SwmrConfigException;
import io.h5swmr.lock.LockKeys;
import io.h5swmr.lock.LockSettings;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Collections;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Objects;
import java.util.Set;
import java.util.TreeSet;
import java.util.function.Function;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * Every h5swmr option, typed, validated and immutable.
 *
 * <p>Precedence, lowest first: built-in default &lt; session conf {@code spark.h5swmr.<option>} &lt; the
 * per-query option given to {@code spark.read}/{@code df.write} (or {@code OPTIONS(...)} of a table). Option
 * names are case-insensitive. Every value is parsed and checked when the object is built, so a bad value fails
 * on the driver before any task runs, with a message naming the option, the value and what is allowed.
 *
 * <p>Unknown option names fail naming the closest known one; a read given write-only options (and a write given
 * read-only ones) fails naming them. To add an option: declare its constant with {@code read("name")},
 * {@code write("name")} or {@code both("name")} (that one line registers it) and add a typed getter.
 *
 * <p>This object stays on the driver (it is not {@link java.io.Serializable}): tasks get plain derived values
 * such as {@link LockSettings}.
 *
 * <p>The Redis URL may carry a password: {@link #toString()} and every message redact it.
 */
public final class H5SwmrOptions {
  private static final org.slf4j.Logger LOG = org.slf4j.LoggerFactory.getLogger(H5SwmrOptions.class);

  /** Prefix of the session-conf fallback of every option. */
  public static final String SESSION_PREFIX = "spark.h5swmr.";

  /** Which operations an option applies to (checked for the options given to one read or one write). */
  public enum Side {
    READ, WRITE, BOTH;

    boolean covers(Operation op) {
      return this == BOTH || op == Operation.ANY || name().equals(op.name());
    }
  }

  /** What an options map is being parsed for. */
  public enum Operation {
    /** Options of one read ({@code spark.read...load()}): write-only options are refused. */
    READ,
    /** Options of one write ({@code df.write...save()}): read-only options are refused. */
    WRITE,
    /** Table properties and schema inference, shared by reads and writes: only unknown names are refused. */
    ANY
  }

  // The registry: every option name, with the side it applies to. Declaring a constant below with
  // read(..)/write(..)/both(..) registers it; nothing else has to list it. It must stay above the constants.
  private static final Map<String, String> CANONICAL = new LinkedHashMap<>(); // lower-case -> as documented
  private static final Map<String, Side> SIDES = new LinkedHashMap<>(); // lower-case -> side

  private static String register(String name, Side side) {
    String k = name.toLowerCase(Locale.ROOT);
    if (CANONICAL.put(k, name) != null) {
      throw new IllegalStateException("option declared twice: " + name);
    }
    SIDES.put(k, side);
    return name;
  }

  private static String read(String name) {
    return register(name, Side.READ);
  }

  private static String write(String name) {
    return register(name, Side.WRITE);
  }

  private static String both(String name) {
    return register(name, Side.BOTH);
  }

  // ---- option names (documented in README; keep the table there in step). One line registers a key. ----
  public static final String PATH = both("path");
  public static final String PATHS = read("paths");
  public static final String DATASET = both("dataset");
  public static final String DATASETS = read("datasets");
  public static final String FILE_COLUMN = read("fileColumn");
  public static final String INDEX_COLUMN = both("indexColumn");
  public static final String PARTITION_BYTES = read("partitionBytes");
  public static final String BATCH_ROWS = read("batchRows");
  public static final String REDIS_URL = both("redis.url");
  public static final String LOCK_KEY = both("lock.key");
  public static final String LOCK_PREFIX = both("lock.prefix");
  public static final String LOCK_TTL = both("lock.ttl");
  public static final String LOCK_TIMEOUT = both("lock.timeout");
  public static final String REDIS_CONNECT_TIMEOUT = both("redis.connectTimeout");
  public static final String CHUNK_ROWS = write("chunkRows");
  public static final String COMPRESSION = write("compression");
  public static final String COMPRESSION_LEVEL = write("compressionLevel");
  public static final String SHUFFLE = write("shuffle");
  public static final String STAGING_DIR = write("stagingDir");

  // ---- scale (issue 12): parallel reads ----
  /** Read chunks with positional I/O and decode them in Java, outside the native lock (default true). */
  public static final String DIRECT_READ = read("directRead");

  // ---- native SWMR files and reads without Redis (issue 10); README "Native SWMR files" ----
  /**
   * {@code redis} (default): every read takes shared leases and every write the exclusive lease in Redis.
   * {@code none}: reads take no lease and need no Redis (archives, files only native HDF5 writers write); writes
   * refuse it with a message saying why. Session conf {@code spark.h5swmr.lock}.
   */
  public static final String LOCK = both("lock");
  /**
   * Write option: {@code true} lets a write clear the superblock's SWMR-writer mark left by a native SWMR writer
   * that crashed (as {@code h5clear -s} does), under the exclusive lease, when no sign of a live native writer is
   * seen; default {@code false} refuses such a file.
   */
  public static final String CLEAR_STALE_FLAGS = write("clearStaleFlags");

  /** Values of {@link #LOCK}. */
  public enum LockMode {
    REDIS, NONE
  }

  /**
   * Keys Spark itself adds to a source's options (besides {@code path}/{@code paths}): {@code __}-prefixed
   * internal keys such as {@code __partition_columns}, what a Hive metastore stores with a table, and the
   * streaming writer's {@code checkpointLocation} (DataStreamWriter passes it in the sink's options).
   */
  private static final Set<String> SPARK_KEYS = Set.of("serialization.format", "skiphivemetadata",
      "checkpointlocation");

  /** Every option name this source understands, as documented. */
  public static List<String> names() {
    return List.copyOf(CANONICAL.values());
  }

  /** The side an option applies to; null for a name that is not an h5swmr option. */
  public static Side sideOf(String name) {
    return SIDES.get(name.toLowerCase(Locale.ROOT));
  }

  public static final String DEFAULT_REDIS_URL = "redis://localhost:6379";
  public static final String DEFAULT_LOCK_PREFIX = "h5swmr:";
  public static final String DEFAULT_INDEX_COLUMN = "index";
  public static final Duration DEFAULT_LOCK_TTL = Duration.ofSeconds(30);
  public static final Duration DEFAULT_LOCK_TIMEOUT = Duration.ofMinutes(10);
  public static final Duration DEFAULT_CONNECT_TIMEOUT = Duration.ofSeconds(5);
  /** Spark's own default for {@code spark.sql.files.maxPartitionBytes}. */
  public static final long DEFAULT_PARTITION_BYTES = 128L * 1024 * 1024;
  public static final int DEFAULT_BATCH_ROWS = 4096;
  public static final long DEFAULT_CHUNK_BYTES = 1024L * 1024;
  public static final int DEFAULT_COMPRESSION_LEVEL = 4;

  /** Values of {@link #COMPRESSION}. */
  public enum Compression {
    NONE, GZIP
  }

  private final Map<String, String> given; // lower-cased keys, merged view (session conf under options)
  private final List<String> paths;
  private final String dataset;
  private final List<String> datasets;
  private final String fileColumn;
  private final String indexColumn;
  private final long partitionBytes;
  private final boolean partitionBytesGiven;
  private final int batchRows;
  private final String redisUrl;
  private final String lockKey;
  private final String lockPrefix;
  private final Duration lockTtl;
  private final Duration lockTimeout;
  private final Duration connectTimeout;
  private final Long chunkRows;
  private final Compression compression;
  private final int compressionLevel;
  private final boolean shuffle;
  private final String stagingDir;
  private final LockMode lockMode;
  private final boolean clearStaleFlags;
  private final boolean directRead; // scale (issue 12)
  /** Per-query Hadoop settings ({@code fs.*}, {@code spark.hadoop.*} without the prefix), keys as given. */
  private final Map<String, String> hadoop;

  private H5SwmrOptions(Map<String, String> merged, long sparkMaxPartitionBytes) {
    this(merged, sparkMaxPartitionBytes, Map.of());
  }

  private H5SwmrOptions(Map<String, String> merged, long sparkMaxPartitionBytes, Map<String, String> hadoop) {
    this.hadoop = Collections.unmodifiableMap(new LinkedHashMap<>(hadoop));
    this.given = Collections.unmodifiableMap(merged);
    this.paths = parsePaths(merged);
    this.dataset = blankToNull(merged.get(key(DATASET)));
    this.datasets = splitList(merged.get(key(DATASETS)));
    if (dataset != null && !datasets.isEmpty()) {
      throw new H5SwmrConfigException("Options '" + DATASET + "' and '" + DATASETS
          + "' exclude each other: give one dataset path, or a comma-separated list of 1-D datasets (or a group)");
    }
    this.fileColumn = blankToNull(merged.get(key(FILE_COLUMN)));
    String idx = merged.get(key(INDEX_COLUMN));
    this.indexColumn = idx == null ? DEFAULT_INDEX_COLUMN : (idx.trim().isEmpty() ? null : idx.trim());
    if (fileColumn != null && fileColumn.equals(indexColumn)) {
      throw new H5SwmrConfigException("Options '" + FILE_COLUMN + "' and '" + INDEX_COLUMN
          + "' name the same column '" + fileColumn + "': choose two different names");
    }
    this.partitionBytes = positive(PARTITION_BYTES, merged, sparkMaxPartitionBytes, H5SwmrOptions::parseBytes,
        "a byte size such as 134217728, 64m or 1g");
    this.partitionBytesGiven = merged.containsKey(key(PARTITION_BYTES));
    this.batchRows = (int) positive(BATCH_ROWS, merged, DEFAULT_BATCH_ROWS, v -> parseLong(v), "a row count from 1 to "
        + Integer.MAX_VALUE);
    if (batchRows > 1 << 24) {
      throw invalid(BATCH_ROWS, merged.get(key(BATCH_ROWS)), "a row count from 1 to " + (1 << 24));
    }
    this.redisUrl = merged.getOrDefault(key(REDIS_URL), DEFAULT_REDIS_URL).trim();
    checkRedisUrl(redisUrl);
    this.lockKey = blankToNull(merged.get(key(LOCK_KEY)));
    this.lockPrefix = merged.getOrDefault(key(LOCK_PREFIX), DEFAULT_LOCK_PREFIX);
    if (lockPrefix.isEmpty() || lockPrefix.contains("{") || lockPrefix.contains("}")) {
      throw invalid(LOCK_PREFIX, lockPrefix, "a non-empty key prefix without '{' or '}', e.g. h5swmr:");
    }
    this.lockTtl = duration(LOCK_TTL, merged, DEFAULT_LOCK_TTL);
    if (lockTtl.toMillis() < 500) {
      throw invalid(LOCK_TTL, merged.get(key(LOCK_TTL)), "a duration of at least 500ms, e.g. 30s");
    }
    this.lockTimeout = duration(LOCK_TIMEOUT, merged, DEFAULT_LOCK_TIMEOUT);
    this.connectTimeout = duration(REDIS_CONNECT_TIMEOUT, merged, DEFAULT_CONNECT_TIMEOUT);
    String chunk = merged.get(key(CHUNK_ROWS));
    this.chunkRows = chunk == null ? null
        : positive(CHUNK_ROWS, merged, 1, v -> parseLong(v), "a positive row count, e.g. 65536");
    this.compression = parseEnum(COMPRESSION, merged.get(key(COMPRESSION)), Compression.class, Compression.NONE);
    String level = merged.get(key(COMPRESSION_LEVEL));
    if (level != null) {
      long l = parseLongOr(level.trim(), -1);
      if (l < 1 || l > 9) {
        throw invalid(COMPRESSION_LEVEL, level, "an integer from 1 (fastest) to 9 (smallest)");
      }
      this.compressionLevel = (int) l;
    } else {
      this.compressionLevel = DEFAULT_COMPRESSION_LEVEL;
    }
    this.shuffle = parseBoolean(SHUFFLE, merged.get(key(SHUFFLE)), compression == Compression.GZIP);
    this.directRead = parseBoolean(DIRECT_READ, merged.get(key(DIRECT_READ)), true);
    this.stagingDir = blankToNull(merged.get(key(STAGING_DIR)));
    this.lockMode = parseEnum(LOCK, merged.get(key(LOCK)), LockMode.class, LockMode.REDIS);
    this.clearStaleFlags = parseBoolean(CLEAR_STALE_FLAGS, merged.get(key(CLEAR_STALE_FLAGS)), false);
  }

  /**
   * Builds the options from per-query options over session conf, for reads and writes alike (table properties,
   * schema inference): every given name must be an h5swmr option or one Spark adds itself.
   *
   * @param options per-query options (any key case)
   * @param sessionConf session conf lookup: given a full key such as {@code spark.h5swmr.redis.url}, its value or
   *     null. Also consulted for {@code spark.sql.files.maxPartitionBytes}.
   */
  public static H5SwmrOptions of(Map<String, String> options, Function<String, String> sessionConf) {
    return of(options, sessionConf, Operation.ANY);
  }

  /**
   * As {@link #of(Map, Function)}, and the per-query options must apply to {@code op}: a read given
   * {@code compression}, or a write given {@code partitionBytes}, fails naming the option. Session conf is never
   * checked against the side (one session conf serves reads and writes).
   */
  public static H5SwmrOptions of(Map<String, String> options, Function<String, String> sessionConf, Operation op) {
    checkNames(options.keySet(), op);
    Map<String, String> merged = new LinkedHashMap<>();
    for (String name : CANONICAL.values()) {
      String v = sessionConf.apply(SESSION_PREFIX + name);
      if (v == null) {
        v = sessionConf.apply(SESSION_PREFIX + name.toLowerCase(Locale.ROOT));
      }
      if (v != null) {
        merged.put(key(name), v);
      }
    }
    Map<String, String> hadoop = new LinkedHashMap<>();
    for (Map.Entry<String, String> e : options.entrySet()) {
      if (e.getValue() != null && SIDES.containsKey(key(e.getKey()))) {
        merged.put(key(e.getKey()), e.getValue());
      } else if (e.getValue() != null && isHadoopKey(e.getKey())) {
        hadoop.put(hadoopKey(e.getKey()), e.getValue());
      }
    }
    long sparkMax = DEFAULT_PARTITION_BYTES;
    String sm = sessionConf.apply("spark.sql.files.maxPartitionBytes");
    if (sm != null) {
      try {
        sparkMax = parseBytes(sm);
      } catch (RuntimeException ignored) {
        // Spark validates its own conf; keep our default if it is in a form we do not read.
      }
    }
    return new H5SwmrOptions(merged, sparkMax, hadoop);
  }

  /** Prefix of per-query Hadoop settings passed on without it, as Spark's file sources do. */
  public static final String SPARK_HADOOP_PREFIX = "spark.hadoop.";

  /**
   * Whether option {@code name} is a Hadoop setting for remote files: {@code fs.*} (e.g.
   * {@code fs.s3a.endpoint}) or {@code spark.hadoop.*}.
   */
  static boolean isHadoopKey(String name) {
    return name.regionMatches(true, 0, "fs.", 0, 3)
        || name.regionMatches(true, 0, SPARK_HADOOP_PREFIX, 0, SPARK_HADOOP_PREFIX.length());
  }

  private static String hadoopKey(String name) {
    return name.regionMatches(true, 0, SPARK_HADOOP_PREFIX, 0, SPARK_HADOOP_PREFIX.length())
        ? name.substring(SPARK_HADOOP_PREFIX.length()) : name;
  }

  /** Options alone, without session conf (tests, tools). */
  public static H5SwmrOptions of(Map<String, String> options) {
    return of(options, k -> null);
  }

  /**
   * Refuses option names h5swmr does not know (naming the closest known one), and for a READ write-only options
   * (a read given {@code compression} would silently ignore it). A WRITE given read-only options is not refused:
   * {@code saveAsTable} and {@code CREATE TABLE ... AS SELECT} legitimately store options such as
   * {@code fileColumn} for the table's later reads; those are returned as notices (the caller logs them). Keys
   * Spark adds itself ({@code __}-prefixed, Hive's) pass.
   *
   * @throws H5SwmrConfigException naming the option and what is valid
   */
  public static void checkNames(java.util.Collection<String> names, Operation op) {
    for (String notice : sideNotices(names, op)) {
      LOG.warn(notice);
    }
  }

  /** The checks of {@link #checkNames}; returns one notice per read-only option given to a write. */
  static List<String> sideNotices(java.util.Collection<String> names, Operation op) {
    List<String> notices = new ArrayList<>();
    for (String name : names) {
      String k = key(name);
      if (k.startsWith("__") || SPARK_KEYS.contains(k) || isHadoopKey(name)) {
        continue;
      }
      Side side = SIDES.get(k);
      if (side == null) {
        throw new H5SwmrConfigException("Unknown option '" + name + "' for format h5swmr" + suggestion(k)
            + "; valid options: " + String.join(", ", CANONICAL.values()));
      }
      if (side.covers(op)) {
        continue;
      }
      if (op == Operation.WRITE) {
        notices.add("Option '" + CANONICAL.get(k) + "' applies to reads only: this write ignores it (a table "
            + "created by this write keeps it for its reads)");
        continue;
      }
      List<String> valid = new ArrayList<>();
      SIDES.forEach((n, s) -> {
        if (s.covers(op)) {
          valid.add(CANONICAL.get(n));
        }
      });
      throw new H5SwmrConfigException("Option '" + CANONICAL.get(k) + "' applies to writes only and has no "
          + "effect on a read: remove it from this read (options of a read: " + String.join(", ", valid) + ")");
    }
    return notices;
  }

  private static String suggestion(String unknown) {
    String best = null;
    int bestDistance = Integer.MAX_VALUE;
    for (Map.Entry<String, String> e : CANONICAL.entrySet()) {
      int d = editDistance(unknown, e.getKey());
      if (d < bestDistance) {
        bestDistance = d;
        best = e.getValue();
      }
    }
    // A suggestion only when it is plausibly a typo: at most a third of the name differs.
    return best != null && bestDistance <= Math.max(2, unknown.length() / 3) ? " (did you mean '" + best + "'?)" : "";
  }

  static int editDistance(String a, String b) {
    int[] prev = new int[b.length() + 1];
    int[] cur = new int[b.length() + 1];
    for (int j = 0; j <= b.length(); j++) {
      prev[j] = j;
    }
    for (int i = 1; i <= a.length(); i++) {
      cur[0] = i;
      for (int j = 1; j <= b.length(); j++) {
        int sub = prev[j - 1] + (a.charAt(i - 1) == b.charAt(j - 1) ? 0 : 1);
        cur[j] = Math.min(sub, Math.min(prev[j] + 1, cur[j - 1] + 1));
      }
      int[] t = prev;
      prev = cur;
      cur = t;
    }
    return prev[b.length()];
  }

  // ---- typed getters ----

  /** Input or output paths as given (globs and directories not yet expanded); empty when none was given. */
  public List<String> paths() {
    return paths;
  }

  /** The single path of a write, or an error naming the option. */
  public String singlePath() {
    if (paths.size() != 1) {
      throw new H5SwmrConfigException("Writing needs exactly one target file in option '" + PATH + "' (save(path)); got "
          + (paths.isEmpty() ? "none" : paths.size() + ": " + paths));
    }
    return paths.get(0);
  }

  /** Dataset path ({@code /group/name}), or null when not given. */
  public String dataset() {
    return dataset;
  }

  /** Column datasets (1-D, or one group path), empty when not given. */
  public List<String> datasets() {
    return datasets;
  }

  public String fileColumn() {
    return fileColumn;
  }

  /** Name of the index column, or null when disabled ({@code indexColumn=""}). */
  public String indexColumn() {
    return indexColumn;
  }

  public long partitionBytes() {
    return partitionBytes;
  }

  /**
   * Whether {@code partitionBytes} was set (option or session conf): then partitions are that size; otherwise it is
   * Spark's {@code spark.sql.files.maxPartitionBytes}, which a small scan divides further over the cores as Spark's
   * file sources do.
   */
  public boolean partitionBytesGiven() {
    return partitionBytesGiven;
  }

  public int batchRows() {
    return batchRows;
  }

  /** The Redis URL, password included: for connecting only, never for messages. */
  public String redisUrl() {
    return redisUrl;
  }

  /** The Redis URL with any password replaced by {@code ***}. */
  public String redactedRedisUrl() {
    return redact(redisUrl);
  }

  /** Explicit lock key given by the user, or null to key locks by canonical file path. */
  public String lockKey() {
    return lockKey;
  }

  public String lockPrefix() {
    return lockPrefix;
  }

  public Duration lockTtl() {
    return lockTtl;
  }

  public Duration lockTimeout() {
    return lockTimeout;
  }

  public Duration connectTimeout() {
    return connectTimeout;
  }

  /** Chunk rows given by the user, or null for the ~1 MiB-per-chunk default the writer computes. */
  public Long chunkRows() {
    return chunkRows;
  }

  public Compression compression() {
    return compression;
  }

  public int compressionLevel() {
    return compressionLevel;
  }

  /** Whether tasks read supported chunks without the HDF5 library (option {@value #DIRECT_READ}). */
  public boolean directRead() {
    return directRead;
  }

  public boolean shuffle() {
    return shuffle;
  }

  /** Staging directory given by the user, or null for the default beside the target file. */
  public String stagingDir() {
    return stagingDir;
  }

  /** How reads and writes coordinate: through Redis leases (default) or, for reads only, not at all. */
  public LockMode lockMode() {
    return lockMode;
  }

  /** Whether a write may clear the mark a crashed native SWMR writer left in the superblock. */
  public boolean clearStaleFlags() {
    return clearStaleFlags;
  }

  /** Settings of the Redis lock service these options name (serializable: what executors get). */
  public LockSettings lockSettings() {
    return LockSettings.builder()
        .redisUrl(redisUrl)
        .keyPrefix(lockPrefix)
        .leaseTtl(lockTtl)
        .acquireTimeout(lockTimeout)
        .connectTimeout(connectTimeout)
        .build();
  }

  /** The lock resource of {@code file}: the user's {@code lock.key}, else the file's canonical path. */
  public String lockResource(Path file) {
    return lockKey != null ? lockKey : LockKeys.forFile(file);
  }

  /**
   * The lock resource of a file to read, local path or remote URI: the user's {@code lock.key}, else a local
   * file's canonical path, or a remote file's full URI as listed (e.g. {@code s3a://bucket/run/x.h5}).
   */
  public String lockResource(String file) {
    if (!LocalPaths.isRemote(file)) {
      return lockResource(LocalPaths.toPath(file));
    }
    return lockKey != null ? lockKey : file;
  }

  /**
   * The per-query Hadoop settings for remote files ({@code fs.*} as given, {@code spark.hadoop.*} without the
   * prefix), applied over the session's Hadoop configuration. May hold credentials: never log or show values.
   */
  public Map<String, String> hadoopOptions() {
    return hadoop;
  }

  /** Raw value of any option (case-insensitive name), after session-conf fallback; null when absent. */
  public String raw(String name) {
    return given.get(key(name));
  }

  // ---- streaming source (issue 11, io.h5swmr.stream; README "Streaming"): checked when a stream starts ----

  /** Where a stream starts in the files present at its first start: {@code earliest} (row 0) or {@code latest}. */
  public static final String STARTING_POSITION = read("startingPosition");
  /** Most rows one micro-batch reads, over all files (absent: no limit). */
  public static final String MAX_ROWS_PER_TRIGGER = read("maxRowsPerTrigger");
  /** Most bytes (of the selected columns) one micro-batch reads (absent: no limit). */
  public static final String MAX_BYTES_PER_TRIGGER = read("maxBytesPerTrigger");
  /** What a stream does when a dataset it reads is replaced or shrinks: {@code fail} or {@code restart} (row 0). */
  public static final String ON_DATASET_CHANGE = read("onDatasetChange");

  /** Values of {@link #STARTING_POSITION}. */
  public enum StartingPosition {
    EARLIEST, LATEST
  }

  /** Values of {@link #ON_DATASET_CHANGE}. */
  public enum OnDatasetChange {
    FAIL, RESTART
  }

  public StartingPosition startingPosition() {
    return parseEnum(STARTING_POSITION, given.get(key(STARTING_POSITION)), StartingPosition.class,
        StartingPosition.EARLIEST);
  }

  /** {@link #MAX_ROWS_PER_TRIGGER}, or null for no limit. */
  public Long maxRowsPerTrigger() {
    return given.containsKey(key(MAX_ROWS_PER_TRIGGER)) ? positive(MAX_ROWS_PER_TRIGGER, given, 1,
        H5SwmrOptions::parseLong, "a positive row count, e.g. 100000") : null;
  }

  /** {@link #MAX_BYTES_PER_TRIGGER}, or null for no limit. */
  public Long maxBytesPerTrigger() {
    return given.containsKey(key(MAX_BYTES_PER_TRIGGER)) ? positive(MAX_BYTES_PER_TRIGGER, given, 1,
        H5SwmrOptions::parseBytes, "a positive byte size such as 1048576, 64m or 1g") : null;
  }

  public OnDatasetChange onDatasetChange() {
    return parseEnum(ON_DATASET_CHANGE, given.get(key(ON_DATASET_CHANGE)), OnDatasetChange.class,
        OnDatasetChange.FAIL);
  }

  // ---- parsing helpers ----

  private static String key(String name) {
    return name.toLowerCase(Locale.ROOT);
  }

  private static String blankToNull(String s) {
    return s == null || s.trim().isEmpty() ? null : s.trim();
  }

  /**
   * {@code path} is one path, never split (a file may be named {@code a,b.h5}); {@code paths} is the JSON array of
   * strings Spark's {@code load(p1, p2)} passes. Both may be given; duplicates count once.
   */
  private static List<String> parsePaths(Map<String, String> merged) {
    List<String> out = new ArrayList<>();
    String many = merged.get(key(PATHS));
    if (many != null && !many.trim().isEmpty()) {
      String t = many.trim();
      if (!t.startsWith("[") || !t.endsWith("]")) {
        throw invalid(PATHS, many, "a JSON array of strings such as [\"/data/a.h5\",\"/data/b.h5\"] (what "
            + "load(p1, p2) passes); for one path use option '" + PATH + "' or load(path), which is never split on "
            + "commas");
      }
      out.addAll(parseJsonStringArray(t));
    }
    String one = merged.get(key(PATH));
    if (one != null && !one.isEmpty() && !out.contains(one)) {
      out.add(one);
    }
    return Collections.unmodifiableList(out);
  }

  /** Spark passes {@code load(p1, p2)} as option "paths" holding a JSON array of strings. */
  static List<String> parseJsonStringArray(String json) {
    List<String> out = new ArrayList<>();
    Matcher m = Pattern.compile("\"((?:[^\"\\\\]|\\\\.)*)\"").matcher(json);
    while (m.find()) {
      out.add(m.group(1).replace("\\\"", "\"").replace("\\\\", "\\").replace("\\/", "/"));
    }
    return out;
  }

  static List<String> splitList(String s) {
    if (s == null) {
      return List.of();
    }
    List<String> out = new ArrayList<>();
    for (String part : s.split(",")) {
      String t = part.trim();
      if (!t.isEmpty()) {
        out.add(t);
      }
    }
    return Collections.unmodifiableList(out);
  }

  private static H5SwmrConfigException invalid(String option, String value, String allowed) {
    return new H5SwmrConfigException("Option '" + option + "' has an invalid value '"
        + (REDIS_URL.equals(option) ? redact(value) : value) + "': expected " + allowed
        + " (session conf: " + SESSION_PREFIX + option + ")");
  }

  private static long positive(String option, Map<String, String> merged, long dflt, Function<String, Long> parse,
      String allowed) {
    String v = merged.get(key(option));
    if (v == null) {
      return dflt;
    }
    long parsed;
    try {
      parsed = parse.apply(v.trim());
    } catch (RuntimeException e) {
      throw invalid(option, v, allowed);
    }
    if (parsed <= 0) {
      throw invalid(option, v, allowed);
    }
    return parsed;
  }

  private static long parseLong(String v) {
    return Long.parseLong(v.trim().replace("_", ""));
  }

  private static long parseLongOr(String v, long dflt) {
    try {
      return parseLong(v);
    } catch (NumberFormatException e) {
      return dflt;
    }
  }

  private static final Pattern BYTES = Pattern.compile("(?i)\\s*(\\d+)\\s*([kmgt]i?b?|b)?\\s*");

  /** Parses byte sizes like Spark does: {@code 1048576}, {@code 512k}, {@code 64m}, {@code 1g}, {@code 1gb}. */
  public static long parseBytes(String v) {
    Matcher m = BYTES.matcher(v);
    if (!m.matches()) {
      throw new NumberFormatException(v);
    }
    long n = Long.parseLong(m.group(1));
    String unit = m.group(2) == null ? "b" : m.group(2).toLowerCase(Locale.ROOT);
    switch (unit.charAt(0)) {
      case 'k': return Math.multiplyExact(n, 1L << 10);
      case 'm': return Math.multiplyExact(n, 1L << 20);
      case 'g': return Math.multiplyExact(n, 1L << 30);
      case 't': return Math.multiplyExact(n, 1L << 40);
      default: return n;
    }
  }

  private static final Pattern DURATION = Pattern.compile("(?i)\\s*(\\d+)\\s*(ms|s|sec|m|min|h)\\s*");

  /**
   * Parses durations with a unit: {@code 500ms}, {@code 30s}, {@code 10m}/{@code 10min}, {@code 1h}. A bare
   * number is refused: {@code lock.ttl=30000} could mean milliseconds or 8.3 hours.
   */
  public static Duration parseDuration(String v) {
    Matcher m = DURATION.matcher(v);
    if (!m.matches()) {
      throw new NumberFormatException(v);
    }
    long n = Long.parseLong(m.group(1));
    switch (m.group(2).toLowerCase(Locale.ROOT)) {
      case "ms": return Duration.ofMillis(n);
      case "m":
      case "min": return Duration.ofMinutes(n);
      case "h": return Duration.ofHours(n);
      default: return Duration.ofSeconds(n);
    }
  }

  private static Duration duration(String option, Map<String, String> merged, Duration dflt) {
    String v = merged.get(key(option));
    if (v == null) {
      return dflt;
    }
    if (v.trim().matches("\\d+")) {
      throw invalid(option, v, "a duration with a unit, e.g. " + v.trim() + "ms or " + v.trim() + "s (units: ms, s, "
          + "min/m, h; a bare number is ambiguous)");
    }
    try {
      Duration d = parseDuration(v);
      if (d.isZero()) {
        throw new NumberFormatException(v);
      }
      return d;
    } catch (RuntimeException e) {
      throw invalid(option, v, "a positive duration with a unit such as 500ms, 30s, 10min or 1h");
    }
  }

  private static boolean parseBoolean(String option, String v, boolean dflt) {
    if (v == null) {
      return dflt;
    }
    switch (v.trim().toLowerCase(Locale.ROOT)) {
      case "true": return true;
      case "false": return false;
      default: throw invalid(option, v, "true or false");
    }
  }

  private static <E extends Enum<E>> E parseEnum(String option, String v, Class<E> type, E dflt) {
    if (v == null) {
      return dflt;
    }
    Set<String> allowed = new TreeSet<>();
    for (E e : type.getEnumConstants()) {
      allowed.add(e.name().toLowerCase(Locale.ROOT));
      if (e.name().equalsIgnoreCase(v.trim())) {
        return e;
      }
    }
    throw invalid(option, v, "one of " + allowed);
  }

  private static final Pattern SCHEME = Pattern.compile("(?i)(rediss?|redis-sentinel|redis-cluster)://.+");

  private static void checkRedisUrl(String url) {
    if (!SCHEME.matcher(url).matches()) {
      throw invalid(REDIS_URL, url, "a URL redis://[user:password@]host:port[/db], rediss://… (TLS), "
          + "redis-sentinel://[user:password@]host1:port1,host2:port2/masterName[/db] or "
          + "redis-cluster://[user:password@]host1:port1,host2:port2");
    }
  }

  private static final Pattern USERINFO = Pattern.compile("^([a-zA-Z][a-zA-Z0-9+.-]*://)([^@/]*)@");

  /** Replaces the password part of a URL's user info with {@code ***}; null-safe. */
  public static String redact(String url) {
    if (url == null) {
      return null;
    }
    Matcher m = USERINFO.matcher(url);
    if (!m.find()) {
      return url;
    }
    String info = m.group(2);
    int colon = info.indexOf(':');
    String redacted = colon >= 0 ? info.substring(0, colon) + ":***" : "***";
    return m.group(1) + redacted + "@" + url.substring(m.end());
  }

  @Override
  public boolean equals(Object o) {
    return o instanceof H5SwmrOptions && ((H5SwmrOptions) o).given.equals(given)
        && ((H5SwmrOptions) o).hadoop.equals(hadoop);
  }

  @Override
  public int hashCode() {
    return Objects.hash(given, hadoop);
  }

  /**
   * Every option as set, the Redis password redacted and the values of Hadoop settings hidden (they may be
   * credentials); safe for logs and Spark plan strings.
   */
  @Override
  public String toString() {
    Map<String, String> shown = new LinkedHashMap<>(given);
    shown.computeIfPresent(key(REDIS_URL), (k, v) -> redact(v));
    hadoop.keySet().forEach(k -> shown.put(k, "***"));
    return "H5SwmrOptions" + shown;
  }
}
