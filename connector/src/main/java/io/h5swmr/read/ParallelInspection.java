package io.h5swmr.read;

import io.h5swmr.exceptions.H5SwmrException;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Future;
import java.util.concurrent.LinkedBlockingQueue;
import java.util.concurrent.ThreadPoolExecutor;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.function.IntFunction;

/**
 * Driver-side per-file planning work in parallel: the HDF5 calls of different files still take
 * turns on the native guard, but each file's lease round trips to Redis and its file-system calls
 * overlap with the other files' native work. A small daemon pool shared by all scans of the JVM;
 * results come back in input order and the failure of the first failing file (in that order) is
 * rethrown as it was.
 */
final class ParallelInspection {
  /** Threads planning files at once: enough to hide Redis round trips behind the native work. */
  static final int THREADS = 8;

  private static final ExecutorService POOL = pool();

  private ParallelInspection() {}

  private static ExecutorService pool() {
    AtomicInteger n = new AtomicInteger();
    ThreadPoolExecutor p =
        new ThreadPoolExecutor(
            THREADS,
            THREADS,
            30,
            TimeUnit.SECONDS,
            new LinkedBlockingQueue<>(),
            r -> {
              Thread t = new Thread(r, "h5swmr-plan-" + n.incrementAndGet());
              t.setDaemon(true);
              return t;
            });
    p.allowCoreThreadTimeOut(true);
    return p;
  }

  /** {@code work.apply(i)} for every index of {@code items}, in parallel when there are several. */
  static <T> List<T> map(List<?> items, IntFunction<T> work) {
    List<T> out = new ArrayList<>(items.size());
    if (items.size() <= 1) {
      for (int i = 0; i < items.size(); i++) {
        out.add(work.apply(i));
      }
      return out;
    }
    List<Future<T>> futures = new ArrayList<>(items.size());
    try {
      for (int i = 0; i < items.size(); i++) {
        int k = i;
        futures.add(POOL.submit(() -> work.apply(k)));
      }
      for (Future<T> f : futures) {
        out.add(f.get());
      }
      return out;
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      throw new H5SwmrException("Interrupted while planning " + items.size() + " files", e);
    } catch (ExecutionException e) {
      Throwable c = e.getCause();
      if (c instanceof RuntimeException) {
        throw (RuntimeException) c;
      }
      if (c instanceof Error) {
        throw (Error) c;
      }
      throw new H5SwmrException("Planning failed: " + c, c);
    } finally {
      for (Future<T> f : futures) {
        f.cancel(true);
      }
    }
  }
}
