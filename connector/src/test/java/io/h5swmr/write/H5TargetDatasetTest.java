package io.h5swmr.write;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.h5swmr.exceptions.H5SwmrDataException;
import io.h5swmr.hdf5.H5Dataset;
import io.h5swmr.hdf5.H5DatasetInfo;
import io.h5swmr.hdf5.H5DatasetSpec;
import io.h5swmr.hdf5.H5File;
import io.h5swmr.hdf5.H5Type;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import org.apache.spark.sql.types.DataTypes;
import org.apache.spark.sql.types.StructType;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * The target-dataset operations the committer calls, on a file the caller opened and keeps open (as
 * a committer that opens the target through its own driver does), and the commit-time value check
 * of the HDF5 layer.
 */
class H5TargetDatasetTest {
  @TempDir Path dir;

  private static final StructType XS =
      new StructType().add("x", DataTypes.LongType, false).add("s", DataTypes.StringType, false);

  private static StagingCodec.Block block(long[] xs, String[] ss) {
    StagingCodec.Block b = new StagingCodec.Block(xs.length, 2);
    ByteBuffer raw = ByteBuffer.allocate(8 * xs.length).order(ByteOrder.nativeOrder());
    raw.asLongBuffer().put(xs);
    b.values[0] = raw.array();
    b.dims[0] = new int[0];
    int[] lengths = new int[ss.length];
    StringBuilder all = new StringBuilder();
    for (int i = 0; i < ss.length; i++) {
      lengths[i] = ss[i].getBytes(StandardCharsets.UTF_8).length;
      all.append(ss[i]);
    }
    b.values[1] = lengths;
    b.utf8[1] = all.toString().getBytes(StandardCharsets.UTF_8);
    b.dims[1] = new int[0];
    return b;
  }

  @Test
  void createsAppendsAndMarksADatasetInAFileTheCallerOwns() {
    Path f = dir.resolve("t.h5");
    WriteSchema schema = WriteSchema.of(XS, "index");
    WriteLayout layout = new WriteLayout(schema, new int[][] {{}, {}});
    try (H5File file = H5File.create(f.toString())) {
      try (H5TargetDataset t = H5TargetDataset.on(file, "/g/t")) {
        assertThat(H5TargetDataset.inspect(file, "/g/t").datasetExists).isFalse();
        t.create(layout, 4, true, 4, true);
        t.markCreated(7);
        t.append(block(new long[] {1, 2, 3}, new String[] {"a", "é", ""}));
        t.append(block(new long[] {4}, new String[] {"d"}));
        t.writeCommitAttributes(7, 1);
        assertThat(t.rows()).isEqualTo(4);
      }
      // Still open and usable: the target dataset closed only what it opened.
      H5TargetDataset.Existing e = H5TargetDataset.inspect(file, "/g/t");
      assertThat(e.rows()).isEqualTo(4);
      assertThat(e.info.chunkRows()).isEqualTo(4);
      assertThat(e.info.filters()).extracting(x -> x.name()).anyMatch(n -> n.contains("deflate"));
      assertThat(e.info.attributes())
          .containsEntry(H5TargetDataset.ATTR_ROWS, 4L)
          .containsEntry(H5TargetDataset.ATTR_GENERATION, 1L)
          .containsEntry(H5TargetDataset.ATTR_FENCE, 7L)
          .containsEntry(H5DatasetInfo.CREATED_TOKEN_ATTRIBUTE, 7L);
      try (H5Dataset d = file.openDataset("/g/t")) {
        assertThat((long[]) d.readColumn(0, 4, "x")).containsExactly(1, 2, 3, 4);
        assertThat((String[]) d.readColumn(0, 4, "s")).containsExactly("a", "é", "", "d");
      }
    }
    // The convenience that opens the file itself (default driver) sees the generation and appends.
    try (H5TargetDataset t = H5TargetDataset.open(f, "/g/t", false)) {
      assertThat(t.previousGeneration()).isEqualTo(1);
      t.openExisting(layout);
      t.append(block(new long[] {5}, new String[] {"e"}));
      assertThat(t.rows()).isEqualTo(5);
    }
    assertThat(H5TargetDataset.inspect(f, "/g/t").rows()).isEqualTo(5);
  }

  @Test
  void theCommitRefusesAValueTheStoredTypeCannotHoldAndKeepsTheExtent() {
    // The stored type changed between pre-flight and commit (e.g. replaced by another job): the
    // layer checks again.
    Path f = dir.resolve("u8.h5");
    try (H5File file = H5File.create(f.toString());
        H5Dataset d = file.createDataset("/v", H5DatasetSpec.of(H5Type.integer(1, false)))) {
      d.append(1, io.h5swmr.hdf5.H5ColumnWrite.from(new short[] {9}, 0));
    }
    WriteSchema schema =
        WriteSchema.of(new StructType().add("v", DataTypes.ShortType, false), "index");
    WriteLayout layout = new WriteLayout(schema, new int[][] {{}});
    StagingCodec.Block b = new StagingCodec.Block(2, 1);
    ByteBuffer raw = ByteBuffer.allocate(4).order(ByteOrder.nativeOrder());
    raw.asShortBuffer().put(new short[] {1, 300});
    b.values[0] = raw.array();
    b.dims[0] = new int[0];
    try (H5TargetDataset t = H5TargetDataset.open(f, "/v", false)) {
      t.openExisting(layout);
      assertThatThrownBy(() -> t.append(b))
          .isInstanceOf(H5SwmrDataException.class)
          .hasMessageContaining("value 300")
          .hasMessageContaining("uint8")
          .hasMessageContaining("0 to 255");
      assertThat(t.rows()).isEqualTo(1);
    }
  }
}
