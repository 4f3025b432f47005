package io.h5swmr.it.reliability;

import io.h5swmr.exceptions.H5SwmrException;
import io.h5swmr.lock.LockSettings;
import io.h5swmr.write.H5SwmrAppender;
import java.io.BufferedReader;
import java.nio.file.Path;
import java.time.Duration;
import java.util.Random;

/**
 * A plain-Java appender process. Args: {@code redisUrl prefix ttlMs file writerId maxBlocks delayMs
 * seed}. Prints {@code READY}, waits for {@code GO}, then appends blocks of 1–64 rows (see {@link
 * History}) with {@link H5SwmrAppender}, printing {@code BEGIN <w> <seq>} before each and {@code
 * ACK <w> <seq> at=<millis>} or {@code FAIL <w> <seq> at=<millis> <exception>} after, until {@code
 * maxBlocks} were acknowledged or {@code STOP} arrives on stdin; then {@code END acks=<n>
 * fails=<n>}. A failed append is retried as a new block.
 */
public final class AppenderWorker {
  private AppenderWorker() {}

  public static void main(String[] a) throws Exception {
    io.h5swmr.hdf5.journal.CommitHook hook = io.h5swmr.testing.CommitPause.fromProperty();
    LockSettings settings =
        LockSettings.builder()
            .redisUrl(a[0])
            .keyPrefix(a[1])
            .leaseTtl(Duration.ofMillis(Long.parseLong(a[2])))
            .acquireTimeout(Duration.ofSeconds(60))
            .connectTimeout(Duration.ofSeconds(2))
            .build();
    Path file = Path.of(a[3]);
    int writer = Integer.parseInt(a[4]);
    int max = Integer.parseInt(a[5]);
    long delay = Long.parseLong(a[6]);
    Random rnd = new Random(Long.parseLong(a[7]));
    BufferedReader in = WorkerStdin.awaitGo();
    WorkerStdin.watchForStop(in);
    int acks = 0;
    int fails = 0;
    long seq = 0;
    try (H5SwmrAppender app =
        io.h5swmr.write.HookedWriters.appender(
            file, History.DATASET, History.SCHEMA, settings, hook)) {
      while (acks < max && !WorkerStdin.stopRequested()) {
        seq++;
        int rows = 1 + rnd.nextInt(64);
        System.out.println("BEGIN " + writer + " " + seq);
        try {
          app.append(History.block(writer, seq, rows));
          acks++;
          System.out.println("ACK " + writer + " " + seq + " at=" + System.currentTimeMillis());
        } catch (H5SwmrException e) {
          fails++;
          System.out.println(
              "FAIL "
                  + writer
                  + " "
                  + seq
                  + " at="
                  + System.currentTimeMillis()
                  + " "
                  + e.getClass().getSimpleName()
                  + ": "
                  + firstLine(e.getMessage()));
          Thread.sleep(
              50); // back off after a failure (Redis down, lease lost): no event to wait for
        }
        if (delay > 0) {
          Thread.sleep(delay); // pacing between appends, part of the workload
        }
      }
    }
    System.out.println("END acks=" + acks + " fails=" + fails);
    System.out.flush();
    System.exit(0);
  }

  static String firstLine(String s) {
    if (s == null) {
      return "";
    }
    int nl = s.indexOf('\n');
    return nl < 0 ? s : s.substring(0, nl);
  }
}
