package io.h5swmr.hdf5.journal;

/**
 * Told the name of every commit step as it is reached. Production code never installs one (the default does
 * nothing); tests install one to kill, stop or observe a writer at a chosen step.
 */
@FunctionalInterface
public interface CommitHook {
  CommitHook NONE = step -> { };

  void reached(String step);

  /** The hook of this process: {@link #NONE} unless a test installed another. */
  static CommitHook current() {
    return Installed.hook;
  }

  /** Tests only: installs {@code hook} for every commit of this process ({@code null} restores {@link #NONE}). */
  static void install(CommitHook hook) {
    Installed.hook = hook == null ? NONE : hook;
  }

  /** Holder of the installed hook. */
  final class Installed {
    private static volatile CommitHook hook = NONE;

    private Installed() {}
  }
}
