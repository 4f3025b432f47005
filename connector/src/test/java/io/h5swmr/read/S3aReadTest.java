package io.h5swmr.read;

import static io.h5swmr.read.ReadTestSupport.metric;
import static io.h5swmr.read.ReadTestSupport.spark;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.h5swmr.exceptions.H5SwmrConfigException;
import io.h5swmr.testing.RedisServerExtension;
import java.net.URI;
import java.nio.file.Path;
import java.util.List;
import org.apache.spark.sql.DataFrameReader;
import org.apache.spark.sql.Dataset;
import org.apache.spark.sql.Row;
import org.apache.spark.sql.functions;
import org.gaul.s3proxy.AuthenticationType;
import org.gaul.s3proxy.S3Proxy;
import org.jclouds.ContextBuilder;
import org.jclouds.blobstore.BlobStore;
import org.jclouds.blobstore.BlobStoreContext;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;

/**
 * Reads from a real S3 endpoint (s3proxy, in process on a loopback port, in-memory blob store)
 * through Hadoop's {@code s3a} client, credentials given as per-query {@code fs.s3a.*} options: the
 * same h5py files give the same rows as from local disk, chunks are decoded in Java from ranged
 * GETs that fetch about the file's bytes once, writes are refused and create nothing, and the
 * secret key shows in no plan or message.
 */
class S3aReadTest {
  @RegisterExtension static final RedisServerExtension REDIS = RedisServerExtension.create();

  static final String BUCKET = "h5swmr-test";

  /**
   * Read with the session's settings only: another bucket, so Hadoop's FileSystem cache holds
   * another client.
   */
  static final String SESSION_BUCKET = "h5swmr-session";

  /**
   * Read through a SQL table whose OPTIONS hold the s3a settings: again its own FileSystem client.
   */
  static final String TABLE_BUCKET = "h5swmr-table";

  /** Holds {@link #SCAN_FILE} only: its FileSystem client's statistics count that file's reads. */
  static final String SCAN_BUCKET = "h5swmr-scan";

  static final String SCAN_FILE = "columns.h5";
  static final int SCAN_ROWS = 600_000;
  static final int SCAN_CHUNK_ROWS = 100_000;
  static final String ACCESS = "test-access";
  static final String SECRET = "FAKE-s3-SECRET-7f3a9c";

  static Path dir;

  static BlobStoreContext store;
  static S3Proxy proxy;
  static String endpoint;

  @BeforeAll
  static void startS3() throws Exception {
    dir = RemoteFixtures.dir();
    store =
        ContextBuilder.newBuilder("transient")
            .credentials(ACCESS, SECRET)
            .build(BlobStoreContext.class);
    BlobStore blobs = store.getBlobStore();
    blobs.createContainerInLocation(null, BUCKET);
    for (String f : List.of("a.h5", "b.h5")) {
      blobs.putBlob(
          BUCKET, blobs.blobBuilder("data/" + f).payload(dir.resolve(f).toFile()).build());
    }
    blobs.createContainerInLocation(null, TABLE_BUCKET);
    blobs.putBlob(
        TABLE_BUCKET, blobs.blobBuilder("b.h5").payload(dir.resolve("b.h5").toFile()).build());
    blobs.createContainerInLocation(null, SCAN_BUCKET);
    blobs.putBlob(
        SCAN_BUCKET, blobs.blobBuilder(SCAN_FILE).payload(columnsFile().toFile()).build());
    blobs.createContainerInLocation(null, SESSION_BUCKET);
    blobs.putBlob(
        SESSION_BUCKET, blobs.blobBuilder("a.h5").payload(dir.resolve("a.h5").toFile()).build());
    proxy =
        S3Proxy.builder()
            .blobStore(blobs)
            .endpoint(URI.create("http://127.0.0.1:0"))
            .awsAuthentication(AuthenticationType.AWS_V2_OR_V4, ACCESS, SECRET)
            .build();
    proxy.start(); // returns once the server is started
    endpoint = "http://127.0.0.1:" + proxy.getPort();
  }

