package io.h5swmr.hdf5;

import static org.assertj.core.api.Assertions.assertThat;

import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * A dataset's object id must survive appends made in a later second (HDF5 object times have
 * one-second resolution) and the copy-on-write commit's file copy, and must change when the dataset
 * is re-created. Regression: the id used to include the metadata change time, so every append made
 * a running scan fail with "was replaced".
 */
class H5ObjectIdTest {
  @TempDir Path dir;

  private static void awaitNextSecond() throws InterruptedException {
    long s = System.currentTimeMillis() / 1000;
    while (System.currentTimeMillis() / 1000 == s) {
      Thread.sleep(
          20); // HDF5 object times have one-second resolution: polling the clock, nothing to wait
      // on
    }
  }

  @Test
  void idSurvivesAppendsInALaterSecondAndAFileCopy() throws Exception {
    Path f = dir.resolve("grow.h5");
    String id;
    try (H5File h = H5File.create(f.toString());
        H5Dataset d = h.createDataset("/x", H5DatasetSpec.of(H5Type.int32()).withChunkRows(4))) {
      d.append(3, H5ColumnWrite.from(new int[] {1, 2, 3}, 0));
      id = d.info().objectId();
    }
    awaitNextSecond();
    Path copy = dir.resolve("copy.h5");
    Files.copy(f, copy, StandardCopyOption.COPY_ATTRIBUTES);
    try (H5File h = H5File.openReadWrite(copy.toString());
        H5Dataset d = h.openDataset("/x")) {
      d.append(2, H5ColumnWrite.from(new int[] {4, 5}, 0));
      d.writeAttribute("h5swmr.generation", 2L);
    }
    Files.move(copy, f, StandardCopyOption.REPLACE_EXISTING, StandardCopyOption.ATOMIC_MOVE);
    try (H5File h = H5File.openReadOnly(f.toString())) {
      assertThat(h.datasetInfo("/x").rows()).isEqualTo(5);
      assertThat(h.datasetInfo("/x").objectId()).isEqualTo(id);
    }
  }

  @Test
  void recreatedDatasetGetsAnotherId() throws Exception {
    Path f = dir.resolve("recreate.h5");
    String id;
    try (H5File h = H5File.create(f.toString());
        H5Dataset d = h.createDataset("/x", H5DatasetSpec.of(H5Type.int32()))) {
      d.append(1, H5ColumnWrite.from(new int[] {1}, 0));
      id = d.info().objectId();
    }
    try (H5File h = H5File.openReadWrite(f.toString())) {
      h.delete("/x");
    }
    try (H5File h = H5File.openReadWrite(f.toString());
        H5Dataset d = h.createDataset("/x", H5DatasetSpec.of(H5Type.int32()))) {
      d.append(1, H5ColumnWrite.from(new int[] {2}, 0));
      assertThat(d.info().objectId()).isNotEqualTo(id);
    }
  }
}
