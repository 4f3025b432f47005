package io.h5swmr.write;

import static io.h5swmr.write.WriteTestSupport.filesContaining;
import static io.h5swmr.write.WriteTestSupport.readBack;
import static io.h5swmr.write.WriteTestSupport.spark;
import static io.h5swmr.write.WriteTestSupport.writer;
import static org.assertj.core.api.Assertions.assertThat;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

import io.h5swmr.testing.RedisServerExtension;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.HexFormat;
import java.util.List;
import org.apache.spark.sql.Dataset;
import org.apache.spark.sql.Row;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;
import org.junit.jupiter.api.io.TempDir;

/**
 * Names with characters outside the Basic Multilingual Plane (an emoji) in directories, files,
 * groups, datasets and columns (issues 28 and 29): stored as UTF-8 (h5py reads the same bytes
 * back), found again by h5swmr.
 */
class NonBmpNamesTest {
  @RegisterExtension static final RedisServerExtension REDIS = RedisServerExtension.create();

  /**
   * U+1F600 GRINNING FACE: one code point, two Java chars, four UTF-8 bytes (six in JNI's modified
   * UTF-8).
   */
  static final String EMOJI = new String(Character.toChars(0x1F600));

  @TempDir Path tmp;

  private static String hex(String s) {
    return HexFormat.of().formatHex(s.getBytes(StandardCharsets.UTF_8));
  }

  @Test
  void emojiInDirectoryGroupDatasetAndColumnNamesRoundTrip() throws Exception {
    Path dir = Files.createDirectories(tmp.resolve("run-" + EMOJI));
    Path f = dir.resolve("data-" + EMOJI + ".h5");
    String dataset = "/gr" + EMOJI + "/ds" + EMOJI;
    String column = "v" + EMOJI;
    Dataset<Row> df =
        spark().sql("select id as `" + column + "`, id * 0.5d as y from range(0, 5, 1, 2)");
    writer(df, REDIS.url(), dataset).mode("append").save(f.toString()); // a new file
    writer(df, REDIS.url(), dataset).mode("append").save(f.toString()); // in place, journaled
    List<Row> back = readBack(REDIS.url(), f, dataset);
    assertThat(back).hasSize(10);
    assertThat(back.get(0).schema().fieldNames()).containsExactly(column, "y");
    assertThat(back)
        .extracting(r -> r.getLong(0))
        .containsExactly(0L, 1L, 2L, 3L, 4L, 0L, 1L, 2L, 3L, 4L);
    // Only the file name holds the emoji (a plain directory): the copy HDF5 creates must be the one
    // renamed.
    Path plain = tmp.resolve("plain-" + EMOJI + ".h5");
    writer(df, REDIS.url(), "/d").mode("append").save(plain.toString());
    assertThat(readBack(REDIS.url(), plain, "/d")).hasSize(5);
    try (java.util.stream.Stream<Path> s = Files.list(tmp)) {
      assertThat(
              s.map(p -> p.getFileName().toString())
                  .filter(n -> !n.startsWith(".") || n.contains("commit")))
          .as("no file under a mangled name")
          .containsExactlyInAnyOrder("run-" + EMOJI, "plain-" + EMOJI + ".h5");
    }
    assertThat(filesContaining(tmp, ".h5swmr-")).isEmpty();
    assumeTrue(WriteTestSupport.hasH5py(), "h5py not installed");
    // h5py sees the exact UTF-8 bytes of every name (not CESU-8 surrogate halves).
    String out =
        WriteTestSupport.python(
            "import h5py, os\n"
                + "p = bytes.fromhex('"
                + hex(f.toString())
                + "')\n"
                + "with h5py.File(p, 'r') as h:\n"
                + "    names = []\n"
                + "    h.id.links.visit(lambda n: names.append(n.hex()))\n"
                + "    print(' '.join(sorted(names)))\n"
                + "    d = h[bytes.fromhex('"
                + hex(dataset.substring(1))
                + "')]\n"
                + "    print(' '.join(n.encode('utf-8').hex() for n in d.dtype.names), len(d))\n");
    String[] lines = out.trim().split("\n");
    assertThat(lines[0]).isEqualTo(hex("gr" + EMOJI) + " " + hex("gr" + EMOJI + "/ds" + EMOJI));
    assertThat(lines[1]).isEqualTo(hex(column) + " " + hex("y") + " 10");
  }

  @Test
  void h5pyWrittenEmojiNamesAreReadAndAppendedTo() throws Exception {
    assumeTrue(WriteTestSupport.hasH5py(), "h5py not installed");
    Path dir = Files.createDirectories(tmp.resolve("h5py-" + EMOJI));
    Path f = dir.resolve("py.h5");
    WriteTestSupport.python(
        "import h5py, numpy as np\n"
            + "with h5py.File(bytes.fromhex('"
            + hex(f.toString())
            + "'), 'w') as h:\n"
            + "    dt = np.dtype([('"
            + "v\\U0001F600"
            + "', '<i8')])\n"
            + "    a = np.zeros(3, dt); a['v\\U0001F600'] = [7, 8, 9]\n"
            + "    h.create_dataset('gr\\U0001F600/ds', data=a, maxshape=(None,), chunks=(4,))\n");
    String dataset = "/gr" + EMOJI + "/ds";
    List<Row> back = readBack(REDIS.url(), f, dataset);
    assertThat(back.get(0).schema().fieldNames()).containsExactly("v" + EMOJI);
    assertThat(back).extracting(r -> r.getLong(0)).containsExactly(7L, 8L, 9L);
    Dataset<Row> more = spark().sql("select 10L as `v" + EMOJI + "`");
    writer(more, REDIS.url(), dataset).mode("append").save(f.toString());
    assertThat(readBack(REDIS.url(), f, dataset))
        .extracting(r -> r.getLong(0))
        .containsExactly(7L, 8L, 9L, 10L);
  }
}
