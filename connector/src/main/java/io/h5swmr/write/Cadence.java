package io.h5swmr.write;

import java.time.Duration;

/**
 * "At most once per interval" for a costly step a long-lived writer repeats at each commit (the
 * {@code /proc} scan for native writers, the cleaning of leftovers beside the target): due at
 * first, then again once {@code interval} has passed since it was last {@link #done}. An interval
 * of 0 makes it due every time. One instance per writer and step; not thread-safe (a writer commits
 * from one thread at a time).
 */
final class Cadence {
  private final long intervalNanos;
  private long lastNanos;
  private boolean done;

  private Cadence(long intervalNanos) {
    this.intervalNanos = intervalNanos;
  }

  /** Due every time. */
  static Cadence always() {
    return new Cadence(0);
  }

  static Cadence atMostEvery(Duration interval) {
    return new Cadence(interval.toNanos());
  }

  /** Whether this is due every time (no interval). */
  boolean everyTime() {
    return intervalNanos == 0;
  }

  boolean due() {
    return !done || System.nanoTime() - lastNanos >= intervalNanos;
  }

  /** The step ran now. */
  void done() {
    done = true;
    lastNanos = System.nanoTime();
  }
}
