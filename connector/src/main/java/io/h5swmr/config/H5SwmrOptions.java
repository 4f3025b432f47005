package io.h5swmr.config;

import static io.h5swmr.config.OptionParsers.key;

import io.h5swmr.exceptions.H5SwmrConfigException;
import io.h5swmr.lock.LockSettings;
import java.nio.file.Path;
import java.time.Duration;
import java.util.Collection;
import java.util.Collections;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.function.Function;

/**
 * Every h5swmr option of one read or write, typed, validated and immutable: a facade over the typed
 * views {@link #read()}, {@link #write()}, {@link #stream()} and {@link #lock()}, built from the
 * names of {@link OptionRegistry} with the parsers of {@link OptionParsers}.
 *
 * <p>Precedence, lowest first: built-in default &lt; session conf {@code spark.h5swmr.<option>}
 * &lt; the per-query option given to {@code spark.read}/{@code df.write} (or {@code OPTIONS(...)}
 * of a table). Option names are case-insensitive. Every value (streaming ones included) is parsed
 * and checked when the object is built, so a bad value fails on the driver before any task runs,
 * with a message naming the option, the value and what is allowed.
 *
 * <p>Unknown option names fail naming the closest known one; a read given write-only options (and a
 * write given read-only ones) fails naming them. To add an option: one line in {@link
 * OptionRegistry}, its constant here, a field in its view, and its row in README's options table (a
 * test checks the table against the registry).
 *
 * <p>This object stays on the driver (it is not {@link java.io.Serializable}): tasks get plain
 * derived values such as {@link LockSettings}.
 *
 * <p>The Redis URL may carry a password: {@link #toString()} and every message redact it.
 */
public final class H5SwmrOptions {
  private static final org.slf4j.Logger LOG =
      org.slf4j.LoggerFactory.getLogger(H5SwmrOptions.class);

  /** Prefix of the session-conf fallback of every option. */
  public static final String SESSION_PREFIX = "spark.h5swmr.";

  /**
   * Which operations an option applies to (checked for the options given to one read or one write).
   */
  public enum Side {
    READ,
    WRITE,
    BOTH;

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
    /**
     * Table properties and schema inference, shared by reads and writes: only unknown names are
     * refused.
     */
    ANY
  }

  // ---- option names (the registry, OptionRegistry, holds each one's side, default and doc) ----
  public static final String PATH = OptionRegistry.PATH.name();
  public static final String PATHS = OptionRegistry.PATHS.name();
  public static final String DATASET = OptionRegistry.DATASET.name();
  public static final String DATASETS = OptionRegistry.DATASETS.name();
  public static final String FILE_COLUMN = OptionRegistry.FILE_COLUMN.name();
  public static final String INDEX_COLUMN = OptionRegistry.INDEX_COLUMN.name();
  public static final String PARTITION_BYTES = OptionRegistry.PARTITION_BYTES.name();
  public static final String BATCH_ROWS = OptionRegistry.BATCH_ROWS.name();
  public static final String REDIS_URL = OptionRegistry.REDIS_URL.name();
  public static final String LOCK_KEY = OptionRegistry.LOCK_KEY.name();
  public static final String LOCK_PREFIX = OptionRegistry.LOCK_PREFIX.name();
  public static final String LOCK_TTL = OptionRegistry.LOCK_TTL.name();
  public static final String LOCK_TIMEOUT = OptionRegistry.LOCK_TIMEOUT.name();
  public static final String REDIS_CONNECT_TIMEOUT = OptionRegistry.REDIS_CONNECT_TIMEOUT.name();
  public static final String CHUNK_ROWS = OptionRegistry.CHUNK_ROWS.name();
  public static final String COMPRESSION = OptionRegistry.COMPRESSION.name();
  public static final String COMPRESSION_LEVEL = OptionRegistry.COMPRESSION_LEVEL.name();
  public static final String SHUFFLE = OptionRegistry.SHUFFLE.name();
  public static final String STAGING_DIR = OptionRegistry.STAGING_DIR.name();

  /**
   * Read chunks with positional I/O and decode them in Java, outside the native lock (default
   * true).
   */
  public static final String DIRECT_READ = OptionRegistry.DIRECT_READ.name();

  /**
   * {@code redis} (default): every read takes shared leases and every write the exclusive lease in
   * Redis. {@code none}: reads take no lease and need no Redis (archives, files only native HDF5
   * writers write); writes refuse it with a message saying why. Session conf {@code
   * spark.h5swmr.lock}.
   */
  public static final String LOCK = OptionRegistry.LOCK.name();

  /**
   * Write option: {@code true} lets a write clear the superblock's SWMR-writer mark left by a
   * native SWMR writer that crashed (as {@code h5clear -s} does), under the exclusive lease, when
   * no sign of a live native writer is seen; default {@code false} refuses such a file.
   */
  public static final String CLEAR_STALE_FLAGS = OptionRegistry.CLEAR_STALE_FLAGS.name();

