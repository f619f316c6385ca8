package dev.cairn.bench.engine;

import dev.cairn.store.Event;
import dev.cairn.store.WatchListener;
import dev.cairn.store.WatchRequest;
import dev.cairn.store.Watcher;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import org.HdrHistogram.Histogram;

/**
 * What idle watchers cost the writer: applied puts per second (batches of 1,000, as {@link
 * BatchPutBenchmark}) while many prefix watchers are registered on prefixes that none of the
 * written keys match. Ideally the rate does not depend on them; every commit has to find out which
 * watchers an event concerns, and a linear scan makes that cost grow with the watcher count.
 */
final class WatchMatchingBenchmark {
  private static final int BATCH = 1000;

  private WatchMatchingBenchmark() {}

  static ResultRow run(BenchOptions o, int watcherCount) {
    try (TempStore t = TempStore.open(o, "watch-match")) {
      WatchListener idle =
          new WatchListener() {
            @Override
            public boolean onEvents(List<Event> events) {
              throw new IllegalStateException("no event should match");
            }

            @Override
            public void onCompacted(long compactRevision) {}
          };
      List<Watcher> watchers = new ArrayList<>(watcherCount);
      for (int i = 0; i < watcherCount; i++) {
        byte[] prefix = ("watched/" + i + "/").getBytes(StandardCharsets.US_ASCII);
        watchers.add(t.store.watch(WatchRequest.prefix(prefix, 0), idle));
      }
      long puts = o.matchingPuts();
      Loader loader = new Loader(t.store, puts + puts / 5, BATCH, o.seed());
      loader.load(puts / 5, null, null);
      Histogram perBatch = ResultRow.histogram();
      Loader.Spent spent = loader.load(puts, perBatch, null);
      watchers.forEach(Watcher::close);
      return new ResultRow(
          "applied puts, idle range watchers",
          "batches of " + BATCH + ", " + ResultTable.count(watcherCount) + " prefix watchers",
          puts,
          "puts",
          puts * 1e9 / spent.nanos(),
          perBatch,
          String.format(
              Locale.ROOT,
              "no watcher matches a written key; applying thread's CPU %.2f µs/put",
              spent.cpuNanos() / 1e3 / puts));
    }
  }
}
