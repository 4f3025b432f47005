package io.h5swmr.hdf5;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.h5swmr.exceptions.H5SwmrDataException;
import java.io.EOFException;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Map;
import java.util.SplittableRandom;
import org.apache.hadoop.conf.Configuration;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * Positional reads of a file through a Hadoop file system (the real local one here; s3a and hdfs in
 * S3aReadTest and HdfsReadTest) return exactly the bytes asked for and fetch nothing more; {@link
 * H5DirectRead} reads a block list from such a source in coalesced runs (counted with {@link
 * H5HadoopBytes#reads()} and {@link H5HadoopBytes#bytesRead()}): neighbours merged across gaps up
 * to {@link H5DirectRead#MAX_GAP}, runs split at {@link H5DirectRead#MAX_RUN}, the next run
 * prefetched, with the same values as the local path.
 */
class H5HadoopBytesTest {
  static final String WHERE = "file x.h5, dataset /v: ";

  @TempDir Path dir;

  static H5HadoopBytes open(Path f) throws Exception {
    return H5HadoopBytes.open(
        new org.apache.hadoop.fs.Path(f.toUri()), Files.size(f), new Configuration());
  }

  @Test
  void everyReadFetchesExactlyTheBytesAskedFor() throws Exception {
    byte[] data = new byte[(9 << 20) + 12345];
    new SplittableRandom(3).nextBytes(data);
    Path f = Files.write(dir.resolve("bytes.bin"), data);
    try (H5HadoopBytes b = open(f)) {
      long[][] reads = {
        {0, 100},
        {100, 4096},
        {5, 7},
        {8 << 20, 1 << 20},
        {0, (8 << 20) + 3},
        {data.length - 1, 1},
        {data.length - 300, 300},
        {3, 0}
      };
      long calls = 0;
      long bytes = 0;
      for (long[] r : reads) {
        for (boolean direct : new boolean[] {false, true}) {
          ByteBuffer dst =
              direct
                  ? ByteBuffer.allocateDirect((int) r[1] + 4)
                  : ByteBuffer.allocate((int) r[1] + 4);
          dst.position(2);
          dst.limit(2 + (int) r[1]);
          b.readFully(r[0], dst);
          assertThat(dst.position()).isEqualTo(2 + (int) r[1]);
          byte[] got = new byte[(int) r[1]];
          dst.position(2);
          dst.get(got);
          assertThat(got)
              .as("bytes [%s, +%s) into a %s buffer", r[0], r[1], direct ? "direct" : "heap")
              .isEqualTo(Arrays.copyOfRange(data, (int) r[0], (int) (r[0] + r[1])));
          calls++;
          bytes += r[1];
          assertThat(b.reads()).isEqualTo(calls);
          assertThat(b.bytesRead()).as("no read-ahead").isEqualTo(bytes);
        }
      }
      assertThatThrownBy(() -> b.readFully(data.length - 2, ByteBuffer.allocate(3)))
          .isInstanceOf(EOFException.class)
          .hasMessageContaining("ends at byte " + data.length);
      assertThat(b.prefersFewLargeReads()).isTrue();
    }
  }

  // ------------------------------------------------------------------------------------------
  // coalesced reads

  /** Rows of 4 bytes; a chunk of this many rows is 256 KiB. */
  static final int CHUNK_ROWS = 64 << 10;

  static final int CHUNK_BYTES = CHUNK_ROWS * 4;

  /**
   * A file of little-endian int32 values: the value at byte offset {@code 4 * i} is {@link
   * #value}(i).
   */
  Path intFile(long bytes) throws Exception {
    ByteBuffer b = ByteBuffer.allocate(Math.toIntExact(bytes)).order(ByteOrder.LITTLE_ENDIAN);
    for (int i = 0; i < bytes / 4; i++) {
      b.putInt(value(i));
    }
    return Files.write(dir.resolve("ints.bin"), b.array());
  }

  static int value(long i) {
    return (int) (i * 0x9E3779B1L) ^ (int) (i >>> 7);
  }

  static H5DatasetInfo ints(long rows, H5Filter... filters) {
    return new H5DatasetInfo(
        "x.h5",
        "/v",
        H5Type.integer(4, true, ByteOrder.LITTLE_ENDIAN),
        new long[] {rows},
        new long[] {H5DatasetInfo.UNLIMITED},
        new long[] {CHUNK_ROWS},
        H5Layout.CHUNKED,
        List.of(filters),
        0,
        "id",
        Map.of());
  }

  /** Chunks in row order, chunk i stored at {@code addresses[i]}. */
  static List<H5StoredBlock> blocks(long... addresses) {
    List<H5StoredBlock> out = new ArrayList<>();
    for (int i = 0; i < addresses.length; i++) {
      out.add(new H5StoredBlock((long) i * CHUNK_ROWS, CHUNK_ROWS, addresses[i], CHUNK_BYTES, 0));
    }
    return out;
  }

  /** What rows {@code [start, start + count)} of {@code blocks} hold in {@link #intFile}. */
  static int[] expected(List<H5StoredBlock> blocks, long start, int count) {
    int[] out = new int[count];
    for (int r = 0; r < count; r++) {
      H5StoredBlock b = blocks.get((int) ((start + r) / CHUNK_ROWS));
      out[r] = value(b.address() / 4 + (start + r - b.firstRow()));
    }
    return out;
  }

  @Test
  void runsMergeNeighboursAcrossSmallGapsAndSplitAtTheCap() throws Exception {
    int gap = H5DirectRead.MAX_GAP;
    int perRun = H5DirectRead.MAX_RUN / CHUNK_BYTES;
    long[] at = new long[3 + perRun + 1];
    at[0] = 0;
    at[1] = CHUNK_BYTES; // no gap
    at[2] = at[1] + CHUNK_BYTES + gap; // a gap of MAX_GAP: merged
    at[3] =
        at[2]
            + CHUNK_BYTES
            + gap
            + 4; // one value more: a new run, filled to MAX_RUN by perRun chunks
    for (int i = 4; i < at.length; i++) {
      at[i] = at[i - 1] + CHUNK_BYTES;
    }
    long fileBytes = at[at.length - 1] + CHUNK_BYTES + gap + 4;
    Path f = intFile(fileBytes);
    List<H5StoredBlock> blocks = blocks(at);
    long start = 1000; // rows read: from inside the first chunk to inside the last
    int count = (at.length - 1) * CHUNK_ROWS - 1000 + 77;
    H5DatasetInfo meta = ints(at.length * CHUNK_ROWS);
    int[] got = new int[count + 5];
    try (H5HadoopBytes src = open(f)) {
      H5DirectRead.read(src, meta, blocks, start, count, H5ColumnRead.into(got, 5), WHERE);
      assertThat(src.reads())
          .as("runs: chunks 0-2, %s chunks up to the cap, the last chunk", perRun)
          .isEqualTo(3);
      assertThat(src.bytesRead())
          .as("the rows' bytes and the merged gap, nothing more")
          .isEqualTo(count * 4L + gap);
    }
    assertThat(Arrays.copyOfRange(got, 5, got.length)).isEqualTo(expected(blocks, start, count));
    int[] local = new int[count + 5];
    try (H5LocalBytes src = new H5LocalBytes(f.toString())) {
      H5DirectRead.read(src, meta, blocks, start, count, H5ColumnRead.into(local, 5), WHERE);
    }
    assertThat(got).as("same values as the local path").isEqualTo(local);
  }

  @Test
  void blocksStoredOutOfRowOrderAndRangesLongerThanTheCapAreFetchedInFileOrder() throws Exception {
    // rows of chunk 1 stored before those of chunk 0: one run; then one contiguous block of 40 MiB:
    // three runs
    Path f = intFile(43L << 20);
    List<H5StoredBlock> blocks = blocks(CHUNK_BYTES, 0);
    try (H5HadoopBytes src = open(f)) {
      int[] got = new int[2 * CHUNK_ROWS];
      H5DirectRead.read(
          src, ints(2 * CHUNK_ROWS), blocks, 0, got.length, H5ColumnRead.into(got, 0), WHERE);
      assertThat(src.reads()).isEqualTo(1);
      assertThat(src.bytesRead()).isEqualTo(2L * CHUNK_BYTES);
      assertThat(got).isEqualTo(expected(blocks, 0, got.length));

      long rows = 10L << 20;
      H5DatasetInfo contiguous =
          new H5DatasetInfo(
              "x.h5",
              "/c",
              H5Type.integer(4, true, ByteOrder.LITTLE_ENDIAN),
              new long[] {rows},
              new long[] {rows},
              null,
              H5Layout.CONTIGUOUS,
              List.of(),
              rows * 4,
              "id",
              Map.of());
      List<H5StoredBlock> whole = List.of(new H5StoredBlock(0, rows, 3L << 20, rows * 4, 0));
      int[] all = new int[(int) rows - 3];
      H5DirectRead.read(src, contiguous, whole, 1, all.length, H5ColumnRead.into(all, 0), WHERE);
      assertThat(src.reads() - 1)
          .as("40 MiB in runs of at most %s bytes", H5DirectRead.MAX_RUN)
          .isEqualTo(3);
      assertThat(src.bytesRead() - 2L * CHUNK_BYTES).isEqualTo(all.length * 4L);
      for (int i = 0; i < all.length; i++) {
        if (all[i] != value((3L << 20) / 4 + 1 + i)) {
          throw new AssertionError("row " + (1 + i) + " of the contiguous block: " + all[i]);
        }
      }
    }
  }

  @Test
  void aFailedPrefetchFailsTheReadNamingTheChunk() throws Exception {
    Path f = intFile(4L << 20);
    // chunk 1 lies past the file's end (as if the file were truncated): the prefetch of the second
    // run fails
    List<H5StoredBlock> blocks = blocks(0, 4L << 20);
    try (H5HadoopBytes src = open(f)) {
      assertThatThrownBy(
              () ->
                  H5DirectRead.read(
                      src,
                      ints(2 * CHUNK_ROWS),
                      blocks,
                      0,
                      2 * CHUNK_ROWS,
                      H5ColumnRead.into(new int[2 * CHUNK_ROWS], 0),
                      WHERE))
          .isInstanceOf(H5SwmrDataException.class)
          .hasMessage(
              WHERE
                  + "chunk at rows ["
                  + CHUNK_ROWS
                  + ", "
                  + 2 * CHUNK_ROWS
                  + ") (file offset "
                  + (4L << 20)
                  + "): could not read the stored bytes: file "
                  + new org.apache.hadoop.fs.Path(f.toUri())
                  + " ends at byte "
                  + (4L << 20)
                  + ", before byte "
                  + ((4L << 20) + CHUNK_BYTES))
          .hasCauseInstanceOf(EOFException.class);
      assertThat(src.reads()).as("the first run only").isEqualTo(1);
    }
    // a run of two chunks, the second crossing the file's end: the message names both
    long second = (3L << 20) + (512 << 10);
    List<H5StoredBlock> three = blocks(0, second, second + CHUNK_BYTES + (128 << 10));
    long runEnd = second + 2L * CHUNK_BYTES + (128 << 10);
    try (H5HadoopBytes src = open(f)) {
      assertThatThrownBy(
              () ->
                  H5DirectRead.read(
                      src,
                      ints(3 * CHUNK_ROWS),
                      three,
                      0,
                      3 * CHUNK_ROWS,
                      H5ColumnRead.into(new int[3 * CHUNK_ROWS], 0),
                      WHERE))
          .isInstanceOf(H5SwmrDataException.class)
          .hasMessage(
              WHERE
                  + "2 chunks at rows ["
                  + CHUNK_ROWS
                  + ", "
                  + 3 * CHUNK_ROWS
                  + ") (file bytes ["
                  + second
                  + ", "
                  + runEnd
                  + "), read at once): could not read the stored bytes: file "
                  + new org.apache.hadoop.fs.Path(f.toUri())
                  + " ends at byte "
                  + (4L << 20)
                  + ", before byte "
                  + runEnd);
    }
  }

  @Test
  void aChunkThatFailsToDecodeWaitsForThePrefetchInFlight() throws Exception {
    Path f = intFile(20L << 20); // not deflate data: the first chunk fails to inflate at once
    long second = (2L << 20) + 4; // a second run of MAX_RUN bytes, still being fetched then
    List<H5StoredBlock> blocks =
        List.of(
            new H5StoredBlock(0, CHUNK_ROWS, 0, CHUNK_BYTES, 0),
            new H5StoredBlock(CHUNK_ROWS, CHUNK_ROWS, second, H5DirectRead.MAX_RUN, 0));
    H5DatasetInfo meta =
        ints(2 * CHUNK_ROWS, new H5Filter(H5Filter.DEFLATE, "deflate", new int[] {6}));
    try (H5HadoopBytes src = open(f)) {
      assertThatThrownBy(
              () ->
                  H5DirectRead.read(
                      src,
                      meta,
                      blocks,
                      0,
                      2 * CHUNK_ROWS,
                      H5ColumnRead.into(new int[2 * CHUNK_ROWS], 0),
                      WHERE))
          .isInstanceOf(H5SwmrDataException.class)
          .hasMessageStartingWith(
              WHERE + "chunk at rows [0, " + CHUNK_ROWS + ") (file offset 0): ");
      assertThat(src.reads())
          .as("the read returned after the second run's fetch ended")
          .isEqualTo(2);
      assertThat(src.bytesRead()).isEqualTo(CHUNK_BYTES + H5DirectRead.MAX_RUN);
    }
  }

  @Test
  void filteredAndPlainDatasetsReadRemotelyMatchTheLocalPath() throws Exception {
    Path file = dir.resolve("mixed.h5");
    int n = 300_000;
    double[] d = new double[n];
    long[] l = new long[n];
    short[] s = new short[2 * n];
    SplittableRandom r = new SplittableRandom(9);
    for (int i = 0; i < n; i++) {
      d[i] = Math.round(r.nextGaussian() * 1000) / 8.0;
      l[i] = r.nextLong(1 << 20);
      s[2 * i] = (short) r.nextInt(1000);
      s[2 * i + 1] = (short) i;
    }
    try (H5File f = H5File.create(file.toString())) {
      try (H5Dataset x =
          f.createDataset(
              "/gz",
              H5DatasetSpec.of(H5Type.float64())
                  .withChunkRows(10_000)
                  .withDeflate(4)
                  .withShuffle(true))) {
        x.append(n, H5ColumnWrite.from(d, 0));
      }
      try (H5Dataset x =
          f.createDataset("/plain", H5DatasetSpec.of(H5Type.int64()).withChunkRows(7_000))) {
        x.append(n, H5ColumnWrite.from(l, 0));
      }
      try (H5Dataset x =
          f.createDataset(
              "/pairs",
              H5DatasetSpec.of(H5Type.int16())
                  .withTrailingDims(2)
                  .withChunkRows(20_000)
                  .withDeflate(1))) {
        x.append(n, H5ColumnWrite.from(s, 0));
      }
    }
    try (H5File local = H5File.openReadOnly(file.toString());
        H5File remote = H5File.openRemote(file.toUri().toString(), new Configuration())) {
      for (String name : new String[] {"/gz", "/plain", "/pairs"}) {
        try (H5Dataset a = local.openDataset(name);
            H5Dataset b = remote.openDataset(name)) {
          for (long[] range :
              new long[][] {{0, n}, {6_999, 14_002}, {n - 1, 1}, {123_456, 100_000}}) {
            Object viaLocal =
                name.equals("/gz")
                    ? new double[(int) range[1]]
                    : name.equals("/plain")
                        ? new long[(int) range[1]]
                        : new short[2 * (int) range[1]];
            Object viaRemote =
                java.lang.reflect.Array.newInstance(
                    viaLocal.getClass().getComponentType(),
                    java.lang.reflect.Array.getLength(viaLocal));
            assertThat(a.readDirect(range[0], range[1], H5ColumnRead.into(viaLocal, 0))).isTrue();
            H5HadoopBytes bytes = (H5HadoopBytes) remote.rawBytes();
            long reads = bytes.reads();
            long fetched = bytes.bytesRead();
            assertThat(b.readDirect(range[0], range[1], H5ColumnRead.into(viaRemote, 0))).isTrue();
            assertThat(viaRemote).as("%s rows %s+%s", name, range[0], range[1]).isEqualTo(viaLocal);
            // chunks written by one append lie back to back: one read of exactly the bytes needed
            assertThat(bytes.reads() - reads).isEqualTo(1);
            long needed =
                name.equals("/plain")
                    ? range[1] * 8
                    : b.storedBlocks(range[0], range[1]).stream()
                        .mapToLong(H5StoredBlock::storedBytes)
                        .sum();
            assertThat(bytes.bytesRead() - fetched)
                .as("%s rows %s+%s", name, range[0], range[1])
                .isEqualTo(needed);
          }
        }
      }
    }
  }
}
