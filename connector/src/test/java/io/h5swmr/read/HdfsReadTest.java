package io.h5swmr.read;

import static io.h5swmr.read.ReadTestSupport.metric;
import static io.h5swmr.read.ReadTestSupport.reader;
import static io.h5swmr.read.ReadTestSupport.spark;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.h5swmr.config.H5SwmrOptions;
import io.h5swmr.exceptions.H5SwmrConfigException;
import io.h5swmr.exceptions.H5SwmrLockException;
import io.h5swmr.exceptions.H5SwmrNotFoundException;
import io.h5swmr.lock.Lease;
import io.h5swmr.lock.LockService;
import io.h5swmr.testing.RedisServerExtension;
import java.nio.file.Path;
import java.util.Arrays;
import java.util.List;
import java.util.Map;
import org.apache.hadoop.conf.Configuration;
import org.apache.hadoop.fs.FileSystem;
import org.apache.hadoop.hdfs.MiniDFSCluster;
import org.apache.spark.sql.Dataset;
import org.apache.spark.sql.Row;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;
import org.junit.jupiter.api.io.TempDir;

/**
 * Reads from a real HDFS ({@code MiniDFSCluster}, in process, on loopback): the same h5py files
 * give the same rows as from local disk, leases are keyed by the URI, a file replaced after
 * planning fails the scan, writes are refused before anything is created, and Hadoop settings never
 * show in plans or messages.
 */
class HdfsReadTest {
  @RegisterExtension static final RedisServerExtension REDIS = RedisServerExtension.create();

  @TempDir static Path dir;

  static MiniDFSCluster cluster;
  static FileSystem fs;
  static String root;
  static Path local;

  @BeforeAll
  static void startHdfs() throws Exception {
    local = RemoteFixtures.dir();
    Configuration conf = new Configuration();
    conf.set(MiniDFSCluster.HDFS_MINIDFS_BASEDIR, dir.resolve("hdfs").toString());
    conf.setBoolean("dfs.webhdfs.enabled", false);
    cluster = new MiniDFSCluster.Builder(conf).numDataNodes(1).build();
    cluster.waitActive();
    fs = cluster.getFileSystem();
    root = fs.getUri() + "/data";
    fs.mkdirs(new org.apache.hadoop.fs.Path(root));
    for (String f : List.of("a.h5", "b.h5")) {
      fs.copyFromLocalFile(
          new org.apache.hadoop.fs.Path(local.resolve(f).toUri()),
          new org.apache.hadoop.fs.Path(root + "/" + f));
    }
  }

  @AfterAll
  static void stopHdfs() {
    if (cluster != null) {
      cluster.shutdown();
    }
  }

  private static String local(String name) {
    return local.resolve(name).toString();
  }

  @Test
  void sameRowsAsFromLocalDiskForEveryType() {
    List<Row> fromHdfs = RemoteFixtures.table(reader(REDIS.url()), root + "/a.h5");
    List<Row> fromDisk = RemoteFixtures.table(reader(REDIS.url()), local("a.h5"));
    RemoteFixtures.assertSameRows(fromHdfs, fromDisk, RemoteFixtures.ROWS_A);
  }

  @Test
  void globOverTwoFilesListsThemOnceAndReadsBoth() {
    List<Row> fromHdfs = RemoteFixtures.table(reader(REDIS.url()), root + "/*.h5");
    List<Row> fromDisk = RemoteFixtures.table(reader(REDIS.url()), local + "/*.h5");
    RemoteFixtures.assertSameRows(
        fromHdfs, fromDisk, RemoteFixtures.ROWS_A + RemoteFixtures.ROWS_B);
    Dataset<Row> files =
        reader(REDIS.url())
            .option("dataset", "/m")
            .load(root + "/*.h5")
            .select("_metadata.file_path", "_metadata.file_size")
            .distinct()
            .orderBy("file_path");
    assertThat(files.collectAsList())
        .extracting(r -> r.getString(0))
        .containsExactly(root + "/a.h5", root + "/b.h5");
  }

