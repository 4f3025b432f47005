package io.h5swmr.lock;

import java.util.List;

/**
 * Snapshot of one lock for the admin listing: its live holders and waiters, read atomically from
 * Redis.
 *
 * @param resource lock name
 * @param holders live leases, exclusive first
 * @param waiters registered waiters in queue (ticket) order
 */
public record LockState(String resource, List<Holder> holders, List<Waiter> waiters) {

  public LockState {
    holders = List.copyOf(holders);
    waiters = List.copyOf(waiters);
  }

  /**
   * A live lease.
   *
   * @param mode shared or exclusive
   * @param leaseId lease id (for {@code forceRelease})
   * @param host host name of the holder
   * @param pid process id of the holder
   * @param sinceEpochMillis when it was granted (Redis server clock)
   * @param ageMillis how long it has been held
   * @param ttlLeftMillis time until it expires unless renewed
   * @param token fencing token (0 for shared)
   */
  public record Holder(
      LeaseMode mode,
      String leaseId,
      String host,
      long pid,
      long sinceEpochMillis,
      long ageMillis,
      long ttlLeftMillis,
      long token) {
    @Override
    public String toString() {
      return mode
          + " "
          + leaseId
          + " on "
          + host
          + " pid "
          + pid
          + " since "
          + java.time.Instant.ofEpochMilli(sinceEpochMillis)
          + " (held "
          + ageMillis
          + " ms, TTL left "
          + ttlLeftMillis
          + " ms"
          + (mode == LeaseMode.EXCLUSIVE ? ", token " + token : "")
          + ")";
    }
  }

  /**
   * A process waiting for a lease.
   *
   * @param mode wanted mode
   * @param waiterId id the lease will have once granted
   * @param host host name
   * @param pid process id
   * @param ticket queue position (smaller goes first)
   * @param waitingMillis how long it has been waiting
   */
  public record Waiter(
      LeaseMode mode, String waiterId, String host, long pid, long ticket, long waitingMillis) {
    @Override
    public String toString() {
      return mode
          + " waiter "
          + waiterId
          + " on "
          + host
          + " pid "
          + pid
          + " ticket "
          + ticket
          + " (waiting "
          + waitingMillis
          + " ms)";
    }
  }
}
