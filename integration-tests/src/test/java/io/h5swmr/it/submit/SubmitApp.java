package io.h5swmr.it.submit;

import org.apache.spark.sql.Dataset;
import org.apache.spark.sql.Row;
import org.apache.spark.sql.SparkSession;

/**
 * A Spark application that knows h5swmr only by its format name: {@link RuntimeJarSubmitTest}
 * submits it through {@code SparkSubmit} with the runtime jar on {@code --jars} and nothing else of
 * ours on the class path. Args: redis URL, output HDF5 file.
 */
public final class SubmitApp {
  private SubmitApp() {}

  public static void main(String[] args) {
    String redisUrl = args[0];
    String file = args[1];
    SparkSession spark = SparkSession.builder().appName("h5swmr-submit-check").getOrCreate();
    try {
      spark.conf().set("spark.h5swmr.redis.url", redisUrl);
      Dataset<Row> df =
          spark
              .range(0, 10_000)
              .selectExpr("id AS id", "CAST(id AS DOUBLE) * 0.5 AS x", "CAST(id % 7 AS INT) AS k");
      df.write().format("h5swmr").option("dataset", "/results/t").mode("append").save(file);
      Dataset<Row> back = spark.read().format("h5swmr").option("dataset", "/results/t").load(file);
      Row r = back.selectExpr("count(*)", "sum(id)", "sum(x)", "max(k)").first();
      System.out.println(
          "RESULT count="
              + r.getLong(0)
              + " sumId="
              + r.getLong(1)
              + " sumX="
              + r.getDouble(2)
              + " maxK="
              + r.getInt(3));
      spark.sql(
          "CREATE TABLE submitted USING h5swmr OPTIONS (path '"
              + file
              + "', dataset '/results/t')");
      System.out.println(
          "SQL count="
              + spark.sql("SELECT count(*) FROM submitted WHERE k = 3").first().getLong(0));
      // gzip: whole chunks compressed on every core at the commit, chunks inflated in Java on read
      // (libdeflate through the runtime jar's JNA where the machine has it)
      df.write()
          .format("h5swmr")
          .option("dataset", "/results/gz")
          .option("compression", "gzip")
          .option("chunkRows", "1000")
          .mode("append")
          .save(file);
      Row g =
          spark
              .read()
              .format("h5swmr")
              .option("dataset", "/results/gz")
              .load(file)
              .selectExpr("count(*)", "sum(x)")
              .first();
      System.out.println(
          "GZIP count="
              + g.getLong(0)
              + " sumX="
              + g.getDouble(1)
              + " inflater="
              + io.h5swmr.hdf5.H5ChunkFilters.inflater());
    } finally {
      spark.stop();
    }
  }
}