  /**
   * Two float64/int64 column datasets of {@link #SCAN_ROWS} rows in 800 KB chunks, written one
   * after the other (each column's chunks back to back).
   */
  static Path columnsFile() throws java.io.IOException {
    Path tmp = java.nio.file.Files.createTempDirectory("h5swmr-scan");
    tmp.toFile().deleteOnExit();
    Path f = tmp.resolve(SCAN_FILE);
    double[] x = new double[SCAN_ROWS];
    long[] y = new long[SCAN_ROWS];
    for (int i = 0; i < SCAN_ROWS; i++) {
      x[i] = i * 0.5;
      y[i] = i * 31L;
    }
    try (io.h5swmr.hdf5.H5File h = io.h5swmr.hdf5.H5File.create(f.toString())) {
      try (io.h5swmr.hdf5.H5Dataset d =
          h.createDataset(
              "/t/x",
              io.h5swmr.hdf5.H5DatasetSpec.of(io.h5swmr.hdf5.H5Type.float64())
                  .withChunkRows(SCAN_CHUNK_ROWS))) {
        d.append(SCAN_ROWS, io.h5swmr.hdf5.H5ColumnWrite.from(x, 0));
      }
      try (io.h5swmr.hdf5.H5Dataset d =
          h.createDataset(
              "/t/y",
              io.h5swmr.hdf5.H5DatasetSpec.of(io.h5swmr.hdf5.H5Type.int64())
                  .withChunkRows(SCAN_CHUNK_ROWS))) {
        d.append(SCAN_ROWS, io.h5swmr.hdf5.H5ColumnWrite.from(y, 0));
      }
    }
    f.toFile().deleteOnExit();
    return f;
  }

  @AfterAll
  static void stopS3() throws Exception {
    if (proxy != null) {
      proxy.stop();
    }
    if (store != null) {
      store.close();
    }
  }

  /**
   * A reader with the s3a settings of this endpoint as per-query options (as a notebook would give
   * them).
   */
  static DataFrameReader s3reader() {
    return spark()
        .read()
        .format("h5swmr")
        .option("redis.url", REDIS.url())
        .option("fs.s3a.endpoint", endpoint)
        .option("fs.s3a.endpoint.region", "us-east-1")
        .option("fs.s3a.path.style.access", "true")
        .option("fs.s3a.connection.ssl.enabled", "false")
        .option("fs.s3a.access.key", ACCESS)
        .option("fs.s3a.secret.key", SECRET)
        .option(
            "fs.s3a.aws.credentials.provider",
            "org.apache.hadoop.fs.s3a.SimpleAWSCredentialsProvider");
  }

  static DataFrameReader localReader() {
    return spark().read().format("h5swmr").option("redis.url", REDIS.url());
  }

  @Test
  void sameRowsAsFromLocalDiskForEveryTypeAndOverAGlob() {
    RemoteFixtures.assertSameRows(
        RemoteFixtures.table(s3reader(), "s3a://" + BUCKET + "/data/a.h5"),
        RemoteFixtures.table(localReader(), dir.resolve("a.h5").toString()),
        RemoteFixtures.ROWS_A);
    RemoteFixtures.assertSameRows(
        RemoteFixtures.table(s3reader(), "s3a://" + BUCKET + "/data/*.h5"),
        RemoteFixtures.table(localReader(), dir + "/*.h5"),
        RemoteFixtures.ROWS_A + RemoteFixtures.ROWS_B);
  }

  @Test
  void credentialsComeFromTheSessionsHadoopConfAsForSparksOwnSources() {
    java.util.Map<String, String> conf =
        java.util.Map.of(
            "fs.s3a.endpoint",
            endpoint,
            "fs.s3a.endpoint.region",
            "us-east-1",
            "fs.s3a.path.style.access",
            "true",
            "fs.s3a.connection.ssl.enabled",
            "false",
            "fs.s3a.access.key",
            ACCESS,
            "fs.s3a.secret.key",
            SECRET,
            "fs.s3a.aws.credentials.provider",
            "org.apache.hadoop.fs.s3a.SimpleAWSCredentialsProvider");
    conf.forEach((k, v) -> spark().conf().set(k, v));
    try {
      RemoteFixtures.assertSameRows(
          RemoteFixtures.table(localReader(), "s3a://" + SESSION_BUCKET + "/a.h5"),
          RemoteFixtures.table(localReader(), dir.resolve("a.h5").toString()),
          RemoteFixtures.ROWS_A);
    } finally {
      conf.keySet().forEach(k -> spark().conf().unset(k));
    }
  }

