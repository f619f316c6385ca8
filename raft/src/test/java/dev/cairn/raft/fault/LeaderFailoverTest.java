package dev.cairn.raft.fault;

import static java.nio.charset.StandardCharsets.UTF_8;
import static org.assertj.core.api.Assertions.assertThat;

import dev.cairn.raft.CairnCluster;
import io.etcd.jetcd.ByteSequence;
import io.etcd.jetcd.Client;
import io.etcd.jetcd.KV;
import io.etcd.jetcd.options.GetOption;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.stream.Collectors;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** Members die and come back; acknowledged writes survive. */
class LeaderFailoverTest {
  @TempDir Path dir;

  static ByteSequence b(String s) {
    return ByteSequence.from(s, UTF_8);
  }

  @Test
  void killingTheLeaderLosesNoAcknowledgedWrite() throws Exception {
    try (CairnCluster c = CairnCluster.start(3, dir)) {
      int leader = c.awaitLeader(Duration.ofSeconds(20));
      int[] others = otherThan(leader, 3);
      Client client = c.client(others[0]);
      KV kv = client.getKVClient();
      Set<String> acked = ConcurrentHashMap.newKeySet();
      AtomicBoolean stop = new AtomicBoolean();
      Thread writer =
          new Thread(
              () -> {
                for (int i = 0; !stop.get(); i++) {
                  String k = "/failover/" + String.format("%06d", i);
                  try {
                    kv.put(b(k), b("v" + i)).get(5, TimeUnit.SECONDS);
                    acked.add(k);
                  } catch (Exception e) {
                    // unavailable during the election: not acknowledged
                  }
                }
              });
      writer.start();
      Thread.sleep(1000);
      int before = acked.size();
      c.stopNode(leader);
      int newLeader = c.awaitLeader(Duration.ofSeconds(20));
      assertThat(newLeader).isNotEqualTo(leader);
      Thread.sleep(1500);
      stop.set(true);
      writer.join(20_000);
      assertThat(acked.size()).isGreaterThan(before);

      List<String> stored = keys(c.client(newLeader).getKVClient(), "/failover/", false);
      assertThat(stored).containsAll(acked);

      // the old leader comes back as a follower and catches up
      c.startNode(leader);
      long end = System.nanoTime() + TimeUnit.SECONDS.toNanos(30);
      List<String> onOld = List.of();
      while (System.nanoTime() < end) {
        onOld = keys(c.client(leader).getKVClient(), "/failover/", true);
        if (onOld.containsAll(acked)) {
          break;
        }
        Thread.sleep(200);
      }
      assertThat(onOld).containsAll(acked);
    }
  }

  @Test
  void aRestartedFollowerCatchesUp() throws Exception {
    try (CairnCluster c = CairnCluster.start(3, dir)) {
      int leader = c.awaitLeader(Duration.ofSeconds(20));
      int follower = otherThan(leader, 3)[0];
      KV kv = c.client(leader).getKVClient();
      kv.put(b("/restart/before"), b("1")).get(10, TimeUnit.SECONDS);
      c.stopNode(follower);
      for (int i = 0; i < 50; i++) {
        kv.put(b("/restart/k" + i), b("v" + i)).get(10, TimeUnit.SECONDS);
      }
      c.startNode(follower);
      awaitKeys(c.client(follower).getKVClient(), "/restart/", 51);
      // and it serves linearizable reads and writes again
      c.client(follower).getKVClient().put(b("/restart/after"), b("2")).get(10, TimeUnit.SECONDS);
      assertThat(keys(c.client(follower).getKVClient(), "/restart/", false))
          .contains("/restart/after");
    }
  }

  static void awaitKeys(KV kv, String prefix, int n) throws Exception {
    long end = System.nanoTime() + TimeUnit.SECONDS.toNanos(30);
    long count = 0;
    while (System.nanoTime() < end) {
      try {
        count =
            kv.get(
                    b(prefix),
                    GetOption.builder()
                        .isPrefix(true)
                        .withSerializable(true)
                        .withCountOnly(true)
                        .build())
                .get(10, TimeUnit.SECONDS)
                .getCount();
      } catch (java.util.concurrent.ExecutionException e) {
        // the member may be loading a snapshot: UNAVAILABLE for a moment
      }
      if (count >= n) {
        return;
      }
      Thread.sleep(200);
    }
    assertThat(count).as("keys under " + prefix).isGreaterThanOrEqualTo(n);
  }

  static List<String> keys(KV kv, String prefix, boolean serializable) throws Exception {
    return kv
        .get(b(prefix), GetOption.builder().isPrefix(true).withSerializable(serializable).build())
        .get(10, TimeUnit.SECONDS)
        .getKvs()
        .stream()
        .map(k -> k.getKey().toString(UTF_8))
        .collect(Collectors.toList());
  }

  static int[] otherThan(int i, int n) {
    int[] out = new int[n - 1];
    for (int j = 0, k = 0; j < n; j++) {
      if (j != i) {
        out[k++] = j;
      }
    }
    return out;
  }
}
