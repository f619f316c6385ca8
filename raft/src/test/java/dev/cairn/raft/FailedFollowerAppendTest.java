package dev.cairn.raft;

import static java.nio.charset.StandardCharsets.UTF_8;
import static org.assertj.core.api.Assertions.assertThat;

import io.etcd.jetcd.ByteSequence;
import io.etcd.jetcd.KV;
import java.nio.file.Path;
import java.time.Duration;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicLong;
import org.apache.ratis.server.raftlog.RaftLog;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * A follower whose log append fails catches up once the cause is gone (issue 6, the member wedged
 * after a partition: raft/src/test/resources/jepsen/partition-leader-wedged-follower.txt).
 *
 * <p>Ratis's segmented log lets one thread at a time in ({@code RaftLogSequentialOps.Runner}); a
 * second one gets {@code IllegalStateException: Already running a method by ...}. Here a thread of
 * the test keeps entering the follower's log (an append of log metadata that appends nothing) while
 * the leader replicates writes, so some of the follower's appends fail that way, as they did in the
 * fault suite when two appends raced. With Ratis's chained follower appends ({@code
 * raft.server.log.append-entries.compose.enabled}, on by default) the first failure is handed to
 * every later append and the follower never catches up; with the chain off (Cairn's setting) the
 * failed appendEntries is retried by the leader.
 *
 * <pre>
 *   leader ──appendEntries──► follower: append ✗ (test thread inside the log)
 *                                       chained: every later append ✗ → behind forever
 *                                       Cairn:   leader retries ✓ → caught up
 * </pre>
 */
class FailedFollowerAppendTest {
  @TempDir Path dir;

  @Test
  void aFollowerCatchesUpAfterItsAppendsFailed() throws Exception {
    try (CairnCluster c = CairnCluster.start(3, dir)) {
      int leader = c.awaitLeader(Duration.ofSeconds(20));
      int follower = (leader + 1) % c.size();
      KV kv = c.client(leader).getKVClient();
      kv.put(b("/append/first"), b("x")).get(10, TimeUnit.SECONDS);

      RaftLog log = c.node(follower).division().getRaftLog();
      long term = c.node(follower).division().getInfo().getCurrentTerm();
      AtomicBoolean stop = new AtomicBoolean();
      AtomicLong entered = new AtomicLong();
      AtomicLong collisions = new AtomicLong();
      Thread intruder =
          new Thread(
              () -> {
                while (!stop.get()) {
                  try {
                    // commit index 0: nothing to append, but it runs inside the log's guard
                    log.appendMetadata(term, 0);
                    entered.incrementAndGet();
                  } catch (IllegalStateException e) {
                    collisions.incrementAndGet(); // a follower append was inside the log
                  }
                }
              },
              "log-intruder");
      intruder.start();
      try {
        long end = System.nanoTime() + TimeUnit.SECONDS.toNanos(20);
        for (int i = 0; i < 50 || (collisions.get() == 0 && System.nanoTime() < end); i++) {
          kv.put(b("/append/k" + i), b("v" + i)).get(10, TimeUnit.SECONDS);
        }
      } finally {
        stop.set(true);
        intruder.join(10_000);
      }
      kv.put(b("/append/last"), b("y")).get(10, TimeUnit.SECONDS);
      long target = c.node(leader).division().getInfo().getLastAppliedIndex();
      long applied = awaitApplied(c.node(follower), target, Duration.ofSeconds(30));
      assertThat(applied)
          .as("follower's applied index (the leader's is %d)", target)
          .isGreaterThanOrEqualTo(target);
      // the test provoked what it meant to: follower appends and the test thread met in the log
      assertThat(collisions.get())
          .as(
              "times the test thread found a follower append inside the log (it entered %d times)",
              entered.get())
          .isPositive();
    }
  }

  /** The member's applied index once it reaches {@code target}, or at the deadline. */
  private static long awaitApplied(CairnNode n, long target, Duration timeout)
      throws InterruptedException {
    long end = System.nanoTime() + timeout.toNanos();
    long applied = n.division().getInfo().getLastAppliedIndex();
    while (applied < target && System.nanoTime() < end) {
      TimeUnit.MILLISECONDS.sleep(100);
      applied = n.division().getInfo().getLastAppliedIndex();
    }
    return applied;
  }

  private static ByteSequence b(String s) {
    return ByteSequence.from(s, UTF_8);
  }
}
