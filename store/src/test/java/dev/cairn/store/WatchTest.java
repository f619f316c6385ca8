package dev.cairn.store;

import static dev.cairn.store.Bytes.b;
import static org.assertj.core.api.Assertions.assertThat;

import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;
import java.util.Random;
import java.util.Set;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;

/**
 * The watch hub's guarantees, each checked against the events {@link ModelStore} says the same
 * writes produce:
 *
 * <ul>
 *   <li>ordered and unique, with no gaps: the events received are exactly the expected list;
 *   <li>atomic per revision: a revision's events never span two {@code onEvents} calls;
 *   <li>resumable: a new watcher from the last revision + 1 continues without loss or overlap;
 *   <li>a slow or paused watcher blocks neither writers nor other watchers, and still gets
 *       everything in order; a start below the compaction is answered with onCompacted.
 * </ul>
 *
 * Writes run on a second thread while watchers read history and then follow live.
 */
class WatchTest {
  @TempDir java.nio.file.Path dir;
  MvccStore store;
  final ModelStore model = ModelStore.withDefaults();
  final List<Watcher> watchers = new ArrayList<>();

  void open(int queueEvents) {
    store =
        MvccStore.open(StoreConfig.defaults(dir.resolve("db")).withWatcherQueueEvents(queueEvents));
  }

  @AfterEach
  void close() {
    watchers.forEach(Watcher::close);
    if (store != null) {
      store.close();
    }
  }

  Watcher watch(WatchRequest request, Recorder recorder) {
    Watcher w = store.watch(request, recorder);
    watchers.add(w);
    return w;
  }

  /**
   * A deterministic mix of writes over keys k/0..k/9: single puts, txns putting 2-3 keys in one
   * revision, range deletes, and lease revokes deleting several keys at once.
   */
  void write(int commands, long seed) {
    Random rnd = new Random(seed);
    for (int i = 0; i < commands; i++) {
      Command c;
      int kind = rnd.nextInt(10);
      String k = "k/" + rnd.nextInt(10);
      if (kind < 5) {
        c = Bytes.put(k, "v" + i);
      } else if (kind < 8) {
        Set<Integer> picked = new java.util.LinkedHashSet<>();
        int n = 2 + rnd.nextInt(2);
        while (picked.size() < n) {
          picked.add(rnd.nextInt(10));
        }
        List<RequestOp> ops = new ArrayList<>();
        for (int j : picked) {
          ops.add(Bytes.put("k/" + j, "t" + i));
        }
        c = new Command.Txn(List.of(), ops, List.of());
      } else if (kind == 8) {
        c = Bytes.del("k/" + rnd.nextInt(5), "k/" + (5 + rnd.nextInt(5)));
      } else {
        long id = 1000 + i;
        both(new Command.LeaseGrant(id, 60));
        both(Bytes.put(k, "l" + i).withLease(id));
        both(Bytes.put(k + "y", "l" + i).withLease(id));
        c = new Command.LeaseRevoke(id);
      }
      both(c);
    }
  }

  void both(Command c) {
    Result expected = model.apply(c);
    assertThat(store.apply(c).revision()).isEqualTo(expected.revision());
  }

  List<Event> expected(WatchRequest w, long from) {
    List<Event> out = new ArrayList<>();
    for (Event e : model.events(from, model.revision())) {
      if (w.noPut() && e.type() == Event.Type.PUT
          || w.noDelete() && e.type() == Event.Type.DELETE
          || !Keys.inRange(e.kv().key(), w.key(), w.rangeEnd())) {
        continue;
      }
      out.add(w.prevKv() ? e : e.withoutPrevKv());
    }
    return out;
  }

  static void assertAtomicPerRevision(Recorder r) {
    Set<Long> seen = new HashSet<>();
    for (List<Event> call : r.calls()) {
      assertThat(call).as("an onEvents call is never empty").isNotEmpty();
      Set<Long> inCall = new HashSet<>();
      for (Event e : call) {
        inCall.add(e.revision());
      }
      for (long rev : inCall) {
        assertThat(seen.add(rev)).as("revision %d split across calls", rev).isTrue();
      }
    }
  }

