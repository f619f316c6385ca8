package dev.cairn.raft.fault;

import static java.nio.charset.StandardCharsets.UTF_8;
import static org.assertj.core.api.Assertions.assertThat;

import com.google.protobuf.ByteString;
import dev.cairn.raft.Await;
import dev.cairn.raft.CairnCluster;
import io.etcd.jetcd.ByteSequence;
import io.etcd.jetcd.KV;
import io.etcd.jetcd.api.Event;
import io.etcd.jetcd.api.WatchCreateRequest;
import io.etcd.jetcd.api.WatchGrpc;
import io.etcd.jetcd.api.WatchRequest;
import io.etcd.jetcd.api.WatchResponse;
import io.etcd.jetcd.op.Op;
import io.etcd.jetcd.options.PutOption;
import io.grpc.ManagedChannel;
import io.grpc.netty.NettyChannelBuilder;
import io.grpc.stub.StreamObserver;
import java.io.IOException;
import java.net.URI;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.List;
import java.util.Random;
import java.util.concurrent.TimeUnit;
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.condition.EnabledIfSystemProperty;
import org.junit.jupiter.api.io.TempDir;

/**
 * Watches created on a member while it replays its Raft log after a restart, at start revisions on
 * both sides of the revision it has applied so far, each see every revision from their start on,
 * once and in order (kill-follower-watch-gap.txt).
 *
 * <p>The member's store directory is removed while it is down, as a kill -9 leaves it when nothing
 * was flushed yet (RocksDB runs without a WAL): it restarts at revision 0 and replays everything.
 * While it replays, each revision r it reaches gets watches from r - 1, r, r + 1 and r + 2 (the
 * catch-up side, the boundary, and the future side); the writes go on meanwhile.
 *
 * <pre>
 *   member:   0 ……………… r (replaying) ……………… head … final
 *   watches:           r-1 r r+1 r+2            each must deliver exactly [start, final]
 * </pre>
 *
 * It passed before the watch gap's fix too (it rules the replay path out), so it runs with the
 * fault suite's long profile only ({@code -Dcairn.faults=long}), to spare CI its 20 s.
 */
class ReplayingMemberWatchTest {
  private static final String PREFIX = "/replay/";

  @TempDir Path dir;

  @Test
  @EnabledIfSystemProperty(named = "cairn.faults", matches = "long")
  void watchesCreatedDuringReplaySeeEveryRevision() throws Exception {
    try (CairnCluster c = CairnCluster.start(3, dir)) {
      int leader = c.awaitLeader(Duration.ofSeconds(20));
      int member = LeaderFailoverTest.otherThan(leader, 3)[0];
      KV kv = c.client(leader).getKVClient();
      Random rnd = new Random(6);
      write(kv, rnd, 100);
      c.stopNode(member);
      deleteTree(dir.resolve("n" + member).resolve("store"));
      long head = write(kv, rnd, 400);

      c.startNode(member);
      URI e = URI.create(c.endpoint(member));
      ManagedChannel channel =
          NettyChannelBuilder.forAddress(e.getHost(), e.getPort())
              .usePlaintext()
              .maxInboundMessageSize(16 << 20)
              .build();
      List<RawWatch> watches = new ArrayList<>();
      try {
        long seen = -1;
        long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(30);
        // a watch for each revision the replaying member is seen at, around that revision
        while (seen < head && System.nanoTime() < deadline) {
          long r = c.node(member).revision();
          if (r == seen) {
            java.util.concurrent.locks.LockSupport.parkNanos(50_000);
            continue;
          }
          seen = r;
          for (long start = Math.max(1, r - 1); start <= r + 2; start++) {
            watches.add(new RawWatch(channel, start, r));
          }
        }
        assertThat(seen).as("the member replayed to the head").isGreaterThanOrEqualTo(head);
        long last = write(kv, rnd, 50);
        for (RawWatch w : watches) {
          assertThat(Await.until(Duration.ofSeconds(30), () -> w.last() >= last || w.failed()))
              .as("watch from %d reaches %d: %s", w.start, last, w)
              .isTrue();
        }
        List<String> wrong = new ArrayList<>();
        for (RawWatch w : watches) {
          String problem = w.check(last);
          if (problem != null) {
            wrong.add(problem);
          }
        }
        System.out.printf(
            "%d watches created while the member replayed to %d, at %d distinct revisions%n",
            watches.size(), head, watches.stream().mapToLong(w -> w.memberAt).distinct().count());
        assertThat(wrong).as("watches of %d", watches.size()).isEmpty();
        assertThat(watches.size()).isGreaterThan(20);
      } finally {
        watches.forEach(RawWatch::close);
        channel.shutdownNow();
      }
    }
  }

