package io.h5swmr.read;

import io.h5swmr.hdf5.H5ColumnWrite;
import io.h5swmr.hdf5.H5Dataset;
import io.h5swmr.hdf5.H5File;
import io.h5swmr.lock.Lease;
import io.h5swmr.lock.LockKeys;
import io.h5swmr.lock.LockService;
import io.h5swmr.lock.LockSettings;
import java.nio.file.Paths;

/**
 * A separate appender process for snapshot tests: appends blocks of {@code blockRows} rows to the
 * compound dataset {@code /rec {seq int64, value float64, check int64}}, each block under the
 * file's exclusive lease. Row {@code i} has {@code seq = i}, {@code value = i * 0.25} and {@code
 * check} = sum of seq over its block, so a reader can verify it saw whole blocks only. Prints
 * {@code BLOCK n} after each block; stops after {@code maxBlocks} blocks or when a line arrives on
 * stdin, then prints {@code DONE}.
 *
 * <p>Args: file, redis URL, max blocks, block rows.
 */
public final class AppenderMain {
  private static final long CADENCE_NANOS = 20_000_000L;

  private AppenderMain() {}

  public static void main(String[] args) throws java.io.IOException {
    String file = args[0];
    LockSettings settings = LockSettings.builder().redisUrl(args[1]).build();
    int blocks = Integer.parseInt(args[2]);
    int blockRows = Integer.parseInt(args[3]);
    String resource = LockKeys.forFile(Paths.get(file));
    LockService service = LockService.shared(settings);
    for (int b = 0; b < blocks && System.in.available() == 0; b++) {
      try (Lease lease = service.acquireExclusive(resource);
          H5File f = H5File.openReadWrite(file);
          H5Dataset d = f.openDataset("/rec")) {
        long first = d.rows();
        long[] seq = new long[blockRows];
        double[] value = new double[blockRows];
        long[] check = new long[blockRows];
        long sum = 0;
        for (int i = 0; i < blockRows; i++) {
          seq[i] = first + i;
          value[i] = (first + i) * 0.25;
          sum += first + i;
        }
        java.util.Arrays.fill(check, sum);
        d.append(
            blockRows,
            H5ColumnWrite.from(seq, 0, "seq"),
            H5ColumnWrite.from(value, 0, "value"),
            H5ColumnWrite.from(check, 0, "check"));
        f.flush();
        lease.checkValid();
      }
      System.out.println("BLOCK " + b);
      System.out.flush();
      // An instrument's cadence between acquisitions, not synchronization: a writer re-requesting
      // the exclusive lease back to back would keep readers waiting under writer preference.
      java.util.concurrent.locks.LockSupport.parkNanos(CADENCE_NANOS);
    }
    System.out.println("DONE");
    System.out.flush();
    System.exit(0);
  }
}
