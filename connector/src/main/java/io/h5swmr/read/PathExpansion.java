package io.h5swmr.read;

import io.h5swmr.config.H5SwmrOptions;
import io.h5swmr.config.LocalPaths;
import io.h5swmr.exceptions.H5SwmrConfigException;
import io.h5swmr.exceptions.H5SwmrNotFoundException;
import java.io.IOException;
import java.nio.file.DirectoryStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.PathMatcher;
import java.util.ArrayList;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Locale;
import java.util.Set;
import java.util.function.Supplier;
import java.util.stream.Stream;
import org.apache.hadoop.conf.Configuration;

/**
 * Turns the user's {@code path}/{@code paths} (files, directories, globs, {@code file:} URIs;
 * several through {@code paths}) into the sorted list of regular files to read, on a local or
 * shared POSIX file system. Directories contribute their regular files not starting with {@code .}
 * or {@code _} (like Spark's file sources); globs may use {@code * ? [..] {a,b}} in any path
 * segment. Remote paths (any other URI scheme) are listed through Hadoop ({@link RemotePaths}) and
 * come back as qualified URIs.
 */
final class PathExpansion {
  private PathExpansion() {}

  /**
   * Whether the (single) path names nothing yet: used to give writes of new files an empty schema.
   */
  static boolean isSingleMissingPath(List<String> paths, Supplier<Configuration> hadoop) {
    if (paths.size() != 1 || hasGlob(paths.get(0))) {
      return false;
    }
    if (LocalPaths.isRemote(paths.get(0))) {
      return RemotePaths.isMissing(paths.get(0), hadoop.get());
    }
    try {
      return !Files.exists(toPath(paths.get(0)));
    } catch (H5SwmrConfigException e) {
      return false;
    }
  }

  /** Whether any of {@code paths} is remote (needs the Hadoop configuration). */
  static boolean anyRemote(List<String> paths) {
    return paths.stream().anyMatch(LocalPaths::isRemote);
  }

  static List<String> expand(List<String> paths, Supplier<Configuration> hadoop) {
    if (paths.isEmpty()) {
      throw new H5SwmrConfigException(
          "No input path: give one with load(path) or option '"
              + H5SwmrOptions.PATH
              + "' (a file, a directory or a glob; several with load(p1, p2))");
    }
    Set<String> out = new LinkedHashSet<>();
    for (String p : paths) {
      if (LocalPaths.isRemote(p)) {
        out.addAll(RemotePaths.expand(p, hasGlob(p), hadoop.get()));
        continue;
      }
      List<Path> found = hasGlob(p) ? glob(p) : List.of(toPath(p));
      if (found.isEmpty()) {
        throw new H5SwmrNotFoundException(
            "Path does not exist: " + p + " (the glob matches no file)");
      }
      for (Path f : found) {
        if (Files.isDirectory(f)) {
          List<Path> inDir = listDir(f);
          if (inDir.isEmpty() && !hasGlob(p)) {
            throw new H5SwmrNotFoundException(
                "Directory " + f + " holds no file to read (path '" + p + "')");
          }
          inDir.forEach(x -> out.add(x.toAbsolutePath().normalize().toString()));
        } else if (Files.isRegularFile(f)) {
          out.add(f.toAbsolutePath().normalize().toString());
        } else {
          throw new H5SwmrNotFoundException("Path does not exist: " + p);
        }
      }
    }
    if (out.isEmpty()) {
      throw new H5SwmrNotFoundException("No file to read in " + paths);
    }
    return new ArrayList<>(out);
  }

  static Path toPath(String p) {
    return LocalPaths.toPath(p);
  }

  private static boolean hasGlob(String p) {
    return p.indexOf('*') >= 0 || p.indexOf('?') >= 0 || p.indexOf('[') >= 0 || p.indexOf('{') >= 0;
  }

  private static List<Path> glob(String pattern) {
    String plain = LocalPaths.stripFileScheme(pattern);
    Path abs = toPath(plain).toAbsolutePath().normalize();
    String full = abs.toString();
    Path root = abs.getRoot();
    String[] segs = full.substring(root.toString().length()).split("/");
    List<Path> current = List.of(root);
    for (String seg : segs) {
      if (seg.isEmpty()) {
        continue;
      }
      List<Path> next = new ArrayList<>();
      for (Path dir : current) {
        if (!hasGlob(seg)) {
          Path c = dir.resolve(seg);
          if (Files.exists(c)) {
            next.add(c);
          }
          continue;
        }
        if (!Files.isDirectory(dir)) {
          continue;
        }
        PathMatcher m = dir.getFileSystem().getPathMatcher("glob:" + seg);
        try (Stream<Path> s = Files.list(dir)) {
          s.filter(x -> m.matches(x.getFileName())).sorted().forEach(next::add);
        } catch (IOException e) {
          throw new H5SwmrConfigException(
              "Cannot list directory " + dir + " for glob '" + pattern + "': " + e, e);
        }
      }
      current = next;
    }
    return current;
  }

  private static List<Path> listDir(Path dir) {
    List<Path> out = new ArrayList<>();
    try (DirectoryStream<Path> s = Files.newDirectoryStream(dir)) {
      for (Path p : s) {
        String n = p.getFileName().toString();
        if (Files.isRegularFile(p)
            && !n.startsWith(".")
            && !n.startsWith("_")
            && !n.toLowerCase(Locale.ROOT).endsWith(".crc")) {
          out.add(p);
        }
      }
    } catch (IOException e) {
      throw new H5SwmrConfigException("Cannot list directory " + dir + ": " + e, e);
    }
    out.sort(null);
    return out;
  }
}
