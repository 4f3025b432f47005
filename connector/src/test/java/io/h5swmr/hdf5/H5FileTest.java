package io.h5swmr.hdf5;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import hdf.hdf5lib.H5;
import hdf.hdf5lib.HDF5Constants;
import io.h5swmr.exceptions.H5SwmrDataException;
import io.h5swmr.exceptions.H5SwmrNotFoundException;
import java.io.RandomAccessFile;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.MessageDigest;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** Opening, inspecting and restructuring files, and every file-level error message. */
class H5FileTest {
  @TempDir Path dir;

  private String sampleFile() {
    String f = dir.resolve("sample.h5").toString();
    try (H5File file = H5File.create(f)) {
      for (String p : List.of("/a", "/b", "/g/x", "/g/sub/y")) {
        try (H5Dataset d =
            file.createDataset(p, H5DatasetSpec.of(H5Type.int32()).withChunkRows(100))) {
          int[] v = new int[1000];
          java.util.Arrays.fill(v, p.length());
          d.append(v.length, H5ColumnWrite.from(v, 0));
        }
      }
      file.createGroup("/empty/deeper");
    }
    return f;
  }

  @Test
  void missingFileIsNotFound() {
    String f = dir.resolve("nope.h5").toString();
    assertThatThrownBy(() -> H5File.openReadOnly(f))
        .isInstanceOf(H5SwmrNotFoundException.class)
        .hasMessage("HDF5 file '" + f + "' does not exist");
  }

  @Test
  void nonHdf5FileIsNamedAsSuch() throws Exception {
    Path text = dir.resolve("notes.h5");
    Files.writeString(text, "this is not HDF5\n".repeat(100));
    assertThatThrownBy(() -> H5File.openReadOnly(text.toString()))
        .isInstanceOf(H5SwmrDataException.class)
        .isNotInstanceOf(H5SwmrNotFoundException.class)
        .hasMessageContaining(
            "HDF5 file '" + text + "' is not an HDF5 file (no HDF5 signature; 1700 bytes)");
    Path empty = Files.createFile(dir.resolve("empty.h5"));
    assertThatThrownBy(() -> H5File.openReadWrite(empty.toString()))
        .hasMessageContaining("is not an HDF5 file (no HDF5 signature; 0 bytes)");
    assertThatThrownBy(() -> H5File.openReadOnly(dir.toString()))
        .hasMessageContaining("is not a regular file");
  }

  @Test
  void truncatedFileIsReportedAsCorrupt() throws Exception {
    String f = sampleFile();
    long size = Files.size(Path.of(f));
    try (RandomAccessFile raf = new RandomAccessFile(f, "rw")) {
      raf.setLength(size / 2);
    }
    assertThatThrownBy(() -> H5File.openReadOnly(f))
        .isInstanceOf(H5SwmrDataException.class)
        .hasMessageContaining("HDF5 file '" + f + "' is a truncated or corrupt HDF5 file")
        .hasMessageContaining("truncated file");
  }

  @Test
  void missingDatasetListsWhatExists() {
    String f = sampleFile();
    try (H5File file = H5File.openReadOnly(f)) {
      assertThatThrownBy(() -> file.openDataset("/c"))
          .isInstanceOf(H5SwmrNotFoundException.class)
          .hasMessage(
              "HDF5 file '"
                  + f
                  + "', object '/c': no dataset at this path; the file has datasets: "
                  + "/a, /b, /g/sub/y, /g/x");
      assertThatThrownBy(() -> file.openDataset("/a/inside"))
          .isInstanceOf(H5SwmrNotFoundException.class)
          .hasMessageContaining("object '/a/inside': no dataset at this path");
    }
  }

  @Test
  void groupGivenAsDatasetSaysSo() {
    String f = sampleFile();
    try (H5File file = H5File.openReadOnly(f)) {
      assertThatThrownBy(() -> file.openDataset("/g"))
          .isInstanceOf(H5SwmrDataException.class)
          .hasMessage(
              "HDF5 file '"
                  + f
                  + "', object '/g': is a group, not a dataset; group '/g' has datasets: "
                  + "/g/sub/y, /g/x");
      assertThatThrownBy(() -> file.openDataset("/empty"))
          .hasMessageContaining("is a group, not a dataset; group '/empty' has no datasets");
    }
  }

