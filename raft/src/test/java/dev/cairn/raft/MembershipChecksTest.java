package dev.cairn.raft;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.catchThrowableOfType;

import io.etcd.jetcd.api.ClusterGrpc;
import io.etcd.jetcd.api.MemberAddRequest;
import io.etcd.jetcd.api.MemberListRequest;
import io.etcd.jetcd.api.MemberRemoveRequest;
import io.grpc.ManagedChannel;
import io.grpc.Status;
import io.grpc.StatusRuntimeException;
import io.grpc.netty.shaded.io.grpc.netty.NettyChannelBuilder;
import java.net.URI;
import java.nio.file.Path;
import java.time.Duration;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * etcd 3.4's membership safety checks on a running cluster, with etcd's codes and words: too few
 * started voters for a quorum ("re-configuration failed due to not enough started members"), a
 * voter not heard from ("unhealthy cluster"), a second learner ("too many learner members in
 * cluster"); and a refused change changes nothing. The requests go straight to the gRPC service,
 * without a client's retries.
 *
 * <p>The members added here never start: they stay "unstarted", as an etcd member that was added
 * but never ran. Each step runs on the cluster the steps before left.
 */
class MembershipChecksTest {
  private static final Duration WAIT = Duration.ofSeconds(30);
  private static final String NOT_ENOUGH_STARTED =
      "etcdserver: re-configuration failed due to not enough started members";
  private static final String UNHEALTHY = "etcdserver: unhealthy cluster";
  private static final String TOO_MANY_LEARNERS = "etcdserver: too many learner members in cluster";

  @TempDir Path dir;

  /** One MemberAdd or MemberRemove, and etcd's refusal of it (null: accepted). */
  record Step(String request, String member, Status.Code code, String refusal) {
    @Override
    public String toString() {
      return request + " " + member;
    }
  }

  @Test
  void twoStartedVotersAndOneThatNeverStarts() throws Exception {
    List<Step> steps =
        List.of(
            //  request         member  code          refusal       voters after: started +
            // unstarted
            new Step("add voter", "a", null, null), //                 n0 n1 + a   (3, quorum 2)
            new Step("add voter", "b", Status.Code.UNKNOWN, NOT_ENOUGH_STARTED), //  (4, quorum 3)
            new Step("add learner", "l1", Status.Code.UNAVAILABLE, UNHEALTHY), //  a never heard
            new Step("remove", "n1", Status.Code.UNKNOWN, NOT_ENOUGH_STARTED), // n0 + a left
            new Step("remove", "a", null, null), //                    n0 n1
            new Step("add learner", "l1", null, null),
            new Step("add learner", "l2", Status.Code.FAILED_PRECONDITION, TOO_MANY_LEARNERS),
            new Step("remove", "l1", null, null), //                   a learner: never refused
            new Step("add learner", "l2", null, null),
            new Step("remove", "l2", null, null));
    try (CairnCluster c = CairnCluster.start(2, dir)) {
      run(c, steps);
      assertThat(members(c)).hasSize(2);
    }
  }

  @Test
  void aVoterThatIsDown() throws Exception {
    List<Step> steps =
        List.of(
            new Step("add voter", "a", Status.Code.UNAVAILABLE, UNHEALTHY), //   n2 not heard
            new Step("add learner", "l1", Status.Code.UNAVAILABLE, UNHEALTHY),
            // n0 n1 heard from: without n1, only n0 of 3 voters would be active
            new Step("remove", "n1", Status.Code.UNAVAILABLE, UNHEALTHY),
            new Step("remove", "n2", null, null), //                   a voter down may always go
            new Step("add voter", "a", null, null)); //                n0 n1 + a
    try (CairnCluster c = CairnCluster.start(3, dir)) {
      c.awaitLeader(WAIT);
      c.stopNode(2);
      // once the leader (n0 or n1) has not heard from n2 for etcd's health interval
      org.apache.ratis.protocol.RaftPeerId n2 = MemberIds.peerId(MemberIds.memberId(c.peerUrl(2)));
      assertThat(
              Await.until(
                  Duration.ofSeconds(20),
                  () -> !ReconfigCheck.connected(c.node(c.awaitLeader(WAIT))).contains(n2)))
          .isTrue();
      run(c, steps);
    }
  }

  /** Runs the steps in order through the leader, checking each answer and the members after. */
  private void run(CairnCluster c, List<Step> steps) throws Exception {
    Map<String, Long> ids = new HashMap<>();
    for (int i = 0; i < c.size(); i++) {
      ids.put("n" + i, MemberIds.memberId(c.peerUrl(i)));
    }
    for (Step step : steps) {
      int leader = c.awaitLeader(WAIT);
      List<String> before = members(c);
      StatusRuntimeException refused =
          catchThrowableOfType(StatusRuntimeException.class, () -> send(c, leader, step, ids));
      if (step.refusal() == null) {
        assertThat(refused).as("%s is accepted", step).isNull();
        continue;
      }
      assertThat(refused).as("%s is refused", step).isNotNull();
      assertThat(refused.getStatus().getCode()).as(step.toString()).isEqualTo(step.code());
      assertThat(refused.getStatus().getDescription())
          .as(step.toString())
          .isEqualTo(step.refusal());
      assertThat(members(c)).as("%s changes nothing", step).isEqualTo(before);
    }
  }

  private static void send(CairnCluster c, int via, Step step, Map<String, Long> ids)
      throws Exception {
    withStub(
        c,
        via,
        stub -> {
          switch (step.request()) {
            case "add voter", "add learner" -> {
              MemberAddRequest r =
                  MemberAddRequest.newBuilder()
                      .addPeerURLs("http://127.0.0.1:" + CairnCluster.freePort())
                      .setIsLearner(step.request().equals("add learner"))
                      .build();
              ids.put(step.member(), stub.memberAdd(r).getMember().getID());
            }
            case "remove" ->
                stub.memberRemove(
                    MemberRemoveRequest.newBuilder().setID(ids.get(step.member())).build());
            default -> throw new IllegalArgumentException(step.request());
          }
          return null;
        });
  }

  /** The members as the leader lists them: id, voter or learner, peer URLs; sorted. */
  private static List<String> members(CairnCluster c) throws Exception {
    return withStub(
        c,
        c.awaitLeader(WAIT),
        stub ->
            stub.memberList(MemberListRequest.getDefaultInstance()).getMembersList().stream()
                .map(
                    m ->
                        Long.toHexString(m.getID())
                            + (m.getIsLearner() ? " learner " : " voter ")
                            + m.getPeerURLsList())
                .sorted()
                .toList());
  }

  interface Call<T> {
    T on(ClusterGrpc.ClusterBlockingStub stub) throws Exception;
  }

  private static <T> T withStub(CairnCluster c, int i, Call<T> call) throws Exception {
    URI e = URI.create(c.endpoint(i));
    ManagedChannel channel =
        NettyChannelBuilder.forAddress(e.getHost(), e.getPort()).usePlaintext().build();
    try {
      return call.on(ClusterGrpc.newBlockingStub(channel).withDeadlineAfter(40, TimeUnit.SECONDS));
    } finally {
      channel.shutdownNow();
    }
  }
}
