package io.h5swmr.hdf5.driver;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.h5swmr.exceptions.H5SwmrException;
import io.h5swmr.hdf5.H5ColumnWrite;
import io.h5swmr.hdf5.H5Dataset;
import io.h5swmr.hdf5.H5DatasetInfo;
import io.h5swmr.hdf5.H5DatasetSpec;
import io.h5swmr.hdf5.H5File;
import io.h5swmr.hdf5.H5Type;
import java.net.URI;
import java.nio.ByteBuffer;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import org.apache.hadoop.conf.Configuration;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * HDF5 files read through Hadoop's FileSystem API by the storage driver (here Hadoop's local file
 * system, the same code path as s3a/abfss/hdfs): same metadata and values as a plain open, ranged
 * reads through a bounded block cache, writes refused with the reason.
 */
class HadoopStorageTest {
  @TempDir Path dir;

  private Path fixture() {
    Path f = dir.resolve("remote.h5");
    double[] v = new double[50_000];
    for (int i = 0; i < v.length; i++) {
      v[i] = i * 0.25;
    }
    try (H5File h = H5File.create(f.toString());
        H5Dataset d =
            h.createDataset(
                "/g/x",
                H5DatasetSpec.of(H5Type.float64())
                    .withChunkRows(4096)
                    .withDeflate(4)
                    .withShuffle(true))) {
      d.append(v.length, H5ColumnWrite.from(v, 0));
      d.writeAttribute("units", "m/s");
    }
    return f;
  }

  @Test
  void readsTheSameMetadataAndValuesAsALocalOpenWithBoundedRangedReads() throws Exception {
    Path f = fixture();
    URI uri = URI.create("file://" + f.toAbsolutePath());
    List<HadoopStorage> opened = new ArrayList<>();
    H5Storage.Opener base = HadoopStorage.opener(uri, new Configuration(), 4096, 4);
    H5Storage.Opener counting =
        access -> {
          HadoopStorage s = (HadoopStorage) base.open(access);
          opened.add(s);
          return s;
        };
    H5DatasetInfo local;
    double[] expected;
    try (H5File h = H5File.openReadOnly(f.toString());
        H5Dataset d = h.openDataset("/g/x")) {
      local = d.info();
      expected = (double[]) d.readColumn(0, local.rows());
    }
    try (H5File h = H5File.openReadOnly(f.toString(), counting);
        H5Dataset d = h.openDataset("/g/x")) {
      H5DatasetInfo remote = d.info();
      assertThat(remote.dims()).isEqualTo(local.dims());
      assertThat(remote.type()).isEqualTo(local.type());
      assertThat(remote.filters()).isEqualTo(local.filters());
      assertThat(remote.attributes()).isEqualTo(local.attributes());
      assertThat(h.listDatasets()).containsExactly("/g/x");
      assertThat((double[]) d.readColumn(0, remote.rows())).isEqualTo(expected);
      double[] out = new double[10];
      assertThat(d.readDirect(100, 10, io.h5swmr.hdf5.H5ColumnRead.into(out, 0)))
          .as("chunk bytes of a storage-opened file come through the driver, not from disk")
          .isFalse();
    }
    assertThat(opened).isNotEmpty();
    long size = Files.size(f);
    for (HadoopStorage s : opened) {
      assertThat(s.size()).isEqualTo(size);
      assertThat(s.identity()).startsWith("hadoop:" + uri + "@" + size + ":");
      assertThat(s.blockReads())
          .as("ranged reads of 4 KiB blocks")
          .isBetween(1L, size / 4096 * 3 + 10);
    }
  }

  @Test
  void blockCacheIsBoundedAndReadsAcrossBlocks() throws Exception {
    Path f = dir.resolve("bytes.bin");
    byte[] data = new byte[10_000];
    for (int i = 0; i < data.length; i++) {
      data[i] = (byte) (i * 7);
    }
    Files.write(f, data);
    try (HadoopStorage s =
        (HadoopStorage)
            HadoopStorage.opener(f.toUri(), new Configuration(), 1000, 2)
                .open(H5Storage.Access.READ)) {
      ByteBuffer b = ByteBuffer.allocate(2500);
      assertThat(s.read(900, b)).isEqualTo(2500);
      for (int i = 0; i < 2500; i++) {
        assertThat(b.get(i)).isEqualTo(data[900 + i]);
      }
      assertThat(s.blockReads()).isEqualTo(4); // blocks 0..3
      s.read(3000, ByteBuffer.allocate(10)); // block 3: cached
      assertThat(s.blockReads()).isEqualTo(4);
      s.read(0, ByteBuffer.allocate(10)); // block 0 was evicted (2 blocks kept)
      assertThat(s.blockReads()).isEqualTo(5);
      assertThat(s.read(10_000, ByteBuffer.allocate(1))).isEqualTo(-1);
      ByteBuffer tail = ByteBuffer.allocate(100);
      assertThat(s.read(9_950, tail)).isEqualTo(50);
    }
  }

  @Test
  void writesAreRefusedWithTheReason() {
    Path f = fixture();
    URI uri = URI.create("file://" + f.toAbsolutePath());
    assertThatThrownBy(
            () ->
                HadoopStorage.opener(uri, new Configuration())
                    .open(new H5Storage.Access(true, false, false, false)))
        .hasMessageContaining(uri.toString())
        .hasMessageContaining("remote file system")
        .hasMessageContaining("cannot rewrite bytes in place");
    assertThatThrownBy(
            () ->
                H5File.openReadWrite(f.toString(), HadoopStorage.opener(uri, new Configuration())))
        .isInstanceOf(H5SwmrException.class);
  }
}