  @Test
  void chunksAreDecodedInJavaFromRangedReads() {
    Dataset<Row> remote = RemoteFixtures.matrix(reader(REDIS.url()), root + "/a.h5");
    List<Row> rows = RemoteFixtures.byIndex(remote.collectAsList());
    assertThat(metric(remote, DirectRowsMetric.NAME)).isEqualTo(RemoteFixtures.ROWS_A);
    assertThat(rows)
        .hasSize(RemoteFixtures.ROWS_A)
        .isEqualTo(
            RemoteFixtures.byIndex(
                RemoteFixtures.matrix(reader(REDIS.url()), local("a.h5")).collectAsList()));
    Dataset<Row> viaLibrary =
        RemoteFixtures.matrix(reader(REDIS.url()).option("directRead", "false"), root + "/a.h5");
    assertThat(RemoteFixtures.byIndex(viaLibrary.collectAsList())).isEqualTo(rows);
    assertThat(metric(viaLibrary, DirectRowsMetric.NAME)).isZero();
    Dataset<Row> contiguous =
        reader(REDIS.url())
            .option("dataset", "/t/i32")
            .option("partitionBytes", "4k")
            .load(root + "/a.h5");
    List<Row> ints = RemoteFixtures.byIndex(contiguous.collectAsList());
    assertThat(metric(contiguous, DirectRowsMetric.NAME)).isEqualTo(RemoteFixtures.ROWS_A);
    assertThat(ints)
        .isEqualTo(
            RemoteFixtures.byIndex(
                reader(REDIS.url())
                    .option("dataset", "/t/i32")
                    .load(local("a.h5"))
                    .collectAsList()));
  }

  @Test
  void leaseIsKeyedByTheUriAndLockNoneSkipsIt() {
    String uri = root + "/a.h5";
    H5SwmrOptions o = H5SwmrOptions.of(Map.of("redis.url", REDIS.url()));
    try (Lease writer = LockService.shared(o.lockSettings()).acquireExclusive(uri)) {
      assertThatThrownBy(
              () ->
                  reader(REDIS.url())
                      .option("lock.timeout", "1s")
                      .option("dataset", "/m")
                      .load(uri)
                      .count())
          .isInstanceOf(H5SwmrLockException.class)
          .hasMessageContaining(uri);
      assertThat(
              reader(REDIS.url()).option("lock", "none").option("dataset", "/m").load(uri).count())
          .isEqualTo(RemoteFixtures.ROWS_A);
    }
  }

  @Test
  void aFileReplacedAfterPlanningFailsTheScan() throws Exception {
    String uri = root + "/replaced.h5";
    fs.copyFromLocalFile(
        new org.apache.hadoop.fs.Path(Path.of(local("a.h5")).toUri()),
        new org.apache.hadoop.fs.Path(uri));
    Dataset<Row> df = reader(REDIS.url()).option("dataset", "/m").load(uri);
    df.queryExecution().executedPlan(); // planned: the snapshot is taken
    fs.copyFromLocalFile(
        false,
        true,
        new org.apache.hadoop.fs.Path(Path.of(local("b.h5")).toUri()),
        new org.apache.hadoop.fs.Path(uri));
    assertThatThrownBy(df::collectAsList)
        .hasStackTraceContaining("in file " + uri + " was modified during the scan")
        .hasStackTraceContaining("the file was replaced");
    Dataset<Row> again = reader(REDIS.url()).option("dataset", "/m").load(uri);
    again.queryExecution().executedPlan();
    fs.delete(new org.apache.hadoop.fs.Path(uri), false);
    assertThatThrownBy(again::collectAsList)
        .hasStackTraceContaining("in file " + uri + " was modified during the scan")
        .hasStackTraceContaining("the file was deleted");
  }

  @Test
  void streamingReadsOfRemotePathsAreRefused() throws Exception {
    org.apache.spark.sql.streaming.StreamingQuery q =
        spark()
            .readStream()
            .format("h5swmr")
            .option("redis.url", REDIS.url())
            .option("dataset", "/m")
            .load(root + "/*.h5")
            .writeStream()
            .format("noop")
            .option("checkpointLocation", dir.resolve("checkpoint-read").toString())
            .start();
    try {
      assertThatThrownBy(() -> q.awaitTermination(60_000))
          .hasStackTraceContaining(
              "Streaming reads (spark.readStream) of remote files are not supported");
    } finally {
      q.stop();
    }
  }

  @Test
  void writesAreRefusedBeforeAnythingIsCreated() throws Exception {
    String target = root + "/out/new.h5";
    Dataset<Row> df = spark().range(10).toDF("x");
    assertThatThrownBy(
            () ->
                df.write()
                    .format("h5swmr")
                    .option("redis.url", REDIS.url())
                    .option("dataset", "/x")
                    .save(target))
        .isInstanceOf(H5SwmrConfigException.class)
        .hasMessageContaining(target)
        .hasMessageContaining("scheme 'hdfs'")
        .hasMessageContaining("cannot rewrite bytes in place")
        .hasMessageContaining("copy");
    assertThatThrownBy(
            () ->
                df.write()
                    .format("h5swmr")
                    .mode("append")
                    .option("redis.url", REDIS.url())
                    .option("dataset", "/x")
                    .save(root + "/a.h5"))
        .isInstanceOf(H5SwmrConfigException.class)
        .hasMessageContaining("scheme 'hdfs'");
    assertThat(fs.exists(new org.apache.hadoop.fs.Path(root + "/out"))).isFalse();
    assertThat(
            Arrays.stream(fs.listStatus(new org.apache.hadoop.fs.Path(root)))
                .map(s -> s.getPath().getName()))
        .doesNotContain("out", "new.h5")
        .allMatch(n -> n.endsWith(".h5"));
  }

