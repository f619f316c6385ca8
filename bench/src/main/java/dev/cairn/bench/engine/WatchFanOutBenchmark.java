package dev.cairn.bench.engine;

import dev.cairn.store.AppliedIndex;
import dev.cairn.store.ApplyBatch;
import dev.cairn.store.Command;
import dev.cairn.store.Event;
import dev.cairn.store.MvccStore;
import dev.cairn.store.WatchListener;
import dev.cairn.store.WatchRequest;
import dev.cairn.store.Watcher;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicLong;
import org.HdrHistogram.Histogram;

/**
 * Fan-out of one key's changes to many watchers of that key.
 *
 * <ul>
 *   <li><b>single put</b>: one put committed, timed from the start of {@code commit} to the moment
 *       the last watcher's listener receives the event; rounds run one after another.
 *   <li><b>burst</b>: {@code burst} puts to the key committed back to back, one batch each, timed
 *       from the first commit to the delivery of the last of the {@code watchers × burst} events.
 * </ul>
 *
 * The listeners only count, so the times are the engine's own delivery cost.
 */
final class WatchFanOutBenchmark {
  private static final byte[] KEY =
      "watched/key/0001".getBytes(java.nio.charset.StandardCharsets.US_ASCII);

  private final MvccStore store;
  private final BenchKeys.Values values;
  private long logIndex;
  private volatile Round round;

  /** Events expected by the end of a round, and when the last one arrived. */
  private static final class Round {
    final long expected;
    final AtomicLong delivered = new AtomicLong();
    final CountDownLatch done = new CountDownLatch(1);
    volatile long lastNanos;

    Round(long expected) {
      this.expected = expected;
    }

    void delivered(int events) {
      if (delivered.addAndGet(events) == expected) {
        lastNanos = System.nanoTime();
        done.countDown();
      }
    }
  }

  private WatchFanOutBenchmark(MvccStore store, long seed) {
    this.store = store;
    this.values = new BenchKeys.Values(seed);
  }

  static List<ResultRow> run(BenchOptions o) {
    try (TempStore t = TempStore.open(o, "watch")) {
      return new WatchFanOutBenchmark(t.store, o.seed()).measure(o);
    }
  }

  private List<ResultRow> measure(BenchOptions o) {
    int n = o.watchers();
    List<Watcher> watchers = new ArrayList<>(n);
    WatchListener listener =
        new WatchListener() {
          @Override
          public boolean onEvents(List<Event> events) {
            round.delivered(events.size());
            return true;
          }

          @Override
          public void onCompacted(long compactRevision) {
            throw new IllegalStateException("unexpected compaction");
          }
        };
    put(); // the key exists before anyone watches
    long t0 = System.nanoTime();
    for (int i = 0; i < n; i++) {
      watchers.add(store.watch(WatchRequest.key(KEY, 0), listener));
    }
    long registerNanos = System.nanoTime() - t0;

    Histogram fanOut = ResultRow.histogram();
    Histogram commit = ResultRow.histogram();
    for (int i = 0; i < o.warmupRounds() + o.rounds(); i++) {
      boolean measured = i >= o.warmupRounds();
      round = new Round(n);
      long start = System.nanoTime();
      put();
      long committed = System.nanoTime();
      await(round);
      if (measured) {
        fanOut.recordValue(round.lastNanos - start);
        commit.recordValue(committed - start);
      }
    }
    double meanSeconds = fanOut.getMean() / 1e9;

    Histogram burst = ResultRow.histogram();
    long burstNanos = 0;
    long burstEvents = (long) n * o.burst();
    for (int i = 0; i < 2; i++) { // the first burst warms up
      round = new Round(burstEvents);
      long start = System.nanoTime();
      for (int r = 0; r < o.burst(); r++) {
        put();
      }
      await(round);
      if (i == 1) {
        burstNanos = round.lastNanos - start;
        burst.recordValue(burstNanos);
      }
    }
    for (Watcher w : watchers) {
      w.close();
    }
    String setup = ResultTable.count(n) + " watchers on 1 key";
    return List.of(
        new ResultRow(
            "watch fan-out, single put",
            setup,
            o.rounds(),
            "puts",
            0,
            fanOut,
            String.format(
                java.util.Locale.ROOT,
                "commit → last watcher's delivery; %s events/s at the mean; commit() itself p50 %s"
                    + " p99 %s; registering %s watchers took %s",
                ResultTable.count(Math.round(n / meanSeconds)),
                ResultTable.duration(commit.getValueAtPercentile(50)),
                ResultTable.duration(commit.getValueAtPercentile(99)),
                ResultTable.count(n),
                ResultTable.duration(registerNanos))),
        new ResultRow(
            "watch fan-out, burst",
            setup + ", " + o.burst() + " puts back to back",
            burstEvents,
            "events",
            burstEvents * 1e9 / burstNanos,
            null,
            "first commit → last delivery: " + ResultTable.duration(burstNanos)));
  }

  private void put() {
    try (ApplyBatch batch = store.newBatch()) {
      batch.apply(Command.Put.of(KEY, values.next()));
      batch.commit(new AppliedIndex(1, ++logIndex));
    }
  }

  private static void await(Round r) {
    try {
      if (!r.done.await(120, TimeUnit.SECONDS)) {
        throw new IllegalStateException(
            "only " + r.delivered.get() + " of " + r.expected + " events delivered in 120 s");
      }
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      throw new IllegalStateException(e);
    }
  }
}