  @ParameterizedTest(name = "[{0}, {1}) from {2} prevKv {3} noPut {4} noDelete {5} queue {6}")
  @CsvSource(
      delimiter = '|',
      nullValues = "-",
      textBlock =
          """
          # key | end  | start | prevKv | noPut | noDelete | queue events
          # every key, from the first revision: history from storage, then live
            k/  | k0   | 1     | true   | false | false    | 1024
            k/  | k0   | 1     | false  | false | false    | 1024
          # one key; a prefix; live only; from the middle of the history
            k/3 | -    | 1     | true   | false | false    | 1024
            k/1 | k/2  | 1     | false  | false | false    | 1024
            k/  | k0   | 0     | true   | false | false    | 1024
            k/  | k0   | 60    | true   | false | false    | 1024
          # filters
            k/  | k0   | 1     | true   | true  | false    | 1024
            k/  | k0   | 1     | true   | false | true     | 1024
          # tiny queues: the watcher keeps falling back to catching up from storage
            k/  | k0   | 1     | true   | false | false    | 2
            k/  | k0   | 1     | true   | false | false    | 1
            k/  | k0   | 0     | false  | false | false    | 1
          """)
  void orderedUniqueGaplessAndAtomicPerRevision(
      String key,
      String end,
      long start,
      boolean prevKv,
      boolean noPut,
      boolean noDelete,
      int queue)
      throws Exception {
    open(queue);
    write(120, 1);
    WatchRequest request = new WatchRequest(b(key), b(end), start, prevKv, noPut, noDelete);
    Recorder recorder = new Recorder();
    long from = start == 0 ? store.revision() + 1 : start;

    watch(request, recorder);
    CompletableFuture<Void> writer = CompletableFuture.runAsync(() -> write(300, 2));
    writer.get(60, TimeUnit.SECONDS);
    List<Event> expected = expected(request, from);
    recorder.await(r -> r.events().size() >= expected.size(), expected.size() + " events");

    assertThat(recorder.events()).isEqualTo(expected);
    assertAtomicPerRevision(recorder);
    assertThat(recorder.compacted()).isNull();
  }

  @Test
  void aPausedWatcherBlocksNeitherWritersNorOtherWatchersAndGetsEverythingInOrder()
      throws Exception {
    open(4);
    write(20, 3);
    WatchRequest all = WatchRequest.prefix(b("k/"), 1).withPrevKv();
    Recorder slow = new Recorder().pausingEvery(1);
    Recorder fast = new Recorder();
    Watcher slowWatcher = watch(all, slow);
    watch(all, fast);
    slow.await(r -> r.callCount() >= 1, "the first delivery");

    CompletableFuture.runAsync(() -> write(2000, 4)).get(60, TimeUnit.SECONDS);
    List<Event> expected = expected(all, 1);
    fast.await(r -> r.events().size() >= expected.size(), "the fast watcher's events");

    assertThat(fast.events()).isEqualTo(expected);
    assertThat(slow.callCount()).as("no delivery while paused").isEqualTo(1);
    while (slow.events().size() < expected.size()) {
      int calls = slow.callCount();
      slowWatcher.resume();
      slow.await(r -> r.callCount() > calls, "a delivery after resume");
    }
    assertThat(slow.events()).isEqualTo(expected);
    assertAtomicPerRevision(slow);
    assertAtomicPerRevision(fast);
  }

  @Test
  void aNewWatcherFromTheLastRevisionPlusOneResumesWithoutLossOrOverlap() throws Exception {
    open(8);
    write(100, 5);
    WatchRequest all = WatchRequest.prefix(b("k/"), 1).withPrevKv();
    Recorder first = new Recorder();
    Watcher w1 = watch(all, first);
    CompletableFuture<Void> writer = CompletableFuture.runAsync(() -> write(400, 6));
    first.await(r -> r.lastRevision() >= 150, "revision 150");
    w1.close();
    long resumeAt = first.lastRevision() + 1;

    Recorder second = new Recorder();
    watch(new WatchRequest(all.key(), all.rangeEnd(), resumeAt, true, false, false), second);
    writer.get(60, TimeUnit.SECONDS);
    List<Event> expected = expected(all, 1);
    List<Event> firstEvents = first.events();
    second.await(
        r -> firstEvents.size() + r.events().size() >= expected.size(), "the resumed events");

    List<Event> joined = new ArrayList<>(firstEvents);
    joined.addAll(second.events());
    assertThat(joined).isEqualTo(expected);
    assertAtomicPerRevision(first);
    assertAtomicPerRevision(second);
  }

