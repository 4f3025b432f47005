package io.h5swmr.read;

import static io.h5swmr.read.ReadTestSupport.reader;
import static org.assertj.core.api.Assertions.assertThat;
import static org.junit.jupiter.api.Assertions.fail;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import io.h5swmr.exceptions.H5SwmrException;
import io.h5swmr.testing.RedisServerExtension;
import java.io.InputStream;
import java.math.BigDecimal;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Iterator;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import java.util.stream.Stream;
import org.apache.spark.SparkException;
import org.apache.spark.sql.DataFrameReader;
import org.apache.spark.sql.Dataset;
import org.apache.spark.sql.Row;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.DynamicTest;
import org.junit.jupiter.api.TestFactory;
import org.junit.jupiter.api.extension.RegisterExtension;
import org.junit.jupiter.api.io.TempDir;

/**
 * Issue 28: the classes of files other projects' tools write that read wrong or failed unclearly.
 * The fixture generator ({@code fixtures/foreign_classes.py}) writes them with h5py (where
 * hdf5plugin cannot write a filter, a file of its making with that filter's id in its pipeline) and
 * prints what h5py reads, mapped as the README's type table documents; each case is read here
 * through {@code spark.read.format("h5swmr")} and compared value for value. Error cases must name
 * what they list; {@code *planning*} means before any task runs (the error is the connector's own,
 * not a task failure wrapped by Spark).
 */
class ForeignFileClassesTest {
  @RegisterExtension static final RedisServerExtension REDIS = RedisServerExtension.create();

  @TempDir static Path dir;

  static final List<JsonNode> CASES = new ArrayList<>();

