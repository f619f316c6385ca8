package dev.cairn.raft;

import static java.nio.charset.StandardCharsets.UTF_8;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.etcd.jetcd.ByteSequence;
import io.etcd.jetcd.Client;
import io.etcd.jetcd.KV;
import io.etcd.jetcd.Watch;
import io.etcd.jetcd.kv.GetResponse;
import io.etcd.jetcd.kv.TxnResponse;
import io.etcd.jetcd.op.Cmp;
import io.etcd.jetcd.op.CmpTarget;
import io.etcd.jetcd.op.Op;
import io.etcd.jetcd.options.GetOption;
import io.etcd.jetcd.options.PutOption;
import io.etcd.jetcd.options.WatchOption;
import io.etcd.jetcd.watch.WatchEvent;
import java.time.Duration;
import java.util.List;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;

/** Put, get, txn, watch and compaction on a healthy 3-member cluster, through jetcd. */
class ClusterBasicsTest {
  @RegisterExtension
  static final CairnClusterExtension CLUSTER = CairnClusterExtension.withNodes(3);

  @BeforeAll
  static void leader() throws InterruptedException {
    CLUSTER.cluster().awaitLeader(Duration.ofSeconds(20));
  }

  static ByteSequence b(String s) {
    return ByteSequence.from(s, UTF_8);
  }

  @Test
  void aWriteOnOneMemberIsReadOnEveryMember() throws Exception {
    CairnCluster c = CLUSTER.cluster();
    c.client(0).getKVClient().put(b("/basics/a"), b("1")).get(10, TimeUnit.SECONDS);
    for (int i = 0; i < c.size(); i++) {
      GetResponse r = c.client(i).getKVClient().get(b("/basics/a")).get(10, TimeUnit.SECONDS);
      assertThat(r.getKvs()).hasSize(1);
      assertThat(r.getKvs().get(0).getValue().toString(UTF_8)).isEqualTo("1");
      assertThat(r.getHeader().getMemberId()).isEqualTo(c.node(i).memberId());
      assertThat(r.getHeader().getClusterId()).isEqualTo(c.node(0).clusterId());
      assertThat(r.getHeader().getRaftTerm()).isPositive();
    }
  }

  @Test
  void prefixRangeAndDelete() throws Exception {
    KV kv = CLUSTER.cluster().client(1).getKVClient();
    for (String k : List.of("x", "y", "z")) {
      kv.put(b("/prefix/" + k), b(k)).get(10, TimeUnit.SECONDS);
    }
    GetResponse r =
        kv.get(b("/prefix/"), GetOption.builder().isPrefix(true).build()).get(10, TimeUnit.SECONDS);
    assertThat(r.getKvs())
        .extracting(k -> k.getKey().toString(UTF_8))
        .containsExactly("/prefix/x", "/prefix/y", "/prefix/z");
    long deleted =
        kv.delete(
                b("/prefix/"), io.etcd.jetcd.options.DeleteOption.builder().isPrefix(true).build())
            .get(10, TimeUnit.SECONDS)
            .getDeleted();
    assertThat(deleted).isEqualTo(3);
  }

  @Test
  void txnComparesAndSwaps() throws Exception {
    KV kv = CLUSTER.cluster().client(2).getKVClient();
    kv.put(b("/txn/k"), b("old")).get(10, TimeUnit.SECONDS);
    TxnResponse ok =
        kv.txn()
            .If(new Cmp(b("/txn/k"), Cmp.Op.EQUAL, CmpTarget.value(b("old"))))
            .Then(Op.put(b("/txn/k"), b("new"), PutOption.DEFAULT))
            .Else(Op.get(b("/txn/k"), GetOption.DEFAULT))
            .commit()
            .get(10, TimeUnit.SECONDS);
    assertThat(ok.isSucceeded()).isTrue();
    TxnResponse no =
        kv.txn()
            .If(new Cmp(b("/txn/k"), Cmp.Op.EQUAL, CmpTarget.value(b("old"))))
            .Then(Op.put(b("/txn/k"), b("newer"), PutOption.DEFAULT))
            .Else(Op.get(b("/txn/k"), GetOption.DEFAULT))
            .commit()
            .get(10, TimeUnit.SECONDS);
    assertThat(no.isSucceeded()).isFalse();
    assertThat(no.getGetResponses().get(0).getKvs().get(0).getValue().toString(UTF_8))
        .isEqualTo("new");
  }

