package dev.cairn.raft.fault;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.catchThrowable;

import dev.cairn.raft.CairnCluster;
import dev.cairn.raft.CairnClusterExtension;
import io.etcd.jetcd.Cluster;
import io.etcd.jetcd.common.exception.EtcdException;
import io.grpc.Status;
import io.grpc.StatusRuntimeException;
import java.time.Duration;
import java.util.List;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.extension.RegisterExtension;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;

/**
 * MemberPromote refuses what etcd refuses, with etcd's code and message. Two voters, and a learner
 * that was added but never started (so it is not in sync). A learner that fell behind is refused
 * the same way ({@link MembershipTest}).
 */
class MemberPromoteTest {
  @RegisterExtension
  static final CairnClusterExtension CLUSTER = CairnClusterExtension.withNodes(2);

  static Cluster cluster;
  static long learner;

  @BeforeAll
  static void addALearnerThatNeverStarts() throws Exception {
    CairnCluster c = CLUSTER.cluster();
    cluster = c.client(c.awaitLeader(Duration.ofSeconds(20))).getClusterClient();
    int joining = c.prepareJoiningMember();
    learner =
        cluster
            .addMember(List.of(c.peerUrl(joining)), true)
            .get(20, TimeUnit.SECONDS)
            .getMember()
            .getId();
  }

  @ParameterizedTest(name = "{0}")
  @CsvSource(
      delimiter = '|',
      value = {
        "an unknown member       | UNKNOWN | NOT_FOUND           | etcdserver: member not found",
        "a voter                 | VOTER   | FAILED_PRECONDITION | etcdserver: can only promote a learner member",
        "a learner never started | LEARNER | FAILED_PRECONDITION | etcdserver: can only promote a learner member which is in sync with leader",
      })
  void refuses(String what, String who, Status.Code code, String message) {
    long id =
        switch (who) {
          case "UNKNOWN" -> 42L;
          case "VOTER" -> CLUSTER.cluster().node(1).memberId();
          default -> learner;
        };
    Status refused =
        statusOf(catchThrowable(() -> cluster.promoteMember(id).get(20, TimeUnit.SECONDS)));
    assertThat(refused.getCode()).isEqualTo(code);
    assertThat(refused.getDescription()).isEqualTo(message);
  }

  /** The gRPC status a jetcd call failed with. */
  static Status statusOf(Throwable thrown) {
    for (Throwable t = thrown; t != null; t = t.getCause()) {
      if (t instanceof StatusRuntimeException s) {
        return s.getStatus();
      }
      if (t instanceof EtcdException e) {
        return Status.fromCode(Status.Code.valueOf(e.getErrorCode().name()))
            .withDescription(e.getMessage());
      }
    }
    throw new AssertionError("not refused with a status", thrown);
  }
}
