package io.h5swmr.lock;

import java.util.concurrent.ConcurrentHashMap;

/**
 * The per-JVM lock services: one {@link LockService} per {@link LockSettings}, created on first use
 * and closed by a shutdown hook (which releases the leases still held, so other processes need not
 * wait for them to expire).
 */
final class LockRegistry {
  private static final ConcurrentHashMap<LockSettings, LockService> SHARED =
      new ConcurrentHashMap<>();

  static {
    Runtime.getRuntime()
        .addShutdownHook(
            new Thread(
                () -> {
                  for (LockService s : SHARED.values()) {
                    s.shutdown();
                  }
                },
                "h5swmr-lock-shutdown"));
  }

  private LockRegistry() {}

  /** The JVM-wide service for these settings; a closed one is replaced. */
  static LockService get(LockSettings settings) {
    LockService s = SHARED.get(settings);
    if (s != null && !s.isClosed()) {
      return s;
    }
    return SHARED.compute(
        settings, (k, old) -> old != null && !old.isClosed() ? old : new LockService(k, true));
  }

  /** Forgets {@code service} (called when it shuts down). */
  static void remove(LockSettings settings, LockService service) {
    SHARED.remove(settings, service);
  }
}
