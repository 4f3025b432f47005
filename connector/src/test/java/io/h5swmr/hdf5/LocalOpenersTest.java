package io.h5swmr.hdf5;

import static org.assertj.core.api.Assertions.assertThat;

import io.h5swmr.hdf5.journal.JournalFiles;
import java.nio.file.Path;
import org.junit.jupiter.api.Test;

class LocalOpenersTest {
  @Test
  void theFenceFileLocalOpenersIgnoresIsTheOneTheJournalLocks() {
    Path real = Path.of("/data/run 1/t.h5");
    assertThat(LocalOpeners.fenceFile(real)).isEqualTo(JournalFiles.lock(real));
  }
}
