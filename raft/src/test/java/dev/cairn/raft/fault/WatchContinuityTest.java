package dev.cairn.raft.fault;

import static java.nio.charset.StandardCharsets.UTF_8;
import static org.assertj.core.api.Assertions.assertThat;

import dev.cairn.raft.CairnCluster;
import io.etcd.jetcd.ByteSequence;
import io.etcd.jetcd.KV;
import io.etcd.jetcd.Watch;
import io.etcd.jetcd.options.WatchOption;
import io.etcd.jetcd.watch.WatchEvent;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** A watch on a follower sees every revision exactly once while the leader dies and is replaced. */
class WatchContinuityTest {
  @TempDir Path dir;

  @Test
  void aWatchOnAFollowerSurvivesALeaderChange() throws Exception {
    try (CairnCluster c = CairnCluster.start(3, dir)) {
      int leader = c.awaitLeader(Duration.ofSeconds(20));
      int[] others = LeaderFailoverTest.otherThan(leader, 3);
      int watching = others[0];
      List<WatchEvent> events = new CopyOnWriteArrayList<>();
      KV kv = c.client(others[1]).getKVClient();
      List<Long> acked = new ArrayList<>();
      try (Watch.Watcher w =
          c.client(watching)
              .getWatchClient()
              .watch(
                  b("/cont/"),
                  WatchOption.builder().isPrefix(true).build(),
                  Watch.listener(r -> events.addAll(r.getEvents())))) {
        Thread.sleep(300);
        for (int i = 0; i < 30; i++) {
          acked.add(put(kv, i));
        }
        c.stopNode(leader);
        c.awaitLeader(Duration.ofSeconds(20));
        for (int i = 30; i < 60; i++) {
          Long rev = null;
          for (int attempt = 0; attempt < 20 && rev == null; attempt++) {
            try {
              rev = put(kv, i);
            } catch (Exception e) {
              Thread.sleep(200);
            }
          }
          acked.add(rev);
        }
        long end = System.nanoTime() + TimeUnit.SECONDS.toNanos(15);
        while (events.size() < 60 && System.nanoTime() < end) {
          Thread.sleep(50);
        }
      }
      List<Long> seen = events.stream().map(e -> e.getKeyValue().getModRevision()).toList();
      assertThat(seen).doesNotHaveDuplicates().isSorted().containsAll(acked);
    }
  }

  static long put(KV kv, int i) throws Exception {
    return kv.put(b("/cont/" + i), b("v" + i)).get(5, TimeUnit.SECONDS).getHeader().getRevision();
  }

  static ByteSequence b(String s) {
    return ByteSequence.from(s, UTF_8);
  }
}
