package io.h5swmr.write;

import static org.assertj.core.api.Assertions.assertThat;

import io.h5swmr.lock.LockSettings;
import io.h5swmr.testing.NativeWriterProcess;
import io.h5swmr.testing.RedisServerExtension;
import java.io.BufferedReader;
import java.io.InputStream;
import java.io.InputStreamReader;
import java.io.Writer;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.concurrent.BlockingQueue;
import java.util.concurrent.LinkedBlockingQueue;
import java.util.concurrent.TimeUnit;
import org.apache.spark.sql.types.DataTypes;
import org.apache.spark.sql.types.StructType;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;
import org.junit.jupiter.api.io.TempDir;

/**
 * What an h5py reader opened with {@code swmr=True} that calls {@code refresh()} sees while h5swmr
 * commits to the file (README "Native SWMR files"): after each commit, a refresh shows exactly the
 * committed rows; refreshing while commits run is measured and reported, not guaranteed (h5swmr is
 * not a SWMR writer).
 */
class NativeSwmrReaderTest {
  @RegisterExtension static final RedisServerExtension REDIS = RedisServerExtension.create();

  static final StructType SCHEMA =
      new StructType()
          .add("seq", DataTypes.LongType, false)
          .add("value", DataTypes.DoubleType, false);

  @TempDir Path dir;

  private long[] seqs(long from, int n) {
    long[] s = new long[n];
    for (int i = 0; i < n; i++) {
      s[i] = from + i;
    }
    return s;
  }

  private double[] values(long[] seq) {
    double[] v = new double[seq.length];
    for (int i = 0; i < seq.length; i++) {
      v[i] = seq[i] / 2.0;
    }
    return v;
  }

  @Test
  void anH5pySwmrReaderSeesEachCommitAfterRefresh() throws Exception {
    NativeWriterProcess.assumeAvailable();
    Path f = dir.resolve("shared.h5");
    LockSettings lock =
        LockSettings.builder().redisUrl(REDIS.url()).leaseTtl(Duration.ofSeconds(5)).build();
    try (H5SwmrAppender a = H5SwmrAppender.open(f, "/log", SCHEMA, lock)) {
      long[] s = seqs(0, 100);
      a.append(s, values(s));
      Path script = dir.resolve("swmr_reader.py");
      try (InputStream in = NativeWriterProcess.class.getResourceAsStream("swmr_reader.py")) {
        Files.copy(in, script);
      }
      Process p =
          new ProcessBuilder(NativeWriterProcess.PYTHON, script.toString(), f.toString(), "/log")
              .redirectErrorStream(true)
              .start();
      BlockingQueue<String> lines = new LinkedBlockingQueue<>();
      Thread pump =
          new Thread(
              () -> {
                try (BufferedReader r =
                    new BufferedReader(
                        new InputStreamReader(p.getInputStream(), StandardCharsets.UTF_8))) {
                  r.lines().forEach(lines::add);
                } catch (java.io.IOException e) {
                  lines.add("EOF " + e);
                }
              });
      pump.setDaemon(true);
      pump.start();
      Writer stdin = new java.io.OutputStreamWriter(p.getOutputStream(), StandardCharsets.UTF_8);
      try {
        assertThat(next(lines)).isEqualTo("READY 100");
        long rows = 100;
        for (int commit = 0; commit < 4; commit++) {
          s = seqs(rows, 37);
          rows = a.append(s, values(s));
          send(stdin, "REFRESH");
          assertThat(next(lines)).as("after commit %s", commit).isEqualTo("SEEN " + rows + " OK");
        }
        // Refreshing while commits run: counted, and the reader keeps working afterwards.
        send(stdin, "SPIN");
        for (int commit = 0; commit < 8; commit++) {
          s = seqs(rows, 23);
          rows = a.append(s, values(s));
        }
        send(stdin, "STOP");
        String spun = next(lines);
        System.out.println(
            "h5py SWMR reader refreshing during 8 in-place commits: "
                + spun
                + " (SPUN refreshes ok bad errors max_rows last_error)");
        assertThat(spun).startsWith("SPUN ");
        send(stdin, "REFRESH");
        assertThat(next(lines)).isEqualTo("SEEN " + rows + " OK");
        send(stdin, "CLOSE");
        assertThat(p.waitFor(60, TimeUnit.SECONDS)).isTrue();
      } finally {
        p.destroyForcibly();
      }
    }
  }

  private static void send(Writer w, String cmd) throws java.io.IOException {
    w.write(cmd + "\n");
    w.flush();
  }

  private static String next(BlockingQueue<String> lines) throws InterruptedException {
    String l = lines.poll(120, TimeUnit.SECONDS);
    assertThat(l).as("reply from the h5py reader").isNotNull();
    return l;
  }
}
