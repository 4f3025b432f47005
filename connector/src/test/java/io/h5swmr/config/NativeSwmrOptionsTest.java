package io.h5swmr.config;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.h5swmr.exceptions.H5SwmrConfigException;
import java.util.Map;
import org.junit.jupiter.api.Test;

/** Options {@code lock} and {@code clearStaleFlags} (README "Native SWMR files"). */
class NativeSwmrOptionsTest {
  @Test
  void defaultsAreRedisAndRefuse() {
    H5SwmrOptions o = H5SwmrOptions.of(Map.of());
    assertThat(o.lockMode()).isEqualTo(H5SwmrOptions.LockMode.REDIS);
    assertThat(o.clearStaleFlags()).isFalse();
  }

  @Test
  void optionsBeatSessionConfAndNamesAreCaseInsensitive() {
    Map<String, String> session =
        Map.of("spark.h5swmr.lock", "none", "spark.h5swmr.clearStaleFlags", "true");
    H5SwmrOptions fromSession = H5SwmrOptions.of(Map.of(), session::get);
    assertThat(fromSession.lockMode()).isEqualTo(H5SwmrOptions.LockMode.NONE);
    assertThat(fromSession.clearStaleFlags()).isTrue();
    H5SwmrOptions given =
        H5SwmrOptions.of(Map.of("LOCK", "Redis", "clearstaleflags", "FALSE"), session::get);
    assertThat(given.lockMode()).isEqualTo(H5SwmrOptions.LockMode.REDIS);
    assertThat(given.clearStaleFlags()).isFalse();
  }

  @Test
  void badValuesNameTheOption() {
    assertThatThrownBy(() -> H5SwmrOptions.of(Map.of("clearStaleFlags", "yes")))
        .isInstanceOf(H5SwmrConfigException.class)
        .hasMessage(
            "Option 'clearStaleFlags' has an invalid value 'yes': expected true or false (session conf: "
                + "spark.h5swmr.clearStaleFlags)");
  }
}
