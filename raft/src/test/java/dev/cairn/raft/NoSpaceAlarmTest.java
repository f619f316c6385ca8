package dev.cairn.raft;

import static java.nio.charset.StandardCharsets.UTF_8;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.etcd.jetcd.ByteSequence;
import io.etcd.jetcd.Client;
import io.etcd.jetcd.maintenance.AlarmMember;
import io.etcd.jetcd.maintenance.AlarmType;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * Over quota, the member raises NOSPACE, lists it in Alarm and in Status.errors, and refuses writes
 * that add data, as etcd does.
 */
class NoSpaceAlarmTest {
  @TempDir Path dir;

  @Test
  void overQuotaPutsAreRefusedAndTheAlarmIsListed() throws Exception {
    try (CairnCluster c = CairnCluster.start(1, dir, n -> n.withQuota(1))) {
      c.awaitLeader(Duration.ofSeconds(20));
      Client client = c.client(0);
      long end = System.nanoTime() + TimeUnit.SECONDS.toNanos(10);
      List<AlarmMember> alarms = List.of();
      while (alarms.isEmpty() && System.nanoTime() < end) {
        alarms = client.getMaintenanceClient().listAlarms().get(10, TimeUnit.SECONDS).getAlarms();
        Thread.sleep(100);
      }
      assertThat(alarms)
          .singleElement()
          .satisfies(
              a -> {
                assertThat(a.getAlarmType()).isEqualTo(AlarmType.NOSPACE);
                assertThat(a.getMemberId()).isEqualTo(c.node(0).memberId());
              });
      // Maintenance.Status lists the alarm among its errors, in etcd's words
      assertThat(
              client
                  .getMaintenanceClient()
                  .statusMember(c.endpoint(0))
                  .get(10, TimeUnit.SECONDS)
                  .getErrorList())
          .containsExactly(
              "memberID:" + Long.toUnsignedString(c.node(0).memberId()) + " alarm:NOSPACE ");
      assertThatThrownBy(
              () ->
                  client
                      .getKVClient()
                      .put(ByteSequence.from("k", UTF_8), ByteSequence.from("v", UTF_8))
                      .get(10, TimeUnit.SECONDS))
          .isInstanceOf(ExecutionException.class)
          .hasMessageContaining("database space exceeded");
      // deletes still pass: they are how space is reclaimed
      client.getKVClient().delete(ByteSequence.from("k", UTF_8)).get(10, TimeUnit.SECONDS);
    }
  }
}
