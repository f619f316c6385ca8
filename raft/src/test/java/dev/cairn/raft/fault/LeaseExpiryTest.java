package dev.cairn.raft.fault;

import static java.nio.charset.StandardCharsets.UTF_8;
import static org.assertj.core.api.Assertions.assertThat;

import dev.cairn.raft.CairnCluster;
import io.etcd.jetcd.ByteSequence;
import io.etcd.jetcd.KV;
import io.etcd.jetcd.Lease;
import io.etcd.jetcd.lease.LeaseKeepAliveResponse;
import io.etcd.jetcd.lease.LeaseTimeToLiveResponse;
import io.etcd.jetcd.options.LeaseOption;
import io.etcd.jetcd.options.PutOption;
import io.etcd.jetcd.support.CloseableClient;
import io.grpc.stub.StreamObserver;
import java.nio.file.Path;
import java.time.Duration;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** Leases expire by the leader's clock, are kept alive through any member, survive leader loss. */
class LeaseExpiryTest {
  @TempDir Path dir;

  static ByteSequence b(String s) {
    return ByteSequence.from(s, UTF_8);
  }

  @Test
  void leasesExpireAndKeepAlivesThroughAFollowerKeepThem() throws Exception {
    try (CairnCluster c =
        CairnCluster.start(3, dir, n -> n.withLeaseCheckpointInterval(Duration.ofSeconds(1)))) {
      int leader = c.awaitLeader(Duration.ofSeconds(20));
      int follower = LeaderFailoverTest.otherThan(leader, 3)[0];
      Lease lease = c.client(follower).getLeaseClient();
      KV kv = c.client(follower).getKVClient();

      long shortLived = lease.grant(2).get(10, TimeUnit.SECONDS).getID();
      long kept = lease.grant(2).get(10, TimeUnit.SECONDS).getID();
      kv.put(b("/lease/short"), b("1"), PutOption.builder().withLeaseId(shortLived).build())
          .get(10, TimeUnit.SECONDS);
      kv.put(b("/lease/kept"), b("1"), PutOption.builder().withLeaseId(kept).build())
          .get(10, TimeUnit.SECONDS);

      try (CloseableClient keepAlive = lease.keepAlive(kept, noop())) {
        LeaseTimeToLiveResponse ttl =
            lease
                .timeToLive(kept, LeaseOption.builder().withAttachedKeys().build())
                .get(10, TimeUnit.SECONDS);
        assertThat(ttl.getGrantedTTL()).isEqualTo(2);
        assertThat(ttl.getKeys()).containsExactly(b("/lease/kept"));

        Thread.sleep(5000);
        assertThat(kv.get(b("/lease/short")).get(10, TimeUnit.SECONDS).getKvs()).isEmpty();
        assertThat(kv.get(b("/lease/kept")).get(10, TimeUnit.SECONDS).getKvs()).hasSize(1);
        assertThat(
                lease
                    .timeToLive(shortLived, LeaseOption.DEFAULT)
                    .get(10, TimeUnit.SECONDS)
                    .getTTL())
            .isEqualTo(-1);
      }
    }
  }

  @Test
  void remainingTimeSurvivesALeaderChange() throws Exception {
    try (CairnCluster c =
        CairnCluster.start(3, dir, n -> n.withLeaseCheckpointInterval(Duration.ofMillis(500)))) {
      int leader = c.awaitLeader(Duration.ofSeconds(20));
      int follower = LeaderFailoverTest.otherThan(leader, 3)[0];
      Lease lease = c.client(follower).getLeaseClient();
      KV kv = c.client(follower).getKVClient();
      long id = lease.grant(8).get(10, TimeUnit.SECONDS).getID();
      kv.put(b("/lease/survivor"), b("1"), PutOption.builder().withLeaseId(id).build())
          .get(10, TimeUnit.SECONDS);
      long granted = System.nanoTime();
      Thread.sleep(3000); // at least one checkpoint with ~5 s remaining
      c.stopNode(leader);
      c.awaitLeader(Duration.ofSeconds(20));
      long remaining = lease.timeToLive(id, LeaseOption.DEFAULT).get(10, TimeUnit.SECONDS).getTTL();
      assertThat(remaining).isBetween(1L, 7L); // resumed from the checkpoint, not a fresh 8 s

      long end = granted + TimeUnit.SECONDS.toNanos(25);
      while (System.nanoTime() < end
          && !kv.get(b("/lease/survivor")).get(10, TimeUnit.SECONDS).getKvs().isEmpty()) {
        Thread.sleep(200);
      }
      assertThat(kv.get(b("/lease/survivor")).get(10, TimeUnit.SECONDS).getKvs()).isEmpty();
      long after = TimeUnit.NANOSECONDS.toSeconds(System.nanoTime() - granted);
      assertThat(after).isGreaterThanOrEqualTo(7);
    }
  }

  static StreamObserver<LeaseKeepAliveResponse> noop() {
    return new StreamObserver<>() {
      @Override
      public void onNext(LeaseKeepAliveResponse value) {}

      @Override
      public void onError(Throwable t) {}

      @Override
      public void onCompleted() {}
    };
  }
}