  @Test
  void watchOnOneMemberSeesWritesThroughAnother() throws Exception {
    CairnCluster c = CLUSTER.cluster();
    List<WatchEvent> events = new CopyOnWriteArrayList<>();
    // from the revision after now: the writes below are seen however late the watch is set up
    long from =
        c.client(2)
                .getKVClient()
                .get(b("/watch/"))
                .get(10, TimeUnit.SECONDS)
                .getHeader()
                .getRevision()
            + 1;
    try (Watch.Watcher w =
        c.client(2)
            .getWatchClient()
            .watch(
                b("/watch/"),
                WatchOption.builder().isPrefix(true).withRevision(from).build(),
                Watch.listener(r -> events.addAll(r.getEvents())))) {
      KV kv = c.client(0).getKVClient();
      kv.put(b("/watch/1"), b("a")).get(10, TimeUnit.SECONDS);
      kv.put(b("/watch/2"), b("b")).get(10, TimeUnit.SECONDS);
      kv.delete(b("/watch/1")).get(10, TimeUnit.SECONDS);
      Await.until(Duration.ofSeconds(10), () -> events.size() >= 3);
      assertThat(events)
          .extracting(WatchEvent::getEventType)
          .containsExactly(
              WatchEvent.EventType.PUT, WatchEvent.EventType.PUT, WatchEvent.EventType.DELETE);
      assertThat(events.get(1).getKeyValue().getValue().toString(UTF_8)).isEqualTo("b");
    }
  }

  @Test
  void readsBelowTheCompactedRevisionFailWithEtcdsError() throws Exception {
    KV kv = CLUSTER.cluster().client(0).getKVClient();
    long r1 = kv.put(b("/compact/k"), b("1")).get(10, TimeUnit.SECONDS).getHeader().getRevision();
    long r2 = kv.put(b("/compact/k"), b("2")).get(10, TimeUnit.SECONDS).getHeader().getRevision();
    kv.compact(r2).get(10, TimeUnit.SECONDS);
    assertThatThrownBy(
            () ->
                kv.get(b("/compact/k"), GetOption.builder().withRevision(r1).build())
                    .get(10, TimeUnit.SECONDS))
        .isInstanceOf(ExecutionException.class)
        .hasMessageContaining("required revision has been compacted");
  }

  @Test
  void aWatchFromACompactedRevisionFailsWithTheCompactRevision() throws Exception {
    Client client = CLUSTER.cluster().client(1);
    KV kv = client.getKVClient();
    long r1 = kv.put(b("/wc/k"), b("1")).get(10, TimeUnit.SECONDS).getHeader().getRevision();
    long r2 = kv.put(b("/wc/k"), b("2")).get(10, TimeUnit.SECONDS).getHeader().getRevision();
    kv.compact(r2).get(10, TimeUnit.SECONDS);
    // watches are served from the member's applied state: a linearizable read makes sure this
    // member has applied the compaction
    kv.get(b("/wc/k")).get(10, TimeUnit.SECONDS);
    java.util.concurrent.CompletableFuture<Throwable> failed =
        new java.util.concurrent.CompletableFuture<>();
    try (Watch.Watcher w =
        client
            .getWatchClient()
            .watch(
                b("/wc/k"),
                WatchOption.builder().withRevision(r1).build(),
                Watch.listener(r -> {}, failed::complete))) {
      Throwable t = failed.get(10, TimeUnit.SECONDS);
      assertThat(t).isInstanceOf(io.etcd.jetcd.common.exception.CompactedException.class);
      assertThat(((io.etcd.jetcd.common.exception.CompactedException) t).getCompactedRevision())
          .isEqualTo(r2);
    }
  }

