package io.h5swmr.config;

import io.h5swmr.exceptions.H5SwmrConfigException;
import java.net.URI;
import java.nio.file.Path;
import java.nio.file.Paths;
import java.util.regex.Pattern;

/**
 * The one reading of user paths shared by reads and writes: plain paths, and {@code file:} URIs in
 * every form Spark and its catalog produce — {@code file:/a/b}, {@code file:///a/b}, {@code
 * file://localhost/a/b}, encoded ({@code %20}) or not (the session catalog stores table locations
 * unencoded, spaces included). Other schemes ({@code s3a:}, {@code hdfs:}, ...) are remote files
 * ({@link #isRemote}): reads open them through Hadoop's FileSystem API; {@link #toPath} refuses
 * them, since writes need a POSIX filesystem.
 *
 * <p>A name is taken as a URI only when it is one: {@code scheme://…}, or {@code scheme:…} with a
 * scheme Hadoop or Spark users actually write ({@link #KNOWN_SCHEMES}). Any other colon is part of
 * a file name ({@code run:7.h5}, {@code shot:2026-01-01.h5}). This class is the one place paths are
 * parsed: remote schemes are added here.
 */
public final class LocalPaths {
  private static final Pattern SCHEME =
      Pattern.compile("^([a-zA-Z][a-zA-Z0-9+.-]*):(.*)", Pattern.DOTALL);

  /**
   * Schemes recognised without {@code //} ({@code hdfs:/x}); other {@code word:} prefixes are file
   * names.
   */
  static final java.util.Set<String> KNOWN_SCHEMES =
      java.util.Set.of(
          "file",
          "hdfs",
          "webhdfs",
          "swebhdfs",
          "viewfs",
          "har",
          "s3",
          "s3a",
          "s3n",
          "gs",
          "abfs",
          "abfss",
          "wasb",
          "wasbs",
          "adl",
          "oss",
          "cos",
          "cosn",
          "obs",
          "ofs",
          "o3fs",
          "dbfs",
          "alluxio",
          "jfs",
          "ftp",
          "sftp",
          "http",
          "https");

  private static final Pattern FILE_PREFIX = Pattern.compile("^(?i)file:(//(localhost)?)?");

  private LocalPaths() {}

  /** True for {@code file:…} in any case. */
  public static boolean isFileUri(String p) {
    return p.regionMatches(true, 0, "file:", 0, 5);
  }

  /**
   * {@code p} without a {@code file:} prefix (not decoded); unchanged when it has none. For glob
   * patterns.
   */
  public static String stripFileScheme(String p) {
    return isFileUri(p) ? FILE_PREFIX.matcher(p).replaceFirst("") : p;
  }

  /**
   * True when {@code p} is a URI with a scheme other than {@code file:}: a file read through
   * Hadoop.
   */
  public static boolean isRemote(String p) {
    String scheme = schemeOf(p);
    return scheme != null && !scheme.equalsIgnoreCase("file");
  }

  /**
   * The local path {@code p} names (what writes and local reads use).
   *
   * @throws H5SwmrConfigException naming the path when it has another scheme or cannot be a path
   */
  public static Path toPath(String p) {
    if (isFileUri(p)) {
      try {
        return Paths.get(
            URI.create(
                p.startsWith("file:/") && !p.startsWith("file://")
                    ? "file://" + p.substring(5)
                    : p));
      } catch (IllegalArgumentException notAnEncodedUri) {
        return plain(stripFileScheme(p), p);
      }
    }
    String scheme = schemeOf(p);
    if (scheme != null) {
      throw new H5SwmrConfigException(remoteWriteRefusal(p, scheme));
    }
    return plain(p, p);
  }

  /**
   * Why a write to remote path {@code p} (scheme {@code scheme}) is refused, and what to do
   * instead.
   */
  public static String remoteWriteRefusal(String p, String scheme) {
    return "Path '"
        + p
        + "' uses scheme '"
        + scheme
        + "': h5swmr reads files on Hadoop file systems (s3a, abfss, "
        + "gs, hdfs, ...) but does not write them, because object stores and HDFS cannot rewrite bytes in place, "
        + "which HDF5 appends and h5swmr's journaled commits need; write to a local or shared POSIX path (NFS, "
        + "Lustre, GPFS, a FUSE mount ...; a plain path or file: URI) and copy the finished file";
  }

  /**
   * The URI scheme {@code p} starts with, or null when it is a plain path: {@code x://…} and known
   * schemes ({@code hdfs:/…}) are schemes; {@code run:7.h5} and Windows drive letters ({@code
   * C:\\data}) are not.
   */
  public static String schemeOf(String p) {
    java.util.regex.Matcher m = SCHEME.matcher(p);
    if (!m.matches()) {
      return null;
    }
    String scheme = m.group(1);
    if (scheme.length() == 1) {
      return null; // a drive letter
    }
    return m.group(2).startsWith("//")
            || KNOWN_SCHEMES.contains(scheme.toLowerCase(java.util.Locale.ROOT))
        ? scheme
        : null;
  }

  private static Path plain(String path, String given) {
    try {
      return Paths.get(path);
    } catch (IllegalArgumentException e) {
      throw new H5SwmrConfigException("Invalid path '" + given + "': " + e.getMessage(), e);
    }
  }
}
