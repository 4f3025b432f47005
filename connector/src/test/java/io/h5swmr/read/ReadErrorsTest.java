package io.h5swmr.read;

import static io.h5swmr.read.ReadTestSupport.reader;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.h5swmr.exceptions.H5SwmrConfigException;
import io.h5swmr.exceptions.H5SwmrDataException;
import io.h5swmr.exceptions.H5SwmrLockException;
import io.h5swmr.exceptions.H5SwmrNotFoundException;
import io.h5swmr.hdf5.H5DatasetSpec;
import io.h5swmr.hdf5.H5File;
import io.h5swmr.hdf5.H5Type;
import io.h5swmr.testing.RedisServerExtension;
import java.io.RandomAccessFile;
import java.net.ServerSocket;
import java.nio.file.Files;
import java.nio.file.Path;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;
import org.junit.jupiter.api.io.TempDir;

/**
 * Every read error of the issue, raised on the driver before tasks run, with a message naming what
 * was wrong.
 */
class ReadErrorsTest {
  @RegisterExtension static final RedisServerExtension REDIS = RedisServerExtension.create();

  @RegisterExtension
  static final RedisServerExtension SECURED =
      RedisServerExtension.create().withPassword("s3cret-pw");

  @TempDir static Path dir;

  static Path file;

  @BeforeAll
  static void write() {
    file = dir.resolve("two.h5");
    Fixtures.doubles(file, "/x", 8, 4);
    Fixtures.doubles(file, "/g/y", 8, 4);
  }

  @Test
  void missingFile() {
    String missing = dir.resolve("nope.h5").toString();
    assertThatThrownBy(
            () -> reader(REDIS.url()).option("dataset", "/x").load(missing).collectAsList())
        .isInstanceOf(H5SwmrNotFoundException.class)
        .hasMessageContaining("Path does not exist: " + missing);
    assertThatThrownBy(
            () ->
                reader(REDIS.url())
                    .option("dataset", "/x")
                    .load(dir.resolve("*.nothing").toString()))
        .isInstanceOf(H5SwmrNotFoundException.class)
        .hasMessageContaining("the glob matches no file");
  }

  @Test
  void notHdf5AndTruncatedFiles() throws Exception {
    Path text = dir.resolve("notes.h5");
    Files.writeString(text, "just some text, not HDF5\n");
    assertThatThrownBy(() -> reader(REDIS.url()).load(text.toString()))
        .isInstanceOf(H5SwmrDataException.class)
        .hasMessageContaining(text.toString())
        .hasMessageContaining("not an HDF5 file");
    Path cut = dir.resolve("cut.h5");
    Files.copy(file, cut);
    try (RandomAccessFile raf = new RandomAccessFile(cut.toFile(), "rw")) {
      raf.setLength(raf.length() / 3);
    }
    assertThatThrownBy(
            () -> reader(REDIS.url()).option("dataset", "/x").load(cut.toString()).collectAsList())
        .isInstanceOf(H5SwmrDataException.class)
        .hasMessageContaining(cut.toString())
        .hasMessageContaining("truncated or corrupt");
  }

  @Test
  void missingDatasetListsWhatExists() {
    assertThatThrownBy(() -> reader(REDIS.url()).option("dataset", "/nope").load(file.toString()))
        .isInstanceOf(H5SwmrNotFoundException.class)
        .hasMessageContaining("Dataset '/nope' (option 'dataset') not found in file " + file)
        .hasMessageContaining("[/g/y, /x]");
  }

  @Test
  void groupGivenAsDataset() {
    assertThatThrownBy(() -> reader(REDIS.url()).option("dataset", "/g").load(file.toString()))
        .isInstanceOf(H5SwmrDataException.class)
        .hasMessageContaining("'/g' in file " + file)
        .hasMessageContaining("is a group, not a dataset")
        .hasMessageContaining("[/g/y]")
        .hasMessageContaining("option 'datasets'");
  }

  @Test
  void severalDatasetsWithoutOptionAreListed() {
    assertThatThrownBy(() -> reader(REDIS.url()).load(file.toString()))
        .isInstanceOf(H5SwmrConfigException.class)
        .hasMessageContaining("holds 2 datasets")
        .hasMessageContaining("option 'dataset'")
        .hasMessageContaining("[/g/y, /x]");
  }

