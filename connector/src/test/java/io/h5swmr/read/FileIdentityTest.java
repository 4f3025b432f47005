package io.h5swmr.read;

import static org.assertj.core.api.Assertions.assertThat;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * When two looks at a path name the same file: inode everywhere, device only on the same host (NFS
 * mounts).
 */
class FileIdentityTest {
  @TempDir Path dir;

  @Test
  void inodeAlwaysDeviceOnlyOnTheSameHost() {
    assertThat(FileIdentity.differs("(dev=803,ino=12) on a", "(dev=803,ino=13) on a")).isTrue();
    assertThat(FileIdentity.differs("(dev=803,ino=12) on a", "(dev=804,ino=12) on a")).isTrue();
    // an NFS mount has another device number on each host: the same file
    assertThat(FileIdentity.differs("(dev=2c,ino=12) on a", "(dev=31,ino=12) on b")).isFalse();
    assertThat(FileIdentity.differs("(dev=2c,ino=12) on a", "(dev=31,ino=13) on b")).isTrue();
    assertThat(FileIdentity.differs("ino=12", "(dev=31,ino=12) on b")).isFalse();
    assertThat(FileIdentity.differs("etag:\"abc\"", "etag:\"abd\"")).isTrue();
    assertThat(FileIdentity.differs("", "(dev=31,ino=12) on b"))
        .as("unknown at planning")
        .isFalse();
  }

  @Test
  void aRenamedOverFileHasAnotherIdentityAndStreamIdsCarryOnlyTheInode() throws Exception {
    Path f = Files.write(dir.resolve("a.h5"), new byte[] {1});
    String before = FileIdentity.local(f.toString());
    Path tmp = Files.write(dir.resolve("a.h5.tmp"), new byte[] {1});
    Files.move(
        tmp,
        f,
        java.nio.file.StandardCopyOption.REPLACE_EXISTING,
        java.nio.file.StandardCopyOption.ATOMIC_MOVE);
    String after = FileIdentity.local(f.toString());
    assertThat(before).contains("ino=");
    assertThat(FileIdentity.differs(before, after)).isTrue();
    List<String> ids = FileIdentity.tag(List.of("2a0@17"), before);
    assertThat(ids.get(0)).startsWith("2a0@17|file=ino=").doesNotContain("dev=");
    assertThat(FileIdentity.untag(ids)).containsExactly("2a0@17");
    assertThat(FileIdentity.sameIds(ids, List.of("2a0@17")))
        .as("offsets of earlier releases")
        .isTrue();
    assertThat(FileIdentity.sameIds(ids, FileIdentity.tag(List.of("2a0@17"), after))).isFalse();
  }
}