  @Test
  void aSqlTableTakesItsS3aSettingsFromItsOptions() {
    spark().sql("DROP TABLE IF EXISTS s3_table");
    spark()
        .sql(
            "CREATE TABLE s3_table USING h5swmr OPTIONS (path 's3a://"
                + TABLE_BUCKET
                + "/b.h5', dataset '/m', `redis.url` '"
                + REDIS.url()
                + "', `fs.s3a.endpoint` '"
                + endpoint
                + "', `fs.s3a.endpoint.region` 'us-east-1', `fs.s3a.path.style.access` 'true', "
                + "`fs.s3a.connection.ssl.enabled` 'false', `fs.s3a.access.key` '"
                + ACCESS
                + "', `fs.s3a.secret.key` '"
                + SECRET
                + "', `spark.hadoop.fs.s3a.aws.credentials.provider` "
                + "'org.apache.hadoop.fs.s3a.SimpleAWSCredentialsProvider')");
    try {
      Dataset<Row> view = spark().table("s3_table");
      assertThat(RemoteFixtures.byIndex(view.collectAsList()))
          .isEqualTo(
              RemoteFixtures.byIndex(
                  RemoteFixtures.matrix(localReader(), dir.resolve("b.h5").toString())
                      .collectAsList()));
      assertThat(
              view.queryExecution()
                  .explainString(org.apache.spark.sql.execution.ExtendedMode$.MODULE$))
          .doesNotContain(SECRET);
    } finally {
      spark().sql("DROP TABLE IF EXISTS s3_table");
    }
  }

  @Test
  void chunksAreDecodedInJavaFromRangedReads() {
    Dataset<Row> remote = RemoteFixtures.matrix(s3reader(), "s3a://" + BUCKET + "/data/b.h5");
    List<Row> rows = RemoteFixtures.byIndex(remote.collectAsList());
    assertThat(metric(remote, DirectRowsMetric.NAME)).isEqualTo(RemoteFixtures.ROWS_B);
    assertThat(rows)
        .hasSize(RemoteFixtures.ROWS_B)
        .isEqualTo(
            RemoteFixtures.byIndex(
                RemoteFixtures.matrix(localReader(), dir.resolve("b.h5").toString())
                    .collectAsList()));
  }

  /**
   * A Hadoop configuration for the in-process S3 endpoint (the settings the readers pass as
   * options).
   */
  private org.apache.hadoop.conf.Configuration s3aConf() {
    org.apache.hadoop.conf.Configuration conf = new org.apache.hadoop.conf.Configuration();
    for (String[] kv :
        new String[][] {
          {"fs.s3a.endpoint", endpoint},
          {"fs.s3a.endpoint.region", "us-east-1"},
          {"fs.s3a.path.style.access", "true"},
          {"fs.s3a.connection.ssl.enabled", "false"},
          {"fs.s3a.access.key", ACCESS},
          {"fs.s3a.secret.key", SECRET},
          {
            "fs.s3a.aws.credentials.provider",
            "org.apache.hadoop.fs.s3a.SimpleAWSCredentialsProvider"
          }
        }) {
      conf.set(kv[0], kv[1]);
    }
    return conf;
  }

  @Test
  void aScanReadsEachChunkOnceAndLittleElse() throws Exception {
    org.apache.hadoop.conf.Configuration conf = s3aConf();
    String uri = "s3a://" + SCAN_BUCKET + "/" + SCAN_FILE;
    // the cached client the scan's tasks use (the FileSystem cache keys on scheme, bucket and
    // user); its own statistics (getStorageStatistics() is one JVM-wide object, bound to the first
    // s3a client)
    org.apache.hadoop.fs.FileSystem fs = org.apache.hadoop.fs.FileSystem.get(URI.create(uri), conf);
    long length = fs.getFileStatus(new org.apache.hadoop.fs.Path(uri)).getLen();
    java.util.Map<String, Long> stats =
        org.apache.hadoop.fs.statistics.IOStatisticsSupport.retrieveIOStatistics(fs).counters();
    long before = stats.get("stream_read_bytes");
    long gets = stats.get("action_http_get_request");
    Dataset<Row> df = s3reader().option("datasets", "/t").option("partitionBytes", "3m").load(uri);
    Row sums =
        df.agg(functions.sum("x"), functions.sum("y"), functions.count("*")).collectAsList().get(0);
    assertThat(sums.getLong(2)).isEqualTo(SCAN_ROWS);
    assertThat(sums.getDouble(0)).isEqualTo(0.5 * SCAN_ROWS * (SCAN_ROWS - 1) / 2);
    assertThat(sums.getLong(1)).isEqualTo(31L * SCAN_ROWS * (SCAN_ROWS - 1) / 2);
    long read = stats.get("stream_read_bytes") - before;
    // each open (planning, every task) fills a metadata block or two; chunk bytes are read exactly,
    // once (an
    // 8 MiB read-ahead window read 46.6 MB here, 4.9x the file)
    long metadata = 16L * io.h5swmr.hdf5.driver.HadoopStorage.DEFAULT_BLOCK_BYTES;
    assertThat(read)
        .as(
            "bytes read from the store for a scan of a %s-byte file in %s GETs",
            length, stats.get("action_http_get_request") - gets)
        .isBetween(length - metadata, length + metadata);
  }

