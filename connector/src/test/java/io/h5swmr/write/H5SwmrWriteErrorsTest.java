package io.h5swmr.write;

import static io.h5swmr.write.WriteTestSupport.filesContaining;
import static io.h5swmr.write.WriteTestSupport.readBack;
import static io.h5swmr.write.WriteTestSupport.sha256;
import static io.h5swmr.write.WriteTestSupport.spark;
import static io.h5swmr.write.WriteTestSupport.writer;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import hdf.hdf5lib.H5;
import hdf.hdf5lib.HDF5Constants;
import io.h5swmr.exceptions.H5SwmrLockException;
import io.h5swmr.hdf5.H5Native;
import io.h5swmr.lock.LockKeys;
import io.h5swmr.lock.LockService;
import io.h5swmr.lock.LockSettings;
import io.h5swmr.testing.RedisServerExtension;
import java.io.IOException;
import java.net.ServerSocket;
import java.nio.file.Files;
import java.nio.file.Path;
import java.sql.Timestamp;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import org.apache.spark.sql.Dataset;
import org.apache.spark.sql.Row;
import org.apache.spark.sql.RowFactory;
import org.apache.spark.sql.types.DataTypes;
import org.apache.spark.sql.types.StructType;
import org.assertj.core.api.ThrowableAssert.ThrowingCallable;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;
import org.junit.jupiter.api.io.TempDir;

/**
 * Every write error of the issue: the message names what was wrong, and the target file is
 * byte-for-byte unchanged afterwards (SHA-256 before and after) with no staging or commit files
 * left behind.
 */
class H5SwmrWriteErrorsTest {
  @RegisterExtension static final RedisServerExtension REDIS = RedisServerExtension.create();

  static final StructType XY =
      new StructType().add("x", DataTypes.LongType, false).add("y", DataTypes.DoubleType, false);

  @TempDir Path dir;
  Path target;

  @BeforeEach
  void existingTarget() {
    target = dir.resolve("t.h5");
    writer(rows(10, 0), REDIS.url(), "/g/data").mode("append").save(target.toString());
  }

  @AfterEach
  void noHook() {
    SparkCommitHook.set(null);
  }

  static Dataset<Row> rows(int n, long from) {
    List<Row> r = new ArrayList<>();
    for (long k = from; k < from + n; k++) {
      r.add(RowFactory.create(k, k * 1.5));
    }
    return spark().createDataFrame(r, XY).coalesce(2);
  }

  /**
   * Runs {@code write}, expects an exception whose message (or a cause's) has every fragment;
   * target intact.
   */
  private void assertFailsUnchanged(ThrowingCallable write, String... fragments) {
    String before = sha256(target);
    assertThatThrownBy(write)
        .satisfies(
            e -> {
              String all = messages(e);
              for (String f : fragments) {
                assertThat(all).contains(f);
              }
            });
    assertThat(sha256(target)).as("target bytes unchanged").isEqualTo(before);
    assertThat(filesContaining(dir, ".h5swmr-commit-")).as("no commit copy left").isEmpty();
    assertThat(filesContaining(dir, ".kryo")).as("no staging file left").isEmpty();
    assertThat(readBack(REDIS.url(), target, "/g/data")).hasSize(10);
  }

  static String messages(Throwable e) {
    StringBuilder b = new StringBuilder();
    for (Throwable t = e; t != null; t = t.getCause()) {
      b.append(t.getMessage()).append('\n');
    }
    return b.toString();
  }

  @Test
  void schemaMismatchOnAppendListsBothSides() {
    StructType other =
        new StructType().add("x", DataTypes.IntegerType).add("z", DataTypes.StringType);
    Dataset<Row> df = spark().createDataFrame(List.of(RowFactory.create(1, "a")), other);
    assertFailsUnchanged(
        () -> writer(df, REDIS.url(), "/g/data").mode("append").save(target.toString()),
        "Schema mismatch",
        "x: int64 (Spark bigint)",
        "y: float64 (Spark double)",
        "x: int",
        "z: string");
  }

  @Test
  void unsupportedSparkTypeIsNamedBeforeAnyTaskRuns() {
    StructType ts =
        new StructType().add("x", DataTypes.LongType).add("when", DataTypes.TimestampType);
    Dataset<Row> df = spark().createDataFrame(List.of(RowFactory.create(1L, new Timestamp(0))), ts);
    assertFailsUnchanged(
        () -> writer(df, REDIS.url(), "/g/data").mode("append").save(target.toString()),
        "Column 'when'",
        "timestamp",
        "Supported types: byte, short");
    Dataset<Row> map = spark().sql("select 1L as x, map('a', 1) as m");
    assertFailsUnchanged(
        () -> writer(map, REDIS.url(), "/g/data").mode("append").save(target.toString()),
        "Column 'm'",
        "map<string,int>");
    Dataset<Row> dec = spark().sql("select 1L as x, cast(1.5 as decimal(10,2)) as d");
    assertFailsUnchanged(
        () -> writer(dec, REDIS.url(), "/g/data").mode("append").save(target.toString()),
        "Column 'd'",
        "decimal(10,2)",
        "decimal(20,0)");
    assertThat(Files.exists(dir.resolve(".t.h5.h5swmr-staging")))
        .as("no staging before the pre-flight passed")
        .isFalse();
  }

