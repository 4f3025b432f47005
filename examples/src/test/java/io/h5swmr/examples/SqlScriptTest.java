package io.h5swmr.examples;

import static org.assertj.core.api.Assertions.assertThat;

import io.h5swmr.testing.RedisServerExtension;
import io.h5swmr.testing.SharedSpark;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import org.apache.spark.sql.Row;
import org.apache.spark.sql.SparkSession;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;
import org.junit.jupiter.api.io.TempDir;

/**
 * Runs the shipped Spark SQL example script, statement by statement, through a Java SparkSession.
 */
class SqlScriptTest {
  @RegisterExtension static final RedisServerExtension REDIS = RedisServerExtension.create();

  @Test
  void sqlExampleScriptRuns(@TempDir Path dir) throws Exception {
    SparkSession spark = SharedSpark.get();
    Path file = dir.resolve("sql-example.h5");
    spark.conf().set("spark.h5swmr.redis.url", REDIS.url());
    spark.conf().set("h5swmr_file", file.toString());
    try {
      List<List<Row>> results = new ArrayList<>();
      for (String statement : statements(Path.of("src/main/sql/h5swmr_example.sql"))) {
        results.add(spark.sql(statement).collectAsList());
      }
      assertThat(results).hasSize(6);
      Row counts = results.get(2).get(0);
      assertThat(counts.getLong(0)).isEqualTo(100_000L);
      assertThat(counts.getLong(1)).isEqualTo(16L);
      assertThat(counts.getDouble(2)).isEqualTo(199.9);
      List<Row> summary = results.get(5);
      assertThat(summary).hasSize(16);
      for (int ch = 0; ch < 16; ch++) {
        assertThat(summary.get(ch).getInt(0)).isEqualTo(ch);
        assertThat(summary.get(ch).getLong(1)).isEqualTo(6250L);
      }
      assertThat(file).exists();
    } finally {
      spark.sql("DROP TABLE IF EXISTS events");
      spark.sql("DROP TABLE IF EXISTS summary");
      spark.conf().unset("spark.h5swmr.redis.url");
      spark.conf().unset("h5swmr_file");
    }
  }

  /** The script's statements: comment lines dropped, split at semicolons that end a line. */
  static List<String> statements(Path script) throws Exception {
    StringBuilder current = new StringBuilder();
    List<String> out = new ArrayList<>();
    for (String line : Files.readAllLines(script, StandardCharsets.UTF_8)) {
      if (line.trim().startsWith("--")) {
        continue;
      }
      current.append(line).append('\n');
      if (line.trim().endsWith(";")) {
        String s = current.toString().trim();
        out.add(s.substring(0, s.length() - 1));
        current.setLength(0);
      }
    }
    return out;
  }
}
