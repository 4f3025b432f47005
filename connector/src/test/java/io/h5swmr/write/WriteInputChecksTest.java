package io.h5swmr.write;

import static io.h5swmr.write.WriteTestSupport.filesContaining;
import static io.h5swmr.write.WriteTestSupport.readBack;
import static io.h5swmr.write.WriteTestSupport.sha256;
import static io.h5swmr.write.WriteTestSupport.spark;
import static io.h5swmr.write.WriteTestSupport.writer;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.h5swmr.exceptions.H5SwmrConfigException;
import io.h5swmr.exceptions.H5SwmrDataException;
import io.h5swmr.testing.RedisServerExtension;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.atomic.AtomicInteger;
import org.apache.spark.scheduler.SparkListener;
import org.apache.spark.scheduler.SparkListenerTaskStart;
import org.apache.spark.sql.Dataset;
import org.apache.spark.sql.Row;
import org.apache.spark.sql.RowFactory;
import org.apache.spark.sql.types.DataTypes;
import org.apache.spark.sql.types.StructType;
import org.assertj.core.api.ThrowableAssert.ThrowingCallable;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;
import org.junit.jupiter.api.io.TempDir;

/**
 * Issue 14 item 6: bad write input is refused on the driver before any task runs (a listener counts
 * task starts), naming what the user gave, and the target is byte-for-byte unchanged.
 */
class WriteInputChecksTest {
  @RegisterExtension static final RedisServerExtension REDIS = RedisServerExtension.create();

  static final StructType XY =
      new StructType().add("x", DataTypes.LongType, false).add("y", DataTypes.DoubleType, false);
  static final AtomicInteger TASKS = new AtomicInteger();
  static final SparkListener COUNT =
      new SparkListener() {
        @Override
        public void onTaskStart(SparkListenerTaskStart taskStart) {
          TASKS.incrementAndGet();
        }
      };

  @TempDir Path dir;
  Path target;

  @BeforeAll
  static void listen() {
    spark().sparkContext().addSparkListener(COUNT);
  }

  @AfterAll
  static void unlisten() {
    spark().sparkContext().removeSparkListener(COUNT);
  }

  @BeforeEach
  void existingTarget() {
    target = dir.resolve("t.h5");
    writer(rows(XY, 4), REDIS.url(), "/v").mode("append").save(target.toString());
  }

  static Dataset<Row> rows(StructType schema, int n) {
    List<Row> r = new ArrayList<>();
    for (long k = 0; k < n; k++) {
      Object[] values = new Object[schema.size()];
      for (int i = 0; i < values.length; i++) {
        values[i] =
            schema.fields()[i].dataType() == DataTypes.LongType ? (Object) k : (Object) (k * 1.5);
      }
      r.add(RowFactory.create(values));
    }
    return spark().createDataFrame(r, schema).coalesce(1);
  }

  private void refusedBeforeTasks(ThrowingCallable write, Class<?> type, String... fragments)
      throws Exception {
    spark().sparkContext().listenerBus().waitUntilEmpty();
    String before = sha256(target);
    int tasks = TASKS.get();
    assertThatThrownBy(write)
        .isInstanceOf(type)
        .satisfies(
            e -> {
              for (String f : fragments) {
                assertThat(e.getMessage()).contains(f);
              }
              assertThat(e.getMessage()).doesNotContain(".h5swmr-commit-");
            });
    spark().sparkContext().listenerBus().waitUntilEmpty();
    assertThat(TASKS.get()).as("no task ran").isEqualTo(tasks);
    assertThat(sha256(target)).as("target bytes unchanged").isEqualTo(before);
    assertThat(filesContaining(dir, ".h5swmr-commit-")).isEmpty();
    assertThat(readBack(REDIS.url(), target, "/v")).hasSize(4);
  }

  @Test
  void duplicateColumnNames() throws Exception {
    Dataset<Row> dup = rows(XY, 2).selectExpr("x", "y", "y");
    refusedBeforeTasks(
        () -> writer(dup, REDIS.url(), "/w").mode("append").save(target.toString()),
        H5SwmrDataException.class,
        "Column name 'y' appears more than once",
        "columns: x, y, y");
    Dataset<Row> nested = rows(XY, 2).selectExpr("x", "named_struct('a', y, 'a', y) as s");
    refusedBeforeTasks(
        () -> writer(nested, REDIS.url(), "/w").mode("append").save(target.toString()),
        H5SwmrDataException.class,
        "Column name 's.a' appears more than once",
        "fields of s: a, a");
  }

  @Test
  void chunkRowsTooLargeForHdf5() throws Exception {
    refusedBeforeTasks(
        () ->
            writer(rows(XY, 2), REDIS.url(), "/w")
                .option("chunkRows", "1000000000")
                .mode("append")
                .save(target.toString()),
        H5SwmrConfigException.class,
        "Option 'chunkRows' has an invalid value '1000000000'",
        "at least 16 bytes",
        "expected at most 268435455 rows");
  }

  @Test
  void targetThatIsADirectory() throws Exception {
    Path d = Files.createDirectory(dir.resolve("adir.h5"));
    refusedBeforeTasks(
        () -> writer(rows(XY, 2), REDIS.url(), "/w").mode("append").save(d.toString()),
        H5SwmrConfigException.class,
        "Target '" + d + "' (option 'path') is a directory");
  }

  @Test
  void dotSegmentsInTheDatasetPath() throws Exception {
    for (String bad : new String[] {"a/../b", "/a/./b", "/a//b"}) {
      refusedBeforeTasks(
          () -> writer(rows(XY, 2), REDIS.url(), bad).mode("append").save(target.toString()),
          H5SwmrConfigException.class,
          "Option 'dataset' has an invalid value '" + bad + "'",
          "/results/table");
    }
  }

  @Test
  void datasetUnderAnExistingDataset() throws Exception {
    refusedBeforeTasks(
        () -> writer(rows(XY, 2), REDIS.url(), "/v/x").mode("append").save(target.toString()),
        H5SwmrDataException.class,
        "Option 'dataset' = '/v/x' cannot be created in " + target,
        "'/v' there is a dataset",
        "e.g. /v_x");
  }

  @Test
  void readOnlyOptionsOnAWriteAreIgnoredNotFatal() {
    writer(rows(XY, 2), REDIS.url(), "/w")
        .option("fileColumn", "f")
        .mode("append")
        .save(target.toString());
    assertThat(readBack(REDIS.url(), target, "/w")).hasSize(2);
    assertThatThrownBy(
            () ->
                writer(rows(XY, 2), REDIS.url(), "/w")
                    .option("chunkrow", "8")
                    .mode("append")
                    .save(target.toString()))
        .isInstanceOf(H5SwmrConfigException.class)
        .hasMessageContaining("Unknown option 'chunkrow'")
        .hasMessageContaining("did you mean 'chunkRows'?");
  }
}
