package io.h5swmr.hdf5;

import io.h5swmr.hdf5.driver.NativeGuard;

/**
 * The one door to the native HDF5 library.
 *
 * <p>Loads the bytedeco natives once per JVM before {@code hdf.hdf5lib.H5} is touched, pointing the
 * official Java API at the library JavaCPP already loaded so that its static initialiser neither
 * searches {@code java.library.path} nor prints a stack trace. The HDF5 build shipped by bytedeco
 * is not thread-safe, so every native call goes through {@link #call}, which holds one process-wide
 * re-entrant lock. The lock itself is {@link NativeGuard}, in the storage driver's package below
 * this one, which the driver's callbacks share.
 */
public final class H5Native {
  private H5Native() {}

  /** Loads the native library if this JVM has not yet; cheap after the first call. */
  public static void ensureLoaded() {
    NativeGuard.ensureLoaded();
  }

  /** A native action that may throw the HDF5 library's checked exceptions. */
  @FunctionalInterface
  public interface NativeAction<T> {
    T run() throws Exception;
  }

  /** Runs {@code action} holding the process-wide HDF5 guard. */
  public static <T> T call(NativeAction<T> action) throws Exception {
    return NativeGuard.call(action::run);
  }

  /**
   * Runs {@code block}, which makes native calls of its own (each taking the guard again), holding
   * the guard throughout, so that no other thread's native call comes between them. Its exceptions
   * pass through unchanged.
   */
  public static <T> T exclusively(java.util.function.Supplier<T> block) {
    return NativeGuard.exclusively(block);
  }

  /** True when the current thread holds the native guard (for assertions in tests). */
  public static boolean heldByCurrentThread() {
    return NativeGuard.heldByCurrentThread();
  }
}
