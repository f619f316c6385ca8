package dev.cairn.raft;

import static java.nio.charset.StandardCharsets.UTF_8;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.etcd.jetcd.ByteSequence;
import io.etcd.jetcd.Client;
import io.etcd.jetcd.api.KVGrpc;
import io.etcd.jetcd.api.RangeRequest;
import io.etcd.jetcd.cluster.Member;
import io.grpc.ManagedChannel;
import io.grpc.Status;
import io.grpc.StatusRuntimeException;
import io.grpc.netty.shaded.io.grpc.netty.NettyChannelBuilder;
import java.net.URI;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.EnumSource;

/**
 * A member removed from the cluster stops, as an etcd member does ("the member has been permanently
 * removed from the cluster"): its etcd endpoint goes away, the others go on without it, and the
 * process exits with status 0.
 */
class RemovedMemberTest {
  private static final Duration WAIT = Duration.ofSeconds(60);

  @TempDir Path dir;

  static ByteSequence b(String s) {
    return ByteSequence.from(s, UTF_8);
  }

  /** Which member MemberRemove takes out of a three-voter cluster. */
  enum Removed {
    /** A voter that follows. */
    FOLLOWER,
    /** The voter that leads; the request goes to a follower. */
    LEADER,
    /** A fourth member, added as a learner, started, caught up. */
    LEARNER
  }

  @ParameterizedTest
  @EnumSource(Removed.class)
  void aRemovedMemberStopsServingAndTheOthersGoOn(Removed which) throws Exception {
    try (CairnCluster c = CairnCluster.start(3, dir)) {
      int leader = c.awaitLeader(WAIT);
      int asked = which == Removed.LEADER ? (leader + 1) % 3 : leader;
      Client client = c.client(asked);
      client.getKVClient().put(b("before"), b("v")).get(10, TimeUnit.SECONDS);
      int gone =
          switch (which) {
            case FOLLOWER -> (leader + 1) % 3;
            case LEADER -> leader;
            case LEARNER -> joinLearner(c, client);
          };
      long id = c.node(gone).memberId();

      client.getClusterClient().removeMember(id).get(30, TimeUnit.SECONDS);

      boolean stopped = Await.until(WAIT, () -> c.node(gone).stopped().isDone());
      assertThat(stopped)
          .as(
              () ->
                  String.format(
                      "the removed member stops (removal confirmed: %s; configuration of n%d: %s;"
                          + " stop and watch threads:%n%s)",
                      c.node(gone).removed(),
                      asked,
                      c.node(asked).division().getRaftConf(),
                      stacks("cairn-removed-stop", "cairn-removal-watch")))
          .isTrue();
      assertThat(c.node(gone).removed()).isTrue();
      assertThatThrownBy(() -> range(c.endpoint(gone)))
          .as("nothing answers at its client URL")
          .isInstanceOfSatisfying(
              StatusRuntimeException.class,
              e -> assertThat(e.getStatus().getCode()).isEqualTo(Status.Code.UNAVAILABLE));

      // the others go on: a leader among them, writes, and a member list without it
      int survivor = gone == asked ? (asked + 1) % 3 : asked;
      Client other = c.client(survivor);
      Await.retrying(
          WAIT,
          e -> true,
          () -> other.getKVClient().put(b("after"), b("v")).get(10, TimeUnit.SECONDS));
      assertThat(other.getKVClient().get(b("before")).get(10, TimeUnit.SECONDS).getCount())
          .isEqualTo(1);
      assertThat(other.getClusterClient().listMember().get(10, TimeUnit.SECONDS).getMembers())
          .extracting(Member::getId)
          .hasSize(3 - (which == Removed.LEARNER ? 0 : 1))
          .doesNotContain(id);
      for (int i = 0; i < c.size(); i++) {
        if (i != gone) {
          assertThat(c.node(i).removed()).as("n%d", i).isFalse();
          assertThat(c.node(i).stopped()).as("n%d", i).isNotDone();
        }
      }
    }
  }

