package io.h5swmr.config;

import static org.assertj.core.api.Assertions.assertThat;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.junit.jupiter.api.Test;

/**
 * README's option tables and {@link OptionRegistry} name the same options, both ways. The tables
 * read are every Markdown table of README.md whose header's first cell is {@code option...} (today:
 * the table of "Options" and the "option (stream only)" table of "Streaming"); the option names of
 * a row are the back-quoted names in its first cell, leaving out call forms ({@code load(...)}) and
 * patterns ({@code fs.*}: Hadoop settings passed on). Where a table has a "used by" column, it must
 * match the option's side.
 */
class ReadmeOptionsTableTest {
  private static final Path README = Path.of("..", "README.md");
  private static final Pattern CODE = Pattern.compile("`([^`]+)`");

  /**
   * Every option named in README's option tables, with its "used by" cell (null where the table has
   * none).
   */
  static Map<String, String> readmeOptions(List<String> lines) {
    Map<String, String> out = new LinkedHashMap<>();
    int usedBy = -1;
    boolean inTable = false;
    for (String line : lines) {
      String t = line.trim();
      if (!t.startsWith("|")) {
        inTable = false;
        continue;
      }
      List<String> cells = cells(t);
      if (!inTable) {
        inTable = !cells.isEmpty() && cells.get(0).toLowerCase(Locale.ROOT).startsWith("option");
        usedBy = inTable ? cells.indexOf("used by") : -1;
        continue; // the header
      }
      if (cells.isEmpty() || cells.get(0).matches("-+")) {
        continue; // the separator
      }
      Matcher m = CODE.matcher(cells.get(0));
      while (m.find()) {
        String name = m.group(1);
        if (name.contains("(") || name.contains("*")) {
          continue;
        }
        out.put(name, usedBy >= 0 && usedBy < cells.size() ? cells.get(usedBy) : null);
      }
    }
    return out;
  }

  private static List<String> cells(String row) {
    List<String> cells = new ArrayList<>();
    String inner =
        row.substring(1, row.endsWith("|") && row.length() > 1 ? row.length() - 1 : row.length());
    for (String c : inner.split("\\|", -1)) {
      cells.add(c.trim());
    }
    return cells;
  }

  @Test
  void everyRegisteredOptionIsInReadmeAndEveryReadmeOptionIsRegistered() throws IOException {
    assertThat(README).as("README.md at the repository root (tests run in connector/)").exists();
    Map<String, String> documented = readmeOptions(Files.readAllLines(README));
    assertThat(documented).as("options named in README's option tables").isNotEmpty();
    assertThat(documented.keySet())
        .as("README option tables vs OptionRegistry")
        .containsExactlyInAnyOrderElementsOf(OptionRegistry.names());
    for (Map.Entry<String, String> e : documented.entrySet()) {
      if (e.getValue() == null) {
        continue;
      }
      String expected;
      switch (OptionRegistry.find(e.getKey()).side()) {
        case READ:
          expected = "read";
          break;
        case WRITE:
          expected = "write";
          break;
        default:
          expected = "read, write";
      }
      assertThat(e.getValue())
          .as("'used by' of option %s in README", e.getKey())
          .isEqualTo(expected);
    }
  }

  @Test
  void theParserReadsRowsOfOptionTablesOnly() {
    List<String> md =
        List.of(
            "| option | default | used by | meaning |",
            "|---|---|---|---|",
            "| `path` / `load(...)` | — | read, write | x |",
            "| `fs.*`, `spark.hadoop.*` | - | read | y |",
            "",
            "| type | other |",
            "|---|---|",
            "| `notAnOption` | z |",
            "",
            "| option (stream only) | default | meaning |",
            "|---|---|---|",
            "| `maxRowsPerTrigger` | none | m |");
    assertThat(readmeOptions(md))
        .containsExactly(
            Map.entry("path", "read, write"),
            new java.util.AbstractMap.SimpleEntry<>("maxRowsPerTrigger", null));
  }
}