  @Test
  void kindsAndRecursiveListing() throws Exception {
    String f = sampleFile();
    try (H5File file = H5File.openReadWrite(f)) {
      H5Native.call(
          () -> {
            H5.H5Lcreate_soft(
                "/does/not/exist",
                file.id(),
                "/dangling",
                HDF5Constants.H5P_DEFAULT,
                HDF5Constants.H5P_DEFAULT);
            return null;
          });
    }
    try (H5File file = H5File.openReadOnly(f)) {
      assertThat(file.kind("/")).isEqualTo(H5ObjectKind.GROUP);
      assertThat(file.kind("g")).isEqualTo(H5ObjectKind.GROUP);
      assertThat(file.kind("/g/sub/y")).isEqualTo(H5ObjectKind.DATASET);
      assertThat(file.kind("/g/sub/y/")).isEqualTo(H5ObjectKind.DATASET);
      assertThat(file.kind("/nope/deeper/still")).isEqualTo(H5ObjectKind.MISSING);
      assertThat(file.kind("/a/b")).isEqualTo(H5ObjectKind.MISSING);
      assertThat(file.kind("/dangling")).isEqualTo(H5ObjectKind.MISSING);
      assertThat(file.listDatasets()).containsExactly("/a", "/b", "/g/sub/y", "/g/x");
      assertThat(file.listDatasets("/g")).containsExactly("/g/sub/y", "/g/x");
      assertThat(file.listDatasets("/empty")).isEmpty();
      assertThatThrownBy(() -> file.listDatasets("/a"))
          .isInstanceOf(H5SwmrNotFoundException.class)
          .hasMessageContaining("object '/a': is not a group (DATASET)");
    }
  }

  @Test
  void readOnlyOpenNeverChangesTheFile() throws Exception {
    String f = sampleFile();
    byte[] before = MessageDigest.getInstance("SHA-256").digest(Files.readAllBytes(Path.of(f)));
    long modified = Files.getLastModifiedTime(Path.of(f)).toMillis();
    try (H5File file = H5File.openReadOnly(f);
        H5Dataset d = file.openDataset("/g/x")) {
      assertThat(d.info().rows()).isEqualTo(1000);
      assertThat((int[]) d.readColumn(10, 5)).containsOnly(4);
      assertThat(file.attributes("/")).isEmpty();
      file.flush();
      assertThatThrownBy(() -> file.createGroup("/new")).hasMessageContaining("opened read-only");
      assertThatThrownBy(() -> file.writeAttribute("/", "a", 1L))
          .hasMessageContaining("opened read-only");
    }
    byte[] after = MessageDigest.getInstance("SHA-256").digest(Files.readAllBytes(Path.of(f)));
    assertThat(after).isEqualTo(before);
    assertThat(Files.getLastModifiedTime(Path.of(f)).toMillis()).isEqualTo(modified);
  }

  @Test
  void sameFileOpenedTwiceInOneProcess() {
    String f = sampleFile();
    // Independent opens of one file share the library's file object.
    try (H5File a = H5File.openReadOnly(f);
        H5File b = H5File.openReadOnly(f)) {
      assertThat(a.listDatasets()).isEqualTo(b.listDatasets());
      // HDF5 cannot upgrade a file it holds read-only: writers must wait until readers closed it.
      assertThatThrownBy(() -> H5File.openReadWrite(f))
          .isInstanceOf(H5SwmrDataException.class)
          .hasMessageContaining(
              "HDF5 file '"
                  + f
                  + "' is already open read-only in this process; close every "
                  + "reader of it before opening it for writing");
    }
    try (H5File w = H5File.openReadWrite(f);
        H5File r = H5File.openReadOnly(f)) {
      w.createGroup("/made/by/writer");
      assertThat(r.kind("/made/by/writer")).isEqualTo(H5ObjectKind.GROUP);
      assertThatThrownBy(() -> r.delete("/a"))
          .hasMessageContaining("opened read-only; cannot delete a link");
    }
    try (H5File again = H5File.openReadWrite(f)) {
      assertThat(again.kind("/made/by")).isEqualTo(H5ObjectKind.GROUP);
    }
  }

  @Test
  void createRefusesExistingFilesAndObjects() {
    String f = sampleFile();
    assertThatThrownBy(() -> H5File.create(f))
        .hasMessageContaining("already exists; open it read-write");
    try (H5File file = H5File.openOrCreate(f)) {
      assertThat(file.isReadOnly()).isFalse();
      assertThatThrownBy(() -> file.createDataset("/a", H5DatasetSpec.of(H5Type.int8())))
          .hasMessageContaining("object '/a': already exists");
      assertThatThrownBy(() -> file.createGroup("/a"))
          .hasMessageContaining("exists and is a DATASET");
      file.createGroup("/g"); // existing group: no-op
    }
    String fresh = dir.resolve("sub-new.h5").toString();
    try (H5File file = H5File.openOrCreate(fresh)) {
      assertThat(file.listDatasets()).isEmpty();
    }
  }

