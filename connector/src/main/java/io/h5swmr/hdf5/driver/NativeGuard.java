package io.h5swmr.hdf5.driver;

import io.h5swmr.exceptions.H5SwmrException;
import java.util.concurrent.locks.ReentrantLock;

/**
 * The process-wide guard of the native HDF5 library, at the bottom of the HDF5 layers so that this
 * storage driver and the HDF5 layer above it ({@code io.h5swmr.hdf5.H5Native}, which every other
 * class goes through) share one lock without the driver depending on that layer.
 *
 * <p>Loads the bytedeco natives once per JVM before {@code hdf.hdf5lib.H5} is touched, pointing the
 * official Java API at the library JavaCPP already loaded so that its static initialiser neither
 * searches {@code java.library.path} nor prints a stack trace. The HDF5 build shipped by bytedeco
 * is not thread-safe, so every native call holds one process-wide re-entrant lock.
 */
public final class NativeGuard {
  private static final ReentrantLock GUARD = new ReentrantLock();
  private static volatile boolean loaded;

  private NativeGuard() {}

  /** A native action that may throw the HDF5 library's checked exceptions. */
  @FunctionalInterface
  public interface Action<T> {
    T run() throws Exception;
  }

  /** Loads the native library if this JVM has not yet; cheap after the first call. */
  public static void ensureLoaded() {
    if (loaded) {
      return;
    }
    synchronized (NativeGuard.class) {
      if (loaded) {
        return;
      }
      try {
        String path = org.bytedeco.javacpp.Loader.load(org.bytedeco.hdf5.hdf5_java.class);
        if (path != null && System.getProperty("hdf.hdf5lib.H5.hdf5lib") == null) {
          System.setProperty("hdf.hdf5lib.H5.hdf5lib", path);
        }
        GUARD.lock();
        try {
          hdf.hdf5lib.H5.H5open();
          // Errors come back as exceptions; the C library's own stderr dump would only be noise.
          hdf.hdf5lib.H5.H5error_off();
        } finally {
          GUARD.unlock();
        }
        loaded = true;
      } catch (Throwable t) {
        throw new H5SwmrException(
            "Could not load the native HDF5 library (org.bytedeco:hdf5 "
                + "for "
                + System.getProperty("os.name")
                + "/"
                + System.getProperty("os.arch")
                + "): "
                + t,
            t);
      }
    }
  }

  /** Runs {@code action} holding the process-wide HDF5 guard (loading the library first). */
  public static <T> T call(Action<T> action) throws Exception {
    ensureLoaded();
    GUARD.lock();
    try {
      return action.run();
    } finally {
      GUARD.unlock();
    }
  }

  /**
   * Runs {@code block}, which makes native calls of its own (each taking the guard again), holding
   * the guard throughout, so that no other thread's native call comes between them. Its exceptions
   * pass through unchanged.
   */
  public static <T> T exclusively(java.util.function.Supplier<T> block) {
    ensureLoaded();
    GUARD.lock();
    try {
      return block.get();
    } finally {
      GUARD.unlock();
    }
  }

  /** True when the current thread holds the guard (for assertions in tests). */
  public static boolean heldByCurrentThread() {
    return GUARD.isHeldByCurrentThread();
  }
}
