package io.h5swmr.stream;

import io.h5swmr.exceptions.H5SwmrException;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.nio.charset.StandardCharsets;
import java.util.function.Supplier;
import org.apache.hadoop.conf.Configuration;
import org.apache.hadoop.fs.FileSystem;
import org.apache.hadoop.fs.Path;
import org.apache.spark.sql.SparkSession;

/**
 * The stream's initial offset for {@code startingPosition=latest}, kept in the source's checkpoint
 * directory so a query restarted before its first batch completed starts from the same rows (not
 * from a newer "latest").
 */
final class InitialOffsetStore {
  static final String FILE_NAME = "h5swmr-initial-offset.json";
  private final String checkpointLocation;

  InitialOffsetStore(String checkpointLocation) {
    this.checkpointLocation = checkpointLocation;
  }

  H5SwmrStreamOffset getOrCreate(Supplier<H5SwmrStreamOffset> now) {
    Path file = new Path(checkpointLocation, FILE_NAME);
    try {
      FileSystem fs = file.getFileSystem(hadoopConf());
      if (fs.exists(file)) {
        try (InputStream in = fs.open(file)) {
          ByteArrayOutputStream b = new ByteArrayOutputStream();
          in.transferTo(b);
          return H5SwmrStreamOffset.fromJson(b.toString(StandardCharsets.UTF_8));
        }
      }
      H5SwmrStreamOffset offset = now.get();
      Path tmp = new Path(checkpointLocation, "." + FILE_NAME + ".tmp");
      try (OutputStream out = fs.create(tmp, true)) {
        out.write(offset.json().getBytes(StandardCharsets.UTF_8));
      }
      if (!fs.rename(tmp, file)) {
        throw new IOException("could not rename " + tmp + " to " + file);
      }
      return offset;
    } catch (IOException e) {
      throw new H5SwmrException(
          "Could not keep the stream's initial offset in its checkpoint " + file + ": " + e, e);
    }
  }

  private static Configuration hadoopConf() {
    return SparkSession.active().sessionState().newHadoopConf();
  }
}