  @Test
  void raggedArraysNameTheColumnAndLengths() {
    Dataset<Row> inTask =
        spark()
            .sql(
                "select id as x, if(id = 3, array(1d, 2d), array(1d, 2d, 3d)) as v "
                    + "from range(0, 5, 1, 1)");
    assertFailsUnchanged(
        () -> writer(inTask, REDIS.url(), "/g/vec").mode("append").save(target.toString()),
        "Column 'v'",
        "different lengths",
        "3 and 2");
    Dataset<Row> acrossTasks =
        spark()
            .sql(
                "select id as x, if(id < 5, array(1d, 2d), array(1d, 2d, 3d)) as v "
                    + "from range(0, 10, 1, 2)");
    assertFailsUnchanged(
        () -> writer(acrossTasks, REDIS.url(), "/g/vec").mode("append").save(target.toString()),
        "Column 'v'",
        "different lengths",
        "[2]",
        "[3]");
  }

  @Test
  void nullsAreRejectedNamingTheColumn() {
    Dataset<Row> top =
        spark().sql("select id as x, if(id = 2, null, cast(id as double)) as y from range(4)");
    assertFailsUnchanged(
        () -> writer(top, REDIS.url(), "/g/data").mode("append").save(target.toString()),
        "Column 'y' holds a null");
    Dataset<Row> inStruct =
        spark()
            .sql(
                "select id as x, named_struct('a', if(id = 1, null, 'ok')) as s "
                    + "from range(3)");
    assertFailsUnchanged(
        () -> writer(inStruct, REDIS.url(), "/g/other").mode("append").save(target.toString()),
        "Column 's.a' holds a null");
    Dataset<Row> inArray =
        spark().sql("select id as x, array(1d, if(id = 1, null, 2d)) as v from range(3)");
    assertFailsUnchanged(
        () -> writer(inArray, REDIS.url(), "/g/other").mode("append").save(target.toString()),
        "Column 'v[1]' holds a null");
  }

  @Test
  void datasetPathThatIsAGroup() {
    assertFailsUnchanged(
        () -> writer(rows(3, 0), REDIS.url(), "/g").mode("append").save(target.toString()),
        "/g",
        "a group");
  }

  @Test
  void targetNotWritable() throws IOException {
    Path missingDir = dir.resolve("nope").resolve("t.h5");
    assertFailsUnchanged(
        () -> writer(rows(3, 0), REDIS.url(), "/g/data").mode("append").save(missingDir.toString()),
        "Target directory",
        "does not exist");
    Path notADir = Files.writeString(dir.resolve("plain.txt"), "x").resolve("t.h5");
    assertFailsUnchanged(
        () -> writer(rows(3, 0), REDIS.url(), "/g/data").mode("append").save(notADir.toString()),
        "plain.txt",
        "does not exist");
    Path notHdf5 = Files.writeString(dir.resolve("text.h5"), "this is not hdf5");
    assertFailsUnchanged(
        () -> writer(rows(3, 0), REDIS.url(), "/g/data").mode("append").save(notHdf5.toString()),
        "not an HDF5 file");
    assertThat(Files.readString(notHdf5)).isEqualTo("this is not hdf5");
  }

  @Test
  void stagingDirectoryNotWritable() throws IOException {
    Path file = Files.writeString(dir.resolve("a-file"), "x");
    assertFailsUnchanged(
        () ->
            writer(rows(3, 0), REDIS.url(), "/g/data")
                .mode("append")
                .option("stagingDir", file.resolve("sub").toString())
                .save(target.toString()),
        "Staging directory",
        "a-file",
        "is not writable",
        "stagingDir");
  }

  @Test
  void stagingNotSharedWithTheDriver() {
    WriteSchema schema = WriteSchema.of(XY, "index");
    H5SwmrWriterCommitMessage ghost =
        new H5SwmrWriterCommitMessage(
            0,
            dir.resolve("gone/part-0.kryo").toString(),
            5,
            100,
            0,
            new int[][] {new int[0], new int[0]});
    H5SwmrCommitter c =
        new H5SwmrCommitter(
            target,
            "/g/data",
            schema,
            WriteMode.APPEND,
            new WriteSettings(null, 1 << 20, false, 4, false),
            StoredTypes.none(target.toString(), schema),
            io.h5swmr.hdf5.journal.CommitHook.NONE);
    io.h5swmr.hdf5.journal.JournalTransaction.Fence fence =
        new io.h5swmr.hdf5.journal.JournalTransaction.Fence() {
          @Override
          public long token() {
            return 1;
          }

          @Override
          public void verify() {
            // the staging check comes before any lease-dependent step
          }
        };
    assertFailsUnchanged(
        () -> c.commit(fence, List.of(ghost)), "not visible on the driver", "stagingDir", "share");
  }

