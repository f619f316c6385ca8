package dev.cairn.raft.fault;

import static java.nio.charset.StandardCharsets.UTF_8;
import static java.util.concurrent.TimeUnit.SECONDS;
import static org.assertj.core.api.Assertions.assertThat;

import dev.cairn.raft.CairnCluster;
import io.etcd.jetcd.ByteSequence;
import io.etcd.jetcd.KV;
import java.net.URI;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.concurrent.TimeUnit;
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** A follower that missed more than the retained log catches up by installing a snapshot. */
class SnapshotInstallTest {
  @TempDir Path dir;

  @Test
  void aLaggingFollowerInstallsTheLeadersSnapshot() throws Exception {
    try (CairnCluster c = CairnCluster.start(3, dir, n -> n.withSnapshots(100, 64 << 10))) {
      int leader = c.awaitLeader(Duration.ofSeconds(20));
      int follower = LeaderFailoverTest.otherThan(leader, 3)[0];
      KV kv = c.client(leader).getKVClient();
      kv.put(b("/snap/first"), b("x")).get(10, TimeUnit.SECONDS);
      c.stopNode(follower);
      // a MemberAdd the follower misses: the member never starts, so the intent stays pending and
      // reaches the follower only inside the snapshot
      URI unstarted = URI.create("http://127.0.0.1:" + CairnCluster.freePort());
      c.client(leader).getClusterClient().addMember(List.of(unstarted), false).get(10, SECONDS);

      String value = "v".repeat(500);
      for (int i = 0; i < 800; i++) {
        kv.put(b("/snap/k" + i), b(value + i)).get(10, TimeUnit.SECONDS);
      }
      c.startNode(follower);
      LeaderFailoverTest.awaitKeys(c.client(follower).getKVClient(), "/snap/", 801);
      try (Stream<Path> files = Files.walk(dir.resolve("n" + follower).resolve("raft"))) {
        assertThat(files.filter(p -> p.toString().endsWith(".md5")))
            .as("files of a snapshot sent by the leader")
            .isNotEmpty();
      }
      assertThat(c.client(follower).getClusterClient().listMember().get(10, SECONDS).getMembers())
          .as("the members the follower lists, the added one from the snapshot's intents")
          .hasSize(4)
          .anySatisfy(m -> assertThat(m.getPeerURIs()).containsExactly(unstarted));
      // the follower keeps applying after the install
      kv.put(b("/snap/last"), b("y")).get(10, TimeUnit.SECONDS);
      LeaderFailoverTest.awaitKeys(c.client(follower).getKVClient(), "/snap/", 802);
      assertThat(c.node(follower).revision()).isEqualTo(c.node(leader).revision());
    }
  }

  static ByteSequence b(String s) {
    return ByteSequence.from(s, UTF_8);
  }
}
