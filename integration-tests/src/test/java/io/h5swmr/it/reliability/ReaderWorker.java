package io.h5swmr.it.reliability;

import io.h5swmr.lock.Lease;
import io.h5swmr.lock.LockKeys;
import io.h5swmr.lock.LockService;
import io.h5swmr.lock.LockSettings;
import java.io.BufferedReader;
import java.io.PrintWriter;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;

/**
 * A plain-Java reader process. Args: {@code redisUrl prefix ttlMs file mode [snapshotFile]}. Prints
 * {@code READY} and waits for {@code GO}. Mode {@code hold}: takes the shared lease, reads and
 * checks the whole history, prints {@code HOLDING torn=<n> blocks=<n>} and keeps the lease until
 * killed. Mode {@code loop}: reads the history under a shared lease again and again until {@code
 * STOP}, appending every snapshot that differs from the previous one to {@code snapshotFile} (block
 * ids separated by spaces), then prints {@code END reads=<n> torn=<n> errors=<n>}.
 */
public final class ReaderWorker {
  private ReaderWorker() {}

  public static void main(String[] a) throws Exception {
    LockSettings settings =
        LockSettings.builder()
            .redisUrl(a[0])
            .keyPrefix(a[1])
            .leaseTtl(Duration.ofMillis(Long.parseLong(a[2])))
            .acquireTimeout(Duration.ofSeconds(60))
            .connectTimeout(Duration.ofSeconds(2))
            .build();
    Path file = Path.of(a[3]);
    String resource = LockKeys.forFile(file);
    BufferedReader in = WorkerStdin.awaitGo();
    try (LockService service = LockService.open(settings)) {
      if (a[4].equals("hold")) {
        Lease lease = service.acquireShared(resource);
        History.Snapshot s = History.read(file);
        System.out.println(
            "HOLDING torn=" + s.torn + " blocks=" + s.blocks.size() + " lease=" + lease.id());
        System.out.flush();
        in.readLine(); // hold until killed (or stdin closes)
        System.exit(0);
      }
      WorkerStdin.watchForStop(in);
      long reads = 0;
      long torn = 0;
      long errors = 0;
      String last = null;
      try (PrintWriter out =
          new PrintWriter(Files.newBufferedWriter(Path.of(a[5]), StandardCharsets.UTF_8))) {
        while (!WorkerStdin.stopRequested()) {
          try (Lease lease = service.acquireShared(resource)) {
            History.Snapshot s = History.read(file);
            lease.checkValid();
            reads++;
            torn += s.torn;
            String line = String.join(" ", s.blocks);
            if (!line.equals(last)) {
              out.println(line);
              out.flush();
              last = line;
            }
          } catch (RuntimeException e) {
            errors++;
            Thread.sleep(50); // back off while Redis is down; no event to wait for
          }
        }
      }
      System.out.println("END reads=" + reads + " torn=" + torn + " errors=" + errors);
    }
    System.out.flush();
    System.exit(0);
  }
}
