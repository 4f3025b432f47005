package io.h5swmr.read;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.h5swmr.config.H5SwmrOptions;
import io.h5swmr.exceptions.H5SwmrDataException;
import io.h5swmr.testing.RedisServerExtension;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;
import org.junit.jupiter.api.io.TempDir;

/**
 * Planning many files: inspected in parallel, in order, first failure reported; small files packed.
 */
class PlanningAtScaleTest {
  @RegisterExtension static final RedisServerExtension REDIS = RedisServerExtension.create();

  @TempDir static Path dir;

  static final int FILES = 200;

  @BeforeAll
  static void files() throws Exception {
    Files.createDirectories(dir.resolve("ok"));
    for (int i = 0; i < FILES; i++) {
      Fixtures.doubles(dir.resolve(String.format("ok/f%03d.h5", i)), "/x", 10 + i, 8);
    }
  }

  private static H5SwmrOptions options(String path) {
    return H5SwmrOptions.of(Map.of("path", path, "redis.url", REDIS.url(), "dataset", "/x"));
  }

  @Test
  void everyFileIsPlannedInListingOrderWithItsOwnExtent() {
    TableSnapshot s = TableInspector.inspect(options(dir.resolve("ok").toString()));
    assertThat(s.files).hasSize(FILES);
    for (int i = 0; i < FILES; i++) {
      assertThat(s.files.get(i).file).endsWith(String.format("f%03d.h5", i));
      assertThat(s.files.get(i).extent).isEqualTo(10 + i);
    }
    assertThat(TableInspector.inspect(options(dir.resolve("ok").toString()), true).files)
        .as("schema inference reads the first file only")
        .hasSize(1);
  }

  @Test
  void smallFilesArePackedWithSparksOpenCost() {
    TableSnapshot s = TableInspector.inspect(options(dir.resolve("ok").toString()));
    long openCost = 4L << 20;
    List<H5SwmrInputPartition> parts =
        PartitionPlanner.plan(s.files, IndexRanges.ALL, Long.MAX_VALUE, 8, 1, 128L << 20, openCost);
    // Files of a few hundred bytes, 4 MiB open cost each: 31 fit in 128 MiB (32 would exceed it by
    // their bytes).
    assertThat(parts).hasSize((FILES + 30) / 31);
    assertThat(parts.get(0).pieces()).hasSize(31);
    assertThat(parts.stream().mapToLong(H5SwmrInputPartition::rows).sum()).isEqualTo(s.totalRows());
    assertThat(PartitionPlanner.plan(s.files, IndexRanges.ALL, Long.MAX_VALUE, 8, 1, 128L << 20, 0))
        .as("without open cost every file goes into one partition")
        .hasSize(1);
  }

  @Test
  void theFirstBadFileInListingOrderIsReported() throws Exception {
    Path mixed = Files.createDirectories(dir.resolve("mixed"));
    for (int i = 0; i < 60; i++) {
      Fixtures.doubles(mixed.resolve(String.format("f%03d.h5", i)), "/x", 5, 8);
    }
    Files.writeString(mixed.resolve("f040.h5"), "not hdf5 at all");
    Files.delete(mixed.resolve("f050.h5"));
    Fixtures.doubles(mixed.resolve("f050.h5"), "/y", 5, 8);
    assertThatThrownBy(() -> TableInspector.inspect(options(mixed.toString())))
        .isInstanceOf(H5SwmrDataException.class)
        .hasMessageContaining("f040.h5")
        .hasMessageContaining("not an HDF5 file");
  }
}
