package io.h5swmr.read;

import io.h5swmr.exceptions.H5SwmrConfigException;
import io.h5swmr.exceptions.H5SwmrNotFoundException;
import java.io.FileNotFoundException;
import java.io.IOException;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Locale;
import org.apache.hadoop.conf.Configuration;
import org.apache.hadoop.fs.FileStatus;
import org.apache.hadoop.fs.FileSystem;
import org.apache.hadoop.fs.Path;

/**
 * Lists remote paths ({@code s3a://}, {@code hdfs://}, any Hadoop {@code FileSystem} scheme) once,
 * through the file system's own calls: a file, a directory (its files not starting with {@code .}
 * or {@code _}, as Spark's file sources list them), or a glob ({@code FileSystem.globStatus}).
 * Results are fully qualified URIs, sorted per path. Messages name the path as given, never a
 * setting of the configuration.
 */
final class RemotePaths {
  private RemotePaths() {}

  /** The files {@code given} names; fails naming it when it names nothing or cannot be listed. */
  static List<String> expand(String given, boolean glob, Configuration conf) {
    Path p = new Path(given);
    try {
      FileSystem fs = p.getFileSystem(conf);
      List<FileStatus> found = new ArrayList<>();
      if (glob) {
        FileStatus[] st = fs.globStatus(p);
        if (st == null || st.length == 0) {
          throw new H5SwmrNotFoundException(
              "Path does not exist: " + given + " (the glob matches no file)");
        }
        found.addAll(Arrays.asList(st));
        found.sort((a, b) -> a.getPath().compareTo(b.getPath()));
      } else {
        found.add(fs.getFileStatus(p));
      }
      List<String> out = new ArrayList<>();
      for (FileStatus s : found) {
        if (s.isDirectory()) {
          List<String> in = listDir(fs, s.getPath());
          if (in.isEmpty() && !glob) {
            throw new H5SwmrNotFoundException(
                "Directory " + s.getPath() + " holds no file to read (path '" + given + "')");
          }
          out.addAll(in);
        } else {
          out.add(s.getPath().toString());
        }
      }
      return out;
    } catch (FileNotFoundException e) {
      throw new H5SwmrNotFoundException("Path does not exist: " + given, e);
    } catch (IOException | RuntimeException e) {
      if (e instanceof io.h5swmr.exceptions.H5SwmrException) {
        throw (io.h5swmr.exceptions.H5SwmrException) e;
      }
      throw new H5SwmrConfigException(
          "Cannot list '"
              + given
              + "' through Hadoop's file system for scheme '"
              + p.toUri().getScheme()
              + "': "
              + e.getMessage()
              + " (the scheme needs its Hadoop connector on the "
              + "classpath, e.g. hadoop-aws for s3a, and its settings in the Hadoop configuration: spark.hadoop.* "
              + "conf, core-site.xml, or fs.* options of this read)",
          e);
    }
  }

  /**
   * Whether {@code given} (a single remote path, no glob) names nothing yet; true when it cannot be
   * checked.
   */
  static boolean isMissing(String given, Configuration conf) {
    return !exists(
        given, conf, false); // unknown: the read or write that follows reports what is wrong
  }

  /**
   * Whether {@code given} exists on its file system; {@code whenUnknown} when the file system
   * cannot tell.
   */
  static boolean exists(String given, Configuration conf, boolean whenUnknown) {
    Path p = new Path(given);
    try {
      return p.getFileSystem(conf).exists(p);
    } catch (IOException | RuntimeException e) {
      return whenUnknown;
    }
  }

  /**
   * Streams watch local files only (a new object on a store is seen by the next batch scan
   * instead).
   */
  static H5SwmrConfigException streamRefusal(List<String> paths) {
    return new H5SwmrConfigException(
        "Streaming reads (spark.readStream) of remote files are not supported: "
            + paths
            + " name a Hadoop file system; read remote files with a batch spark.read, or stream from a local "
            + "or shared POSIX path");
  }

  private static List<String> listDir(FileSystem fs, Path dir) throws IOException {
    List<String> out = new ArrayList<>();
    for (FileStatus s : fs.listStatus(dir)) {
      String n = s.getPath().getName();
      if (s.isFile()
          && !n.startsWith(".")
          && !n.startsWith("_")
          && !n.toLowerCase(Locale.ROOT).endsWith(".crc")) {
        out.add(s.getPath().toString());
      }
    }
    out.sort(null);
    return out;
  }
}