  /**
   * The process of a removed member exits, with etcd's status 0. The member runs as its own JVM
   * ({@code NodeMain}), joined as a learner; the other three run here.
   */
  @Test
  void theProcessOfARemovedMemberExitsWithStatusZero() throws Exception {
    try (CairnCluster c = CairnCluster.start(3, dir)) {
      int leader = c.awaitLeader(WAIT);
      Client client = c.client(leader);
      client.getKVClient().put(b("before"), b("v")).get(10, TimeUnit.SECONDS);
      int joining = c.prepareJoiningMember();
      long id =
          client
              .getClusterClient()
              .addMember(List.of(c.peerUrl(joining)), true)
              .get(30, TimeUnit.SECONDS)
              .getMember()
              .getId();
      List<String> cmd = new ArrayList<>();
      cmd.add(ProcessHandle.current().info().command().orElse("java"));
      cmd.addAll(List.of("-Xmx256m", "-XX:+UseSerialGC", "-XX:TieredStopAtLevel=1", "-cp"));
      cmd.add(System.getProperty("java.class.path"));
      cmd.add(NodeMain.class.getName());
      cmd.addAll(c.nodeMainFlags(joining));
      Path log = dir.resolve("learner.log");
      Process process =
          new ProcessBuilder(cmd)
              .redirectErrorStream(true)
              .redirectOutput(ProcessBuilder.Redirect.to(log.toFile()))
              .start();
      try {
        // serving, with the data: its serializable read finds the key
        Client own = c.client(joining);
        assertThat(
                Await.until(
                    WAIT,
                    () -> {
                      try {
                        return own.getKVClient()
                                .get(
                                    b("before"),
                                    io.etcd.jetcd.options.GetOption.builder()
                                        .withSerializable(true)
                                        .build())
                                .get(5, TimeUnit.SECONDS)
                                .getCount()
                            == 1;
                      } catch (java.util.concurrent.ExecutionException
                          | java.util.concurrent.TimeoutException notYet) {
                        return !process.isAlive() && fail(log); // starting: not serving yet
                      }
                    }))
            .as("the learner serves the data")
            .isTrue();

        client.getClusterClient().removeMember(id).get(30, TimeUnit.SECONDS);

        boolean exited = process.waitFor(WAIT.toSeconds(), TimeUnit.SECONDS);
        assertThat(exited)
            .as("the removed member's process exits; its log:%n%s", tail(log))
            .isTrue();
        assertThat(process.exitValue()).isZero();
        assertThat(Files.readString(log))
            .contains("the member has been permanently removed from the cluster");
      } finally {
        process.destroyForcibly();
      }
    }
  }

  /** The stacks of this JVM's threads whose names start with one of {@code prefixes}. */
  private static String stacks(String... prefixes) {
    StringBuilder out = new StringBuilder();
    Thread.getAllStackTraces()
        .forEach(
            (thread, frames) -> {
              if (java.util.Arrays.stream(prefixes).anyMatch(thread.getName()::startsWith)) {
                out.append(thread.getName()).append(' ').append(thread.getState()).append('\n');
                for (int i = 0; i < Math.min(frames.length, 12); i++) {
                  out.append("    at ").append(frames[i]).append('\n');
                }
              }
            });
    return out.length() == 0 ? "none" : out.toString();
  }

  /** The last 150 lines of a log. */
  private static String tail(Path log) throws java.io.IOException {
    List<String> lines = Files.readAllLines(log);
    return String.join("\n", lines.subList(Math.max(0, lines.size() - 150), lines.size()));
  }

  /** Fails the test with the process's log: it died before serving. */
  private static boolean fail(Path log) throws java.io.IOException {
    throw new AssertionError("the learner's process died:\n" + Files.readString(log));
  }

  /** Adds, starts and waits for a learner; its index. */
  private static int joinLearner(CairnCluster c, Client client) throws Exception {
    int joining = c.prepareJoiningMember();
    client
        .getClusterClient()
        .addMember(List.of(c.peerUrl(joining)), true)
        .get(30, TimeUnit.SECONDS);
    c.startNode(joining);
    assertThat(
            Await.until(
                WAIT, () -> c.inOwnConfiguration(joining) && c.node(joining).revision() >= 1))
        .as("the learner joins and catches up")
        .isTrue();
    return joining;
  }

  /** A serializable Range straight at one endpoint, with a deadline and no client retries. */
  private static void range(String endpoint) {
    URI e = URI.create(endpoint);
    ManagedChannel channel =
        NettyChannelBuilder.forAddress(e.getHost(), e.getPort()).usePlaintext().build();
    try {
      KVGrpc.newBlockingStub(channel)
          .withDeadlineAfter(5, TimeUnit.SECONDS)
          .range(
              RangeRequest.newBuilder()
                  .setKey(com.google.protobuf.ByteString.copyFromUtf8("before"))
                  .setSerializable(true)
                  .build());
    } finally {
      channel.shutdownNow();
    }
  }
}