  @Test
  void streamingSinkAndAppenderRefuseRemoteTargetsBeforeWriting() throws Exception {
    String target = root + "/stream/out.h5";
    org.apache.spark.sql.streaming.StreamingQuery q =
        spark()
            .readStream()
            .format("rate")
            .load()
            .select("value")
            .writeStream()
            .format("h5swmr")
            .option("redis.url", REDIS.url())
            .option("dataset", "/v")
            .option("checkpointLocation", dir.resolve("checkpoint").toString())
            .start(target);
    try {
      assertThatThrownBy(() -> q.awaitTermination(60_000))
          .hasStackTraceContaining("scheme 'hdfs'")
          .hasStackTraceContaining("cannot rewrite bytes in place");
    } finally {
      q.stop();
    }
    assertThat(fs.exists(new org.apache.hadoop.fs.Path(root + "/stream"))).isFalse();
    assertThatThrownBy(
            () ->
                io.h5swmr.write.H5SwmrAppender.open(
                    java.nio.file.Paths.get("s3a://bucket/x.h5"),
                    "/x",
                    new org.apache.spark.sql.types.StructType().add("x", "long"),
                    Map.of("redis.url", REDIS.url())))
        .isInstanceOf(H5SwmrConfigException.class)
        .hasMessageContaining("scheme 's3a'")
        .hasMessageContaining("cannot rewrite bytes in place");
  }

  @Test
  void errorsNameTheUriAndWhatIsMissing() throws Exception {
    String notHdf5 = root + "/notes.h5";
    try (org.apache.hadoop.fs.FSDataOutputStream out =
        fs.create(new org.apache.hadoop.fs.Path(notHdf5))) {
      out.write("not an HDF5 file".getBytes(java.nio.charset.StandardCharsets.UTF_8));
    }
    try {
      assertThatThrownBy(() -> reader(REDIS.url()).load(notHdf5).count())
          .isInstanceOf(io.h5swmr.exceptions.H5SwmrDataException.class)
          .hasMessageContaining(notHdf5);
    } finally {
      fs.delete(new org.apache.hadoop.fs.Path(notHdf5), false);
    }
    assertThatThrownBy(() -> reader(REDIS.url()).load("nosuchfs://bucket/x.h5").count())
        .isInstanceOf(H5SwmrConfigException.class)
        .hasMessageContaining(
            "Cannot list 'nosuchfs://bucket/x.h5' through Hadoop's file system for scheme 'nosuchfs'")
        .hasMessageContaining("connector on the classpath");
    assertThatThrownBy(() -> reader(REDIS.url()).load(root + "/none-*.h5").count())
        .isInstanceOf(H5SwmrNotFoundException.class)
        .hasMessageContaining("the glob matches no file");
  }

  @Test
  void hadoopSettingsNeverShowInPlansOrMessages() {
    String secret = "FAKE-SECRET-d41d8cd98f00";
    Dataset<Row> df =
        reader(REDIS.url())
            .option("fs.s3a.secret.key", secret)
            .option("spark.hadoop.fs.s3a.access.key", secret + "-access")
            .option("dataset", "/m")
            .load(root + "/a.h5");
    assertThat(df.count()).isEqualTo(RemoteFixtures.ROWS_A);
    assertThat(df.queryExecution().toString()).doesNotContain(secret);
    assertThat(
            df.queryExecution().explainString(org.apache.spark.sql.execution.ExtendedMode$.MODULE$))
        .doesNotContain(secret);
    assertThatThrownBy(
            () ->
                reader(REDIS.url())
                    .option("fs.s3a.secret.key", secret)
                    .load(root + "/missing.h5")
                    .count())
        .isInstanceOf(H5SwmrNotFoundException.class)
        .hasMessageContaining(root + "/missing.h5")
        .satisfies(e -> assertThat(stackText(e)).doesNotContain(secret));
  }

  static String stackText(Throwable e) {
    java.io.StringWriter w = new java.io.StringWriter();
    e.printStackTrace(new java.io.PrintWriter(w));
    return w.toString();
  }
}
