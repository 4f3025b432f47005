package io.h5swmr.read;

import io.h5swmr.testing.SharedSpark;
import java.util.ArrayList;
import java.util.List;
import org.apache.spark.sql.DataFrameReader;
import org.apache.spark.sql.Dataset;
import org.apache.spark.sql.Row;
import org.apache.spark.sql.SparkSession;
import org.apache.spark.sql.execution.SparkPlan;
import org.apache.spark.sql.execution.datasources.v2.BatchScanExec;

/** Helpers shared by the read tests: a reader bound to the test's Redis, plan inspection. */
final class ReadTestSupport {
  private ReadTestSupport() {}

  static SparkSession spark() {
    return SharedSpark.get();
  }

  static DataFrameReader reader(String redisUrl) {
    return spark().read().format("h5swmr").option("redis.url", redisUrl);
  }

  /** The h5swmr scan of an executed query (after it ran). */
  static H5SwmrScan scanOf(Dataset<Row> df) {
    SparkPlan plan = df.queryExecution().executedPlan();
    List<SparkPlan> found = new ArrayList<>();
    collect(plan, found);
    for (SparkPlan p : found) {
      if (p instanceof BatchScanExec && ((BatchScanExec) p).scan() instanceof H5SwmrScan) {
        return (H5SwmrScan) ((BatchScanExec) p).scan();
      }
    }
    throw new AssertionError("no h5swmr scan in plan:\n" + plan);
  }

  /** Value of a custom metric of the query's h5swmr scan node, after the query ran. */
  static long metric(Dataset<Row> df, String name) {
    SparkPlan plan = df.queryExecution().executedPlan();
    List<SparkPlan> found = new ArrayList<>();
    collect(plan, found);
    for (SparkPlan p : found) {
      if (p instanceof BatchScanExec && ((BatchScanExec) p).scan() instanceof H5SwmrScan) {
        return p.metrics().get(name).get().value();
      }
    }
    throw new AssertionError("no h5swmr scan in plan:\n" + plan);
  }

  private static void collect(SparkPlan p, List<SparkPlan> out) {
    out.add(p);
    scala.collection.Iterator<SparkPlan> it = p.children().iterator();
    while (it.hasNext()) {
      collect(it.next(), out);
    }
    if (p instanceof org.apache.spark.sql.execution.adaptive.AdaptiveSparkPlanExec) {
      collect(
          ((org.apache.spark.sql.execution.adaptive.AdaptiveSparkPlanExec) p).executedPlan(), out);
    }
    if (p instanceof org.apache.spark.sql.execution.adaptive.QueryStageExec) {
      collect(((org.apache.spark.sql.execution.adaptive.QueryStageExec) p).plan(), out);
    }
    if (p instanceof org.apache.spark.sql.execution.WholeStageCodegenExec) {
      collect(((org.apache.spark.sql.execution.WholeStageCodegenExec) p).child(), out);
    }
  }
}
