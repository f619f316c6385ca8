package dev.cairn.raft.fault;

import static java.nio.charset.StandardCharsets.UTF_8;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.catchThrowable;

import dev.cairn.raft.Await;
import dev.cairn.raft.CairnCluster;
import io.etcd.jetcd.ByteSequence;
import io.etcd.jetcd.Cluster;
import io.etcd.jetcd.KV;
import io.etcd.jetcd.cluster.Member;
import io.etcd.jetcd.cluster.MemberAddResponse;
import io.etcd.jetcd.maintenance.StatusResponse;
import io.grpc.Status;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.EnumSource;

/**
 * Members join a running cluster with MemberAdd, learners become voters with MemberPromote, and
 * members leave with MemberRemove.
 *
 * <p>A promoted learner must vote, not only count towards commit. The promotion tests start two
 * voters, so that with the leader stopped the other one alone is 1 of 3 and can elect no one: a
 * leader, and writes, come back only with the promoted member's vote.
 *
 * <pre>
 *   n0 n1 voters · n2 learner  ──promote──▶  n0 n1 n2 voters  ──stop the leader──▶  2 of 3 vote
 * </pre>
 *
 * A learner added and then started learns its role from the cluster and runs as a Ratis listener,
 * as does one restarted once its configuration reached it; one started before its MemberAdd runs as
 * a Ratis follower, STARTING while the leader that staged it leads. {@code ConfigurationDriver}
 * promotes a listener in one configuration change and a STARTING member by staging it again, and
 * MemberPromote answers once the member runs as a Ratis follower (a listener refuses votes).
 */
class MembershipTest {
  @TempDir Path dir;

  @Test
  void aMemberAddedAsAVoterJoinsServesAndLeaves() throws Exception {
    try (CairnCluster c = CairnCluster.start(3, dir)) {
      int leader = c.awaitLeader(Duration.ofSeconds(20));
      KV kv = c.client(leader).getKVClient();
      for (int i = 0; i < 20; i++) {
        kv.put(b("/member/k" + i), b("v")).get(10, TimeUnit.SECONDS);
      }
      Cluster cluster = c.client(leader).getClusterClient();

      int joining = c.prepareJoiningMember();
      MemberAddResponse added =
          cluster.addMember(List.of(c.peerUrl(joining)), false).get(20, TimeUnit.SECONDS);
      long id = added.getMember().getId();
      assertThat(added.getMember().isLearner()).isFalse();
      c.startNode(joining);
      LeaderFailoverTest.awaitKeys(c.client(joining).getKVClient(), "/member/", 20);

      awaitName(cluster, "n" + joining);
      assertThat(members(cluster)).hasSize(4).noneMatch(Member::isLearner);
      // the new member takes writes and linearizable reads
      KV onNew = c.client(joining).getKVClient();
      onNew.put(b("/member/new"), b("v")).get(10, TimeUnit.SECONDS);
      assertThat(onNew.get(b("/member/new")).get(10, TimeUnit.SECONDS).getKvs()).hasSize(1);

      cluster.removeMember(id).get(20, TimeUnit.SECONDS);
      assertThat(members(cluster)).hasSize(3).noneMatch(m -> m.getId() == id);
      kv.put(b("/member/after"), b("v")).get(10, TimeUnit.SECONDS);
    }
  }

  @Test
  void aLearnerCatchesUpAndCanBeRemoved() throws Exception {
    try (CairnCluster c = CairnCluster.start(3, dir)) {
      int leader = c.awaitLeader(Duration.ofSeconds(20));
      KV kv = c.client(leader).getKVClient();
      for (int i = 0; i < 20; i++) {
        kv.put(b("/learner/k" + i), b("v")).get(10, TimeUnit.SECONDS);
      }
      Cluster cluster = c.client(leader).getClusterClient();
      int joining = c.prepareJoiningMember();
      long id =
          cluster
              .addMember(List.of(c.peerUrl(joining)), true)
              .get(20, TimeUnit.SECONDS)
              .getMember()
              .getId();
      c.startNode(joining);
      LeaderFailoverTest.awaitKeys(c.client(joining).getKVClient(), "/learner/", 20);
      assertThat(members(cluster))
          .filteredOn(m -> m.getId() == id)
          .singleElement()
          .satisfies(m -> assertThat(m.isLearner()).isTrue());

      cluster.removeMember(id).get(20, TimeUnit.SECONDS);
      assertThat(members(cluster)).hasSize(3).noneMatch(m -> m.getId() == id);
    }
  }

  /** How the learner spent its time before MemberPromote, and the role Ratis runs it in. */
  enum Learner {
    /** Added, then started: it asked the cluster for its role. */
    JOINED("LISTENER"),
    /** Stopped, refused promotion while behind, restarted: its configuration names it a learner. */
    FELL_BEHIND_AND_RESTARTED("LISTENER"),
    /** Started, then added: it could not learn its role, and Ratis has it STARTING. */
    STARTED_BEFORE_ITS_MEMBER_ADD("FOLLOWER");

    final String ratisRole;

    Learner(String ratisRole) {
      this.ratisRole = ratisRole;
    }
  }

  @ParameterizedTest
  @EnumSource(Learner.class)
  void aPromotedLearnerVotes(Learner how) throws Exception {
    try (CairnCluster c = CairnCluster.start(2, dir)) {
      int leader = c.awaitLeader(Duration.ofSeconds(20));
      Cluster cluster = c.client(leader).getClusterClient();
      int learner =
          joinLearner(c, cluster, "/promote/", how == Learner.STARTED_BEFORE_ITS_MEMBER_ADD);
      long id = c.node(learner).memberId();
      awaitLearnerStatus(c, learner, true);
      if (how == Learner.FELL_BEHIND_AND_RESTARTED) {
        fallBehindAndRestart(c, cluster, leader, learner, id);
      }
      assertThat(c.raftRole(learner)).isEqualTo(how.ratisRole);

      promoteWhenInSync(cluster, id);
      assertThat(c.raftRole(learner)).isNotEqualTo("LISTENER"); // it votes
      assertThat(members(cluster)).hasSize(3).noneMatch(Member::isLearner);
      awaitLearnerStatus(c, learner, false); // the member knows once it applies the configuration
      assertTheSurvivorsElectALeaderWithoutTheOldOne(c, leader);
    }
  }

