package io.h5swmr.read;

import io.h5swmr.config.H5SwmrOptions;
import io.h5swmr.lock.LockKeys;
import io.h5swmr.lock.LockSettings;
import java.nio.file.Paths;

/** Lock settings and lock resource names for reads. */
final class Leases {
  private Leases() {}

  static LockSettings settings(H5SwmrOptions o) {
    return LockSettings.builder()
        .redisUrl(o.redisUrl())
        .keyPrefix(o.lockPrefix())
        .leaseTtl(o.lockTtl())
        .acquireTimeout(o.lockTimeout())
        .connectTimeout(o.connectTimeout())
        .build();
  }

  /** The lock resource of {@code file}: the user's {@code lock.key}, else the canonical file path. */
  static String resource(String lockKey, String file) {
    return lockKey != null ? lockKey : LockKeys.forFile(Paths.get(file));
  }
}
