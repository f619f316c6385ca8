package dev.cairn.raft.fault;

import static dev.cairn.raft.fault.MembershipTest.b;
import static org.assertj.core.api.Assertions.assertThat;

import dev.cairn.raft.Await;
import dev.cairn.raft.CairnCluster;
import dev.cairn.raft.NodeConfig;
import io.etcd.jetcd.ByteSequence;
import io.etcd.jetcd.Cluster;
import io.etcd.jetcd.KV;
import java.nio.file.Path;
import java.time.Duration;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.EnumSource;

/**
 * Regression test: a learner outlives leader losses.
 *
 * <p>A learner added with MemberAdd(isLearner) used to join with an empty Raft configuration, so
 * Ratis ran it as a follower, not a listener. The first leader change made it a running follower,
 * with an election timer; at the next leader loss that timer fired, the election found it was no
 * voter (NOT_IN_CONF), and Ratis closed its Raft division for good: no more log, no more reads,
 * until the process restarted.
 *
 * <pre>
 *   n0 n1 n2 voters · n3 learner
 *   loss 1: stop the leader ─▶ a survivor leads ─▶ writes reach n3 ─▶ restart the old leader
 *   loss 2: stop the leader ─▶ a survivor leads ─▶ writes reach n3 ─▶ restart the old leader
 *   after each: n3 serves the writes (serializable reads), says it is a learner, its Raft runs
 * </pre>
 *
 * Two voters always survive, so the cluster keeps its quorum. The learner's election timeout
 * (550-650 ms) is shorter than the voters' (1-2 s) but longer than the leader's heartbeat interval
 * (half the voters' minimum, 500 ms): a learner that has a timer at all fires it before the
 * survivors have a new leader, every time rather than by chance.
 *
 * <p>Both ways a learner can be running: added then started, it learns its role and Ratis runs it
 * as a listener; started before its MemberAdd (or unable to ask, or restarted before the
 * configuration naming it reached it), Ratis runs it as a follower, and Cairn pauses its elections.
 */
class LearnerLeaderLossTest {
  private static final String LEARNER = "n3";

  @TempDir Path dir;

  /** How the learner joined, and the roles Ratis may run it in after a leader loss. */
  enum Joined {
    /** Added, then started: it asked the cluster for its role. */
    ADDED_THEN_STARTED(false, "LISTENER"),
    /** Started, then added: it could not learn its role; its elections are paused. */
    STARTED_THEN_ADDED(true, "FOLLOWER", "CANDIDATE");

    final boolean startFirst;
    final String[] ratisRoles;

    Joined(boolean startFirst, String... ratisRoles) {
      this.startFirst = startFirst;
      this.ratisRoles = ratisRoles;
    }
  }

  @ParameterizedTest
  @EnumSource(Joined.class)
  void aLearnerKeepsServingThroughTwoLeaderLosses(Joined how) throws Exception {
    try (CairnCluster c = CairnCluster.start(3, dir, LearnerLeaderLossTest::timeouts)) {
      Cluster cluster = c.client(c.awaitLeader(Duration.ofSeconds(20))).getClusterClient();
      int learner = MembershipTest.joinLearner(c, cluster, "/joined/", how.startFirst);
      assertThat(c.node(learner).name()).isEqualTo(LEARNER);
      awaitStaged(c, learner);

      for (int loss = 1; loss <= 2; loss++) {
        int leader = c.awaitLeader(Duration.ofSeconds(30));
        c.stopNode(leader);
        int next = c.awaitLeader(Duration.ofSeconds(30));
        String prefix = "/loss" + loss + "/";
        put(c.client(next).getKVClient(), prefix, 10);

        LeaderFailoverTest.awaitKeys(c.client(learner).getKVClient(), prefix, 10);
        MembershipTest.awaitLearnerStatus(c, learner, true);
        assertThat(c.raftLifeCycle(learner)).as("after loss " + loss).isEqualTo("RUNNING");
        c.startNode(leader);
      }
      assertThat(c.raftRole(learner)).isIn((Object[]) how.ratisRoles);
    }
  }

  private static NodeConfig timeouts(NodeConfig c) {
    return c.name().equals(LEARNER)
        ? c.withElectionTimeout(Duration.ofMillis(550), Duration.ofMillis(650))
        : c.withElectionTimeout(Duration.ofMillis(1000), Duration.ofMillis(2000));
  }

  /** Waits until the leader's configuration has the learner (Ratis staged it, and it caught up). */
  private static void awaitStaged(CairnCluster c, int learner) throws Exception {
    int leader = c.awaitLeader(Duration.ofSeconds(20));
    Await.until(Duration.ofSeconds(20), () -> c.inConfigurationOf(leader, learner));
    assertThat(c.inConfigurationOf(leader, learner)).isTrue();
  }

  /** Writes n keys under the prefix, retrying while the new leader settles. */
  private static void put(KV kv, String prefix, int n) throws Exception {
    for (int i = 0; i < n; i++) {
      ByteSequence key = b(prefix + "k" + i);
      Await.retrying(
          Duration.ofSeconds(30),
          e -> e instanceof ExecutionException || e instanceof TimeoutException,
          () -> kv.put(key, b("v")).get(10, TimeUnit.SECONDS));
    }
  }
}
