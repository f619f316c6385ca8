package dev.cairn.raft;

import static java.nio.charset.StandardCharsets.UTF_8;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.cairn.store.Alarm;
import io.etcd.jetcd.ByteSequence;
import io.etcd.jetcd.Client;
import io.etcd.jetcd.api.AlarmRequest;
import io.etcd.jetcd.api.AlarmResponse;
import io.etcd.jetcd.api.MaintenanceGrpc;
import io.etcd.jetcd.maintenance.AlarmMember;
import io.etcd.jetcd.maintenance.AlarmType;
import io.grpc.ManagedChannel;
import io.grpc.netty.shaded.io.grpc.netty.NettyChannelBuilder;
import java.net.URI;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * The NOSPACE alarm is cluster state, as in etcd: one member over its quota raises it through the
 * Raft log, every member lists it and refuses writes that add data, a DEACTIVATE through any member
 * clears it everywhere, and a restarted member still has it.
 *
 * <pre>
 *   n0, n1: default quota      n2: quota of 1 byte (always over it)
 *   put via n0 ─▶ applied on n2, which is over quota ─▶ n2 proposes ACTIVATE(n2, NOSPACE)
 * </pre>
 */
class NoSpaceAlarmTest {
  private static final String NO_SPACE = "etcdserver: mvcc: database space exceeded";
  private static final Duration WAIT = Duration.ofSeconds(30);

  @TempDir Path dir;

  static ByteSequence b(String s) {
    return ByteSequence.from(s, UTF_8);
  }

  /** A refusal of a member that is not ready to serve (no leader known yet), etcd's UNAVAILABLE. */
  static boolean unavailable(Exception e) {
    return e.getCause() instanceof io.etcd.jetcd.common.exception.EtcdException x
        && x.getErrorCode() == io.etcd.jetcd.common.exception.ErrorCode.UNAVAILABLE;
  }

  static List<AlarmMember> alarms(Client c) throws Exception {
    return c.getMaintenanceClient().listAlarms().get(10, TimeUnit.SECONDS).getAlarms();
  }

  @Test
  void oneMemberOverItsQuotaStopsWritesEverywhereUntilTheAlarmIsClearedThroughAnother()
      throws Exception {
    try (CairnCluster c =
        CairnCluster.start(3, dir, n -> n.name().equals("n2") ? n.withQuota(1) : n)) {
      int leader = c.awaitLeader(WAIT);
      Client[] clients = {c.client(0), c.client(1), c.client(2)};
      long full = c.node(2).memberId();
      // a follower other than n2 takes the refused write; the other of n0, n1 clears the alarm
      int follower = leader == 0 ? 1 : 0;
      int other = 1 - follower;

      // writes through n0 go in until n2, having measured its store, applies one and raises
      assertThat(
              Await.until(
                  WAIT,
                  () -> {
                    try {
                      clients[0].getKVClient().put(b("fill"), b("x")).get(10, TimeUnit.SECONDS);
                    } catch (ExecutionException e) {
                      assertThat(e).hasMessageContaining(NO_SPACE); // raised meanwhile
                    }
                    return !alarms(clients[0]).isEmpty();
                  }))
          .as("n2 raises NOSPACE")
          .isTrue();

      // every member lists the one alarm, n2's, in Alarm and in Status.errors
      for (int i = 0; i < 3; i++) {
        assertThat(alarms(clients[i]))
            .as("alarms listed by n%d", i)
            .singleElement()
            .satisfies(
                a -> {
                  assertThat(a.getAlarmType()).isEqualTo(AlarmType.NOSPACE);
                  assertThat(a.getMemberId()).isEqualTo(full);
                });
        assertThat(
                clients[i]
                    .getMaintenanceClient()
                    .statusMember(c.endpoint(i))
                    .get(10, TimeUnit.SECONDS)
                    .getErrorList())
            .containsExactly("memberID:" + Long.toUnsignedString(full) + " alarm:NOSPACE ");
      }

      // a put through a follower whose own store has room is refused, and changes nothing
      long revision = c.node(follower).revision();
      int f = follower;
      assertThatThrownBy(
              () -> clients[f].getKVClient().put(b("k"), b("v")).get(10, TimeUnit.SECONDS))
          .isInstanceOf(ExecutionException.class)
          .hasMessageContaining(NO_SPACE);
      assertThatThrownBy(() -> clients[f].getLeaseClient().grant(60).get(10, TimeUnit.SECONDS))
          .hasMessageContaining(NO_SPACE);
      assertThat(clients[f].getKVClient().get(b("k")).get(10, TimeUnit.SECONDS).getKvs()).isEmpty();
      assertThat(c.node(follower).revision()).isEqualTo(revision);
      // deletes pass: they are how space is reclaimed
      clients[f].getKVClient().delete(b("fill")).get(10, TimeUnit.SECONDS);

      // a restarted member has the alarm from its own store, before it hears from anyone
      c.stopNode(follower);
      c.startNode(follower);
      Alarm nospace = new Alarm(full, Alarm.Type.NOSPACE);
      assertThat(c.node(follower).store().alarms()).containsExactly(nospace);
      Client restarted = c.client(follower);
      assertThatThrownBy(
              () -> restarted.getKVClient().put(b("k"), b("v")).get(10, TimeUnit.SECONDS))
          .hasMessageContaining(NO_SPACE);

      // cleared through another member: gone everywhere, and writes go in again
      assertThat(
              clients[other]
                  .getMaintenanceClient()
                  .alarmDisarm(new AlarmMember(full, AlarmType.NOSPACE))
                  .get(10, TimeUnit.SECONDS)
                  .getAlarms())
          .extracting(AlarmMember::getMemberId)
          .containsExactly(full);
      for (Client client : List.of(clients[other], restarted, clients[2])) {
        // the restarted member answers linearizable reads once it has heard from the leader
        assertThat(Await.retrying(WAIT, NoSpaceAlarmTest::unavailable, () -> alarms(client)))
            .isEmpty();
      }
      restarted.getKVClient().put(b("k"), b("v")).get(10, TimeUnit.SECONDS);
      assertThat(restarted.getKVClient().get(b("k")).get(10, TimeUnit.SECONDS).getCount())
          .isEqualTo(1);

      // n2 is still over its quota: applying that put raised the alarm again, as in etcd
      assertThat(Await.until(WAIT, () -> !alarms(clients[other]).isEmpty())).isTrue();
    }
  }