  @Test
  void emptyFileHasNoDataset() {
    Path empty = dir.resolve("empty.h5");
    H5File.create(empty.toString()).close();
    assertThatThrownBy(() -> reader(REDIS.url()).load(empty.toString()))
        .isInstanceOf(H5SwmrNotFoundException.class)
        .hasMessageContaining("holds no dataset");
  }

  @Test
  void columnDatasetsMustBeOneDimensionalAndEqualLength() {
    Path f = dir.resolve("cols.h5");
    Fixtures.doubles(f, "/c/a", 5, 4);
    Fixtures.doubles(f, "/c/b", 6, 4);
    Fixtures.write(f, "/m", H5DatasetSpec.of(H5Type.float64()).withTrailingDims(2), 0);
    assertThatThrownBy(() -> reader(REDIS.url()).option("datasets", "/c").load(f.toString()))
        .isInstanceOf(H5SwmrDataException.class)
        .hasMessageContaining("equal lengths")
        .hasMessageContaining("'/c/a' has 5 rows")
        .hasMessageContaining("'/c/b' has 6");
    assertThatThrownBy(() -> reader(REDIS.url()).option("datasets", "/c/a,/m").load(f.toString()))
        .isInstanceOf(H5SwmrDataException.class)
        .hasMessageContaining("'/m'")
        .hasMessageContaining("1-D");
  }

  @Test
  void badOptionValuesNameOptionValueAndWhatIsAllowed() {
    assertThatThrownBy(
            () -> reader(REDIS.url()).option("partitionBytes", "lots").load(file.toString()))
        .isInstanceOf(H5SwmrConfigException.class)
        .hasMessageContaining("Option 'partitionBytes' has an invalid value 'lots'")
        .hasMessageContaining("byte size");
    assertThatThrownBy(() -> reader(REDIS.url()).option("batchRows", "0").load(file.toString()))
        .isInstanceOf(H5SwmrConfigException.class)
        .hasMessageContaining("Option 'batchRows'");
    assertThatThrownBy(() -> reader("http://localhost:1").load(file.toString()))
        .isInstanceOf(H5SwmrConfigException.class)
        .hasMessageContaining("Option 'redis.url'");
    assertThatThrownBy(
            () ->
                reader(REDIS.url())
                    .option("dataset", "/x")
                    .option("fileColumn", "index")
                    .load(file.toString()))
        .isInstanceOf(H5SwmrConfigException.class)
        .hasMessageContaining("'fileColumn' and 'indexColumn'");
    assertThatThrownBy(
            () ->
                reader(REDIS.url())
                    .option("dataset", "/x")
                    .option("indexColumn", "x")
                    .load(file.toString()))
        .isInstanceOf(H5SwmrConfigException.class)
        .hasMessageContaining("Option 'indexColumn' names column 'x', which the data already has")
        .hasMessageContaining("choose another name with option 'indexColumn'");
  }

  @Test
  void redisUnreachable() throws Exception {
    int port;
    try (ServerSocket s = new ServerSocket(0)) {
      port = s.getLocalPort();
    }
    String url = "redis://127.0.0.1:" + port;
    assertThatThrownBy(
            () ->
                reader(url)
                    .option("redis.connectTimeout", "1s")
                    .option("dataset", "/x")
                    .load(file.toString()))
        .isInstanceOf(H5SwmrLockException.class)
        .hasMessageContaining("127.0.0.1:" + port);
  }

  @Test
  void redisRejectsThePasswordWithoutShowingIt() {
    String url = "redis://:wrong-pw@" + SECURED.host() + ":" + SECURED.port();
    assertThatThrownBy(() -> reader(url).option("dataset", "/x").load(file.toString()))
        .isInstanceOf(H5SwmrLockException.class)
        .hasMessageContaining(String.valueOf(SECURED.port()))
        .satisfies(e -> assertThat(e.getMessage()).doesNotContain("wrong-pw"));
    String good = "redis://:s3cret-pw@" + SECURED.host() + ":" + SECURED.port();
    assertThat(reader(good).option("dataset", "/x").load(file.toString()).count()).isEqualTo(8);
  }
}
