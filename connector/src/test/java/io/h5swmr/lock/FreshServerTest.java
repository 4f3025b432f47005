package io.h5swmr.lock;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.h5swmr.exceptions.H5SwmrLockException;
import io.h5swmr.testing.RedisServerExtension;
import java.io.ByteArrayOutputStream;
import java.io.PrintStream;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;

/**
 * A just-started Redis holds grants back for one lease TTL (it may have lost leases with a previous
 * incarnation), unless whoever started it empty declares it fresh; a restart re-arms the hold-back.
 */
class FreshServerTest {
  @RegisterExtension
  static final RedisServerExtension REDIS = RedisServerExtension.create().withHoldBack();

  /**
   * Long enough that the hold-back is still running while the test works (the server was started
   * just now).
   */
  private static final Duration TTL = Duration.ofSeconds(60);

  private static LockService open() {
    return LockService.open(LockSettings.builder().redisUrl(REDIS.url()).leaseTtl(TTL).build());
  }

  @Test
  void freshDeclarationSkipsTheHoldBackAndARestartRearmsIt() throws Exception {
    try (LockService service = open()) {
      assertThatThrownBy(
              () -> service.acquire("/data/fresh.h5", LeaseMode.EXCLUSIVE, Duration.ZERO))
          .as("just started, not declared fresh: held back")
          .isInstanceOf(H5SwmrLockException.class);
      assertThat(service.declareFreshServer()).isTrue();
      try (Lease lease = service.acquire("/data/fresh.h5", LeaseMode.EXCLUSIVE, Duration.ZERO)) {
        assertThat(lease.isValid()).isTrue();
        assertThat(lease.token()).isPositive();
      }
      assertThat(service.declareFreshServer()).as("the server holds data now").isFalse();
    }
    REDIS.restart();
    try (LockService service = open()) {
      assertThatThrownBy(() -> service.acquire("/data/fresh.h5", LeaseMode.SHARED, Duration.ZERO))
          .as("restarted: the marker died with the old incarnation")
          .isInstanceOf(H5SwmrLockException.class);
    }
  }

  @Test
  void adminMarkFresh() throws Exception {
    REDIS.restart();
    ByteArrayOutputStream out = new ByteArrayOutputStream();
    ByteArrayOutputStream err = new ByteArrayOutputStream();
    int code =
        LockAdmin.run(
            new String[] {"mark-fresh", "--url", REDIS.url()},
            new PrintStream(out, true, StandardCharsets.UTF_8),
            new PrintStream(err, true, StandardCharsets.UTF_8),
            Map.of());
    assertThat(code).as(err.toString(StandardCharsets.UTF_8)).isZero();
    assertThat(out.toString(StandardCharsets.UTF_8)).contains("marked").contains("fresh");
    try (LockService service = open();
        Lease lease = service.acquire("/x.h5", LeaseMode.SHARED, Duration.ZERO)) {
      assertThat(lease.isValid()).isTrue();
    }
    int again =
        LockAdmin.run(
            new String[] {"mark-fresh", "--url", REDIS.url()},
            new PrintStream(out, true, StandardCharsets.UTF_8),
            new PrintStream(err, true, StandardCharsets.UTF_8),
            Map.of());
    assertThat(again).isEqualTo(1);
    assertThat(out.toString(StandardCharsets.UTF_8)).contains("already holds data");
  }
}
