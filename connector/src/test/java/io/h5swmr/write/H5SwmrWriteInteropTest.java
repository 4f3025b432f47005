package io.h5swmr.write;

import static io.h5swmr.write.WriteTestSupport.python;
import static io.h5swmr.write.WriteTestSupport.readBack;
import static io.h5swmr.write.WriteTestSupport.spark;
import static io.h5swmr.write.WriteTestSupport.writer;
import static org.assertj.core.api.Assertions.assertThat;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

import io.h5swmr.hdf5.H5ColumnWrite;
import io.h5swmr.hdf5.H5Dataset;
import io.h5swmr.hdf5.H5DatasetSpec;
import io.h5swmr.hdf5.H5File;
import io.h5swmr.hdf5.H5Type;
import io.h5swmr.testing.RedisServerExtension;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.ConcurrentLinkedQueue;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicInteger;
import org.apache.spark.sql.Dataset;
import org.apache.spark.sql.Row;
import org.apache.spark.sql.RowFactory;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;
import org.junit.jupiter.api.io.TempDir;

/**
 * Files written by h5swmr are plain HDF5: h5py and h5dump read them; h5swmr appends to datasets
 * created by the project's HDF5 layer and by h5py; an overwrite is atomic for a reader that keeps
 * reopening the file.
 */
class H5SwmrWriteInteropTest {
  @RegisterExtension static final RedisServerExtension REDIS = RedisServerExtension.create();

  @TempDir Path dir;

  @Test
  void appendsToADatasetCreatedByTheHdf5Layer() {
    Path f = dir.resolve("api.h5");
    H5Type t = H5Type.compound(List.of("x", "y"), List.of(H5Type.int64(), H5Type.float64()));
    try (H5File h = H5File.create(f.toString());
        H5Dataset d = h.createDataset("/grp/api", H5DatasetSpec.of(t).withChunkRows(16))) {
      d.append(
          3,
          H5ColumnWrite.from(new long[] {0, 1, 2}, 0, "x"),
          H5ColumnWrite.from(new double[] {0, 0.5, 1}, 0, "y"));
    }
    Dataset<Row> more = spark().sql("select id as x, id * 0.5d as y from range(3, 100, 1, 3)");
    writer(more, REDIS.url(), "/grp/api").mode("append").save(f.toString());
    List<Row> back = readBack(REDIS.url(), f, "/grp/api");
    assertThat(back).hasSize(100);
    for (int k = 0; k < 100; k++) {
      assertThat(back.get(k).getLong(0)).isEqualTo(k);
      assertThat(back.get(k).getDouble(1)).isEqualTo(k * 0.5);
    }
  }

  @Test
  void appendsToDatasetsCreatedByH5pyAndH5pyReadsTheResult() throws Exception {
    assumeTrue(
        WriteTestSupport.hasH5py(),
        "/usr/bin/python3 with h5py is not installed: h5py interop skipped");
    Path f = dir.resolve("py.h5");
    python(
        "import h5py, numpy as np\n"
            + "with h5py.File('"
            + f
            + "', 'w') as h:\n"
            + "    d = h.create_dataset('t', shape=(2,), maxshape=(None,), chunks=(4,),"
            + " dtype=[('x', '<i8'), ('y', '<f8'), ('ok', '?')])\n"
            + "    d[0] = (0, 0.0, True); d[1] = (1, 0.5, False)\n"
            + "    h.create_dataset('v', data=np.arange(6, dtype='<f4').reshape(2, 3), maxshape=(None, 3), chunks=True)\n"
            + "    h.create_dataset('s', data=['a', 'b'], dtype=h5py.string_dtype(), maxshape=(None,), chunks=True)\n");
    writer(
            spark().sql("select id as x, id * 0.5d as y, id % 2 = 0 as ok from range(2, 10, 1, 2)"),
            REDIS.url(),
            "/t")
        .mode("append")
        .save(f.toString());
    writer(
            spark()
                .sql(
                    "select array(cast(id * 3 as float), cast(id * 3 + 1 as float), cast(id * 3 + 2 as float))"
                        + " as v from range(2, 4, 1, 1)"),
            REDIS.url(),
            "/v")
        .mode("append")
        .save(f.toString());
    writer(spark().sql("select concat('é', id) as s from range(2, 4, 1, 1)"), REDIS.url(), "/s")
        .mode("append")
        .save(f.toString());
    String out =
        python(
            "import h5py, numpy as np\n"
                + "with h5py.File('"
                + f
                + "', 'r') as h:\n"
                + "    t = h['t'][:]\n"
                + "    assert list(t['x']) == list(range(10)), t\n"
                + "    assert list(t['y']) == [k * 0.5 for k in range(10)], t\n"
                + "    assert list(t['ok']) == [True, False] + [k % 2 == 0 for k in range(2, 10)], t\n"
                + "    assert (h['v'][:] == np.arange(12, dtype='f4').reshape(4, 3)).all(), h['v'][:]\n"
                + "    assert [x.decode() for x in h['s'][:]] == ['a', 'b', 'é2', 'é3'], h['s'][:]\n"
                + "    print('rows', len(t), h['t'].attrs['h5swmr.committed_rows'])\n");
    assertThat(out).contains("rows 10 10");
  }

