package io.h5swmr.it.reliability;

import io.h5swmr.hdf5.H5ColumnWrite;
import io.h5swmr.hdf5.H5Dataset;
import io.h5swmr.hdf5.H5File;
import io.h5swmr.lock.Lease;
import io.h5swmr.lock.LockKeys;
import io.h5swmr.lock.LockService;
import io.h5swmr.lock.LockSettings;
import java.io.BufferedReader;
import java.nio.file.FileAlreadyExistsException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.Arrays;

/**
 * One process of the classic SWMR mix (scenario 1). Args: {@code redisUrl prefix ttlMs file R|W
 * number dataset iterations markerFile peekDataset peekInitial}. Prints {@code READY}, waits for
 * {@code GO} on stdin, then:
 *
 * <ul>
 *   <li>reader: per iteration takes the shared lease, checks no writer's marker exists (else a
 *       double holder), reads its whole dataset and checks the shape, reads rows [0, 50) of writer
 *       dataset {@code peekDataset} and checks they hold one value (the initial one or one the
 *       writer wrote), checks the marker again and the lease, releases;
 *   <li>writer: per iteration takes the exclusive lease, creates the marker with CREATE_NEW
 *       (already there: a double holder), writes rows [0, 50) of its dataset in place (the last
 *       iteration writes its number, earlier ones {@code -(number*100+i)}), flushes, deletes the
 *       marker, checks the lease, releases.
 * </ul>
 *
 * Ends with {@code DONE ops=<n> torn=<n> double=<n> maxWaitMs=<n>}.
 */
public final class SwmrMixWorker {
  static final int COLS = 1500;
  static final int WRITE_ROWS = 50;

  private SwmrMixWorker() {}

  public static void main(String[] a) throws Exception {
    String url = a[0];
    String prefix = a[1];
    long ttl = Long.parseLong(a[2]);
    String file = a[3];
    boolean writer = a[4].equals("W");
    int number = Integer.parseInt(a[5]);
    String dataset = a[6];
    int iterations = Integer.parseInt(a[7]);
    Path marker = Path.of(a[8]);
    String peek = a[9];
    float peekInitial = Float.parseFloat(a[10]);
    LockSettings settings =
        LockSettings.builder()
            .redisUrl(url)
            .keyPrefix(prefix)
            .leaseTtl(Duration.ofMillis(ttl))
            .acquireTimeout(Duration.ofMinutes(5))
            .build();
    String resource = LockKeys.forFile(Path.of(file));
    BufferedReader in = WorkerStdin.awaitGo();
    long ops = 0;
    long torn = 0;
    long dbl = 0;
    long lost = 0;
    long maxWait = 0;
    try (LockService service = LockService.open(settings)) {
      int i = 0;
      while (i < iterations) {
        try {
          if (writer) {
            float v = i == iterations - 1 ? number : -(number * 100f + i);
            float[] rows = new float[WRITE_ROWS * COLS];
            Arrays.fill(rows, v);
            try (Lease lease = service.acquireExclusive(resource)) {
              maxWait = Math.max(maxWait, lease.waitNanos() / 1_000_000);
              boolean mine = false;
              try {
                Files.createFile(marker);
                mine = true;
              } catch (FileAlreadyExistsException e) {
                dbl++;
                System.out.println("DOUBLE writer found marker " + marker);
              }
              try (H5File h = H5File.openReadWrite(file);
                  H5Dataset ds = h.openDataset(dataset)) {
                ds.write(0, WRITE_ROWS, H5ColumnWrite.from(rows, 0));
                h.flush();
              } finally {
                if (mine) {
                  Files.deleteIfExists(marker);
                }
              }
              if (!lease.isValid()) {
                System.out.println(
                    "LOSTWRITE lease lost during an in-place write (process starved > TTL)");
              }
              lease.checkValid();
            }
          } else {
            try (Lease lease = service.acquireShared(resource)) {
              maxWait = Math.max(maxWait, lease.waitNanos() / 1_000_000);
              boolean seen = Files.exists(marker);
              long t = 0;
              try (H5File h =
                  H5File.openReadOnly(file, io.h5swmr.hdf5.journal.JournalOverlay.COMMITTED)) {
                t += readOwn(h, dataset);
                t += peek(h, peek, peekInitial);
              }
              seen |= Files.exists(marker);
              lease.checkValid(); // a lost lease invalidates this read: retried below, not counted
              if (seen) {
                dbl++;
                System.out.println(
                    "DOUBLE reader saw writer marker " + marker + " while its lease was valid");
              }
              torn += t;
            }
          }
          ops++;
          i++;
        } catch (io.h5swmr.exceptions.H5SwmrLeaseLostException e) {
          lost++;
          System.out.println("LOST " + e.getMessage());
        }
      }
    }
    System.out.println(
        "DONE ops="
            + ops
            + " torn="
            + torn
            + " double="
            + dbl
            + " maxWaitMs="
            + maxWait
            + " lost="
            + lost);
    System.out.flush();
    System.exit(0);
  }

  private static long readOwn(H5File h, String dataset) {
    try (H5Dataset ds = h.openDataset(dataset)) {
      long[] dims = ds.info().dims();
      long expectRows = Long.parseLong(System.getProperty("rows"));
      if (dims.length != 2 || dims[0] != expectRows || dims[1] != COLS) {
        System.out.println("TORN shape " + Arrays.toString(dims));
        return 1;
      }
      float[] all = (float[]) ds.readColumn(0, dims[0]);
      return all.length == dims[0] * COLS ? 0 : 1;
    }
  }

  /**
   * Rows [0, 50) of a writer's dataset must hold one value: the initial one or one the writer
   * wrote.
   */
  private static long peek(H5File h, String peek, float peekInitial) {
    try (H5Dataset ds = h.openDataset(peek)) {
      float[] head = (float[]) ds.readColumn(0, WRITE_ROWS);
      float first = head[0];
      boolean known = first == peekInitial || first == Math.round(first);
      for (float f : head) {
        if (f != first) {
          known = false;
          break;
        }
      }
      if (!known) {
        System.out.println("TORN rows [0,50) of " + peek + " mix values, first " + first);
        return 1;
      }
      return 0;
    }
  }
}
