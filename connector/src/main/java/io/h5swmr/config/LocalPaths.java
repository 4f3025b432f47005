package io.h5swmr.config;

import io.h5swmr.exceptions.H5SwmrConfigException;
import java.net.URI;
import java.nio.file.Path;
import java.nio.file.Paths;
import java.util.regex.Pattern;

/**
 * The one reading of user paths shared by reads and writes: plain paths, and {@code file:} URIs in every form
 * Spark and its catalog produce — {@code file:/a/b}, {@code file:///a/b}, {@code file://localhost/a/b}, encoded
 * ({@code %20}) or not (the session catalog stores table locations unencoded, spaces included). Other schemes are
 * refused: HDF5 needs a POSIX filesystem.
 */
public final class LocalPaths {
  private static final Pattern SCHEME = Pattern.compile("^[a-zA-Z][a-zA-Z0-9+.-]*:.*");
  private static final Pattern FILE_PREFIX = Pattern.compile("^(?i)file:(//(localhost)?)?");

  private LocalPaths() {}

  /** True for {@code file:…} in any case. */
  public static boolean isFileUri(String p) {
    return p.regionMatches(true, 0, "file:", 0, 5);
  }

  /** {@code p} without a {@code file:} prefix (not decoded); unchanged when it has none. For glob patterns. */
  public static String stripFileScheme(String p) {
    return isFileUri(p) ? FILE_PREFIX.matcher(p).replaceFirst("") : p;
  }

  /**
   * The local path {@code p} names.
   *
   * @throws H5SwmrConfigException naming the path when it has another scheme or cannot be a path
   */
  public static Path toPath(String p) {
    if (isFileUri(p)) {
      try {
        return Paths.get(URI.create(p.startsWith("file:/") && !p.startsWith("file://") ? "file://" + p.substring(5)
            : p));
      } catch (IllegalArgumentException notAnEncodedUri) {
        return plain(stripFileScheme(p), p);
      }
    }
    // A Windows drive letter (C:\data) is a path, not a scheme.
    if (SCHEME.matcher(p).matches() && !(p.length() > 2 && p.charAt(1) == ':' && Character.isLetter(p.charAt(0))
        && (p.charAt(2) == '\\' || p.charAt(2) == '/'))) {
      throw new H5SwmrConfigException("Path '" + p + "' uses scheme '" + p.substring(0, p.indexOf(':'))
          + "': h5swmr reads and writes HDF5 files on local or shared POSIX filesystems only (NFS, Lustre, GPFS, "
          + "a FUSE mount …), given as plain paths or file: URIs");
    }
    return plain(p, p);
  }

  private static Path plain(String path, String given) {
    try {
      return Paths.get(path);
    } catch (IllegalArgumentException e) {
      throw new H5SwmrConfigException("Invalid path '" + given + "': " + e.getMessage(), e);
    }
  }
}
