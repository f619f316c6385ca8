package dev.cairn.raft;

import static org.assertj.core.api.Assertions.assertThat;

import io.etcd.jetcd.Cluster;
import io.etcd.jetcd.common.exception.ErrorCode;
import io.etcd.jetcd.common.exception.EtcdException;
import java.net.URI;
import java.time.Duration;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;

/**
 * etcd's membership safety checks on a running cluster: a change that would leave too few started
 * voters for a quorum is refused with "re-configuration failed due to not enough started members",
 * a second learner with "too many learner members in cluster", and a refused change changes
 * nothing.
 *
 * <p>Three started voters; the members added here never start, so they stay "unstarted", as an etcd
 * member that was added but never ran. Each step runs on the cluster the steps before left:
 */
class MembershipChecksTest {
  @RegisterExtension
  static final CairnClusterExtension CLUSTER = CairnClusterExtension.withNodes(3);

  private static final String NOT_ENOUGH_STARTED =
      "etcdserver: re-configuration failed due to not enough started members";
  private static final String TOO_MANY_LEARNERS = "etcdserver: too many learner members in cluster";

  /** One MemberAdd or MemberRemove, and what etcd answers; null: accepted. */
  record Step(String request, String member, ErrorCode code, String refusal) {
    @Override
    public String toString() {
      return request + " " + member;
    }
  }

  static final List<Step> STEPS =
      List.of(
          //       request          member   code                  refusal       members after
          new Step("add voter", "a", null, null), //                 3 started + a      (4, q 3)
          new Step("add voter", "b", null, null), //                 3 started + a, b   (5, q 3)
          new Step("add voter", "c", ErrorCode.UNKNOWN, NOT_ENOUGH_STARTED), //        (6, q 4)
          new Step("remove", "n1", ErrorCode.UNKNOWN, NOT_ENOUGH_STARTED), //          (4, q 3)
          new Step("remove", "b", null, null), //                    3 started + a
          new Step("add learner", "l1", null, null),
          new Step("add learner", "l2", ErrorCode.FAILED_PRECONDITION, TOO_MANY_LEARNERS),
          new Step("remove", "l1", null, null), //                   a learner: never refused
          new Step("add learner", "l2", null, null),
          new Step("remove", "a", null, null),
          new Step("remove", "l2", null, null));

  @Test
  void refusesWhatEtcdRefusesAndChangesNothingWhenItDoes() throws Exception {
    CairnCluster c = CLUSTER.cluster();
    c.awaitLeader(Duration.ofSeconds(30));
    Cluster cluster = c.client().getClusterClient();
    Map<String, Long> ids = new HashMap<>();
    for (int i = 0; i < c.size(); i++) {
      ids.put("n" + i, c.node(i).memberId());
    }
    for (Step step : STEPS) {
      List<String> before = members(cluster);
      try {
        run(cluster, step, ids);
        assertThat(step.refusal()).as("%s is accepted", step).isNull();
      } catch (ExecutionException e) {
        assertThat(step.refusal()).as("%s is refused: %s", step, e.getCause()).isNotNull();
        assertThat(e.getCause())
            .isInstanceOfSatisfying(
                EtcdException.class,
                x -> {
                  assertThat(x.getErrorCode()).as(step.toString()).isEqualTo(step.code());
                  assertThat(x.getMessage()).contains(step.refusal());
                });
        assertThat(members(cluster)).as("%s changes nothing", step).isEqualTo(before);
      }
    }
    assertThat(members(cluster)).hasSize(3);
  }

  private static void run(Cluster cluster, Step step, Map<String, Long> ids) throws Exception {
    switch (step.request()) {
      case "add voter", "add learner" -> {
        URI url = URI.create("http://127.0.0.1:" + CairnCluster.freePort());
        long id =
            cluster
                .addMember(List.of(url), step.request().equals("add learner"))
                .get(30, TimeUnit.SECONDS)
                .getMember()
                .getId();
        ids.put(step.member(), id);
      }
      case "remove" -> cluster.removeMember(ids.get(step.member())).get(30, TimeUnit.SECONDS);
      default -> throw new IllegalArgumentException(step.request());
    }
  }

  /** The members, in a stable order, as comparable text: id, learner or not, peer URLs. */
  private static List<String> members(Cluster cluster) throws Exception {
    return cluster.listMember().get(10, TimeUnit.SECONDS).getMembers().stream()
        .map(
            m ->
                Long.toHexString(m.getId())
                    + (m.isLearner() ? " learner " : " voter ")
                    + m.getPeerURIs())
        .sorted()
        .toList();
  }
}
