package io.h5swmr.read;

import io.h5swmr.config.H5SwmrOptions;
import java.io.Serializable;
import org.apache.hadoop.conf.Configuration;
import org.apache.spark.api.java.JavaSparkContext;
import org.apache.spark.broadcast.Broadcast;
import org.apache.spark.sql.SparkSession;
import org.apache.spark.util.SerializableConfiguration;

/**
 * The Hadoop configuration a scan of remote files uses, as Spark's file sources build it: the
 * session's ({@code spark.sessionState().newHadoopConf()}: {@code spark.hadoop.*} of the Spark
 * conf, {@code core-site.xml}, ...) with the query's {@code fs.*} / {@code spark.hadoop.*} options
 * on top. Created on the driver; tasks get it through a broadcast made once per scan, so no setting
 * (credentials included) ever appears in a plan string, a partition or a message. {@link
 * #toString()} shows nothing of it.
 */
final class HadoopConf implements Serializable {
  private static final long serialVersionUID = 1L;

  private final transient Configuration driverConf;
  private Broadcast<SerializableConfiguration> shipped;

  private HadoopConf(Configuration driverConf) {
    this.driverConf = driverConf;
  }

  /** The configuration of a query with options {@code o} (driver side, active session). */
  static HadoopConf forQuery(H5SwmrOptions o) {
    Configuration c = SparkSession.active().sessionState().newHadoopConf();
    o.hadoopOptions().forEach(c::set);
    return new HadoopConf(c);
  }

  /** The configuration: the driver's own, or on an executor the broadcast copy. */
  Configuration get() {
    if (driverConf != null) {
      return driverConf;
    }
    if (shipped == null) {
      throw new IllegalStateException(
          "Hadoop configuration not shipped: call forTasks() on the driver");
    }
    return shipped.value().value();
  }

  /**
   * This configuration ready for tasks (broadcast once; later calls reuse the broadcast). Driver
   * only.
   */
  synchronized HadoopConf forTasks() {
    if (shipped == null) {
      JavaSparkContext sc = JavaSparkContext.fromSparkContext(SparkSession.active().sparkContext());
      shipped = sc.broadcast(new SerializableConfiguration(driverConf));
    }
    return this;
  }

  @Override
  public String toString() {
    return "HadoopConf[session + query options]";
  }
}
