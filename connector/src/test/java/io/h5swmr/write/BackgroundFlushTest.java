package io.h5swmr.write;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class BackgroundFlushTest {
  @TempDir Path dir;

  @Test
  void flushesOnceEachTimeAnotherStretchWasWrittenAndFinishesQuietly() throws Exception {
    Path f = dir.resolve("data.bin");
    Files.write(f, new byte[4096]);
    try (BackgroundFlush flush = BackgroundFlush.of(f)) {
      flush.wrote(BackgroundFlush.EVERY_BYTES - 1);
      flush.finish();
      assertThat(flush.flushes())
          .as("nothing due below the threshold: no thread, no fsync")
          .isZero();
    }
    try (BackgroundFlush flush = BackgroundFlush.of(f)) {
      flush.wrote(BackgroundFlush.EVERY_BYTES);
      // finish() stops the thread only after the flush requested before it: wait for it to be taken
      // first.
      awaitFlushes(flush, 1);
      flush.wrote(BackgroundFlush.EVERY_BYTES / 2);
      flush.finish();
      assertThat(flush.flushes()).as("half a stretch more is not due").isEqualTo(1);
    }
  }

  @Test
  void aFlushThatFailedFailsFinishSoTheCommitCannotPublish() throws Exception {
    Path gone = dir.resolve("removed.bin");
    try (BackgroundFlush flush = BackgroundFlush.of(gone)) {
      flush.wrote(BackgroundFlush.EVERY_BYTES);
      assertThatThrownBy(flush::finish)
          .isInstanceOf(IOException.class)
          .hasMessageContaining("background fsync of " + gone + " failed");
    }
  }

  private static void awaitFlushes(BackgroundFlush flush, int n) throws InterruptedException {
    long deadline = System.nanoTime() + 30_000_000_000L;
    while (flush.flushes() < n && System.nanoTime() < deadline) {
      Thread.sleep(5);
    }
    assertThat(flush.flushes()).isEqualTo(n);
  }
}
