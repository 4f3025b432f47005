package io.h5swmr.testing;

import io.h5swmr.hdf5.journal.CommitHook;

/**
 * Test-only commit hooks for child JVMs: {@link #fromProperty()} reads {@code
 * -Dh5swmr.test.commitPause=<step>} once, in the child's main, and returns a {@link CommitHook}
 * that, at that step, prints {@code H5SWMR-PAUSE <step>} and blocks forever (the parent then kills
 * or stops the process there). The child hands it to the writer it builds, or, for a write Spark
 * builds, sets it with {@code io.h5swmr.write.HookedWriters.sparkWrites}. Production code has no
 * such property: a commit only blocks where a test passed a hook.
 */
public final class CommitPause {
  public static final String PROPERTY = "h5swmr.test.commitPause";

  /**
   * At this step: print {@code H5SWMR-AT <step>}, then wait for one line on stdin before going on.
   */
  public static final String STOP_PROPERTY = "h5swmr.test.commitStop";

  /**
   * Step and label of the calling thread's pause ({@link #pauseThisThreadAt}); null when it has
   * none.
   */
  private static final ThreadLocal<String[]> THREAD_PAUSE = new ThreadLocal<>();

  private CommitPause() {}

  /** The pausing hook the properties ask for, or {@link CommitHook#NONE} when neither is set. */
  public static CommitHook fromProperty() {
    String stop = System.getProperty(STOP_PROPERTY);
    if (stop != null && !stop.isEmpty()) {
      java.io.BufferedReader in =
          new java.io.BufferedReader(
              new java.io.InputStreamReader(System.in, java.nio.charset.StandardCharsets.UTF_8));
      return s -> {
        if (s.equals(stop)) {
          System.out.println("H5SWMR-AT " + s);
          System.out.flush();
          try {
            in.readLine();
          } catch (java.io.IOException e) {
            throw new java.io.UncheckedIOException(e);
          }
        }
      };
    }
    String step = System.getProperty(PROPERTY);
    if (step == null || step.isEmpty()) {
      return CommitHook.NONE;
    }
    return s -> {
      if (s.equals(step)) {
        System.out.println("H5SWMR-PAUSE " + s);
        System.out.flush();
        blockForever();
      }
    };
  }

  /**
   * A hook that pauses each thread at its own step, set by {@link #pauseThisThreadAt}: at that step
   * it prints {@code H5SWMR-PAUSE <step> <label>} and blocks forever. One process then holds many
   * commits (to different files), each stopped at a chosen step, and one {@code kill -9} interrupts
   * them all there.
   */
  public static CommitHook perThread() {
    return s -> {
      String[] p = THREAD_PAUSE.get();
      if (p != null && s.equals(p[0])) {
        System.out.println("H5SWMR-PAUSE " + s + " " + p[1]);
        System.out.flush();
        blockForever();
      }
    };
  }

  /**
   * The calling thread's commits pause at {@code step}, printing {@code label} (see {@link
   * #perThread}).
   */
  public static void pauseThisThreadAt(String step, String label) {
    THREAD_PAUSE.set(new String[] {step, label});
  }

  private static void blockForever() {
    Object never = new Object();
    synchronized (never) {
      while (true) {
        try {
          never.wait();
        } catch (InterruptedException e) {
          Thread.currentThread().interrupt();
          throw new IllegalStateException("paused commit interrupted");
        }
      }
    }
  }
}
