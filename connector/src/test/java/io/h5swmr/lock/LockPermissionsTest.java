package io.h5swmr.lock;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.h5swmr.exceptions.H5SwmrLockException;
import io.h5swmr.testing.RedisServerExtension;
import java.time.Duration;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;
import redis.clients.jedis.Jedis;

/**
 * Issue 29: a server that wants a password the URL lacks, and an ACL user missing a command h5swmr
 * needs, get errors that say what is missing (the ACL rules the lock service needs are in
 * docs/lock-service.md).
 */
class LockPermissionsTest {
  @RegisterExtension
  static final RedisServerExtension REDIS = RedisServerExtension.create().withPassword("pw-7731");

  private static LockService open(String url) {
    return LockService.open(
        LockSettings.builder()
            .redisUrl(url)
            .connectTimeout(Duration.ofSeconds(2))
            .leaseTtl(Duration.ofSeconds(2))
            .acquireTimeout(Duration.ofSeconds(3))
            .build());
  }

  private static void aclSetUser(String... rules) {
    try (Jedis j = new Jedis(REDIS.host(), REDIS.port())) {
      j.auth("pw-7731");
      j.aclSetUser(rules[0], java.util.Arrays.copyOfRange(rules, 1, rules.length));
    }
  }

  @Test
  void noPasswordForAServerThatRequiresOneSaysSo() {
    String hp = REDIS.host() + ":" + REDIS.port();
    try (LockService s = open("redis://" + hp)) {
      assertThatThrownBy(() -> s.acquireShared("f", Duration.ofSeconds(2)))
          .isInstanceOf(H5SwmrLockException.class)
          .hasMessageContaining(hp)
          .hasMessageContaining("requires a password")
          .hasMessageContaining("the URL gives none")
          .hasMessageContaining("redis://:<password>@" + hp);
    }
  }

  @Test
  void anAclUserWithoutInfoIsToldWhichCommandItLacks() {
    aclSetUser("noinfo", "reset", "on", ">noinfo-pw", "~*", "&*", "+@all", "-info");
    String hp = REDIS.host() + ":" + REDIS.port();
    try (LockService s = open("redis://noinfo:noinfo-pw@" + hp)) {
      Throwable e =
          org.assertj.core.api.Assertions.catchThrowable(
              () -> {
                try (Lease l = s.acquireExclusive("f", Duration.ofSeconds(2))) {
                  l.checkValid();
                }
              });
      assertThat(e).isInstanceOf(H5SwmrLockException.class);
      assertThat(e.getMessage())
          .contains("user 'noinfo'")
          .contains("'info'")
          .contains("docs/lock-service.md")
          .doesNotContain("noinfo-pw")
          .doesNotContain("rejected the credentials");
    }
  }

  @Test
  void theAclRulesTheDocsListAreEnough() {
    aclSetUser(
        "h5",
        "reset",
        "on",
        ">h5-pw",
        "~h5swmr:*",
        "&h5swmr:*",
        "+evalsha",
        "+eval",
        "+script|load",
        "+info",
        "+time",
        "+ping",
        "+scan",
        "+config|get",
        "+subscribe",
        "+psubscribe",
        "+unsubscribe",
        "+punsubscribe",
        "+client|setname",
        "+hello",
        "+auth",
        "+select",
        "+@read",
        "+@write",
        "+publish");
    try (LockService s = open("redis://h5:h5-pw@" + REDIS.host() + ":" + REDIS.port())) {
      try (Lease l = s.acquireExclusive("f", Duration.ofSeconds(5))) {
        assertThat(l.isValid()).isTrue();
      }
      try (Lease l = s.acquireShared("f", Duration.ofSeconds(5))) {
        assertThat(l.isValid()).isTrue();
      }
    }
  }
}
