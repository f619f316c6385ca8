package dev.cairn.raft;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.etcd.jetcd.ByteSequence;
import io.etcd.jetcd.Client;
import io.etcd.jetcd.maintenance.AlarmMember;
import io.etcd.jetcd.maintenance.AlarmType;
import io.etcd.jetcd.options.DeleteOption;
import io.etcd.jetcd.options.GetOption;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;

/**
 * The NOSPACE alarm, with a 4 MiB quota: filling the store past it raises the alarm and stops
 * writes (not reads or deletes); disarming while still full sees it raised again; after deleting,
 * compacting and defragmenting, disarming works and writes go on.
 *
 * <p>(Disarming while still full: the next write is refused and raises the alarm again, as with
 * etcd, whose members raise NOSPACE when a write meets a full store, not on a timer.)
 */
class SpaceQuotaTest {
  @RegisterExtension
  static final CairnClusterExtension CLUSTER =
      CairnClusterExtension.withNodes(1).tuned(c -> c.withQuota(4L << 20));

  static ByteSequence b(String s) {
    return ByteSequence.from(s, StandardCharsets.UTF_8);
  }

  @Test
  void writesStopAtTheQuotaUntilSpaceIsReclaimedAndTheAlarmDisarmed() throws Exception {
    CLUSTER.cluster().awaitLeader(Duration.ofSeconds(30));
    Client c = CLUSTER.cluster().client();
    ByteSequence big = ByteSequence.from(new byte[256 * 1024]);
    Throwable refused = null;
    int written = 0;
    long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(60);
    while (refused == null && System.nanoTime() < deadline) {
      try {
        c.getKVClient().put(b("fill/" + written), big).get(10, TimeUnit.SECONDS);
        written++;
        c.getMaintenanceClient(); // keep going until the quota bites
      } catch (Exception e) {
        refused = e;
      }
    }
    assertThat(refused).as("writes past the quota are refused").isNotNull();
    assertThat(refused).hasMessageContaining("etcdserver: mvcc: database space exceeded");
    assertThat(written).isGreaterThanOrEqualTo(8); // 4 MiB of 256 KiB values went in first

    String endpoint = CLUSTER.cluster().endpoint(0);
    assertThat(c.getMaintenanceClient().listAlarms().get(10, TimeUnit.SECONDS).getAlarms())
        .extracting(AlarmMember::getAlarmType)
        .containsExactly(AlarmType.NOSPACE);
    assertThat(
            c.getMaintenanceClient()
                .statusMember(endpoint)
                .get(10, TimeUnit.SECONDS)
                .getErrorList())
        .singleElement()
        .asString()
        .endsWith(" alarm:NOSPACE ");
    // reads still work; lease grants do not
    assertThat(
            c.getKVClient()
                .get(b("fill/"), GetOption.builder().isPrefix(true).withCountOnly(true).build())
                .get(10, TimeUnit.SECONDS)
                .getCount())
        .isEqualTo(written);
    assertThatThrownBy(() -> c.getLeaseClient().grant(60).get(10, TimeUnit.SECONDS))
        .hasMessageContaining("database space exceeded");

    // disarming while still full: the next write is refused, and raises the alarm again
    AlarmMember alarm = c.getMaintenanceClient().listAlarms().get().getAlarms().get(0);
    c.getMaintenanceClient().alarmDisarm(alarm).get(10, TimeUnit.SECONDS);
    assertThat(c.getMaintenanceClient().listAlarms().get(10, TimeUnit.SECONDS).getAlarms())
        .isEmpty();
    assertThatThrownBy(() -> c.getKVClient().put(b("more"), big).get(10, TimeUnit.SECONDS))
        .hasMessageContaining("etcdserver: mvcc: database space exceeded");
    assertThat(
            Await.until(
                Duration.ofSeconds(10),
                () ->
                    c.getMaintenanceClient()
                            .listAlarms()
                            .get(10, TimeUnit.SECONDS)
                            .getAlarms()
                            .size()
                        == 1))
        .isTrue();

    // reclaim: delete, compact, defragment; then disarm and write again
    long rev =
        c.getKVClient()
            .delete(b("fill/"), DeleteOption.builder().isPrefix(true).build())
            .get(10, TimeUnit.SECONDS)
            .getHeader()
            .getRevision();
    c.getKVClient().compact(rev).get(10, TimeUnit.SECONDS);
    CLUSTER.cluster().node(0).store().compaction().get(30, TimeUnit.SECONDS);
    c.getMaintenanceClient().defragmentMember(endpoint).get(30, TimeUnit.SECONDS);
    c.getMaintenanceClient().alarmDisarm(alarm).get(10, TimeUnit.SECONDS);
    assertThat(c.getMaintenanceClient().listAlarms().get(10, TimeUnit.SECONDS).getAlarms())
        .isEmpty();
    assertThat(
            c.getMaintenanceClient()
                .statusMember(endpoint)
                .get(10, TimeUnit.SECONDS)
                .getErrorList())
        .as("Status.errors once the alarm is disarmed")
        .isEmpty();
    c.getKVClient().put(b("after"), b("ok")).get(10, TimeUnit.SECONDS);
  }
}
