package io.h5swmr.write;

import static org.assertj.core.api.Assertions.assertThat;

import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.FileTime;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * Issue 29: a staging directory whose owner pid now belongs to another live process (pid reuse
 * after the driver died) is removed as docs/write.md says: by its stale heartbeat, or by the pid's
 * different start time.
 */
class StagingOrphanTest {
  @TempDir Path dir;

  private static final long STALE = 4 * 30_000;

  private Path staging(String query, String owner, long heartbeatAgeMillis) throws Exception {
    Path q = Files.createDirectories(dir.resolve(".t.h5.h5swmr-staging").resolve(query));
    Files.writeString(q.resolve(StagingArea.OWNER), owner);
    Files.write(q.resolve(StagingArea.HEARTBEAT), new byte[0]);
    Files.setLastModifiedTime(
        q.resolve(StagingArea.HEARTBEAT),
        FileTime.fromMillis(System.currentTimeMillis() - heartbeatAgeMillis));
    Files.write(q.resolve("part-0.staged"), new byte[1024]);
    return q;
  }

  @Test
  void aReusedPidWithAStaleHeartbeatOrAnotherStartTimeIsAnOrphan() throws Exception {
    String host = java.net.InetAddress.getLocalHost().getHostName();
    ProcessHandle live =
        ProcessHandle.current(); // stands for the process that got the dead driver's pid
    long start = live.info().startInstant().orElseThrow().toEpochMilli();
    Path staleOldFormat = staging("q-stale", host + " " + live.pid(), 10 * 60_000);
    Path otherStart = staging("q-start", host + " " + live.pid() + " " + (start - 3_600_000), 0);
    Path running = staging("q-running", host + " " + live.pid() + " " + start, 1_000);
    assertThat(StagingArea.isOrphan(staleOldFormat, STALE))
        .as("live pid, heartbeat 10 min old")
        .isTrue();
    assertThat(StagingArea.isOrphan(otherStart, STALE))
        .as("live pid started an hour later")
        .isTrue();
    assertThat(StagingArea.isOrphan(running, STALE)).as("the live owner, beating").isFalse();
    Path target = dir.resolve("t.h5");
    List<Path> removed =
        StagingArea.removeLeftovers(target, dir.resolve(".t.h5.h5swmr-staging"), null, STALE);
    assertThat(removed).containsExactlyInAnyOrder(staleOldFormat, otherStart);
    assertThat(Files.exists(staleOldFormat)).isFalse();
    assertThat(Files.exists(otherStart)).isFalse();
    assertThat(Files.exists(running.resolve("part-0.staged"))).isTrue();
  }
}