  /**
   * Stops the learner once it is in its own configuration (so that it restarts as a Ratis
   * listener), writes 200 keys, sees its promotion refused, and restarts it.
   */
  static void fallBehindAndRestart(
      CairnCluster c, Cluster cluster, int leader, int learner, long id) throws Exception {
    Await.until(Duration.ofSeconds(20), () -> c.inOwnConfiguration(learner));
    assertThat(c.inOwnConfiguration(learner)).isTrue();
    c.stopNode(learner);
    KV kv = c.client(leader).getKVClient();
    for (int i = 0; i < 200; i++) {
      kv.put(b("/promote/more" + i), b("v")).get(10, TimeUnit.SECONDS);
    }
    Status refused =
        MemberPromoteTest.statusOf(
            catchThrowable(() -> cluster.promoteMember(id).get(10, TimeUnit.SECONDS)));
    assertThat(refused.getCode()).isEqualTo(Status.Code.FAILED_PRECONDITION);
    assertThat(refused.getDescription())
        .isEqualTo("etcdserver: can only promote a learner member which is in sync with leader");
    assertThat(members(cluster)).filteredOn(Member::isLearner).hasSize(1);
    c.startNode(learner);
    LeaderFailoverTest.awaitKeys(c.client(learner).getKVClient(), "/promote/", 220);
  }

  /** Adds a learner, starts it and waits until it has the 20 keys written under {@code prefix}. */
  static int joinLearner(CairnCluster c, Cluster cluster, String prefix) throws Exception {
    return joinLearner(c, cluster, prefix, false);
  }

  /**
   * Adds a learner and starts it, or starts it first, and waits until it has the 20 keys written
   * under {@code prefix}.
   */
  static int joinLearner(CairnCluster c, Cluster cluster, String prefix, boolean startFirst)
      throws Exception {
    KV kv = c.client(c.awaitLeader(Duration.ofSeconds(20))).getKVClient();
    for (int i = 0; i < 20; i++) {
      kv.put(b(prefix + "k" + i), b("v")).get(10, TimeUnit.SECONDS);
    }
    int joining = c.prepareJoiningMember();
    if (startFirst) {
      c.startNode(joining);
    }
    MemberAddResponse added =
        cluster.addMember(List.of(c.peerUrl(joining)), true).get(20, TimeUnit.SECONDS);
    assertThat(added.getMember().isLearner()).isTrue();
    if (!startFirst) {
      c.startNode(joining);
    }
    LeaderFailoverTest.awaitKeys(c.client(joining).getKVClient(), prefix, 20);
    return joining;
  }

  /** Promotes a learner, retrying while it is not yet in sync with the leader, as etcd asks. */
  static void promoteWhenInSync(Cluster cluster, long id) throws Exception {
    Await.retrying(
        Duration.ofSeconds(30),
        e -> e instanceof ExecutionException && String.valueOf(e.getMessage()).contains("in sync"),
        () -> cluster.promoteMember(id).get(40, TimeUnit.SECONDS));
  }

  /**
   * Stops the leader of a three-voter cluster that began with two: the remaining original member
   * and the promoted one must elect a leader and take writes, which needs the promoted one's vote.
   */
  static void assertTheSurvivorsElectALeaderWithoutTheOldOne(CairnCluster c, int leader)
      throws Exception {
    c.stopNode(leader);
    int other = leader == 0 ? 1 : 0;
    int newLeader = c.awaitLeader(Duration.ofSeconds(30));
    assertThat(newLeader).isNotEqualTo(leader);
    KV kv = c.client(other).getKVClient();
    long end = System.nanoTime() + TimeUnit.SECONDS.toNanos(30);
    while (true) {
      try {
        kv.put(b("/after-promotion"), b("v")).get(10, TimeUnit.SECONDS);
        break;
      } catch (ExecutionException | TimeoutException e) {
        if (System.nanoTime() > end) {
          throw e;
        }
      }
    }
    assertThat(kv.get(b("/after-promotion")).get(10, TimeUnit.SECONDS).getKvs()).hasSize(1);
  }

  /** Waits until the member's own Status says whether it is a learner. */
  static void awaitLearnerStatus(CairnCluster c, int i, boolean learner) throws Exception {
    Await.until(Duration.ofSeconds(10), () -> status(c, i).isLearner() == learner);
    assertThat(status(c, i).isLearner()).isEqualTo(learner);
  }

  static StatusResponse status(CairnCluster c, int i) throws Exception {
    return c.client(i).getMaintenanceClient().statusMember(c.endpoint(i)).get(10, TimeUnit.SECONDS);
  }

  static void awaitName(Cluster cluster, String name) throws Exception {
    long end = System.nanoTime() + TimeUnit.SECONDS.toNanos(20);
    while (System.nanoTime() < end
        && members(cluster).stream().noneMatch(m -> m.getName().equals(name))) {
      Thread.sleep(200);
    }
    assertThat(members(cluster)).extracting(Member::getName).contains(name);
  }

  static List<Member> members(Cluster cluster) throws Exception {
    return cluster.listMember().get(10, TimeUnit.SECONDS).getMembers();
  }

  static ByteSequence b(String s) {
    return ByteSequence.from(s, UTF_8);
  }
}
