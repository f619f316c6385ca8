package dev.cairn.raft.jepsen;

import static java.nio.charset.StandardCharsets.UTF_8;
import static org.assertj.core.api.Assertions.assertThat;

import io.etcd.jetcd.ByteSequence;
import io.etcd.jetcd.Client;
import io.etcd.jetcd.KV;
import io.etcd.jetcd.Lease;
import io.etcd.jetcd.options.PutOption;
import java.nio.file.Path;
import java.time.Duration;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.locks.LockSupport;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * A leader frozen (SIGSTOP) for longer than a lease's TTL wakes up with that lease's deadline
 * passed on its own clock, while the new leader has kept the lease alive. For a moment after
 * SIGCONT it still takes itself for the leader; a revoke it proposes then was forwarded to the new
 * leader and committed, ending a lease a client had just renewed (found by the fault suite's lease
 * check in PAUSE_LEADER: a 3 s lease gone 1 s after its keep-alive). Expiry decisions are the
 * leader's alone: they may only be committed in the term of the leader that took them.
 *
 * <pre>
 *   old leader: lease L (ttl 3) on k │ SIGSTOP │ new leader elected; keep-alives of L until the
 *   old leader's deadline for L is long past, the last at t │ SIGCONT │ k must stay until t + ttl
 * </pre>
 */
class StaleLeaderLeaseRevokeTest {
  @TempDir Path dir;

  @Test
  void aResumedOldLeaderDoesNotEndALeaseTheNewLeaderRenewed() throws Exception {
    try (ProcessCluster c = new ProcessCluster(dir, 3)) {
      int old = c.awaitLeader(Duration.ofSeconds(60));
      c.awaitServing(Duration.ofSeconds(60));
      Client any = c.client();
      Lease lease = any.getLeaseClient();
      long granted = System.nanoTime();
      var grant = lease.grant(3).get(10, TimeUnit.SECONDS);
      long ttlNanos = TimeUnit.SECONDS.toNanos(grant.getTTL());
      any.getKVClient()
          .put(b("/stale/k"), b("v"), PutOption.builder().withLeaseId(grant.getID()).build())
          .get(10, TimeUnit.SECONDS);
      any.close();

      c.pause(old);
      try {
        int next = c.awaitLeader(Fault.others(c, old), Duration.ofSeconds(30));
        try (Client onNext = c.client(next)) {
          Lease renew = onNext.getLeaseClient();
          KV kv = onNext.getKVClient();
          // keep the lease alive on the new leader until the frozen leader's deadline for it is
          // well past (pacing, about every half second)
          long renewedAt = 0;
          while (System.nanoTime() < granted + ttlNanos + TimeUnit.SECONDS.toNanos(2)) {
            renewedAt = System.nanoTime();
            assertThat(renew.keepAliveOnce(grant.getID()).get(10, TimeUnit.SECONDS).getTTL())
                .as("the new leader renews the lease")
                .isPositive();
            LockSupport.parkNanos(TimeUnit.MILLISECONDS.toNanos(500));
          }
          renewedAt = System.nanoTime();
          assertThat(renew.keepAliveOnce(grant.getID()).get(10, TimeUnit.SECONDS).getTTL())
              .isPositive();
          c.resume(old);
          // the lease lives until at least renewedAt + ttl: read the key until shortly before
          long goneAt = -1;
          while (System.nanoTime() < renewedAt + ttlNanos - TimeUnit.MILLISECONDS.toNanos(300)) {
            if (kv.get(b("/stale/k")).get(10, TimeUnit.SECONDS).getKvs().isEmpty()) {
              goneAt = System.nanoTime();
              break;
            }
            LockSupport.parkNanos(TimeUnit.MILLISECONDS.toNanos(50));
          }
          assertThat(goneAt)
              .as(
                  "the key of a %d s lease was gone %.2f s after its last keep-alive",
                  grant.getTTL(), (goneAt - renewedAt) / 1e9)
              .isEqualTo(-1);
        }
      } finally {
        c.resume(old);
      }
    }
  }

  private static ByteSequence b(String s) {
    return ByteSequence.from(s, UTF_8);
  }
}
