package io.h5swmr.it.reliability;

import java.io.BufferedReader;
import java.io.IOException;
import java.io.InputStreamReader;
import java.nio.charset.StandardCharsets;

/**
 * The stdin protocol every worker process of the suite speaks: it prints {@code READY}, waits for
 * {@code GO} (anything else, or end of input, exits with code 3), and then a {@code STOP} line asks
 * its loop to end.
 */
final class WorkerStdin {
  private static volatile boolean stopRequested;

  private WorkerStdin() {}

  /** Prints READY and blocks until the parent says GO; returns stdin for later lines. */
  static BufferedReader awaitGo() throws IOException {
    System.out.println("READY");
    BufferedReader in =
        new BufferedReader(new InputStreamReader(System.in, StandardCharsets.UTF_8));
    if (!"GO".equals(in.readLine())) {
      System.exit(3);
    }
    return in;
  }

  /** Watches the rest of stdin on a daemon thread; a STOP line sets {@link #stopRequested()}. */
  static void watchForStop(BufferedReader in) {
    Thread t =
        new Thread(
            () -> {
              try {
                String l;
                while ((l = in.readLine()) != null) {
                  if (l.equals("STOP")) {
                    stopRequested = true;
                  }
                }
              } catch (IOException ignored) {
                // parent gone
              }
            },
            "stdin");
    t.setDaemon(true);
    t.start();
  }

  static boolean stopRequested() {
    return stopRequested;
  }
}