  /**
   * Where a stream starts in the files present at its first start: {@code earliest} (row 0) or
   * {@code latest}.
   */
  public static final String STARTING_POSITION = OptionRegistry.STARTING_POSITION.name();

  /** Most rows one micro-batch reads, over all files (absent: no limit). */
  public static final String MAX_ROWS_PER_TRIGGER = OptionRegistry.MAX_ROWS_PER_TRIGGER.name();

  /** Most bytes (of the selected columns) one micro-batch reads (absent: no limit). */
  public static final String MAX_BYTES_PER_TRIGGER = OptionRegistry.MAX_BYTES_PER_TRIGGER.name();

  /**
   * What a stream does when a dataset it reads is replaced or shrinks: {@code fail} or {@code
   * restart} (row 0).
   */
  public static final String ON_DATASET_CHANGE = OptionRegistry.ON_DATASET_CHANGE.name();

  /**
   * Write option: compress whole chunks of gzip datasets on every core (default: JVM property
   * below, else true).
   */
  public static final String PARALLEL_DEFLATE = OptionRegistry.PARALLEL_DEFLATE.name();

  /**
   * Decode (and encode) deflate with the system's libdeflate where installed (default: JVM
   * property, else true).
   */
  public static final String LIBDEFLATE = OptionRegistry.LIBDEFLATE.name();

  /**
   * Write option: free a staging file's pages as the commit reads it (default: JVM property, else
   * true).
   */
  public static final String RELEASE_STAGING_PAGES = OptionRegistry.RELEASE_STAGING_PAGES.name();

  /** Option {@code catalog}: read a catalog view ({@link ReadOptions.Catalog}) instead of data. */
  public static final String CATALOG = OptionRegistry.CATALOG.name();

  /** The JVM property that is the default of {@link #PARALLEL_DEFLATE} (kept for compatibility). */
  public static final String PARALLEL_DEFLATE_PROPERTY = "h5swmr.parallelDeflate";

  /** The JVM property that is the default of {@link #LIBDEFLATE} (kept for compatibility). */
  public static final String LIBDEFLATE_PROPERTY = "h5swmr.libdeflate";

  /**
   * The JVM property that is the default of {@link #RELEASE_STAGING_PAGES} (kept for
   * compatibility).
   */
  public static final String RELEASE_STAGING_PAGES_PROPERTY = "h5swmr.releaseStagingPages";

  /** Values of {@link #LOCK}. */
  public enum LockMode {
    REDIS,
    NONE
  }

  /** Values of {@link #COMPRESSION}. */
  public enum Compression {
    NONE,
    GZIP
  }

  /** Values of {@link #STARTING_POSITION}. */
  public enum StartingPosition {
    EARLIEST,
    LATEST
  }

  /** Values of {@link #ON_DATASET_CHANGE}. */
  public enum OnDatasetChange {
    FAIL,
    RESTART
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

  /** Prefix of per-query Hadoop settings passed on without it, as Spark's file sources do. */
  public static final String SPARK_HADOOP_PREFIX = "spark.hadoop.";

  /** Every option name this source understands, as documented. */
  public static List<String> names() {
    return OptionRegistry.names();
  }

  /** The side an option applies to; null for a name that is not an h5swmr option. */
  public static Side sideOf(String name) {
    OptionRegistry.Option o = OptionRegistry.find(name);
    return o == null ? null : o.side();
  }

  private final Map<String, String>
      given; // lower-cased keys, merged view (session conf under options)

  /**
   * Per-query Hadoop settings ({@code fs.*}, {@code spark.hadoop.*} without the prefix), keys as
   * given.
   */
  private final Map<String, String> hadoop;

  private final ReadOptions read;
  private final WriteOptions write;
  private final StreamOptions stream;
  private final LockOptions lock;

  private H5SwmrOptions(
      Map<String, String> merged, long sparkMaxPartitionBytes, Map<String, String> hadoop) {
    this.hadoop = Collections.unmodifiableMap(new LinkedHashMap<>(hadoop));
    this.given = Collections.unmodifiableMap(merged);
    this.read = new ReadOptions(merged, sparkMaxPartitionBytes);
    this.lock = new LockOptions(merged);
    this.write = new WriteOptions(merged);
    this.stream = new StreamOptions(merged);
  }

  /**
   * Builds the options from per-query options over session conf, for reads and writes alike (table
   * properties, schema inference): every given name must be an h5swmr option or one Spark adds
   * itself.
   *
   * @param options per-query options (any key case)
   * @param sessionConf session conf lookup: given a full key such as {@code
   *     spark.h5swmr.redis.url}, its value or null. Also consulted for {@code
   *     spark.sql.files.maxPartitionBytes}.
   */
  public static H5SwmrOptions of(
      Map<String, String> options, Function<String, String> sessionConf) {
    return of(options, sessionConf, Operation.ANY);
  }

