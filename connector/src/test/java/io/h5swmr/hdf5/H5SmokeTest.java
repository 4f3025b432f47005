package io.h5swmr.hdf5;

import static org.assertj.core.api.Assertions.assertThat;

import java.nio.file.Path;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class H5SmokeTest {
  @TempDir Path dir;

  @Test
  void writesAndReadsDoubles() {
    String f = dir.resolve("a.h5").toString();
    double[] values = {1.5, 2.5, -3.0, 4.25, 5.0};
    try (H5File file = H5File.create(f);
        H5Dataset d = file.createDataset("/g/x", H5DatasetSpec.of(H5Type.float64()).withChunkRows(2))) {
      assertThat(d.append(5, H5ColumnWrite.from(values, 0))).isEqualTo(0);
    }
    try (H5File file = H5File.openReadOnly(f); H5Dataset d = file.openDataset("/g/x")) {
      assertThat(d.info().dims()).containsExactly(5);
      assertThat((double[]) d.readColumn(1, 3)).containsExactly(2.5, -3.0, 4.25);
    }
  }
}
