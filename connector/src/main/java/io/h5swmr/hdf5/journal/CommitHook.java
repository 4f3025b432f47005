package io.h5swmr.hdf5.journal;

/**
 * Told the name of every commit step as it is reached. A writer hands one to {@link
 * JournalTransaction#open} (and a {@link JournalSession#commit}); production writers pass {@link
 * #NONE}, tests pass one to kill, stop or observe a writer at a chosen step. There is no
 * process-wide hook here: a hook reaches a commit only as a parameter.
 */
@FunctionalInterface
public interface CommitHook {
  /** Does nothing: the hook of every production commit. */
  CommitHook NONE = step -> {};

  void reached(String step);
}
