package io.h5swmr.lock;

import java.util.function.Consumer;

/**
 * A held lease on one resource, renewed by the service's watchdog until {@link #close()}.
 *
 * <p>A lease can be lost (Redis forgot it, an admin force-released it, or no renewal succeeded
 * within the TTL as measured locally with {@link System#nanoTime()}); from then on {@link
 * #isValid()} is false, {@link #checkValid()} throws and the {@link #onLost} callbacks have run
 * once. Closing is idempotent and never throws because the lease was lost.
 */
public interface Lease extends AutoCloseable {

  /** The locked resource (usually a canonical file path, see {@link LockKeys#forFile}). */
  String resource();

  LeaseMode mode();

  /**
   * Unique id of this lease, as shown by the admin listing and accepted by {@code forceRelease}.
   */
  String id();

  /**
   * Fencing token: for exclusive leases strictly greater than every earlier exclusive token of the
   * same lock; 0 for shared leases.
   */
  long token();

  /** False once the lease is lost or closed; computed locally, without a Redis round trip. */
  boolean isValid();

  /**
   * @throws io.h5swmr.exceptions.H5SwmrLeaseLostException naming resource, mode, id and reason when
   *     invalid
   */
  void checkValid();

  /**
   * Registers a callback run once, from the watchdog thread, with the reason when the lease is lost
   * (at once if it is already lost). Not called on a normal {@link #close()}.
   */
  void onLost(Consumer<String> reason);

  /** Nanoseconds spent waiting for this lease. */
  long waitNanos();

  /** Wall-clock time the lease was granted. */
  long acquiredAtEpochMillis();

  /** Nanoseconds held so far, or until release once closed. */
  long holdNanos();

  /** Releases the lease; idempotent. */
  @Override
  void close();
}
