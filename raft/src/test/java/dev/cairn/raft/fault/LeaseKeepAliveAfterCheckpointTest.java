package dev.cairn.raft.fault;

import static java.nio.charset.StandardCharsets.UTF_8;
import static org.assertj.core.api.Assertions.assertThat;

import dev.cairn.raft.Await;
import dev.cairn.raft.CairnCluster;
import io.etcd.jetcd.ByteSequence;
import io.etcd.jetcd.KV;
import io.etcd.jetcd.Lease;
import io.etcd.jetcd.options.PutOption;
import java.nio.file.Path;
import java.time.Duration;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * A keep-alive renews a lease for its full TTL, and a leader change right after it must not cut
 * that short. The leader checkpoints remaining TTLs into the log (every 2 s here) and a new leader
 * resumes from the last checkpoint; a keep-alive after a checkpoint must therefore not leave the
 * older, smaller remaining TTL in force (etcd clears it on renew).
 *
 * <pre>
 *   grant ttl 8 ─ … ─ checkpoint: remaining ≤ 4 ─ keep-alive (t) ─ leader stopped
 *   new leader elected ─ … the key must still be there until t + 8
 * </pre>
 */
class LeaseKeepAliveAfterCheckpointTest {
  private static final long TTL = 8;

  @TempDir Path dir;

  @Test
  void aLeaderChangeAfterAKeepAliveKeepsTheFullTtl() throws Exception {
    try (CairnCluster c =
        CairnCluster.start(3, dir, n -> n.withLeaseCheckpointInterval(Duration.ofSeconds(2)))) {
      int leader = c.awaitLeader(Duration.ofSeconds(20));
      int[] others = LeaderFailoverTest.otherThan(leader, 3);
      Lease lease = c.client(others[0]).getLeaseClient();
      KV kv = c.client(others[0]).getKVClient();
      long id = lease.grant(TTL).get(10, TimeUnit.SECONDS).getID();
      kv.put(b("/lease/k"), b("v"), PutOption.builder().withLeaseId(id).build())
          .get(10, TimeUnit.SECONDS);
      assertThat(
              Await.until(
                  Duration.ofSeconds(30),
                  () -> {
                    long r = c.checkpointedRemainingTtl(leader, id);
                    return r > 0 && r <= TTL - 4;
                  }))
          .as("a checkpoint with at most %d s left", TTL - 4)
          .isTrue();

      long keptAlive = System.nanoTime();
      assertThat(lease.keepAliveOnce(id).get(10, TimeUnit.SECONDS).getTTL()).isEqualTo(TTL);
      c.stopNode(leader);
      c.awaitLeader(Duration.ofSeconds(20));

      long until = keptAlive + TimeUnit.SECONDS.toNanos(TTL);
      KV survivor = c.client(others[1]).getKVClient();
      long goneAt = -1;
      while (System.nanoTime() < until) {
        if (survivor.get(b("/lease/k")).get(10, TimeUnit.SECONDS).getKvs().isEmpty()) {
          goneAt = System.nanoTime();
          break;
        }
        java.util.concurrent.locks.LockSupport.parkNanos(TimeUnit.MILLISECONDS.toNanos(100));
      }
      assertThat(goneAt)
          .as(
              "the key expired %.1f s after the keep-alive of a %d s lease",
              (goneAt - keptAlive) / 1e9, TTL)
          .isEqualTo(-1);
      assertThat(
              Await.until(
                  Duration.ofSeconds(TTL + 10),
                  () -> survivor.get(b("/lease/k")).get(10, TimeUnit.SECONDS).getKvs().isEmpty()))
          .as("the lease expires after its TTL")
          .isTrue();
    }
  }

  private static ByteSequence b(String s) {
    return ByteSequence.from(s, UTF_8);
  }
}
