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
 * A separate appender process for the Java chunk path: appends blocks of {@code blockRows} rows in
 * place to the gzip+shuffle float64 dataset {@code /x} (chunks smaller than a block, so every
 * append rewrites the partially filled last chunk), each block under the file's exclusive lease.
 * Row {@code i} holds {@link #value(long)}: small integers in even blocks (compress well), hashed
 * bit patterns in odd ones (do not), so a rewritten chunk changes size and HDF5 moves it. Prints
 * {@code BLOCK n} after each block; stops on a stdin line, prints {@code DONE}. Args: file, redis
 * URL, block rows.
 */
public final class GzipAppenderMain {
  private GzipAppenderMain() {}

  /** The value of row {@code i} when its block is {@code i / blockRows}. */
  static double value(long i, int blockRows) {
    if ((i / blockRows) % 2 == 0) {
      return i;
    }
    long z = i + 0x9E3779B97F4A7C15L;
    z = (z ^ (z >>> 30)) * 0xBF58476D1CE4E5B9L;
    z = (z ^ (z >>> 27)) * 0x94D049BB133111EBL;
    return Double.longBitsToDouble((z ^ (z >>> 31)) & 0x7FEFFFFFFFFFFFFFL); // finite
  }

  public static void main(String[] args) throws java.io.IOException {
    String file = args[0];
    LockService service = LockService.shared(LockSettings.builder().redisUrl(args[1]).build());
    int blockRows = Integer.parseInt(args[2]);
    String resource = LockKeys.forFile(Paths.get(file));
    for (int b = 0; System.in.available() == 0; b++) {
      try (Lease lease = service.acquireExclusive(resource);
          H5File f = H5File.openReadWrite(file);
          H5Dataset d = f.openDataset("/x")) {
        long first = d.rows();
        double[] v = new double[blockRows];
        for (int i = 0; i < blockRows; i++) {
          v[i] = value(first + i, blockRows);
        }
        d.append(blockRows, H5ColumnWrite.from(v, 0));
        f.flush();
        lease.checkValid();
      }
      System.out.println("BLOCK " + b);
      System.out.flush();
      // An instrument's cadence, not synchronization (writer preference would otherwise starve the
      // readers).
      java.util.concurrent.locks.LockSupport.parkNanos(20_000_000L);
    }
    System.out.println("DONE");
    System.out.flush();
    System.exit(0);
  }
}