  @Test
  void metadataAndChunksAreFetchedByRangedGetsWithoutAbortingStreams() throws Exception {
    org.apache.hadoop.conf.Configuration conf = s3aConf();
    org.apache.hadoop.fs.Path p = new org.apache.hadoop.fs.Path("s3a://" + BUCKET + "/data/b.h5");
    org.apache.hadoop.fs.FileSystem fs =
        org.apache.hadoop.fs.FileSystem.newInstance(p.toUri(), conf);
    try {
      long length = fs.getFileStatus(p).getLen();
      byte[] whole = java.nio.file.Files.readAllBytes(dir.resolve("b.h5"));
      // reads scattered as HDF5's are: backwards and forwards, each a few KiB
      try (org.apache.hadoop.fs.FSDataInputStream in =
          io.h5swmr.hdf5.driver.HadoopStorage.openForRandomReads(fs, p, fs.getFileStatus(p))) {
        for (long at : new long[] {length - 4096, 0, length / 2, 8192, length - 100_000}) {
          long from = Math.max(0, at);
          byte[] got = new byte[4096];
          in.readFully(from, got);
          assertThat(got)
              .isEqualTo(java.util.Arrays.copyOfRange(whole, (int) from, (int) from + 4096));
        }
      }
      long aborted = fs.getStorageStatistics().getLong("stream_aborted");
      assertThat(aborted)
          .as("s3a streams aborted by seeks (the default policy aborts at most of them)")
          .isZero();
    } finally {
      fs.close();
    }
  }

  @Test
  void writesAreRefusedAndCreateNothing() {
    String target = "s3a://" + BUCKET + "/out/new.h5";
    Dataset<Row> df = spark().range(10).toDF("x");
    assertThatThrownBy(
            () ->
                df.write()
                    .format("h5swmr")
                    .option("redis.url", REDIS.url())
                    .option("fs.s3a.endpoint", endpoint)
                    .option("fs.s3a.secret.key", SECRET)
                    .option("dataset", "/x")
                    .save(target))
        .isInstanceOf(H5SwmrConfigException.class)
        .hasMessageContaining(target)
        .hasMessageContaining("scheme 's3a'")
        .hasMessageContaining("cannot rewrite bytes in place")
        .satisfies(e -> assertThat(e.getMessage()).doesNotContain(SECRET));
    BlobStore blobs = store.getBlobStore();
    assertThat(
            blobs.list(
                BUCKET, org.jclouds.blobstore.options.ListContainerOptions.Builder.recursive()))
        .extracting(m -> m.getName())
        .containsExactlyInAnyOrder("data/a.h5", "data/b.h5");
  }

  @Test
  void theSecretKeyShowsInNoPlanOrMessage() {
    Dataset<Row> df = RemoteFixtures.matrix(s3reader(), "s3a://" + BUCKET + "/data/a.h5");
    assertThat(df.count()).isEqualTo(RemoteFixtures.ROWS_A);
    assertThat(df.queryExecution().toString()).doesNotContain(SECRET);
    assertThat(
            df.queryExecution().explainString(org.apache.spark.sql.execution.ExtendedMode$.MODULE$))
        .doesNotContain(SECRET);
    assertThatThrownBy(() -> s3reader().load("s3a://" + BUCKET + "/data/missing.h5").count())
        .hasMessageContaining("s3a://" + BUCKET + "/data/missing.h5")
        .satisfies(e -> assertThat(HdfsReadTest.stackText(e)).doesNotContain(SECRET));
  }
}
