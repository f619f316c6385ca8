package dev.cairn.raft.fault;

import static java.nio.charset.StandardCharsets.UTF_8;
import static org.assertj.core.api.Assertions.assertThat;

import dev.cairn.raft.CairnCluster;
import dev.cairn.raft.linearizability.LinearizabilityChecker;
import dev.cairn.raft.linearizability.Op;
import io.etcd.jetcd.ByteSequence;
import io.etcd.jetcd.KV;
import io.etcd.jetcd.kv.GetResponse;
import io.etcd.jetcd.op.Cmp;
import io.etcd.jetcd.op.CmpTarget;
import io.etcd.jetcd.options.PutOption;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Collections;
import java.util.List;
import java.util.Random;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicBoolean;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * Clients on every member read, write and compare-and-swap a few keys while the leader is killed
 * and restarted; the recorded history must be linearizable. Failed or timed-out operations count as
 * "maybe applied, at any time after the call".
 */
class LinearizableHistoryTest {
  @TempDir Path dir;

  @Test
  void historyAcrossALeaderKillIsLinearizable() throws Exception {
    try (CairnCluster c = CairnCluster.start(3, dir)) {
      int leader = c.awaitLeader(Duration.ofSeconds(20));
      List<Op> history = Collections.synchronizedList(new ArrayList<>());
      AtomicBoolean stop = new AtomicBoolean();
      List<Thread> clients = new ArrayList<>();
      for (int client = 0; client < 4; client++) {
        int id = client;
        KV kv = c.client().getKVClient();
        Thread t = new Thread(() -> run(id, kv, history, stop));
        clients.add(t);
        t.start();
      }
      Thread.sleep(1500);
      c.stopNode(leader);
      c.awaitLeader(Duration.ofSeconds(20));
      Thread.sleep(1500);
      c.startNode(leader);
      Thread.sleep(1500);
      stop.set(true);
      for (Thread t : clients) {
        t.join(30_000);
      }
      long known = history.stream().filter(o -> !o.unknown()).count();
      assertThat(known).isGreaterThan(50);
      LinearizabilityChecker.Verdict v = new LinearizabilityChecker().check(List.copyOf(history));
      assertThat(v.result())
          .as("key %s: %s", v.key(), v.operations())
          .isNotEqualTo(LinearizabilityChecker.Result.VIOLATION);
    }
  }

  private static void run(int client, KV kv, List<Op> history, AtomicBoolean stop) {
    Random random = new Random(client);
    int n = 0;
    while (!stop.get()) {
      String key = "/lin/k" + random.nextInt(3);
      ByteSequence k = ByteSequence.from(key, UTF_8);
      int kind = random.nextInt(3);
      String value = "c" + client + "-" + n++;
      long called = System.nanoTime();
      String casExpected = null;
      long casCalled = -1;
      try {
        switch (kind) {
          case 0 -> {
            GetResponse r = kv.get(k).get(3, TimeUnit.SECONDS);
            String read =
                r.getKvs().isEmpty() ? null : r.getKvs().get(0).getValue().toString(UTF_8);
            history.add(Op.get(client, key, read, called, System.nanoTime()));
          }
          case 1 -> {
            kv.put(k, ByteSequence.from(value, UTF_8)).get(3, TimeUnit.SECONDS);
            history.add(Op.put(client, key, value, called, System.nanoTime()));
          }
          default -> {
            GetResponse r = kv.get(k).get(3, TimeUnit.SECONDS);
            long readAt = System.nanoTime();
            String expected =
                r.getKvs().isEmpty() ? null : r.getKvs().get(0).getValue().toString(UTF_8);
            history.add(Op.get(client, key, expected, called, readAt));
            casExpected = expected;
            casCalled = System.nanoTime();
            Cmp cmp =
                expected == null
                    ? new Cmp(k, Cmp.Op.EQUAL, CmpTarget.version(0))
                    : new Cmp(k, Cmp.Op.EQUAL, CmpTarget.value(ByteSequence.from(expected, UTF_8)));
            boolean ok =
                kv.txn()
                    .If(cmp)
                    .Then(
                        io.etcd.jetcd.op.Op.put(
                            k, ByteSequence.from(value, UTF_8), PutOption.DEFAULT))
                    .commit()
                    .get(3, TimeUnit.SECONDS)
                    .isSucceeded();
            history.add(Op.cas(client, key, expected, value, ok, casCalled, System.nanoTime()));
          }
        }
      } catch (Exception e) {
        if (kind == 1) {
          history.add(Op.put(client, key, value, called, 0).timedOut());
        }
        // a failed read changes nothing; a CAS whose read came back may have been applied
        if (casCalled >= 0) {
          history.add(Op.cas(client, key, casExpected, value, false, casCalled, 0).timedOut());
        }
      }
    }
  }

  static ByteSequence b(String s) {
    return ByteSequence.from(s, UTF_8);
  }
}
