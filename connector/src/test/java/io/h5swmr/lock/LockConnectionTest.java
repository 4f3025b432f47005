package io.h5swmr.lock;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.h5swmr.exceptions.H5SwmrConfigException;
import io.h5swmr.exceptions.H5SwmrLockException;
import io.h5swmr.testing.RedisServerExtension;
import java.net.InetAddress;
import java.net.ServerSocket;
import java.time.Duration;
import java.util.concurrent.TimeUnit;
import org.assertj.core.api.ThrowableAssert.ThrowingCallable;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;

/**
 * Connection settings: credentials, TLS, unreachable hosts; errors name host:port and never the
 * password.
 */
class LockConnectionTest {
  @RegisterExtension
  static final RedisServerExtension REDIS =
      RedisServerExtension.create().withPassword("s3cret-pw").withAclUser("alice", "alice-pw");

  static final Duration CONNECT = Duration.ofSeconds(2);

  private static LockService open(String url) {
    return LockService.open(
        LockSettings.builder()
            .redisUrl(url)
            .connectTimeout(CONNECT)
            .leaseTtl(Duration.ofSeconds(2))
            .build());
  }

  /**
   * Runs {@code call}, checks it fails fast with a lock error naming the endpoint, returns the
   * message.
   */
  private static String failsFast(ThrowingCallable call, String hostPort, String secret) {
    long t0 = System.nanoTime();
    Throwable[] thrown = new Throwable[1];
    assertThatThrownBy(
            () -> {
              try {
                call.call();
              } catch (Throwable e) {
                thrown[0] = e;
                throw e;
              }
            })
        .isInstanceOf(H5SwmrLockException.class)
        .hasMessageContaining(hostPort);
    assertThat(TimeUnit.NANOSECONDS.toMillis(System.nanoTime() - t0))
        .isLessThan(CONNECT.toMillis() + 3000);
    assertThat(thrown[0].getMessage()).doesNotContain(secret);
    return thrown[0].getMessage();
  }

  @Test
  void rightPasswordAndAclUserWork() {
    try (LockService s = open("redis://:s3cret-pw@" + REDIS.host() + ":" + REDIS.port())) {
      s.ping();
      assertThat(s.toString()).doesNotContain("s3cret-pw").contains("***");
    }
    try (LockService s =
        open("redis://alice:alice-pw@" + REDIS.host() + ":" + REDIS.port() + "/0")) {
      s.ping();
      try (Lease l = s.acquireExclusive("acl", Duration.ofSeconds(10))) {
        assertThat(l.isValid()).isTrue();
      }
    }
  }

  @Test
  void wrongPasswordIsAClearErrorWithoutThePassword() {
    String hp = REDIS.host() + ":" + REDIS.port();
    try (LockService s = open("redis://:wrong-pw-123@" + hp)) {
      String msg = failsFast(s::ping, hp, "wrong-pw-123");
      assertThat(msg).contains("rejected the credentials").contains("redis://:***@" + hp);
    }
    try (LockService s = open("redis://alice:bad-alice-pw@" + hp)) {
      String msg = failsFast(() -> s.acquireShared("x", Duration.ofSeconds(1)), hp, "bad-alice-pw");
      assertThat(msg).contains("user 'alice'");
    }
    try (LockService s = open("redis://" + hp)) {
      assertThat(failsFast(s::ping, hp, "s3cret-pw")).containsIgnoringCase("auth");
    }
  }

  @Test
  void nothingListeningIsAClearError() throws Exception {
    int port;
    try (ServerSocket ss = new ServerSocket(0, 1, InetAddress.getLoopbackAddress())) {
      port = ss.getLocalPort();
    }
    String hp = "127.0.0.1:" + port;
    try (LockService s = open("redis://:pw-xyz@" + hp)) {
      assertThat(failsFast(s::ping, hp, "pw-xyz")).contains("ConnectException");
      failsFast(() -> s.acquireExclusive("x"), hp, "pw-xyz");
    }
  }

  @Test
  void unreachableHostFailsWithinConnectTimeout() {
    // TEST-NET-1 (RFC 5737): never routed, so the connect attempt hangs or is refused by the
    // network stack
    String hp = "192.0.2.1:6390";
    try (LockService s = open("redis://:pw-abc@" + hp)) {
      failsFast(s::ping, hp, "pw-abc");
    }
  }

  @Test
  void unknownHostNameIsAClearError() {
    String hp = "no-such-host.invalid:6390";
    try (LockService s = open("redis://" + hp)) {
      failsFast(s::ping, hp, "never");
    }
  }

  @Test
  void tlsToAPlainPortFailsWithinConnectTimeout() {
    String hp = REDIS.host() + ":" + REDIS.port();
    // the TLS handshake times out twice (connect, then first write): about 2 x connectTimeout
    try (LockService s =
        LockService.open(
            LockSettings.builder()
                .redisUrl("rediss://:s3cret-pw@" + hp)
                .connectTimeout(Duration.ofSeconds(1))
                .build())) {
      assertThat(failsFast(s::ping, hp, "s3cret-pw")).contains("rediss://:***@" + hp);
    }
  }

