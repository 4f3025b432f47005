package io.h5swmr.lock;

import static org.assertj.core.api.Assertions.assertThat;

import io.h5swmr.testing.ChildJvm;
import io.h5swmr.testing.RedisServerExtension;
import java.io.ByteArrayOutputStream;
import java.io.PrintStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;
import org.junit.jupiter.api.io.TempDir;

/** The admin command, run in-process against a real redis-server, plus lock key naming. */
class LockAdminTest {
  @RegisterExtension static final RedisServerExtension REDIS = RedisServerExtension.create();

  private record Result(int code, String out, String err) {}

  private static Result admin(Map<String, String> env, String... args) {
    ByteArrayOutputStream out = new ByteArrayOutputStream();
    ByteArrayOutputStream err = new ByteArrayOutputStream();
    int code =
        LockAdmin.run(
            args,
            new PrintStream(out, true, StandardCharsets.UTF_8),
            new PrintStream(err, true, StandardCharsets.UTF_8),
            env);
    return new Result(
        code, out.toString(StandardCharsets.UTF_8), err.toString(StandardCharsets.UTF_8));
  }

  private static LockService open(String prefix) {
    return LockService.open(
        LockSettings.builder()
            .redisUrl(REDIS.url())
            .keyPrefix(prefix)
            .leaseTtl(Duration.ofSeconds(2))
            .build());
  }

  @Test
  void listShowsHoldersAndWaitersAndReleaseFreesThem() throws Exception {
    try (LockService service = open("adm:");
        ChildJvm child =
            ChildJvm.start(LockChild.class, "hold", REDIS.url(), "2000", "S", "/data/b.h5")) {
      // the child uses the default prefix: it must not show up under adm:
      child.awaitLine("ACQUIRED", Duration.ofSeconds(30));
      Lease writer = service.acquireExclusive("/data/a.h5", Duration.ofSeconds(10));
      Lease reader = service.acquireShared("/data/c.h5", Duration.ofSeconds(10));
      CountDownLatch lost = new CountDownLatch(1);
      writer.onLost(r -> lost.countDown());
      Thread waiter =
          new Thread(
              () -> {
                try (Lease l = service.acquireShared("/data/a.h5", Duration.ofSeconds(20))) {
                  assertThat(l.isValid()).isTrue();
                }
              });
      waiter.start();
      while (service.state("/data/a.h5").waiters().isEmpty()) {
        Thread.sleep(5); // polling Redis state
      }

      Result list = admin(Map.of(LockAdmin.ENV_URL, REDIS.url()), "list", "--prefix", "adm:");
      assertThat(list.code()).isZero();
      assertThat(list.out())
          .contains("lock /data/a.h5")
          .contains("lock /data/c.h5")
          .doesNotContain("/data/b.h5")
          .contains("holder EXCLUSIVE lease=" + writer.id())
          .contains("pid=" + ProcessHandle.current().pid())
          .contains("token=" + writer.token())
          .contains("holder SHARED lease=" + reader.id())
          .contains("waiter SHARED")
          .containsPattern("ttlLeft=\\d+ms");
      assertThat(list.out().indexOf("/data/a.h5")).isLessThan(list.out().indexOf("/data/c.h5"));

      Result other = admin(Map.of(), "list", "--url", REDIS.url());
      assertThat(other.out()).contains("lock /data/b.h5").contains("pid=" + child.pid());

      Result rel =
          admin(
              Map.of(),
              "release",
              "/data/a.h5",
              writer.id(),
              "--url",
              REDIS.url(),
              "--prefix",
              "adm:");
      assertThat(rel.code()).isZero();
      assertThat(rel.out()).contains("released lease " + writer.id());
      assertThat(lost.await(5, TimeUnit.SECONDS))
          .as("holder learns of the forced release")
          .isTrue();
      waiter.join(10_000);
      assertThat(waiter.isAlive()).isFalse();

      Result again =
          admin(
              Map.of(),
              "release",
              "/data/a.h5",
              writer.id(),
              "--url",
              REDIS.url(),
              "--prefix",
              "adm:");
      assertThat(again.code()).isEqualTo(1);
      assertThat(again.out()).contains("no lease");

      Result all = admin(Map.of(), "release-all", "/data/b.h5", "--url", REDIS.url());
      assertThat(all.code()).isZero();
      assertThat(all.out()).contains("released 1 holder(s)");
      assertThat(child.awaitLine("LOST", Duration.ofSeconds(5))).contains("no longer in Redis");
      reader.close();
      writer.close();
      assertThat(admin(Map.of(), "list", "--url", REDIS.url(), "--prefix", "adm:").out())
          .contains("no locks");
    }
  }

  @Test
  void usageAndConnectionErrors() {
    Result none = admin(Map.of());
    assertThat(none.code()).isEqualTo(2);
    assertThat(none.err()).contains("usage: LockAdmin list");
    assertThat(admin(Map.of(), "release", "onlyone").err())
        .contains("wrong number of arguments for release");
    assertThat(admin(Map.of(), "list", "--bogus").err()).contains("unknown option --bogus");
    Result bad = admin(Map.of(LockAdmin.ENV_URL, "redis://:secret-9@127.0.0.1:1"), "list");
    assertThat(bad.code()).isEqualTo(3);
    assertThat(bad.err()).contains("127.0.0.1:1").doesNotContain("secret-9");
    Result malformed = admin(Map.of(), "list", "--url", "redis://:secret-9@h:notaport");
    assertThat(malformed.code()).isEqualTo(3);
    assertThat(malformed.err()).contains("Invalid lock Redis URL").doesNotContain("secret-9");
  }

  @Test
  void fileKeysAreCanonical(@TempDir Path dir) throws Exception {
    Path real = Files.createDirectories(dir.resolve("real"));
    Path file = Files.createFile(real.resolve("f.h5"));
    Path link = Files.createSymbolicLink(dir.resolve("link"), real);
    String canonical = real.toRealPath().resolve("f.h5").toString();
    assertThat(LockKeys.forFile(file)).isEqualTo(canonical);
    assertThat(LockKeys.forFile(link.resolve("f.h5"))).isEqualTo(canonical);
    assertThat(LockKeys.forFile(real.resolve("../real/./f.h5"))).isEqualTo(canonical);
    // not yet existing: the parent is resolved, the name appended
    assertThat(LockKeys.forFile(link.resolve("new.h5")))
        .isEqualTo(real.toRealPath().resolve("new.h5").toString());
    assertThat(LockKeys.forFile(link.resolve("sub/deeper/new.h5")))
        .isEqualTo(real.toRealPath().resolve("sub/deeper/new.h5").toString());
    // all keys of one lock share one hash tag
    LockKeys keys = LockKeys.of("h5swmr:", canonical);
    List<String> tags =
        keys.all.stream()
            .map(k -> k.substring(k.indexOf('{'), k.indexOf('}') + 1))
            .distinct()
            .toList();
    assertThat(tags).hasSize(1);
    assertThat(keys.all).allMatch(k -> k.startsWith("h5swmr:{"));
  }
}