  @BeforeAll
  static void writeFixtures() throws Exception {
    H5py.assumeAvailable();
    Path script = dir.resolve("foreign_classes.py");
    try (InputStream in =
        ForeignFileClassesTest.class.getResourceAsStream("/fixtures/foreign_classes.py")) {
      Files.write(script, in.readAllBytes());
    }
    Path out = Files.createDirectories(dir.resolve("files"));
    Process p =
        new ProcessBuilder(H5py.PYTHON, script.toString(), out.toString())
            .redirectError(ProcessBuilder.Redirect.INHERIT)
            .start();
    String text = new String(p.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
    if (!p.waitFor(300, TimeUnit.SECONDS) || p.exitValue() != 0) {
      throw new AssertionError("fixture generator failed:\n" + text);
    }
    ObjectMapper json = new ObjectMapper();
    for (String line : text.split("\n")) {
      if (!line.isBlank()) {
        CASES.add(json.readTree(line));
      }
    }
  }

  @TestFactory
  Stream<DynamicTest> everyCaseReadsAsH5pyReadsIt() {
    assertThat(CASES).hasSizeGreaterThan(40);
    return CASES.stream().map(c -> DynamicTest.dynamicTest(c.get("case").asText(), () -> check(c)));
  }

  private static void check(JsonNode c) {
    DataFrameReader r = reader(REDIS.url());
    String prime = null;
    for (Iterator<Map.Entry<String, JsonNode>> it = c.get("options").fields(); it.hasNext(); ) {
      Map.Entry<String, JsonNode> o = it.next();
      if (o.getKey().equals("prime")) {
        prime = o.getValue().asText();
      } else {
        r = r.option(o.getKey(), o.getValue().asText());
      }
    }
    String file = c.get("file").asText();
    String column = c.get("column").asText();
    if (prime != null) {
      // fill this thread's reused arrays with ones first: a value the library leaves unwritten
      // would show them
      List<Row> ones =
          reader(REDIS.url())
              .option("dataset", prime)
              .option("partitionBytes", "16")
              .load(file)
              .collectAsList();
      assertThat(ones).hasSizeGreaterThan(8);
    }
    if (c.has("error")) {
      Throwable thrown = null;
      try {
        r.load(file).collectAsList();
      } catch (Throwable t) {
        thrown = t;
      }
      if (thrown == null) {
        fail("expected an error containing " + c.get("error") + ", but the read succeeded");
      }
      String all = messages(thrown).toLowerCase(Locale.ROOT);
      for (JsonNode want : c.get("error")) {
        if (want.asText().equals("*planning*")) {
          assertThat(thrown)
              .as("raised before any task runs: %s", messages(thrown))
              .isInstanceOf(H5SwmrException.class)
              .isNotInstanceOf(SparkException.class);
        } else {
          assertThat(all).as("error message").contains(want.asText().toLowerCase(Locale.ROOT));
        }
      }
      return;
    }
    List<String> want = new ArrayList<>();
    c.get("rows").forEach(v -> want.add(v.asText()));
    Dataset<Row> df = r.load(file);
    List<String> got = new ArrayList<>();
    if (column.equals("*columns*")) {
      for (String f : df.schema().fieldNames()) {
        got.add(canon(f));
      }
    } else if (column.equals("*row0*")) {
      Row first = df.collectAsList().get(0);
      for (int i = 0; i < first.size(); i++) {
        got.add(canon(first.get(i)));
      }
    } else {
      boolean indexed = List.of(df.schema().fieldNames()).contains("index");
      for (Row row : (indexed ? df.orderBy("index") : df).select(column).collectAsList()) {
        got.add(canon(row.get(0)));
      }
    }
    assertThat(got).as("%s of %s as h5py reads it", column, file).containsExactlyElementsOf(want);
  }

  private static String messages(Throwable t) {
    StringBuilder b = new StringBuilder();
    for (Throwable x = t; x != null; x = x.getCause()) {
      b.append(x.getClass().getSimpleName()).append(": ").append(x.getMessage()).append('\n');
    }
    return b.toString();
  }

  /** The canonical text of the generator for a value Spark returns. */
  static String canon(Object v) {
    if (v == null) {
      return "null";
    }
    if (v instanceof Float || v instanceof Double) {
      double d = ((Number) v).doubleValue();
      return Double.isNaN(d) ? "nan" : new BigDecimal(d).stripTrailingZeros().toPlainString();
    }
    if (v instanceof BigDecimal) {
      return ((BigDecimal) v).stripTrailingZeros().toPlainString();
    }
    if (v instanceof Number || v instanceof Boolean) {
      return v.toString();
    }
    if (v instanceof String) {
      return json((String) v);
    }
    if (v instanceof byte[]) {
      StringBuilder b = new StringBuilder("b:");
      for (byte x : (byte[]) v) {
        b.append(String.format("%02x", x & 0xFF));
      }
      return b.toString();
    }
    if (v instanceof Row) {
      Row row = (Row) v;
      List<String> parts = new ArrayList<>();
      for (int i = 0; i < row.size(); i++) {
        parts.add(canon(row.get(i)));
      }
      return "{" + String.join(",", parts) + "}";
    }
    if (v instanceof scala.collection.Iterable) {
      List<String> parts = new ArrayList<>();
      scala.collection.Iterator<?> it = ((scala.collection.Iterable<?>) v).iterator();
      while (it.hasNext()) {
        parts.add(canon(it.next()));
      }
      return "[" + String.join(",", parts) + "]";
    }
    throw new AssertionError("no canonical text for " + v.getClass() + ": " + v);
  }

  /** A JSON string as Python's json.dumps writes it (ensure_ascii). */
  private static String json(String s) {
    StringBuilder b = new StringBuilder("\"");
    for (char ch : s.toCharArray()) {
      switch (ch) {
        case '"':
          b.append("\\\"");
          break;
        case '\\':
          b.append("\\\\");
          break;
        case '\n':
          b.append("\\n");
          break;
        case '\r':
          b.append("\\r");
          break;
        case '\t':
          b.append("\\t");
          break;
        case '\b':
          b.append("\\b");
          break;
        case '\f':
          b.append("\\f");
          break;
        default:
          if (ch < 0x20 || ch > 0x7e && ch != 0x7f) {
            b.append(String.format("\\u%04x", (int) ch));
          } else {
            b.append(ch);
          }
      }
    }
    return b.append('"').toString();
  }
}