  @Test
  void buildUnderTemporaryNameThenSwap() {
    String f = sampleFile();
    String oldId;
    try (H5File file = H5File.openReadWrite(f)) {
      oldId = file.datasetInfo("/g/x").objectId();
      try (H5Dataset tmp = file.createDataset("/.tmp/x-new", H5DatasetSpec.of(H5Type.int32()))) {
        tmp.append(2, H5ColumnWrite.from(new int[] {7, 8}, 0));
      }
      assertThatThrownBy(() -> file.move("/.tmp/x-new", "/g/x"))
          .hasMessageContaining("already exists");
      file.delete("/g/x");
      file.move("/.tmp/x-new", "/g/x");
      file.delete("/.tmp");
      assertThatThrownBy(() -> file.delete("/.tmp"))
          .isInstanceOf(H5SwmrNotFoundException.class)
          .hasMessageContaining("object '/.tmp': no such object");
      file.move("/b", "/new/place/b");
    }
    try (H5File file = H5File.openReadOnly(f);
        H5Dataset d = file.openDataset("/g/x")) {
      assertThat(d.info().objectId()).isNotEqualTo(oldId);
      assertThat((int[]) d.readColumn(0, 2)).containsExactly(7, 8);
      assertThat(file.listDatasets()).containsExactly("/a", "/g/sub/y", "/g/x", "/new/place/b");
    }
  }

  @Test
  void objectIdIsStableForTheSameDataset() {
    String f = sampleFile();
    String first;
    try (H5File file = H5File.openReadOnly(f)) {
      first = file.datasetInfo("/a").objectId();
      assertThat(first).isNotEqualTo(file.datasetInfo("/b").objectId());
    }
    try (H5File file = H5File.openReadWrite(f);
        H5Dataset d = file.openDataset("/a")) {
      d.append(1, H5ColumnWrite.from(new int[] {1}, 0));
      assertThat(d.refresh().objectId()).isEqualTo(first);
    }
  }

  @Test
  void datasetMetadataDescribesStorage() {
    String f = dir.resolve("meta.h5").toString();
    try (H5File file = H5File.create(f);
        H5Dataset d =
            file.createDataset(
                "/m",
                H5DatasetSpec.of(H5Type.float32())
                    .withChunkRows(64)
                    .withDeflate(6)
                    .withShuffle(true)
                    .withTrailingDims(4))) {
      H5DatasetInfo empty = d.info();
      assertThat(empty.rows()).isZero();
      assertThat(empty.isExtensible()).isTrue();
      d.append(100, H5ColumnWrite.from(new float[400], 0));
      H5DatasetInfo info = d.info();
      assertThat(info.path()).isEqualTo("/m");
      assertThat(info.file()).isEqualTo(f);
      assertThat(info.layout()).isEqualTo(H5Layout.CHUNKED);
      assertThat(info.chunkRows()).isEqualTo(64);
      assertThat(info.trailingDims()).containsExactly(4);
      assertThat(info.filters())
          .extracting(H5Filter::id)
          .containsExactly(H5Filter.SHUFFLE, H5Filter.DEFLATE);
      assertThat(info.filters().get(1).deflateLevel()).isEqualTo(6);
      assertThat(info.storageSize()).isPositive().isLessThan(1600); // zeros compress
      assertThat(info.toString()).contains("dims=[100, 4]").contains("chunk=[64, 4]");
      assertThatThrownBy(() -> d.extend(-1)).hasMessageContaining("cannot set -1 rows");
    }
  }

  @Test
  void infoFollowsTheHandlesOwnAppendsShrinksAndAttributes() {
    String f = dir.resolve("follow.h5").toString();
    try (H5File file = H5File.create(f);
        H5Dataset d =
            file.createDataset("/f", H5DatasetSpec.of(H5Type.float64()).withChunkRows(100), 0)) {
      long before = d.info().storageSize();
      for (int k = 1; k <= 3; k++) {
        d.append(250, H5ColumnWrite.from(new double[250], 0));
        H5DatasetInfo kept = d.info();
        assertThat(kept.rows()).isEqualTo(250L * k);
        assertThat(kept)
            .isEqualTo(d.refresh()); // the same as metadata loaded afresh, storage size included
      }
      assertThat(d.info().storageSize())
          .isGreaterThan(before)
          .isEqualTo(800 * 8); // 8 chunks of 100 rows
      d.extend(150);
      assertThat(d.info().rows()).isEqualTo(150);
      assertThat(d.info()).isEqualTo(d.refresh());
      d.writeAttribute("note", "kept");
      assertThat(d.info().attributes()).containsEntry("note", "kept");
    }
  }

