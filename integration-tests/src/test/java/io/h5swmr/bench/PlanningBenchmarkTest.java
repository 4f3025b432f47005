package io.h5swmr.bench;

import static org.assertj.core.api.Assertions.assertThat;

import io.h5swmr.hdf5.H5ColumnWrite;
import io.h5swmr.hdf5.H5Dataset;
import io.h5swmr.hdf5.H5DatasetSpec;
import io.h5swmr.hdf5.H5File;
import io.h5swmr.hdf5.H5Type;
import io.h5swmr.read.H5SwmrScan;
import io.h5swmr.testing.RedisServerExtension;
import io.h5swmr.testing.SharedSpark;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import org.apache.spark.sql.Dataset;
import org.apache.spark.sql.Row;
import org.apache.spark.sql.SparkSession;
import org.apache.spark.sql.execution.datasources.v2.BatchScanExec;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.condition.EnabledIfSystemProperty;
import org.junit.jupiter.api.extension.RegisterExtension;
import org.junit.jupiter.api.io.TempDir;

/**
 * Planning benchmark (not a timed test; runs only with {@code -Dbench=planning}): a glob over N
 * small files ({@code -Dfiles}, default "1000,10000"; 1000 float64 rows each, 1 KiB chunks), timed
 * from {@code spark.read...load(glob)} to the executed plan's partitions (listing, schema, per-file
 * metadata under shared leases, partition packing), best of {@code -Druns} (default 3) after a
 * warm-up. Prints a Markdown table and writes it to {@code target/planning-benchmark.md}.
 */
@EnabledIfSystemProperty(named = "bench", matches = "planning")
class PlanningBenchmarkTest {
  @RegisterExtension static final RedisServerExtension REDIS = RedisServerExtension.create();

  @TempDir Path dir;

  @Test
  void planningTimeOfManySmallFiles() throws Exception {
    int runs = Integer.getInteger("runs", 3);
    StringBuilder t =
        new StringBuilder(
            String.format(
                Locale.ROOT,
                "%n| files | planning (s) | per file (ms) "
                    + "| partitions |%n|---|---|---|---|%n"));
    SparkSession spark = SharedSpark.get();
    double[] row = new double[1000];
    for (String n : System.getProperty("files", "1000,10000").split(",")) {
      int files = Integer.parseInt(n.trim());
      Path d = Files.createDirectories(dir.resolve("f" + files));
      long w = System.nanoTime();
      for (int i = 0; i < files; i++) {
        try (H5File f =
                H5File.create(d.resolve(String.format(Locale.ROOT, "part-%06d.h5", i)).toString());
            H5Dataset ds =
                f.createDataset("/x", H5DatasetSpec.of(H5Type.float64()).withChunkRows(128))) {
          ds.append(row.length, H5ColumnWrite.from(row, 0));
        }
      }
      System.out.printf(
          Locale.ROOT, "wrote %d files in %.1f s%n", files, (System.nanoTime() - w) / 1e9);
      double best = Double.MAX_VALUE;
      int partitions = 0;
      for (int run = 0; run <= runs; run++) {
        long s = System.nanoTime();
        Dataset<Row> df =
            spark
                .read()
                .format("h5swmr")
                .option("redis.url", REDIS.url())
                .load(d.resolve("part-*.h5").toString());
        List<H5SwmrScan> scans = new ArrayList<>();
        df.queryExecution()
            .executedPlan()
            .foreach(
                p -> {
                  if (p instanceof BatchScanExec) {
                    scans.add((H5SwmrScan) ((BatchScanExec) p).scan());
                  }
                  return null;
                });
        double sec = (System.nanoTime() - s) / 1e9;
        assertThat(scans).hasSize(1);
        partitions = scans.get(0).partitions().size();
        System.out.printf(
            Locale.ROOT, "%d files run %d: %.3f s, %d partitions%n", files, run, sec, partitions);
        if (run > 0) {
          best = Math.min(best, sec);
        }
      }
      t.append(
          String.format(
              Locale.ROOT,
              "| %d | %.3f | %.2f | %d |%n",
              files,
              best,
              best * 1000 / files,
              partitions));
    }
    System.out.println(t);
    Files.writeString(
        Path.of(System.getProperty("bench.out", "target/planning-benchmark.md")), t.toString());
  }
}
