package io.h5swmr.write;

import io.h5swmr.config.H5SwmrOptions;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.UUID;
import org.apache.spark.sql.SparkSession;
import org.apache.spark.sql.catalyst.expressions.GenericInternalRow;
import org.apache.spark.sql.connector.write.DataWriter;
import org.apache.spark.sql.connector.write.DataWriterFactory;
import org.apache.spark.sql.connector.write.WriterCommitMessage;
import org.apache.spark.sql.types.DataTypes;
import org.apache.spark.sql.types.StructType;

/**
 * A separate writing driver for multi-process tests. Usage:
 * {@code direct|spark <redisUrl> <file> <dataset> <firstX> <rows>}: appends rows {@code (x, x * 0.5)} for x in
 * {@code [firstX, firstX + rows)}. {@code direct} drives the write roles without Spark (two staged partitions, then
 * the driver commit: fast to start, used to kill the process at a commit step named by
 * {@code -Dh5swmr.test.commitPause}); {@code spark} runs a real {@code local[1]} Spark application. Prints
 * {@code STAGED} and {@code COMMITTED}.
 */
public final class WriterChild {
  static final StructType SCHEMA = new StructType().add("x", DataTypes.LongType, false)
      .add("y", DataTypes.DoubleType, false);

  private WriterChild() {}

  public static void main(String[] args) throws Exception {
    io.h5swmr.testing.CommitPause.installFromProperty();
    String how = args[0];
    Map<String, String> o = new HashMap<>();
    o.put("redis.url", args[1]);
    o.put("path", args[2]);
    o.put("dataset", args[3]);
    o.put("lock.ttl", "1s");
    long first = Long.parseLong(args[4]);
    long rows = Long.parseLong(args[5]);
    if (how.equals("spark")) {
      SparkSession spark = SparkSession.builder().master("local[1]").appName("h5swmr-writer-child")
          .config("spark.ui.enabled", "false").config("spark.driver.bindAddress", "127.0.0.1")
          .config("spark.driver.host", "127.0.0.1").getOrCreate();
      System.out.println("STARTED");
      spark.sql("select id as x, id * 0.5d as y from range(" + first + ", " + (first + rows) + ", 1, 4)")
          .write().format("h5swmr").options(o).mode("append").save();
      System.out.println("COMMITTED");
      spark.stop();
      return;
    }
    H5SwmrOptions options = H5SwmrOptions.of(o);
    H5SwmrBatchWrite write = new H5SwmrBatchWrite(UUID.randomUUID().toString(), SCHEMA, options,
        H5SwmrCommitter.Mode.APPEND);
    DataWriterFactory factory = write.createBatchWriterFactory(() -> 2);
    List<WriterCommitMessage> messages = new ArrayList<>();
    long half = rows / 2;
    for (int p = 0; p < 2; p++) {
      DataWriter<org.apache.spark.sql.catalyst.InternalRow> w = factory.createWriter(p, p);
      long from = first + (p == 0 ? 0 : half);
      long to = p == 0 ? first + half : first + rows;
      for (long x = from; x < to; x++) {
        w.write(new GenericInternalRow(new Object[] {x, x * 0.5}));
      }
      messages.add(w.commit());
      w.close();
    }
    System.out.println("STAGED");
    write.commit(messages.toArray(new WriterCommitMessage[0]));
    System.out.println("COMMITTED");
  }
}