  @Test
  void h5pyAndH5dumpReadEveryTypeWeWrite() throws Exception {
    Path f = dir.resolve("all.h5");
    List<Row> rows = H5SwmrWriteRoundTripTest.allTypeRows(20);
    writer(
            spark().createDataFrame(rows, H5SwmrWriteRoundTripTest.ALL).coalesce(1),
            REDIS.url(),
            "/all")
        .mode("append")
        .save(f.toString());
    boolean py = WriteTestSupport.hasH5py();
    boolean dump = WriteTestSupport.hasH5dump();
    assumeTrue(py || dump, "neither h5py nor h5dump is installed: interop skipped");
    if (dump) {
      WriteTestSupport.Ran r = WriteTestSupport.run(List.of("h5dump", "-d", "/all", f.toString()));
      assertThat(r.exit).as(r.output).isZero();
      assertThat(r.output)
          .contains("H5T_COMPOUND", "\"text\"", "H5T_ENUM", "H5T_STD_U64LE", "plain1");
    }
    if (py) {
      String out =
          python(
              "import h5py\n"
                  + "with h5py.File('"
                  + f
                  + "', 'r') as h:\n"
                  + "    d = h['all'][:]\n"
                  + "    assert d.dtype['flag'] == bool, d.dtype\n"
                  + "    assert d.dtype['u64'].str == '<u8', d.dtype\n"
                  + "    assert d['u64'][0] == 18446744073709551615\n"
                  + "    assert d['vec'].shape == (20, 3) and d['mat'].shape == (20, 2, 2), (d['vec'].shape, d['mat'].shape)\n"
                  + "    assert d['text'][4].decode('utf-8') == 'emoji 🚀 done4', d['text'][4]\n"
                  + "    assert d['st']['label'][2].decode() == 'lbl-ünïcødé'\n"
                  + "    assert list(d['flag'][:4]) == [True, False, False, True]\n"
                  + "    print('ok', len(d))\n");
      assertThat(out).contains("ok 20");
    }
  }

  @Test
  void overwriteIsAtomicForAReaderThatKeepsReopeningTheFileUnderTheSharedLease() throws Exception {
    Path f = dir.resolve("ow.h5");
    String a = "select 1.0d as v from range(0, 3000, 1, 2)";
    String b = "select 2.0d as v from range(0, 1000, 1, 2)";
    writer(spark().sql(a), REDIS.url(), "/d").mode("append").save(f.toString());
    io.h5swmr.lock.LockService locks =
        io.h5swmr.lock.LockService.open(
            io.h5swmr.lock.LockSettings.builder().redisUrl(REDIS.url()).build());
    AtomicBoolean stop = new AtomicBoolean();
    AtomicInteger reads = new AtomicInteger();
    ConcurrentLinkedQueue<String> bad = new ConcurrentLinkedQueue<>();
    CountDownLatch firstRead = new CountDownLatch(1);
    Thread reader =
        new Thread(
            () -> {
              while (!stop.get()) {
                // Readers follow the protocol (shared lease); in-place commits give no promise to
                // lock-free readers.
                try (io.h5swmr.lock.Lease lease =
                        locks.acquireShared(io.h5swmr.lock.LockKeys.forFile(f));
                    H5File h =
                        H5File.openReadOnly(
                            f.toString(), io.h5swmr.hdf5.journal.JournalOverlay.COMMITTED);
                    H5Dataset d = h.openDataset("/d")) {
                  long n = d.rows();
                  double[] v = (double[]) d.readColumn(0, n);
                  double first = v[0];
                  boolean uniform = true;
                  for (double x : v) {
                    uniform &= x == first;
                  }
                  if (!uniform || !((n == 3000 && first == 1.0) || (n == 1000 && first == 2.0))) {
                    bad.add("rows " + n + " first " + first + " uniform " + uniform);
                  }
                  reads.incrementAndGet();
                  firstRead.countDown();
                } catch (RuntimeException e) {
                  bad.add(e.toString());
                }
              }
            },
            "looping-reader");
    reader.start();
    firstRead.await();
    for (int i = 0; i < 6; i++) {
      writer(spark().sql(i % 2 == 0 ? b : a), REDIS.url(), "/d")
          .mode("overwrite")
          .save(f.toString());
    }
    stop.set(true);
    reader.join();
    locks.close();
    assertThat(bad).as("reader saw a mix or an error").isEmpty();
    assertThat(reads.get()).isGreaterThan(6);
    List<Row> last = readBack(REDIS.url(), f, "/d");
    assertThat(last).hasSize(3000);
  }

  static List<Object> unused() {
    return new ArrayList<>();
  }

  static Object rowOf(Object... v) {
    return RowFactory.create(v);
  }
}
