package dev.cairn.ops;

import static org.assertj.core.api.Assertions.assertThat;

import io.etcd.jetcd.ByteSequence;
import io.etcd.jetcd.Client;
import io.etcd.jetcd.KeyValue;
import io.etcd.jetcd.options.DeleteOption;
import io.etcd.jetcd.options.GetOption;
import io.etcd.jetcd.options.PutOption;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * Backup and restore end to end, on real node processes: fill a three-node cluster with keys of
 * several revisions, deletes and leases; save a snapshot with {@code cairn snapshot save}; restore
 * it once per member into a fresh three-node cluster; every key and the hash must match.
 */
class SnapshotRoundTripTest {
  @TempDir Path dir;

  static ByteSequence b(String s) {
    return ByteSequence.from(s, StandardCharsets.UTF_8);
  }

  private static final GetOption ALL =
      GetOption.builder().withRange(ByteSequence.from(new byte[] {0})).build();

  @Test
  void aRestoredClusterHoldsTheSameKeysRevisionsAndHash() throws Exception {
    Path file = dir.resolve("backup.db");
    List<KeyValue> before;
    long revision;
    long hash;
    long leaseId;
    try (TestCluster source = TestCluster.start(dir.resolve("source"), 3);
        Client c = source.client()) {
      for (int round = 0; round < 3; round++) {
        for (int i = 0; i < 40; i++) {
          c.getKVClient().put(b("key/" + i), b("v" + round + "-" + i)).get(10, TimeUnit.SECONDS);
        }
      }
      c.getKVClient()
          .delete(b("key/1"), DeleteOption.builder().withRange(b("key/2")).build())
          .get(10, TimeUnit.SECONDS); // key/1, key/10..key/19
      leaseId = c.getLeaseClient().grant(600).get(10, TimeUnit.SECONDS).getID();
      for (int i = 0; i < 3; i++) {
        c.getKVClient()
            .put(b("leased/" + i), b("x"), PutOption.builder().withLeaseId(leaseId).build())
            .get(10, TimeUnit.SECONDS);
      }
      c.getKVClient().compact(50).get(10, TimeUnit.SECONDS);

      Cli.Run save =
          Cli.run(
              "snapshot",
              "save",
              file.toString(),
              "--no-progress",
              "-o",
              "json",
              "--endpoints",
              source.firstEndpoint());
      assertThat(save.exit()).as(save.toString()).isZero();
      revision = save.json().get("revision").asLong();
      before = c.getKVClient().get(b("\0"), ALL).get(10, TimeUnit.SECONDS).getKvs();
      assertThat(revision)
          .isEqualTo(c.getKVClient().get(b("key/0")).get().getHeader().getRevision());
      hash =
          c.getMaintenanceClient()
              .hashKV(source.firstEndpoint(), revision)
              .get(10, TimeUnit.SECONDS)
              .getHash();
      assertThat(save.json().get("total_keys").asLong()).isEqualTo(before.size());
    }
    assertThat(before).hasSize(40 - 11 + 3);

    LocalCluster target = new LocalCluster(dir.resolve("target"), 3, Ports.freeBase(3));
    for (LocalCluster.Member m : target.members()) {
      Cli.Run restore =
          Cli.run(
              "snapshot",
              "restore",
              file.toString(),
              "--name",
              m.name(),
              "--data-dir",
              m.dataDir().toString(),
              "--initial-cluster",
              target.initialCluster(),
              "-o",
              "json");
      assertThat(restore.exit()).as(restore.toString()).isZero();
      assertThat(restore.json().get("revision").asLong()).isEqualTo(revision);
    }
    try (TestCluster restored = TestCluster.start(target);
        Client c = restored.client()) {
      List<KeyValue> after = c.getKVClient().get(b("\0"), ALL).get(10, TimeUnit.SECONDS).getKvs();
      assertThat(after).hasSameSizeAs(before);
      for (int i = 0; i < before.size(); i++) {
        KeyValue x = before.get(i);
        KeyValue y = after.get(i);
        assertThat(y.getKey()).isEqualTo(x.getKey());
        assertThat(y.getValue()).isEqualTo(x.getValue());
        assertThat(y.getCreateRevision()).isEqualTo(x.getCreateRevision());
        assertThat(y.getModRevision()).isEqualTo(x.getModRevision());
        assertThat(y.getVersion()).isEqualTo(x.getVersion());
        assertThat(y.getLease()).isEqualTo(x.getLease());
      }
      for (LocalCluster.Member m : target.members()) {
        assertThat(
                c.getMaintenanceClient()
                    .hashKV(m.clientUrl(), revision)
                    .get(10, TimeUnit.SECONDS)
                    .getHash())
            .as("hash on " + m.name())
            .isEqualTo(hash);
      }
      assertThat(
              c.getLeaseClient()
                  .timeToLive(leaseId, io.etcd.jetcd.options.LeaseOption.DEFAULT)
                  .get(10, TimeUnit.SECONDS)
                  .getGrantedTTL())
          .isEqualTo(600);
      // the new cluster takes writes, continuing the revision
      long next =
          c.getKVClient().put(b("new"), b("1")).get(10, TimeUnit.SECONDS).getHeader().getRevision();
      assertThat(next).isEqualTo(revision + 1);
    }
  }

  @Test
  void aDamagedSnapshotIsRefusedAndNothingIsWritten() throws Exception {
    Path file = dir.resolve("backup.db");
    try (TestCluster source = TestCluster.start(dir.resolve("source"), 1);
        Client c = source.client()) {
      for (int i = 0; i < 20; i++) {
        c.getKVClient().put(b("k" + i), b("v")).get(10, TimeUnit.SECONDS);
      }
      Cli.Run save =
          Cli.run(
              "snapshot",
              "save",
              file.toString(),
              "--no-progress",
              "--endpoints",
              source.firstEndpoint());
      assertThat(save.exit()).as(save.toString()).isZero();
    }
    byte[] good = Files.readAllBytes(file);

    Path flipped = dir.resolve("flipped.db");
    byte[] bad = good.clone();
    bad[bad.length / 2] ^= 1;
    Files.write(flipped, bad);
    Path truncated = dir.resolve("truncated.db");
    Files.write(truncated, java.util.Arrays.copyOf(good, good.length - 700));

    for (Path damaged : List.of(flipped, truncated)) {
      Cli.Run status = Cli.run("snapshot", "status", damaged.toString());
      assertThat(status.exit()).isEqualTo(1);
      assertThat(status.err()).containsAnyOf("corrupted", "not a whole snapshot");

      Path target = dir.resolve("restored-" + damaged.getFileName());
      Cli.Run restore =
          Cli.run(
              "snapshot",
              "restore",
              damaged.toString(),
              "--name",
              "n1",
              "--data-dir",
              target.toString(),
              "--initial-cluster",
              "n1=http://127.0.0.1:2380");
      assertThat(restore.exit()).isEqualTo(1);
      assertThat(target).doesNotExist();
    }
    try (var left = Files.list(dir)) {
      assertThat(left.map(p -> p.getFileName().toString()))
          .noneMatch(n -> n.startsWith(".restore-") || n.endsWith(".part"));
    }
  }
}