  @Test
  void redisUnreachable() throws IOException {
    int port;
    try (ServerSocket s = new ServerSocket(0)) {
      port = s.getLocalPort();
    }
    String url = "redis://127.0.0.1:" + port;
    assertFailsUnchanged(
        () ->
            rows(3, 0)
                .write()
                .format("h5swmr")
                .option("redis.url", url)
                .option("redis.connectTimeout", "1s")
                .option("lock.timeout", "2s")
                .option("dataset", "/g/data")
                .mode("append")
                .save(target.toString()),
        "127.0.0.1:" + port);
    assertThatThrownBy(
            () ->
                rows(3, 0)
                    .write()
                    .format("h5swmr")
                    .option("redis.url", url)
                    .option("redis.connectTimeout", "1s")
                    .option("dataset", "/g/data")
                    .mode("append")
                    .save(target.toString()))
        .satisfies(e -> assertThat(rootOf(e, H5SwmrLockException.class)).isNotNull());
  }

  static <T extends Throwable> T rootOf(Throwable e, Class<T> type) {
    for (Throwable t = e; t != null; t = t.getCause()) {
      if (type.isInstance(t)) {
        return type.cast(t);
      }
    }
    return null;
  }

  @Test
  void writerWhoseLeaseWasLostPublishesNothing() {
    LockSettings settings = LockSettings.builder().redisUrl(REDIS.url()).build();
    String resource = LockKeys.forFile(target);
    SparkCommitHook.set(
        step -> {
          if (step.equals("closed")) {
            try (LockService admin = LockService.open(settings)) {
              assertThat(admin.forceReleaseAll(resource)).isPositive();
            }
          }
        });
    assertFailsUnchanged(
        () -> writer(rows(5, 10), REDIS.url(), "/g/data").mode("append").save(target.toString()),
        "lease");
    SparkCommitHook.set(null);
    writer(rows(5, 10), REDIS.url(), "/g/data").mode("append").save(target.toString());
    assertThat(readBack(REDIS.url(), target, "/g/data")).hasSize(15);
  }

  @Test
  void nonExtensibleDatasetCannotBeAppendedTo() throws Exception {
    H5Native.call(
        () -> {
          long f =
              H5.H5Fopen(target.toString(), HDF5Constants.H5F_ACC_RDWR, HDF5Constants.H5P_DEFAULT);
          long s = H5.H5Screate_simple(1, new long[] {4}, null);
          long d =
              H5.H5Dcreate(
                  f,
                  "/fixed",
                  HDF5Constants.H5T_IEEE_F64LE,
                  s,
                  HDF5Constants.H5P_DEFAULT,
                  HDF5Constants.H5P_DEFAULT,
                  HDF5Constants.H5P_DEFAULT);
          H5.H5Dwrite_double(
              d,
              HDF5Constants.H5T_NATIVE_DOUBLE,
              HDF5Constants.H5S_ALL,
              HDF5Constants.H5S_ALL,
              HDF5Constants.H5P_DEFAULT,
              new double[] {1, 2, 3, 4});
          H5.H5Dclose(d);
          H5.H5Sclose(s);
          H5.H5Fclose(f);
          return null;
        });
    Dataset<Row> df = spark().sql("select cast(id as double) as fixed from range(3)");
    assertFailsUnchanged(
        () -> writer(df, REDIS.url(), "/fixed").mode("append").save(target.toString()),
        "/fixed",
        "not extensible",
        "contiguous",
        "(4,)",
        "maxshape=(None");
  }

  @Test
  void errorIfExistsNamesTheModes() {
    assertFailsUnchanged(
        () -> writer(rows(3, 0), REDIS.url(), "/g/data").save(target.toString()),
        "/g/data already exists",
        "errorifexists",
        "'append'",
        "'overwrite'",
        "'ignore'");
  }

  @Test
  void missingDatasetOption() {
    assertFailsUnchanged(
        () ->
            rows(3, 0)
                .write()
                .format("h5swmr")
                .option("redis.url", REDIS.url())
                .mode("append")
                .save(target.toString()),
        "option 'dataset'");
  }

  static Map<String, String> unused() {
    return Map.of();
  }

  static Duration unusedDuration() {
    return Duration.ZERO;
  }
}
