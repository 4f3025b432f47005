package io.h5swmr.read;

import io.h5swmr.hdf5.H5MemKind;
import java.lang.ref.SoftReference;
import java.util.ArrayList;
import java.util.Iterator;
import java.util.List;

/**
 * Per-thread pool of the large primitive arrays a reader fills with one partition's values, so
 * consecutive partitions on an executor thread reuse them instead of allocating (and zeroing)
 * hundreds of MiB each time. A reader takes arrays out (they are then its own until it gives them
 * back), so two readers interleaved on one thread never share an array. Pooled arrays are softly
 * referenced: the GC may reclaim them under pressure.
 */
final class ArrayPool {
  private static final int MAX_POOLED = 64;
  private static final ThreadLocal<List<SoftReference<Object>>> POOL =
      ThreadLocal.withInitial(ArrayList::new);

  private ArrayPool() {}

  /** An array of {@code kind} with at least {@code n} elements; strings are never pooled. */
  static Object take(H5MemKind kind, int n) {
    if (kind != H5MemKind.STRING) {
      Iterator<SoftReference<Object>> it = POOL.get().iterator();
      while (it.hasNext()) {
        Object a = it.next().get();
        if (a == null) {
          it.remove();
        } else if (a.getClass() == kind.arrayClass()
            && java.lang.reflect.Array.getLength(a) >= n
            && java.lang.reflect.Array.getLength(a) <= 2L * n + 4096) {
          it.remove();
          return a;
        }
      }
    }
    return ReadPlan.newArray(kind, n);
  }

  /** Gives arrays back to this thread's pool (nulls and String arrays are ignored). */
  static void giveBack(Object[] arrays) {
    if (arrays == null) {
      return;
    }
    List<SoftReference<Object>> pool = POOL.get();
    for (Object a : arrays) {
      if (a != null && !(a instanceof String[]) && pool.size() < MAX_POOLED) {
        pool.add(new SoftReference<>(a));
      }
    }
  }
}
