package dev.cairn.bench.engine;

import dev.cairn.store.AppliedIndex;
import dev.cairn.store.ApplyBatch;
import dev.cairn.store.Command;
import dev.cairn.store.StoreConfig;
import java.util.Locale;
import java.util.SplittableRandom;
import org.HdrHistogram.Histogram;

/**
 * Applied updates of existing keys, one put per batch, as the state machine applies the writes of a
 * single client (each its own log entry): {@code keys} keys are loaded and flushed first, then
 * random ones among them are overwritten. Run with the engine's cache of newest versions ({@link
 * StoreConfig#latestCacheBytes}) at its default and turned off, since finding the version a put
 * replaces is the seek that cache saves.
 */
final class SingleUpdateBenchmark {
  private SingleUpdateBenchmark() {}

  static ResultRow run(BenchOptions o, long keys, boolean latestCache) {
    String name = latestCache ? "update-cached" : "update-uncached";
    try (TempStore t = TempStore.open(o, name, c -> latestCache ? c : c.withLatestCacheBytes(0))) {
      Loader loader = new Loader(t.store, keys, 1000, o.seed());
      loader.load(keys, null, null);
      t.store.flush();
      SplittableRandom random = new SplittableRandom(o.seed());
      BenchKeys.Values values = new BenchKeys.Values(o.seed());
      long index = t.store.appliedIndex().index();
      long warmup = Math.min(o.warmupPuts(), 50_000);
      long measured = Math.min(o.puts(), 100_000);
      Histogram latency = ResultRow.histogram();
      long spent = 0;
      long cpu = 0;
      for (long i = 0; i < warmup + measured; i++) {
        Command put = Command.Put.of(BenchKeys.key(random.nextLong(keys)), values.next());
        long c0 = CpuClock.thread();
        long t0 = System.nanoTime();
        try (ApplyBatch batch = t.store.newBatch()) {
          batch.apply(put);
          batch.commit(new AppliedIndex(1, ++index));
        }
        long elapsed = System.nanoTime() - t0;
        if (i >= warmup) {
          latency.recordValue(elapsed);
          spent += elapsed;
          cpu += CpuClock.thread() - c0;
        }
      }
      return new ResultRow(
          "applied updates",
          "one put per batch, "
              + ResultTable.count(keys)
              + " keys, latest-version cache "
              + (latestCache ? "on" : "off"),
          measured,
          "puts",
          measured * 1e9 / spent,
          latency,
          String.format(
              Locale.ROOT,
              "latency of one batch (apply + commit); applying thread's CPU %.2f µs/put",
              cpu / 1e3 / measured));
    }
  }
}