  @Test
  void progressRequestsAnswerWithAHeaderOnlyResponse() throws Exception {
    Client client = CLUSTER.cluster().client(0);
    long rev =
        client
            .getKVClient()
            .put(b("/progress/k"), b("1"))
            .get(10, TimeUnit.SECONDS)
            .getHeader()
            .getRevision();
    java.util.concurrent.CompletableFuture<io.etcd.jetcd.watch.WatchResponse> progress =
        new java.util.concurrent.CompletableFuture<>();
    try (Watch.Watcher w =
        client
            .getWatchClient()
            .watch(
                b("/progress/other"),
                WatchOption.DEFAULT,
                Watch.listener(
                    r -> {
                      if (r.isProgressNotify()) {
                        progress.complete(r);
                      }
                    }))) {
      // a progress request on a stream whose watch is not yet created goes unanswered: ask until
      // one is answered
      Await.until(
          Duration.ofSeconds(10),
          () -> {
            client.getWatchClient().requestProgress();
            return progress.isDone();
          });
      assertThat(progress.get(10, TimeUnit.SECONDS).getHeader().getRevision())
          .isGreaterThanOrEqualTo(rev);
    }
  }

  @Test
  void memberListNamesEveryMember() throws Exception {
    Client client = CLUSTER.cluster().client(1);
    var members = client.getClusterClient().listMember().get(10, TimeUnit.SECONDS).getMembers();
    assertThat(members).extracting(m -> m.getName()).containsExactlyInAnyOrder("n0", "n1", "n2");
    assertThat(members).allSatisfy(m -> assertThat(m.getClientURIs()).isNotEmpty());
  }

  @Test
  void concurrentWritesThroughEveryMemberShareLogEntriesButEachGetsItsOwnRevision()
      throws Exception {
    CairnCluster c = CLUSTER.cluster();
    long entriesBefore = c.node(0).stateMachine().commandEntriesApplied();
    long revisionBefore = c.node(0).revision();
    int perMember = 150;
    List<java.util.concurrent.CompletableFuture<io.etcd.jetcd.kv.PutResponse>> puts =
        new java.util.ArrayList<>();
    List<java.util.concurrent.CompletableFuture<?>> refused = new java.util.ArrayList<>();
    for (int i = 0; i < perMember; i++) {
      for (int m = 0; m < c.size(); m++) {
        KV kv = c.client(m).getKVClient();
        puts.add(kv.put(b("/batch/" + m + "/" + i), b("v" + m + "/" + i)));
        if (i % 25 == 0) {
          // a refused command in the same entry refuses only itself
          refused.add(
              kv.put(
                  b("/batch/refused/" + m + "/" + i),
                  b("x"),
                  PutOption.builder().withLeaseId(0x7eadbeefL).build()));
        }
      }
    }
    java.util.Set<Long> revisions = new java.util.TreeSet<>();
    for (var p : puts) {
      revisions.add(p.get(30, TimeUnit.SECONDS).getHeader().getRevision());
    }
    for (var r : refused) {
      assertThatThrownBy(() -> r.get(30, TimeUnit.SECONDS))
          .isInstanceOf(ExecutionException.class)
          .hasMessageContaining("requested lease not found");
    }
    // one revision per write, none shared, none skipped (refused writes take none)
    assertThat(revisions).hasSize(puts.size());
    assertThat(revisions.iterator().next()).isGreaterThan(revisionBefore);
    assertThat(
            ((java.util.TreeSet<Long>) revisions).last()
                - ((java.util.TreeSet<Long>) revisions).first())
        .isEqualTo(puts.size() - 1);
    for (int m = 0; m < c.size(); m++) {
      GetResponse r =
          c.client((m + 1) % c.size())
              .getKVClient()
              .get(b("/batch/" + m + "/"), GetOption.builder().isPrefix(true).build())
              .get(10, TimeUnit.SECONDS);
      assertThat(r.getKvs()).hasSize(perMember);
      assertThat(r.getKvs())
          .allSatisfy(
              kv ->
                  assertThat(kv.getValue().toString(UTF_8))
                      .isEqualTo("v" + kv.getKey().toString(UTF_8).substring("/batch/".length())));
    }
    GetResponse none =
        c.client(0)
            .getKVClient()
            .get(b("/batch/refused/"), GetOption.builder().isPrefix(true).build())
            .get(10, TimeUnit.SECONDS);
    assertThat(none.getKvs()).isEmpty();
    // the writes travelled in fewer log entries than there were writes
    long entries = c.node(0).stateMachine().commandEntriesApplied() - entriesBefore;
    assertThat(entries).isLessThan(puts.size() + refused.size());
  }
}
