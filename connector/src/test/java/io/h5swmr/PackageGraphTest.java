package io.h5swmr;

import static org.assertj.core.api.Assertions.assertThat;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.TreeMap;
import java.util.TreeSet;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;

/**
 * The package graph of the main sources runs downhill: no package imports another in a circle, and
 * each package imports only the packages below it in {@link #LAYERS}, as {@link #ALLOWED} lists
 * them. Dependencies are read from the sources themselves (import lines, static imports, and fully
 * qualified {@code io.h5swmr.x.Y} names in code; comments and string literals do not count).
 */
class PackageGraphTest {
  private static final Path MAIN = Path.of("src/main/java");
  private static final String ROOT = "io.h5swmr";

  /**
   * The layers, lowest first. A package may import only packages earlier in this list (and only
   * those {@link #ALLOWED} names for it); "" is the root package (the DataSource, the Table and the
   * analyzer rule).
   */
  static final List<String> LAYERS =
      List.of(
          "exceptions", // the unchecked H5SwmrException family
          "lock", // Redis leases: knows neither Spark nor HDF5
          "config", // typed, immutable options
          "hdf5.driver", // the byte-level storage seam (H5Storage) and the HDF5 virtual file driver
          "hdf5", // the one native HDF5 layer
          "hdf5.journal", // the commit journal (fence, recovery, sessions)
          "types", // HDF5 <-> Spark type mapping, shared by read and write
          "read", // batch reads: planning, partitions, readers
          "stream", // the Structured Streaming source (over read's incremental scan)
          "write", // batch and streaming writes, the commit
          ""); // H5SwmrDataSource, H5SwmrTable, H5SwmrTableRule, H5SwmrExtensions

  /** What each package may import. read and write are siblings: neither imports the other. */
  static final Map<String, Set<String>> ALLOWED = new LinkedHashMap<>();

  static {
    ALLOWED.put("exceptions", Set.of());
    ALLOWED.put("lock", Set.of("exceptions"));
    ALLOWED.put("config", Set.of("exceptions", "lock"));
    ALLOWED.put("hdf5.driver", Set.of("exceptions"));
    ALLOWED.put("hdf5", Set.of("exceptions", "hdf5.driver"));
    ALLOWED.put("hdf5.journal", Set.of("exceptions", "hdf5.driver", "hdf5"));
    ALLOWED.put("types", Set.of("exceptions", "hdf5"));
    ALLOWED.put(
        "read",
        Set.of(
            "exceptions",
            "lock",
            "config",
            "hdf5",
            "hdf5.journal",
            "types")); // journal: the committed view a read opens through
    ALLOWED.put("stream", Set.of("exceptions", "config", "read"));
    ALLOWED.put(
        "write",
        Set.of("exceptions", "lock", "config", "hdf5.driver", "hdf5", "hdf5.journal", "types"));
    ALLOWED.put("", Set.of("exceptions", "config", "read", "stream", "write"));
  }

  @Test
  void layersAndAllowedImportsAgree() {
    assertThat(ALLOWED.keySet()).containsExactlyElementsOf(LAYERS);
    for (Map.Entry<String, Set<String>> e : ALLOWED.entrySet()) {
      for (String to : e.getValue()) {
        assertThat(LAYERS.indexOf(to))
            .as("%s may import %s: it must be a lower layer", name(e.getKey()), to)
            .isBetween(0, LAYERS.indexOf(e.getKey()) - 1);
      }
    }
  }

  @Test
  void everyPackageIsInALayer() throws IOException {
    Map<String, Map<String, Set<String>>> g = graph(MAIN);
    for (String p : g.keySet()) {
      assertThat(LAYERS)
          .as("package %s is in no layer of PackageGraphTest.LAYERS", name(p))
          .contains(p);
    }
  }

  @Test
  void noPackageCycles() throws IOException {
    Map<String, Map<String, Set<String>>> g = graph(MAIN);
    assertThat(cycles(g)).as("package cycles (edge: the classes making it)").isEmpty();
  }