  /**
   * Alarm requests a client sends, and etcd's answers: ACTIVATE lists the alarm (also one already
   * active), DEACTIVATE lists what it cleared, GET filters by type (NONE: all).
   */
  @Test
  void alarmRequestsAnswerAsEtcdsApplier() throws Exception {
    try (CairnCluster c = CairnCluster.start(3, dir)) {
      c.awaitLeader(WAIT);
      long m0 = c.node(0).memberId();
      URI e = URI.create(c.endpoint(1));
      ManagedChannel channel =
          NettyChannelBuilder.forAddress(e.getHost(), e.getPort()).usePlaintext().build();
      try {
        MaintenanceGrpc.MaintenanceBlockingStub m =
            MaintenanceGrpc.newBlockingStub(channel).withDeadlineAfter(30, TimeUnit.SECONDS);
        AlarmRequest activate =
            AlarmRequest.newBuilder()
                .setAction(AlarmRequest.AlarmAction.ACTIVATE)
                .setMemberID(m0)
                .setAlarm(io.etcd.jetcd.api.AlarmType.NOSPACE)
                .build();
        io.etcd.jetcd.api.AlarmMember expected =
            io.etcd.jetcd.api.AlarmMember.newBuilder()
                .setMemberID(m0)
                .setAlarm(io.etcd.jetcd.api.AlarmType.NOSPACE)
                .build();
        AlarmResponse first = m.alarm(activate);
        assertThat(first.getAlarmsList()).containsExactly(expected);
        assertThat(first.getHeader().getMemberId()).isEqualTo(c.node(1).memberId());
        assertThat(m.alarm(activate).getAlarmsList()).containsExactly(expected);
        assertThat(m.alarm(get(0)).getAlarmsList()).containsExactly(expected);
        assertThat(m.alarm(get(1)).getAlarmsList()).containsExactly(expected);
        assertThat(m.alarm(get(2)).getAlarmsList()).as("CORRUPT").isEmpty();
        // ACTIVATE of NONE raises nothing; DEACTIVATE of another member's or type clears nothing
        assertThat(
                m.alarm(activate.toBuilder().setAlarm(io.etcd.jetcd.api.AlarmType.NONE).build())
                    .getAlarmsList())
            .isEmpty();
        AlarmRequest deactivate =
            activate.toBuilder().setAction(AlarmRequest.AlarmAction.DEACTIVATE).build();
        assertThat(m.alarm(deactivate.toBuilder().setMemberID(m0 + 1).build()).getAlarmsList())
            .isEmpty();
        assertThat(
                m.alarm(
                        deactivate.toBuilder()
                            .setAlarmValue(2) // CORRUPT
                            .build())
                    .getAlarmsList())
            .isEmpty();
        // the alarm a client raised stops writes through every member, like a quota's
        for (int i = 0; i < 3; i++) {
          int n = i;
          assertThatThrownBy(
                  () -> c.client(n).getKVClient().put(b("k"), b("v")).get(10, TimeUnit.SECONDS))
              .hasMessageContaining(NO_SPACE);
        }
        assertThat(m.alarm(deactivate).getAlarmsList()).containsExactly(expected);
        assertThat(m.alarm(get(0)).getAlarmsList()).isEmpty();
        c.client(2).getKVClient().put(b("k"), b("v")).get(10, TimeUnit.SECONDS);
      } finally {
        channel.shutdownNow();
      }
    }
  }

  /** GET of an alarm type by etcd's number (jetcd's enum lacks CORRUPT, 2). */
  private static AlarmRequest get(int type) {
    return AlarmRequest.newBuilder()
        .setAction(AlarmRequest.AlarmAction.GET)
        .setAlarmValue(type)
        .build();
  }
}