  @ParameterizedTest(name = "compacted at 20, watch from {0} → compacted {1}")
  @CsvSource({"1, true", "19, true", "20, false", "25, false", "0, false"})
  void aStartBelowTheCompactRevisionIsAnsweredWithOnCompacted(long start, boolean compacted)
      throws Exception {
    open(1024);
    for (int i = 1; i <= 30; i++) {
      both(Bytes.put("k/" + (i % 4), "v" + i));
    }
    both(new Command.Compact(20, true));
    store.compaction().get(30, TimeUnit.SECONDS);
    WatchRequest request = WatchRequest.prefix(b("k/"), start);
    Recorder recorder = new Recorder();

    watch(request, recorder);
    both(Bytes.put("k/9", "last"));

    if (compacted) {
      recorder.await(r -> r.compacted() != null, "onCompacted");
      assertThat(recorder.compacted()).isEqualTo(20);
      assertThat(recorder.events()).isEmpty();
    } else {
      List<Event> expected = expected(request, start == 0 ? 31 : start);
      recorder.await(r -> r.lastRevision() >= 31, "revision 31");
      assertThat(recorder.events()).isEqualTo(expected);
      assertThat(recorder.compacted()).isNull();
    }
  }

  @Test
  void aWatcherCatchingUpAcrossACompactionEitherGetsAContiguousPrefixOrEverything()
      throws Exception {
    open(4);
    WatchRequest all = WatchRequest.prefix(b("k/"), 1);
    Recorder paused = new Recorder().pausingEvery(1);
    Watcher w = watch(all, paused);
    write(1, 7);
    paused.await(r -> r.callCount() >= 1, "the first delivery");
    write(500, 8);
    both(new Command.Compact(400, true));
    store.compaction().get(30, TimeUnit.SECONDS);
    List<Event> expected = expected(all, 1);

    while (paused.compacted() == null && paused.events().size() < expected.size()) {
      int calls = paused.callCount();
      w.resume();
      paused.await(r -> r.callCount() > calls || r.compacted() != null, "a delivery");
    }

    List<Event> got = paused.events();
    assertThat(got).isEqualTo(expected.subList(0, got.size()));
    if (paused.compacted() != null) {
      assertThat(paused.compacted()).isEqualTo(400);
      assertThat(paused.lastRevision()).isLessThan(400);
    }
  }

  @Test
  void deleteEventsCarryTheKeyAndTheDeletingRevisionAndPrevKvWhenAsked() {
    open(1024);
    both(Bytes.put("k/1", "a"));
    Recorder withPrev = new Recorder();
    Recorder without = new Recorder();
    watch(WatchRequest.key(b("k/1"), 0).withPrevKv(), withPrev);
    watch(WatchRequest.key(b("k/1"), 0), without);

    both(Bytes.put("k/1", "b"));
    both(Bytes.del("k/1"));
    withPrev.awaitRevision(3);
    without.awaitRevision(3);

    KeyValue v1 = new KeyValue(b("k/1"), 1, 1, 1, b("a"), 0);
    KeyValue v2 = new KeyValue(b("k/1"), 1, 2, 2, b("b"), 0);
    assertThat(withPrev.events())
        .containsExactly(
            new Event(Event.Type.PUT, v2, v1),
            new Event(Event.Type.DELETE, new KeyValue(b("k/1"), 0, 3, 0, null, 0), v2));
    assertThat(without.events())
        .containsExactly(
            new Event(Event.Type.PUT, v2, null),
            new Event(Event.Type.DELETE, new KeyValue(b("k/1"), 0, 3, 0, null, 0), null));
  }

