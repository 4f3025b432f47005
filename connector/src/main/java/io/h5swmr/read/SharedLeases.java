package io.h5swmr.read;

import io.h5swmr.config.H5SwmrOptions;
import io.h5swmr.lock.Lease;
import io.h5swmr.lock.LockService;
import java.util.ArrayList;
import java.util.List;
import java.util.function.Function;

/**
 * Driver-side work on each file under its shared lease (none with option {@code lock=none}), in
 * parallel through {@link ParallelInspection}: what a scan's inspection and a catalog read share.
 */
final class SharedLeases {
  private SharedLeases() {}

  /**
   * {@code work.apply(file)} for every file, each under a shared lease that is checked still valid
   * after the work; results in input order.
   */
  static <T> List<T> map(List<String> files, H5SwmrOptions o, Function<String, T> work) {
    LockService service =
        o.lockMode() == H5SwmrOptions.LockMode.NONE ? null : LockService.shared(o.lockSettings());
    List<String> resources = new ArrayList<>(files.size());
    for (String file : files) {
      resources.add(o.lockResource(file));
    }
    return ParallelInspection.map(
        files,
        i -> {
          if (service == null) {
            return work.apply(files.get(i)); // option lock=none
          }
          try (Lease lease = service.acquireShared(resources.get(i))) {
            T m = work.apply(files.get(i));
            lease.checkValid();
            return m;
          }
        });
  }
}
