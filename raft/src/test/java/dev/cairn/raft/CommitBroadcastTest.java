package dev.cairn.raft;

import static java.nio.charset.StandardCharsets.UTF_8;
import static org.assertj.core.api.Assertions.assertThat;

import io.etcd.jetcd.ByteSequence;
import io.etcd.jetcd.KV;
import io.etcd.jetcd.kv.GetResponse;
import io.etcd.jetcd.kv.PutResponse;
import io.etcd.jetcd.options.GetOption;
import java.time.Duration;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;

/**
 * How a commit reaches the followers ({@link CommitBroadcast}) and what a client of a follower sees
 * ({@link ApplyWaiters}). The election timeout is long here, so a Ratis heartbeat comes only every
 * 4 s: a follower that learns of a commit sooner was told by the leader's push.
 *
 * <pre>
 *   put ──▶ leader: log entry i, replicate, commit ──▶ heartbeat(commit = i) ──▶ followers apply i
 *                                (no second, log-metadata entry: one fsync per member and write)
 * </pre>
 */
class CommitBroadcastTest {
  /** Ratis sends a heartbeat every half minimum election timeout: every 4 s here. */
  static final Duration ELECTION_TIMEOUT_MIN = Duration.ofSeconds(8);

  /** Well under a heartbeat interval: a follower applying within this was pushed the commit. */
  static final Duration PUSHED = Duration.ofMillis(1500);

  @RegisterExtension
  static final CairnClusterExtension CLUSTER =
      CairnClusterExtension.withNodes(3)
          .tuned(c -> c.withElectionTimeout(ELECTION_TIMEOUT_MIN, Duration.ofSeconds(10)));

  static int leader;

  @BeforeAll
  static void leader() throws InterruptedException {
    leader = CLUSTER.cluster().awaitLeader(Duration.ofSeconds(60));
  }

  static ByteSequence b(String s) {
    return ByteSequence.from(s, UTF_8);
  }

  @Test
  void eachWriteIsOneLogEntryWithoutALogMetadataEntryAfterIt() throws Exception {
    CairnCluster c = CLUSTER.cluster();
    KV kv = c.client(leader).getKVClient();
    kv.put(b("/commit/warm"), b("0")).get(10, TimeUnit.SECONDS);
    long before = c.node(leader).division().getRaftLog().getLastEntryTermIndex().getIndex();

    for (int i = 0; i < 20; i++) {
      kv.put(b("/commit/one-entry"), b("v" + i)).get(10, TimeUnit.SECONDS);
    }

    long after = c.node(leader).division().getRaftLog().getLastEntryTermIndex().getIndex();
    assertThat(after - before).as("log entries for 20 sequential puts").isEqualTo(20);
  }

  @Test
  void followersApplyACommitWithoutWaitingForTheNextHeartbeat() throws Exception {
    CairnCluster c = CLUSTER.cluster();
    KV kv = c.client(leader).getKVClient();
    for (int i = 0; i < 5; i++) {
      long revision =
          kv.put(b("/commit/pushed"), b("v" + i))
              .get(10, TimeUnit.SECONDS)
              .getHeader()
              .getRevision();

      for (int f = 0; f < c.size(); f++) {
        CairnNode follower = c.node(f);
        assertThat(Await.until(PUSHED, () -> follower.revision() >= revision))
            .as("member %d applied revision %d within %s", f, revision, PUSHED)
            .isTrue();
      }
    }
  }

  @Test
  void aWriteThroughAFollowerIsSeenByItsNextSerializableRead() throws Exception {
    CairnCluster c = CLUSTER.cluster();
    int follower = (leader + 1) % c.size();
    KV kv = c.client(follower).getKVClient();
    GetOption serializable = GetOption.newBuilder().withSerializable(true).build();
    for (int i = 0; i < 100; i++) {
      PutResponse put = kv.put(b("/commit/ryw"), b("v" + i)).get(10, TimeUnit.SECONDS);
      GetResponse get = kv.get(b("/commit/ryw"), serializable).get(10, TimeUnit.SECONDS);

      assertThat(get.getHeader().getRevision())
          .as("revision of the read after put %d", i)
          .isGreaterThanOrEqualTo(put.getHeader().getRevision());
      assertThat(get.getKvs().get(0).getValue().toString(UTF_8)).isEqualTo("v" + i);
    }
  }
}