  /**
   * As {@link #of(Map, Function)}, and the per-query options must apply to {@code op}: a read given
   * {@code compression}, or a write given {@code partitionBytes}, fails naming the option. Session
   * conf is never checked against the side (one session conf serves reads and writes).
   */
  public static H5SwmrOptions of(
      Map<String, String> options, Function<String, String> sessionConf, Operation op) {
    checkNames(options.keySet(), op);
    Map<String, String> merged = new LinkedHashMap<>();
    for (String name : OptionRegistry.names()) {
      String v = sessionConf.apply(SESSION_PREFIX + name);
      if (v == null) {
        v = sessionConf.apply(SESSION_PREFIX + key(name));
      }
      if (v != null) {
        merged.put(key(name), v);
      }
    }
    Map<String, String> hadoop = new LinkedHashMap<>();
    for (Map.Entry<String, String> e : options.entrySet()) {
      if (e.getValue() != null && OptionRegistry.find(e.getKey()) != null) {
        merged.put(key(e.getKey()), e.getValue());
      } else if (e.getValue() != null && OptionRegistry.isHadoopKey(e.getKey())) {
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

  private static String hadoopKey(String name) {
    return name.regionMatches(true, 0, SPARK_HADOOP_PREFIX, 0, SPARK_HADOOP_PREFIX.length())
        ? name.substring(SPARK_HADOOP_PREFIX.length())
        : name;
  }

  /** Options alone, without session conf (tests, tools). */
  public static H5SwmrOptions of(Map<String, String> options) {
    return of(options, k -> null);
  }

  /**
   * Refuses option names h5swmr does not know (naming the closest known one), and for a READ
   * write-only options (a read given {@code compression} would silently ignore it). A WRITE given
   * read-only options is not refused: {@code saveAsTable} and {@code CREATE TABLE ... AS SELECT}
   * legitimately store options such as {@code fileColumn} for the table's later reads; those are
   * logged as warnings. Keys Spark adds itself ({@code __}-prefixed, Hive's) pass.
   *
   * @throws H5SwmrConfigException naming the option and what is valid
   */
  public static void checkNames(Collection<String> names, Operation op) {
    for (String notice : sideNotices(names, op)) {
      LOG.warn(notice);
    }
  }

  /**
   * The checks of {@link #checkNames}; returns one notice per read-only option given to a write.
   */
  static List<String> sideNotices(Collection<String> names, Operation op) {
    return OptionRegistry.sideNotices(names, op);
  }

  // ---- the typed views ----

  /** What to read and how to split it (paths, datasets, columns, partitions, decoders). */
  public ReadOptions read() {
    return read;
  }

  /** How a write stores its rows (chunking, compression, staging, fast paths). */
  public WriteOptions write() {
    return write;
  }

  /** The options of a streaming read, checked with the rest. */
  public StreamOptions stream() {
    return stream;
  }

  /** Redis and leases. */
  public LockOptions lock() {
    return lock;
  }

  // ---- getters kept for callers (each delegates to its view) ----

  /**
   * Input or output paths as given (globs and directories not yet expanded); empty when none was
   * given.
   */
  public List<String> paths() {
    return read.paths();
  }

  /** The single path of a write, or an error naming the option. */
  public String singlePath() {
    List<String> paths = read.paths();
    if (paths.size() != 1) {
      throw new H5SwmrConfigException(
          "Writing needs exactly one target file in option '"
              + PATH
              + "' (save(path)); got "
              + (paths.isEmpty() ? "none" : paths.size() + ": " + paths));
    }
    return paths.get(0);
  }

  /** Dataset path ({@code /group/name}), or null when not given. */
  public String dataset() {
    return read.dataset();
  }

  /** Column datasets (1-D, or one group path), empty when not given. */
  public List<String> datasets() {
    return read.datasets();
  }

  /** The catalog view to read (option {@value #CATALOG}), or null for a read of the data. */
  public ReadOptions.Catalog catalog() {
    return read.catalog();
  }

  public String fileColumn() {
    return read.fileColumn();
  }

  /** Name of the index column, or null when disabled ({@code indexColumn=""}). */
  public String indexColumn() {
    return read.indexColumn();
  }

  public long partitionBytes() {
    return read.partitionBytes();
  }

  /**
   * Whether {@code partitionBytes} was set (option or session conf): then partitions are that size;
   * otherwise it is Spark's {@code spark.sql.files.maxPartitionBytes}, which a small scan divides
   * further over the cores as Spark's file sources do.
   */
  public boolean partitionBytesGiven() {
    return read.partitionBytesGiven();
  }

  public int batchRows() {
    return read.batchRows();
  }

  /**
   * Whether tasks read supported chunks without the HDF5 library (option {@value #DIRECT_READ}).
   */
  public boolean directRead() {
    return read.directRead();
  }

  /** The Redis URL, password included: for connecting only, never for messages. */
  public String redisUrl() {
    return lock.redisUrl();
  }

  /** The Redis URL with any password replaced by {@code ***}. */
  public String redactedRedisUrl() {
    return lock.redactedRedisUrl();
  }

  /** Explicit lock key given by the user, or null to key locks by canonical file path. */
  public String lockKey() {
    return lock.lockKey();
  }

  public String lockPrefix() {
    return lock.lockPrefix();
  }

  public Duration lockTtl() {
    return lock.lockTtl();
  }

  public Duration lockTimeout() {
    return lock.lockTimeout();
  }

  public Duration connectTimeout() {
    return lock.connectTimeout();
  }

  /**
   * How reads and writes coordinate: through Redis leases (default) or, for reads only, not at all.
   */
  public LockMode lockMode() {
    return lock.lockMode();
  }

  /** Settings of the Redis lock service these options name (serializable: what executors get). */
  public LockSettings lockSettings() {
    return lock.lockSettings();
  }

  /**
   * The lock resource of {@code file}: the user's {@code lock.key}, else the file's canonical path.
   */
  public String lockResource(Path file) {
    return lock.lockResource(file);
  }

  /**
   * The lock resource of a file to read, local path or remote URI (see {@link
   * LockOptions#lockResource(String)}).
   */
  public String lockResource(String file) {
    return lock.lockResource(file);
  }

  /** Chunk rows given by the user, or null for the ~1 MiB-per-chunk default the writer computes. */
  public Long chunkRows() {
    return write.chunkRows();
  }

  public Compression compression() {
    return write.compression();
  }

  public int compressionLevel() {
    return write.compressionLevel();
  }

  public boolean shuffle() {
    return write.shuffle();
  }

  /** Staging directory given by the user, or null for the default beside the target file. */
  public String stagingDir() {
    return write.stagingDir();
  }

  /** Whether a write may clear the mark a crashed native SWMR writer left in the superblock. */
  public boolean clearStaleFlags() {
    return write.clearStaleFlags();
  }

  public StartingPosition startingPosition() {
    return stream.startingPosition();
  }

  /** {@link #MAX_ROWS_PER_TRIGGER}, or null for no limit. */
  public Long maxRowsPerTrigger() {
    return stream.maxRowsPerTrigger();
  }

  /** {@link #MAX_BYTES_PER_TRIGGER}, or null for no limit. */
  public Long maxBytesPerTrigger() {
    return stream.maxBytesPerTrigger();
  }

  public OnDatasetChange onDatasetChange() {
    return stream.onDatasetChange();
  }

  /**
   * The per-query Hadoop settings for remote files ({@code fs.*} as given, {@code spark.hadoop.*}
   * without the prefix), applied over the session's Hadoop configuration. May hold credentials:
   * never log or show values.
   */
  public Map<String, String> hadoopOptions() {
    return hadoop;
  }

  /**
   * Raw value of any option (case-insensitive name), after session-conf fallback; null when absent.
   */
  public String raw(String name) {
    return given.get(key(name));
  }

  // ---- parsers other packages and tests call ----

  /**
   * Parses byte sizes like Spark does: {@code 1048576}, {@code 512k}, {@code 64m}, {@code 1g},
   * {@code 1gb}.
   */
  public static long parseBytes(String v) {
    return OptionParsers.parseBytes(v);
  }

  /**
   * Parses durations with a unit: {@code 500ms}, {@code 30s}, {@code 10m}/{@code 10min}, {@code
   * 1h}.
   */
  public static Duration parseDuration(String v) {
    return OptionParsers.parseDuration(v);
  }

  /** Replaces the password part of a URL's user info with {@code ***}; null-safe. */
  public static String redact(String url) {
    return OptionParsers.redact(url);
  }

  @Override
  public boolean equals(Object o) {
    return o instanceof H5SwmrOptions
        && ((H5SwmrOptions) o).given.equals(given)
        && ((H5SwmrOptions) o).hadoop.equals(hadoop);
  }

  @Override
  public int hashCode() {
    return Objects.hash(given, hadoop);
  }

  /**
   * Every option as set, the Redis password redacted and the values of Hadoop settings hidden (they
   * may be credentials); safe for logs and Spark plan strings.
   */
  @Override
  public String toString() {
    Map<String, String> shown = new LinkedHashMap<>(given);
    shown.computeIfPresent(key(REDIS_URL), (k, v) -> redact(v));
    hadoop.keySet().forEach(k -> shown.put(k, "***"));
    return "H5SwmrOptions" + shown;
  }
}