  @Test
  void importsRunDownhill() throws IOException {
    Map<String, Map<String, Set<String>>> g = graph(MAIN);
    List<String> uphill = new ArrayList<>();
    for (Map.Entry<String, Map<String, Set<String>>> e : g.entrySet()) {
      Set<String> allowed = ALLOWED.getOrDefault(e.getKey(), Set.of());
      for (Map.Entry<String, Set<String>> to : e.getValue().entrySet()) {
        String edge = name(e.getKey()) + " -> " + name(to.getKey());
        if (!allowed.contains(to.getKey())) {
          uphill.add(edge + " " + to.getValue());
        }
      }
    }
    assertThat(uphill)
        .as("imports not allowed by PackageGraphTest.ALLOWED (edge [classes])")
        .isEmpty();
  }

  /**
   * Classes the issue found calling each other, inside one package, that must not again: the chunk
   * filters and bitshuffle (both use H5BlockCodecs), the DataSource and the Table (both use
   * QueryOptions).
   */
  @Test
  void namedClassPairsDoNotCallEachOther() throws IOException {
    String[][] pairs = {
      {"hdf5/H5ChunkFilters", "hdf5/H5Bitshuffle"},
      {"H5SwmrDataSource", "H5SwmrTable"},
    };
    for (String[] pair : pairs) {
      String a =
          stripCommentsAndStrings(Files.readString(MAIN.resolve("io/h5swmr/" + pair[0] + ".java")));
      String b =
          stripCommentsAndStrings(Files.readString(MAIN.resolve("io/h5swmr/" + pair[1] + ".java")));
      String nameA = pair[0].substring(pair[0].lastIndexOf('/') + 1);
      String nameB = pair[1].substring(pair[1].lastIndexOf('/') + 1);
      boolean aNamesB = Pattern.compile("\\b" + nameB + "\\b").matcher(a).find();
      boolean bNamesA = Pattern.compile("\\b" + nameA + "\\b").matcher(b).find();
      assertThat(aNamesB && bNamesA).as("%s and %s name each other", nameA, nameB).isFalse();
    }
  }

  /** The test finds what it must: a cycle through two packages and a qualified name in code. */
  @Test
  void detectsCyclesAndQualifiedNames(@org.junit.jupiter.api.io.TempDir Path dir)
      throws IOException {
    write(
        dir,
        "read/A.java",
        "package io.h5swmr.read;\nimport io.h5swmr.stream.B;\n/** {@link io.h5swmr.write.W} */"
            + "\nclass A { String s = \"io.h5swmr.write.W\"; }\n");
    write(
        dir,
        "stream/B.java",
        "package io.h5swmr.stream;\nclass B { Object o = new io.h5swmr.read.A.Inner(); }\n");
    Map<String, Map<String, Set<String>>> g = graph(dir);
    assertThat(g.get("read")).containsOnlyKeys("stream");
    assertThat(g.get("stream")).containsOnlyKeys("read");
    assertThat(cycles(g)).containsExactly("read -> stream [A] -> read [B]");
  }

  private static void write(Path dir, String file, String text) throws IOException {
    Path p = dir.resolve("io/h5swmr").resolve(file);
    Files.createDirectories(p.getParent());
    Files.writeString(p, text);
  }

  private static String name(String pkg) {
    return pkg.isEmpty() ? "(root)" : pkg;
  }

  private static final Pattern PACKAGE = Pattern.compile("\\bpackage\\s+([\\w.]+)\\s*;");

  /** {@code io.h5swmr[.pkg...]} followed by a class name (capitalized) or {@code .*}. */
  private static final Pattern REFERENCE =
      Pattern.compile("\\bio\\.h5swmr((?:\\.[a-z_][a-z0-9_]*)*)\\.(?:[A-Z]|\\*)");

