package io.h5swmr.hdf5;

import static org.assertj.core.api.Assertions.assertThat;

import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * The HDF5 C library is not thread-safe: this drives it from several threads at once (private files
 * written and read back, one shared file read through separate handles) and checks every value;
 * without the native guard this corrupts library state or crashes the JVM.
 */
class H5ConcurrencyTest {
  private static final int THREADS = 6;
  private static final int ITERATIONS = 12;
  private static final int ROWS = 20_000;

  @TempDir Path dir;

  @Test
  void threadsWritingAndReadingAtOnceSeeTheirOwnData() throws Exception {
    String shared = dir.resolve("shared.h5").toString();
    double[] values = new double[ROWS];
    for (int i = 0; i < ROWS; i++) {
      values[i] = i * 0.25;
    }
    try (H5File f = H5File.create(shared);
        H5Dataset d =
            f.createDataset(
                "/v", H5DatasetSpec.of(H5Type.float64()).withChunkRows(1000).withDeflate(1))) {
      d.append(ROWS, H5ColumnWrite.from(values, 0));
    }
    H5Type row = H5Type.compound(List.of("k", "s"), List.of(H5Type.int32(), H5Type.vlenUtf8()));
    ExecutorService pool = Executors.newFixedThreadPool(THREADS);
    CountDownLatch start = new CountDownLatch(1);
    AtomicInteger checked = new AtomicInteger();
    List<Future<?>> futures = new ArrayList<>();
    try {
      for (int t = 0; t < THREADS; t++) {
        int thread = t;
        futures.add(
            pool.submit(
                () -> {
                  start.await();
                  for (int it = 0; it < ITERATIONS; it++) {
                    String own = dir.resolve("t" + thread + "-" + it + ".h5").toString();
                    int n = 500 + thread * 37 + it;
                    int[] keys = new int[n];
                    String[] strings = new String[n];
                    for (int i = 0; i < n; i++) {
                      keys[i] = thread * 1_000_000 + it * 1000 + i;
                      strings[i] = "t" + thread + "/" + i;
                    }
                    try (H5File f = H5File.create(own);
                        H5Dataset d =
                            f.createDataset("/rows", H5DatasetSpec.of(row).withChunkRows(64))) {
                      d.append(
                          n, H5ColumnWrite.from(keys, 0, "k"), H5ColumnWrite.from(strings, 0, "s"));
                      int[] k = new int[n];
                      String[] s = new String[n];
                      d.read(0, n, H5ColumnRead.into(k, 0, "k"), H5ColumnRead.into(s, 0, "s"));
                      assertThat(k).isEqualTo(keys);
                      assertThat(s).isEqualTo(strings);
                    }
                    int from = (thread * 3001 + it * 997) % (ROWS - 1000);
                    try (H5File f = H5File.openReadOnly(shared);
                        H5Dataset d = f.openDataset("/v")) {
                      double[] got = (double[]) d.readColumn(from, 1000);
                      for (int i = 0; i < got.length; i++) {
                        assertThat(got[i]).isEqualTo((from + i) * 0.25);
                      }
                    }
                    checked.incrementAndGet();
                  }
                  return null;
                }));
      }
      start.countDown();
      for (Future<?> f : futures) {
        f.get(5, TimeUnit.MINUTES);
      }
    } finally {
      pool.shutdownNow();
    }
    assertThat(checked.get()).isEqualTo(THREADS * ITERATIONS);
  }

  @Test
  void guardIsHeldInsideNativeCallsAndReentrant() throws Exception {
    assertThat(H5Native.heldByCurrentThread()).isFalse();
    boolean nested = H5Native.call(() -> H5Native.call(H5Native::heldByCurrentThread));
    assertThat(nested).isTrue();
    assertThat(H5Native.heldByCurrentThread()).isFalse();
  }
}