  @Test
  void anEventWhosePreviousVersionWasCompactedComesWithoutPrevKvAsInEtcd() throws Exception {
    open(1024);
    both(Bytes.put("k/1", "a"));
    both(Bytes.put("k/1", "b"));
    both(Bytes.put("k/2", "x"));
    both(new Command.Compact(2, true));
    store.compaction().get(30, TimeUnit.SECONDS);
    Recorder recorder = new Recorder();

    watch(WatchRequest.prefix(b("k/"), 2).withPrevKv(), recorder);
    both(Bytes.put("k/1", "c"));
    recorder.awaitRevision(4);

    KeyValue v2 = new KeyValue(b("k/1"), 1, 2, 2, b("b"), 0);
    assertThat(recorder.events())
        .containsExactly(
            new Event(Event.Type.PUT, v2, null), // k/1@1 is gone: the compaction at 2 removed it
            new Event(Event.Type.PUT, new KeyValue(b("k/2"), 3, 3, 1, b("x"), 0), null),
            new Event(Event.Type.PUT, new KeyValue(b("k/1"), 1, 4, 3, b("c"), 0), v2));
  }

  /**
   * A watch may start at the compacted revision itself; if that revision deleted a key, the
   * compaction keeps the tombstone so the watch still sees the delete (etcd issue 18089; a jetcd
   * watch resumed at exactly the compacted revision lost it, kill-follower-watch-gap.txt). The next
   * compaction removes it.
   *
   * <pre>
   *   rev   1 put k/1=a   2 put k/2=x   3 del k/1   4 put k/2=y
   *   compact at 3, watch from 3  →  del k/1@3, put k/2@4
   *   compact at 4                →  the tombstone at 3 is gone from storage
   * </pre>
   */
  @Test
  void aWatchFromTheCompactedRevisionSeesTheDeleteThere() throws Exception {
    open(1024);
    both(Bytes.put("k/1", "a"));
    both(Bytes.put("k/2", "x"));
    both(Bytes.del("k/1"));
    both(Bytes.put("k/2", "y"));
    both(new Command.Compact(3, true));
    store.compaction().get(30, TimeUnit.SECONDS);
    WatchRequest from3 = WatchRequest.prefix(b("k/"), 3);
    Recorder recorder = new Recorder();

    watch(from3, recorder);
    recorder.awaitRevision(4);

    assertThat(recorder.events()).isEqualTo(expected(from3, 3));
    assertThat(recorder.events().get(0).type()).isEqualTo(Event.Type.DELETE);

    both(new Command.Compact(4, true));
    store.compaction().get(30, TimeUnit.SECONDS);
    assertThat(((RocksMvccStore) store).history(from3, 3, 4, 100).events())
        .as("what storage still holds of revisions 3..4 after compacting at 4")
        .extracting(Event::revision)
        .containsExactly(4L);
  }

  @Test
  void aTxnsEventsArriveTogetherInSubRevisionOrder() {
    open(1024);
    Recorder recorder = new Recorder();
    watch(WatchRequest.prefix(b("k/"), 0), recorder);

    both(
        new Command.Txn(
            List.of(), Ops.parse("put k/c=1; put k/a=1; del k/zz; put k/b=1"), List.of()));
    recorder.awaitRevision(1);

    assertThat(recorder.calls()).hasSize(1);
    assertThat(recorder.events())
        .extracting(e -> Bytes.s(e.kv().key()))
        .containsExactly("k/c", "k/a", "k/b");
  }

  @Test
  void progressIsReportedAfterTheEventsItCovers() {
    open(1024);
    write(30, 9);
    Recorder recorder = new Recorder();
    Watcher w = watch(WatchRequest.prefix(b("k/"), 1), recorder);

    w.requestProgress();
    recorder.await(r -> !r.progress().isEmpty(), "a progress notification");

    long progress = recorder.progress().get(0);
    List<Event> expected = expected(WatchRequest.prefix(b("k/"), 1), 1);
    assertThat(progress).isEqualTo(store.revision());
    assertThat(recorder.events()).isEqualTo(expected);
  }
}
