package io.h5swmr.it.reliability;

import org.apache.spark.sql.SparkSession;

/** How the suite's Spark application processes build their session. */
final class SparkApps {
  private SparkApps() {}

  /**
   * A session on {@code master}. For {@code local-cluster[...]} the executors are separate JVMs
   * launched by an in-process standalone worker without a Spark distribution: they get this JVM's
   * class path (the connector and its dependencies, built by Maven) and {@code
   * SPARK_TESTING}/{@code SPARK_SCALA_VERSION} so Spark's launcher does not look for a
   * distribution's jars directory.
   */
  static SparkSession session(String master, String app) {
    String cp = System.getProperty("java.class.path");
    String full = scala.util.Properties.versionNumberString();
    String scalaVersion = full.substring(0, full.lastIndexOf('.'));
    return SparkSession.builder()
        .master(master)
        .appName(app)
        .config("spark.ui.enabled", "false")
        .config("spark.driver.host", "127.0.0.1")
        .config("spark.driver.bindAddress", "127.0.0.1")
        .config("spark.sql.shuffle.partitions", "2")
        .config("spark.executor.extraClassPath", cp)
        .config("spark.driver.extraClassPath", cp)
        .config(
            "spark.executor.extraJavaOptions",
            System.getProperty("reliability.executorOpts", "")
                + " -XX:+UseSerialGC -XX:TieredStopAtLevel=1")
        .config("spark.executorEnv.SPARK_TESTING", "1")
        .config("spark.executorEnv.SPARK_SCALA_VERSION", scalaVersion)
        .getOrCreate();
  }
}