  @Test
  void oneHandlesWritesOfDifferentShapesReuseItsBuffersWithoutMixingThem() {
    String f = dir.resolve("reuse.h5").toString();
    H5Type row =
        H5Type.compound(
            java.util.List.of("a", "b", "s"),
            java.util.List.of(
                H5Type.int16(),
                H5Type.float64(),
                H5Type.fixedString(4, H5Type.Charset.ASCII, H5Type.StringPad.NULLPAD)));
    try (H5File file = H5File.create(f);
        H5Dataset d = file.createDataset("/r", H5DatasetSpec.of(row).withChunkRows(64), 0)) {
      short[] a = new short[300];
      double[] b = new double[300];
      String[] s = new String[300];
      for (int i = 0; i < 300; i++) {
        a[i] = (short) i;
        b[i] = i + 0.5;
        s[i] = "s" + (i % 100);
      }
      // 300 rows of all members (the largest packed image), then 100 rows from an offset,
      d.append(
          300,
          H5ColumnWrite.from(a, 0, "a"),
          H5ColumnWrite.from(b, 0, "b"),
          H5ColumnWrite.from(s, 0, "s"));
      d.append(
          100,
          H5ColumnWrite.from(a, 200, "a"),
          H5ColumnWrite.from(b, 200, "b"),
          H5ColumnWrite.from(s, 200, "s"));
      // then one member alone over rows of both (a smaller image in another layout), and a short
      // string.
      double[] minus = new double[50];
      java.util.Arrays.fill(minus, -1.0);
      d.write(280, 50, H5ColumnWrite.from(minus, 0, "b"));
      d.write(5, 1, H5ColumnWrite.from(new String[] {"x"}, 0, "s"));
    }
    try (H5File file = H5File.openReadOnly(f);
        H5Dataset d = file.openDataset("/r")) {
      assertThat(d.rows()).isEqualTo(400);
      short[] a = new short[400];
      double[] b = new double[400];
      String[] s = new String[400];
      d.read(
          0,
          400,
          H5ColumnRead.into(a, 0, "a"),
          H5ColumnRead.into(b, 0, "b"),
          H5ColumnRead.into(s, 0, "s"));
      for (int i = 0; i < 400; i++) {
        int src = i < 300 ? i : i - 100;
        assertThat(a[i]).as("a[%d]", i).isEqualTo((short) src);
        assertThat(b[i]).as("b[%d]", i).isEqualTo(i >= 280 && i < 330 ? -1.0 : src + 0.5);
        assertThat(s[i]).as("s[%d]", i).isEqualTo(i == 5 ? "x" : "s" + (src % 100));
      }
    }
  }

  @Test
  void replaceSwapsInOneStepAndCreatesMissingTargets() {
    String f = sampleFile();
    try (H5File file = H5File.openReadWrite(f)) {
      try (H5Dataset tmp = file.createDataset("/tmp/a", H5DatasetSpec.of(H5Type.vlenUtf8()))) {
        tmp.append(1, H5ColumnWrite.from(new String[] {"new"}, 0));
      }
      file.replace("/tmp/a", "/a");
      file.createDataset("/tmp/c", H5DatasetSpec.of(H5Type.int8())).close();
      file.replace("/tmp/c", "/fresh/c");
      assertThatThrownBy(() -> file.replace("/tmp/none", "/a"))
          .isInstanceOf(H5SwmrNotFoundException.class)
          .hasMessageContaining("object '/tmp/none': no such object");
    }
    try (H5File file = H5File.openReadOnly(f);
        H5Dataset a = file.openDataset("/a")) {
      assertThat((String[]) a.readColumn(0, 1)).containsExactly("new");
      assertThat(file.kind("/fresh/c")).isEqualTo(H5ObjectKind.DATASET);
      assertThat(file.kind("/tmp/a")).isEqualTo(H5ObjectKind.MISSING);
    }
  }

  @Test
  void createInMissingDirectoryNamesTheDirectory() {
    Path missing = dir.resolve("no/such/dir");
    assertThatThrownBy(() -> H5File.create(missing.resolve("f.h5").toString()))
        .isInstanceOf(H5SwmrNotFoundException.class)
        .hasMessageContaining("cannot be created: directory '" + missing + "' does not exist");
  }
}
