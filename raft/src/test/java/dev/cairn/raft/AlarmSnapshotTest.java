package dev.cairn.raft;

import static java.nio.charset.StandardCharsets.UTF_8;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.cairn.store.Alarm;
import io.etcd.jetcd.ByteSequence;
import io.etcd.jetcd.KV;
import io.etcd.jetcd.api.AlarmRequest;
import io.etcd.jetcd.api.MaintenanceGrpc;
import io.grpc.ManagedChannel;
import io.grpc.netty.shaded.io.grpc.netty.NettyChannelBuilder;
import java.net.URI;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.concurrent.TimeUnit;
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * A member that catches up by installing the leader's snapshot has the alarms raised while it was
 * away: they travel in the snapshot with the data, not only in the log.
 *
 * <pre>
 *   follower stopped · 200 puts · ACTIVATE NOSPACE · 150 deletes (pass NOSPACE)   snapshots every 100
 *   follower restarted: the log it missed is gone, it installs a snapshot taken after the alarm
 * </pre>
 */
class AlarmSnapshotTest {
  @TempDir Path dir;

  static ByteSequence b(String s) {
    return ByteSequence.from(s, UTF_8);
  }

  @Test
  void aMemberThatInstallsASnapshotHasTheAlarmsInIt() throws Exception {
    try (CairnCluster c = CairnCluster.start(3, dir, n -> n.withSnapshots(100, 64 << 10))) {
      int leader = c.awaitLeader(Duration.ofSeconds(30));
      int follower = (leader + 1) % 3;
      KV kv = c.client(leader).getKVClient();
      c.stopNode(follower);
      String value = "v".repeat(500);
      for (int i = 0; i < 200; i++) {
        kv.put(b("/alarmsnap/k" + i), b(value + i)).get(10, TimeUnit.SECONDS);
      }
      long raisedFor = c.node(leader).memberId();
      URI e = URI.create(c.endpoint(leader));
      ManagedChannel channel =
          NettyChannelBuilder.forAddress(e.getHost(), e.getPort()).usePlaintext().build();
      try {
        MaintenanceGrpc.newBlockingStub(channel)
            .withDeadlineAfter(30, TimeUnit.SECONDS)
            .alarm(
                AlarmRequest.newBuilder()
                    .setAction(AlarmRequest.AlarmAction.ACTIVATE)
                    .setMemberID(raisedFor)
                    .setAlarmValue(Alarm.Type.NOSPACE.ordinal())
                    .build());
      } finally {
        channel.shutdownNow();
      }
      for (int i = 0; i < 150; i++) {
        kv.delete(b("/alarmsnap/k" + i)).get(10, TimeUnit.SECONDS);
      }

      c.startNode(follower);
      assertThat(
              Await.until(
                  Duration.ofSeconds(60),
                  () -> {
                    try {
                      return c.node(follower).revision() == c.node(leader).revision();
                    } catch (RuntimeException notServing) {
                      return false; // installing the snapshot
                    }
                  }))
          .as("the follower catches up")
          .isTrue();
      try (Stream<Path> files = Files.walk(dir.resolve("n" + follower).resolve("raft"))) {
        assertThat(files.filter(p -> p.toString().endsWith(".md5")))
            .as("files of a snapshot sent by the leader")
            .isNotEmpty();
      }
      assertThat(c.node(follower).store().alarms())
          .containsExactly(new Alarm(raisedFor, Alarm.Type.NOSPACE));
      assertThatThrownBy(
              () ->
                  c.client(follower)
                      .getKVClient()
                      .put(b("/alarmsnap/more"), b("v"))
                      .get(10, TimeUnit.SECONDS))
          .hasMessageContaining("etcdserver: mvcc: database space exceeded");
    }
  }
}
