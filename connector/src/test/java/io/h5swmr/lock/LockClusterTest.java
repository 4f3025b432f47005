package io.h5swmr.lock;

import static org.assertj.core.api.Assertions.assertThat;

import io.h5swmr.testing.RedisServerExtension;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;
import redis.clients.jedis.Jedis;

/**
 * The lock on a real three-node Redis Cluster: per-lock hash tags, scripts, pub/sub wake-ups,
 * listing all nodes.
 */
class LockClusterTest {
  @RegisterExtension
  static final RedisServerExtension N1 = RedisServerExtension.create().withClusterEnabled();

  @RegisterExtension
  static final RedisServerExtension N2 = RedisServerExtension.create().withClusterEnabled();

  @RegisterExtension
  static final RedisServerExtension N3 = RedisServerExtension.create().withClusterEnabled();

  @BeforeAll
  static void formCluster() throws Exception {
    RedisServerExtension[] nodes = {N1, N2, N3};
    int per = 16384 / nodes.length;
    for (int i = 0; i < nodes.length; i++) {
      int from = i * per;
      int to = i == nodes.length - 1 ? 16383 : from + per - 1;
      int[] slots = new int[to - from + 1];
      for (int s = 0; s < slots.length; s++) {
        slots[s] = from + s;
      }
      try (Jedis j = new Jedis(nodes[i].host(), nodes[i].port())) {
        j.clusterAddSlots(slots);
        if (i > 0) {
          j.clusterMeet(N1.host(), N1.port());
        }
      }
    }
    long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(30);
    for (RedisServerExtension n : nodes) {
      try (Jedis j = new Jedis(n.host(), n.port())) {
        while (!j.clusterInfo().contains("cluster_state:ok")) {
          if (System.nanoTime() > deadline) {
            throw new AssertionError("cluster did not form: " + j.clusterInfo());
          }
          Thread.sleep(50); // polling the cluster's own state
        }
      }
    }
  }

  @Test
  void leasesWorkAcrossClusterNodes() throws Exception {
    String url =
        "redis-cluster://" + N1.host() + ":" + N1.port() + "," + N2.host() + ":" + N2.port();
    try (LockService service =
        LockService.open(
            LockSettings.builder().redisUrl(url).leaseTtl(Duration.ofSeconds(2)).build())) {
      service.ping();
      List<String> resources = new ArrayList<>();
      for (int i = 0; i < 6; i++) {
        resources.add("/cluster/file-" + i + ".h5");
      }
      List<Lease> writers = new ArrayList<>();
      for (String r : resources) {
        writers.add(service.acquireExclusive(r, Duration.ofSeconds(10)));
      }
      // the locks are spread over several nodes, and the listing finds them all
      List<Integer> nodesUsed =
          resources.stream()
              .map(
                  r ->
                      redis.clients.jedis.util.JedisClusterCRC16.getSlot(
                              "{" + LockKeys.tagOf(r) + "}")
                          * 3
                          / 16384)
              .distinct()
              .toList();
      assertThat(nodesUsed).hasSizeGreaterThan(1);
      assertThat(service.list())
          .extracting(LockState::resource)
          .containsExactlyElementsOf(resources);

      Lease w0 = writers.get(0);
      Thread reader =
          new Thread(
              () -> {
                try (Lease l = service.acquireShared(resources.get(0), Duration.ofSeconds(10))) {
                  assertThat(l.isValid()).isTrue();
                }
              });
      reader.start();
      while (service.state(resources.get(0)).waiters().isEmpty()) {
        Thread.sleep(5); // polling Redis state
      }
      w0.close();
      reader.join(10_000);
      assertThat(reader.isAlive()).isFalse();

      assertThat(service.forceRelease(resources.get(1), writers.get(1).id())).isTrue();
      for (int i = 2; i < writers.size(); i++) {
        Lease w = writers.get(i);
        assertThat(service.isExclusiveHolder(resources.get(i), w.token())).isTrue();
        w.close();
      }
      try (Lease again = service.acquireExclusive(resources.get(2), Duration.ofSeconds(10))) {
        assertThat(again.token()).isGreaterThan(writers.get(2).token());
      }
      writers.get(1).close();
      assertThat(service.list()).isEmpty();
    }
  }
}
