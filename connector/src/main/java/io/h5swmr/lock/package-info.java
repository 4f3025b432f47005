/**
 * Reader–writer leases kept in Redis: the lock service every reader and writer of an HDF5 file goes
 * through.
 *
 * <p>Owns: {@link io.h5swmr.lock.LockService} (acquire shared or exclusive leases, one service per
 * JVM and settings), {@link io.h5swmr.lock.Lease} (renewed every TTL/3, loss detected with a
 * monotonic clock, fencing token of exclusive leases), {@link io.h5swmr.lock.LockSettings} and the
 * Redis URL forms ({@link io.h5swmr.lock.RedisEndpoint}: standalone, TLS, Sentinel, Cluster;
 * passwords redacted), the resource names and keys ({@link io.h5swmr.lock.LockKeys}), the Lua
 * scripts that make every acquire, renew and release one atomic call (resources {@code
 * io/h5swmr/lock/*.lua}), writer preference, the hold-back after a Redis restart, pub/sub wake-ups,
 * and the admin command {@link io.h5swmr.lock.LockAdmin}.
 *
 * <p>The protocol is a contract shared with the Python package: docs/lock-service.md states it
 * precisely enough for a second implementation.
 *
 * <p>May import: {@code io.h5swmr.exceptions} only. Knows neither Spark nor HDF5 nor h5swmr's
 * options ({@code config} builds {@link io.h5swmr.lock.LockSettings} from them, not the other way
 * round).
 */
package io.h5swmr.lock;