  /**
   * Package (relative to io.h5swmr, "" for the root) -> imported package -> the files making the
   * edge.
   */
  static Map<String, Map<String, Set<String>>> graph(Path sourceRoot) throws IOException {
    Map<String, Map<String, Set<String>>> g = new TreeMap<>();
    List<Path> files;
    try (Stream<Path> s = Files.walk(sourceRoot.resolve("io/h5swmr"))) {
      files = s.filter(p -> p.toString().endsWith(".java")).sorted().toList();
    }
    assertThat(files).as("sources under %s", sourceRoot.toAbsolutePath()).isNotEmpty();
    for (Path f : files) {
      String code = stripCommentsAndStrings(Files.readString(f, StandardCharsets.UTF_8));
      Matcher pm = PACKAGE.matcher(code);
      assertThat(pm.find()).as("package line of %s", f).isTrue();
      String from = relative(pm.group(1));
      Map<String, Set<String>> out = g.computeIfAbsent(from, k -> new TreeMap<>());
      Matcher m = REFERENCE.matcher(code);
      String cls = f.getFileName().toString().replace(".java", "");
      while (m.find()) {
        String to = relative(ROOT + m.group(1));
        if (!to.equals(from)) {
          out.computeIfAbsent(to, k -> new TreeSet<>()).add(cls);
        }
      }
    }
    return g;
  }

  private static String relative(String pkg) {
    String rel =
        pkg.equals(ROOT) ? "" : pkg.startsWith(ROOT + ".") ? pkg.substring(ROOT.length() + 1) : pkg;
    // a sub-package no layer names belongs to its nearest named ancestor (e.g. config.parse ->
    // config)
    for (String p = rel;
        !p.isEmpty();
        p = p.contains(".") ? p.substring(0, p.lastIndexOf('.')) : "") {
      if (LAYERS.contains(p)) {
        return p;
      }
    }
    return rel;
  }

  /** Java source with comments removed and string, text-block and char literals emptied. */
  static String stripCommentsAndStrings(String s) {
    StringBuilder b = new StringBuilder(s.length());
    int i = 0;
    while (i < s.length()) {
      char c = s.charAt(i);
      if (s.startsWith("//", i)) {
        while (i < s.length() && s.charAt(i) != '\n') {
          i++;
        }
      } else if (s.startsWith("/*", i)) {
        int end = s.indexOf("*/", i + 2);
        i = end < 0 ? s.length() : end + 2;
        b.append(' ');
      } else if (s.startsWith("\"\"\"", i)) {
        int end = s.indexOf("\"\"\"", i + 3);
        i = end < 0 ? s.length() : end + 3;
        b.append("\"\"");
      } else if (c == '"' || c == '\'') {
        i++;
        while (i < s.length() && s.charAt(i) != c) {
          i += s.charAt(i) == '\\' ? 2 : 1;
        }
        i++;
        b.append(c).append(c);
      } else {
        b.append(c);
        i++;
      }
    }
    return b.toString();
  }

  /**
   * Every elementary cycle, once, as "a -> b [classes of a naming b] -> ... -> a [...]", starting
   * at its smallest package (Johnson-style enumeration is overkill for a dozen packages: a
   * depth-first search from each package over larger packages only).
   */
  static List<String> cycles(Map<String, Map<String, Set<String>>> g) {
    List<String> out = new ArrayList<>();
    for (String start : g.keySet()) {
      walk(g, start, start, new ArrayList<>(List.of(start)), out);
    }
    return out;
  }

  private static void walk(
      Map<String, Map<String, Set<String>>> g,
      String start,
      String at,
      List<String> path,
      List<String> out) {
    for (Map.Entry<String, Set<String>> e : g.getOrDefault(at, Map.of()).entrySet()) {
      String to = e.getKey();
      if (to.equals(start)) {
        StringBuilder b = new StringBuilder(name(start));
        for (int i = 1; i < path.size(); i++) {
          b.append(" -> ")
              .append(name(path.get(i)))
              .append(' ')
              .append(g.get(path.get(i - 1)).get(path.get(i)));
        }
        b.append(" -> ").append(name(start)).append(' ').append(e.getValue());
        out.add(b.toString());
      } else if (to.compareTo(start) > 0 && !path.contains(to)) {
        path.add(to);
        walk(g, start, to, path, out);
        path.remove(path.size() - 1);
      }
    }
  }
}
