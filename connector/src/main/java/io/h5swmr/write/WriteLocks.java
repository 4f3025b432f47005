package io.h5swmr.write;

import io.h5swmr.config.H5SwmrOptions;
import io.h5swmr.exceptions.H5SwmrLockException;
import io.h5swmr.hdf5.journal.JournalTransaction;
import io.h5swmr.lock.Lease;
import io.h5swmr.lock.LockService;
import java.nio.file.Path;

/** The lock service and lock resource of a write target. */
final class WriteLocks {
  private final LockService service;
  private final String resource;

  private WriteLocks(LockService service, String resource) {
    this.service = service;
    this.resource = resource;
  }

  static WriteLocks of(H5SwmrOptions o, Path target) {
    return new WriteLocks(LockService.shared(o.lockSettings()), o.lockResource(target));
  }

  String resource() {
    return resource;
  }

  Lease shared() {
    return service.acquireShared(resource);
  }

  Lease exclusive() {
    return service.acquireExclusive(resource);
  }

  /**
   * True when a reader or writer queues for the target's lease (see {@link
   * LockService#hasWaiters}).
   */
  boolean othersWaiting() {
    return service.hasWaiters(resource);
  }

  /** True when {@code lease} is still valid locally and still the exclusive holder in Redis. */
  boolean stillHolds(Lease lease) {
    return lease.isValid() && service.isExclusiveHolder(resource, lease.token());
  }

  /** A commit fence over an exclusive lease: valid locally and still the holder in Redis. */
  JournalTransaction.Fence fence(Lease lease) {
    return new JournalTransaction.Fence() {
      @Override
      public long token() {
        return lease.token();
      }

      @Override
      public void verify() {
        lease.checkValid();
        if (!service.isExclusiveHolder(resource, lease.token())) {
          throw new H5SwmrLockException(
              "This writer no longer holds the exclusive lease on "
                  + resource
                  + " (fencing token "
                  + lease.token()
                  + " is not current): it was lost or taken over, so the commit "
                  + "stopped without publishing anything; the next writer cleans up");
        }
      }
    };
  }
}