  @Test
  void malformedUrlsAreConfigErrorsNamingTheValidForms() {
    for (String url :
        new String[] {
          "localhost:6379",
          "http://:pw-1@localhost:6379",
          "redis://:pw-1@localhost:99999",
          "redis://:pw-1@localhost:6379/notadb",
          "redis-sentinel://:pw-1@h1:26379,h2:26379",
          "redis://:pw-1@",
          "redis://:pw-1@h1:1,h2:2",
          "redis-cluster://:pw-1@h1:1/3",
          "redis://:pw-1@bad host:1"
        }) {
      assertThatThrownBy(() -> LockSettings.builder().redisUrl(url).build())
          .as(url)
          .isInstanceOf(H5SwmrConfigException.class)
          .hasMessageContaining("Invalid lock Redis URL")
          .hasMessageContaining("redis-sentinel://")
          .hasMessageNotContaining("pw-1");
    }
  }

  @Test
  void validUrlFormsParse() {
    RedisEndpoint e = RedisEndpoint.parse("redis-sentinel://u:p%40ss@h1:26379,h2:26380/mymaster/2");
    assertThat(e.kind).isEqualTo(RedisEndpoint.Kind.SENTINEL);
    assertThat(e.hostsText()).isEqualTo("h1:26379,h2:26380");
    assertThat(e.masterName).isEqualTo("mymaster");
    assertThat(e.database).isEqualTo(2);
    assertThat(e.user).isEqualTo("u");
    assertThat(e.password).isEqualTo("p@ss");
    assertThat(e.redactedUrl()).isEqualTo("redis-sentinel://u:***@h1:26379,h2:26380/mymaster/2");
    RedisEndpoint c = RedisEndpoint.parse("redis-cluster://h1:7000,h2:7001");
    assertThat(c.kind).isEqualTo(RedisEndpoint.Kind.CLUSTER);
    assertThat(c.hosts).hasSize(2);
    RedisEndpoint t = RedisEndpoint.parse("rediss://:pw@[::1]:6380/1");
    assertThat(t.kind).isEqualTo(RedisEndpoint.Kind.TLS);
    assertThat(t.hostsText()).isEqualTo("::1:6380");
    assertThat(t.user).isNull();
    assertThat(t.database).isEqualTo(1);
  }

  private static LockSettings roundTrip(LockSettings s) {
    try {
      java.io.ByteArrayOutputStream bytes = new java.io.ByteArrayOutputStream();
      try (java.io.ObjectOutputStream out = new java.io.ObjectOutputStream(bytes)) {
        out.writeObject(s);
      }
      try (java.io.ObjectInputStream in =
          new java.io.ObjectInputStream(new java.io.ByteArrayInputStream(bytes.toByteArray()))) {
        return (LockSettings) in.readObject();
      }
    } catch (java.io.IOException | ClassNotFoundException e) {
      throw new AssertionError(e);
    }
  }

  @Test
  void settingsAreValueObjectsThatRedactThePassword() {
    LockSettings a = LockSettings.builder().redisUrl("redis://bob:hunter2@h:1/3").build();
    LockSettings b = a.toBuilder().build();
    assertThat(a).isEqualTo(b).hasSameHashCodeAs(b);
    assertThat(a.toString()).doesNotContain("hunter2").contains("redis://bob:***@h:1/3");
    assertThat(a.redactedRedisUrl()).isEqualTo("redis://bob:***@h:1/3");
    assertThat(a.redisUrl()).contains("hunter2");
    assertThat(a.keyPrefix()).isEqualTo("h5swmr:");
    assertThat(a.leaseTtl()).isEqualTo(Duration.ofSeconds(30));
    assertThat(a.acquireTimeout()).isEqualTo(Duration.ofMinutes(10));
    assertThat(a.connectTimeout()).isEqualTo(Duration.ofSeconds(5));
    assertThat(a).isNotEqualTo(a.toBuilder().leaseTtl(Duration.ofSeconds(5)).build());
    LockSettings copy = roundTrip(a);
    assertThat(copy).isEqualTo(a);
    assertThat(copy.redactedRedisUrl()).isEqualTo("redis://bob:***@h:1/3");
    assertThatThrownBy(() -> a.toBuilder().leaseTtl(Duration.ofMillis(10)).build())
        .isInstanceOf(H5SwmrConfigException.class)
        .hasMessageContaining("leaseTtl");
    assertThatThrownBy(() -> a.toBuilder().keyPrefix("a{b}").build())
        .isInstanceOf(H5SwmrConfigException.class)
        .hasMessageContaining("keyPrefix");
    assertThatThrownBy(() -> a.toBuilder().connectTimeout(Duration.ZERO).build())
        .isInstanceOf(H5SwmrConfigException.class)
        .hasMessageContaining("connectTimeout");
  }
}
