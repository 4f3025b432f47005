package io.h5swmr.lock;

import static org.assertj.core.api.Assertions.assertThat;

import io.h5swmr.testing.RedisServerExtension;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;
import redis.clients.jedis.RedisClient;

/**
 * The Lua scripts come from the resource files the Python package reads too; each states its
 * contract.
 */
class LockScriptsTest {
  @RegisterExtension static final RedisServerExtension REDIS = RedisServerExtension.create();

  static final List<LockScripts.Script> ALL =
      List.of(
          LockScripts.ACQUIRE,
          LockScripts.RENEW,
          LockScripts.RELEASE,
          LockScripts.RELEASE_ALL,
          LockScripts.IS_HOLDER,
          LockScripts.INSPECT,
          LockScripts.DECLARE_FRESH);

  /** The source copy, relative to the connector module (surefire's working directory). */
  static final Path SOURCE_DIR = Path.of("src/main/resources/io/h5swmr/lock");

  @Test
  void everyScriptFileIsLoadedWithItsHelpersAndDocumentsItsContract() throws IOException {
    List<String> files;
    try (Stream<Path> s = Files.list(SOURCE_DIR)) {
      files =
          s.map(p -> p.getFileName().toString()).filter(n -> n.endsWith(".lua")).sorted().toList();
    }
    assertThat(files)
        .as("one file per script plus common.lua")
        .containsExactlyInAnyOrderElementsOf(
            Stream.concat(ALL.stream().map(x -> x.name + ".lua"), Stream.of("common.lua"))
                .toList());
    String common = Files.readString(SOURCE_DIR.resolve("common.lua"), StandardCharsets.UTF_8);
    for (LockScripts.Script script : ALL) {
      String raw =
          Files.readString(SOURCE_DIR.resolve(script.name + ".lua"), StandardCharsets.UTF_8);
      assertThat(raw)
          .as(script.name)
          .contains("-- KEYS:")
          .contains("-- ARGV:")
          .contains("-- Returns");
      assertThat(script.text).as(script.name).doesNotContain(LockScripts.INCLUDE_LINE);
      if (raw.contains(LockScripts.INCLUDE_LINE)) {
        assertThat(script.text)
            .as(script.name)
            .isEqualTo(raw.replace(LockScripts.INCLUDE_LINE + "\n", common));
      } else {
        assertThat(script.text).as(script.name).isEqualTo(raw);
      }
    }
    assertThat(LockScripts.ACQUIRE.text).contains("local function purge(now)");
  }

  @Test
  void redisComputesTheSameShaAsTheLoader() {
    try (RedisClient r = RedisClient.create(REDIS.host(), REDIS.port())) {
      for (LockScripts.Script script : ALL) {
        assertThat(r.scriptLoad(script.text)).as(script.name).isEqualTo(script.sha);
      }
    }
  }
}
