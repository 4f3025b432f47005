package io.h5swmr.hdf5;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.io.EOFException;
import java.nio.ByteBuffer;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Arrays;
import java.util.SplittableRandom;
import org.apache.hadoop.conf.Configuration;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * Positional reads of a file through a Hadoop file system (the local one here; s3a and hdfs in S3aReadTest and
 * HdfsReadTest) return exactly the file's bytes wherever they fall relative to the read-ahead window: inside it,
 * across its end, before its start, larger than it, into heap and direct buffers, up to the file's last byte.
 */
class H5HadoopBytesTest {
  @TempDir
  Path dir;

  @Test
  void everyReadReturnsTheFilesBytesWhateverTheWindowHolds() throws Exception {
    int w = H5HadoopBytes.READ_AHEAD;
    byte[] data = new byte[2 * w + 12345];
    new SplittableRandom(3).nextBytes(data);
    Path f = Files.write(dir.resolve("bytes.bin"), data);
    try (H5HadoopBytes b = H5HadoopBytes.open(new org.apache.hadoop.fs.Path(f.toUri()), data.length,
        new Configuration())) {
      long[][] reads = {{0, 100}, {100, 4096}, {w - 10, 20}, {w - 10, 20}, {5, 7}, {w + 1, w - 1}, {0, w + 3},
          {data.length - 1, 1}, {data.length - 300, 300}, {w - 1, 2}, {2 * w, 12345}, {3, 0}};
      for (long[] r : reads) {
        for (boolean direct : new boolean[] {false, true}) {
          ByteBuffer dst = direct ? ByteBuffer.allocateDirect((int) r[1] + 4) : ByteBuffer.allocate((int) r[1] + 4);
          dst.position(2);
          dst.limit(2 + (int) r[1]);
          b.readFully(r[0], dst);
          assertThat(dst.position()).isEqualTo(2 + (int) r[1]);
          byte[] got = new byte[(int) r[1]];
          dst.position(2);
          dst.get(got);
          assertThat(got).as("bytes [%s, +%s) into a %s buffer", r[0], r[1], direct ? "direct" : "heap")
              .isEqualTo(Arrays.copyOfRange(data, (int) r[0], (int) (r[0] + r[1])));
        }
      }
      assertThatThrownBy(() -> b.readFully(data.length - 2, ByteBuffer.allocate(3)))
          .isInstanceOf(EOFException.class).hasMessageContaining("ends at byte " + data.length);
    }
  }
}