  /**
   * Puts, deletes of present keys and two-key transactions on the prefix, so that every revision
   * has events under it; returns the last revision written.
   */
  static long write(KV kv, Random rnd, int n) throws Exception {
    long rev = 0;
    for (int i = 0; i < n; i++) {
      String key = PREFIX + "k" + rnd.nextInt(6);
      int dice = rnd.nextInt(10);
      if (dice < 5) {
        rev = kv.put(b(key), b("v" + i)).get(10, TimeUnit.SECONDS).getHeader().getRevision();
      } else if (dice < 7) {
        var r = kv.delete(b(key)).get(10, TimeUnit.SECONDS);
        if (r.getDeleted() > 0) {
          rev = r.getHeader().getRevision();
        }
      } else {
        rev =
            kv.txn()
                .Then(
                    Op.put(b(key), b("t" + i), PutOption.DEFAULT),
                    Op.put(b(PREFIX + "t" + rnd.nextInt(3)), b("t" + i), PutOption.DEFAULT))
                .commit()
                .get(10, TimeUnit.SECONDS)
                .getHeader()
                .getRevision();
      }
    }
    return rev;
  }

  static void deleteTree(Path p) throws IOException {
    try (Stream<Path> files = Files.walk(p)) {
      for (Path f : files.sorted(Comparator.reverseOrder()).toList()) {
        Files.delete(f);
      }
    }
  }

  static ByteSequence b(String s) {
    return ByteSequence.from(s, UTF_8);
  }

  /** One watch on its own gRPC stream, keeping every response. */
  static final class RawWatch implements StreamObserver<WatchResponse> {
    final long start;
    final long memberAt;
    private final StreamObserver<WatchRequest> requests;
    private final List<WatchResponse> responses = new ArrayList<>();
    private Throwable error;

    RawWatch(ManagedChannel channel, long start, long memberAt) {
      this.start = start;
      this.memberAt = memberAt;
      this.requests = WatchGrpc.newStub(channel).watch(this);
      requests.onNext(
          WatchRequest.newBuilder()
              .setCreateRequest(
                  WatchCreateRequest.newBuilder()
                      .setKey(ByteString.copyFromUtf8(PREFIX))
                      .setRangeEnd(ByteString.copyFromUtf8(PREFIX.substring(0, 7) + "0"))
                      .setStartRevision(start))
              .build());
    }

    @Override
    public synchronized void onNext(WatchResponse r) {
      responses.add(r);
    }

    @Override
    public synchronized void onError(Throwable t) {
      error = t;
    }

    @Override
    public void onCompleted() {}

    synchronized boolean failed() {
      return error != null || responses.stream().anyMatch(WatchResponse::getCanceled);
    }

    synchronized long last() {
      long last = start - 1;
      for (WatchResponse r : responses) {
        for (Event e : r.getEventsList()) {
          last = Math.max(last, e.getKv().getModRevision());
        }
      }
      return last;
    }

    /** Null when the watch delivered exactly the revisions start..last in order, else why not. */
    synchronized String check(long last) {
      if (failed()) {
        return this + ": failed";
      }
      List<Long> revisions = new ArrayList<>();
      for (WatchResponse r : responses) {
        for (Event e : r.getEventsList()) {
          long rev = e.getKv().getModRevision();
          if (revisions.isEmpty() || revisions.get(revisions.size() - 1) != rev) {
            revisions.add(rev);
          }
        }
      }
      List<Long> want = new ArrayList<>();
      for (long rev = start; rev <= last; rev++) {
        want.add(rev);
      }
      List<Long> got = revisions.stream().filter(r -> r <= last).toList();
      if (got.equals(want)) {
        return null;
      }
      List<Long> missing = new ArrayList<>(want);
      missing.removeAll(got);
      return this
          + ": missing "
          + missing.stream().limit(10).toList()
          + ", first delivered "
          + got.stream().limit(5).toList()
          + (got.size() != got.stream().distinct().count() ? ", duplicates" : "");
    }

    @Override
    public synchronized String toString() {
      WatchResponse created = responses.isEmpty() ? null : responses.get(0);
      return "watch from "
          + start
          + " (member at "
          + memberAt
          + ", created header "
          + (created == null ? "none" : created.getHeader().getRevision())
          + (error == null ? "" : ", error " + error)
          + ")";
    }

    void close() {
      try {
        requests.onCompleted();
      } catch (RuntimeException e) {
        // the channel is going away anyway
      }
    }
  }
}
