package dev.cairn.bench.engine;

import dev.cairn.store.MvccStore;
import dev.cairn.store.RangeRequest;
import dev.cairn.store.Result;
import java.util.SplittableRandom;
import org.HdrHistogram.Histogram;

/**
 * Point-read latency: {@code range(key)} of a uniformly random existing key at the current
 * revision, one reader thread, each call timed on its own.
 */
final class PointReadBenchmark {
  private PointReadBenchmark() {}

  static ResultRow run(
      BenchOptions o, MvccStore store, long keys, long warmup, long measured, String setup) {
    SplittableRandom random = new SplittableRandom(o.seed());
    read(store, keys, warmup, random, null);
    Histogram latency = ResultRow.histogram();
    long cpu0 = CpuClock.thread();
    long nanos = read(store, keys, measured, random, latency);
    long cpu = CpuClock.thread() - cpu0;
    return new ResultRow(
        "point read",
        setup,
        measured,
        "reads",
        measured * 1e9 / nanos,
        latency,
        String.format(
            java.util.Locale.ROOT,
            "random existing key, 1 thread; reader's CPU %.2f µs/read (harness included)",
            cpu / 1e3 / measured));
  }

  private static long read(
      MvccStore store, long keys, long count, SplittableRandom random, Histogram latency) {
    long total = 0;
    for (long i = 0; i < count; i++) {
      RangeRequest request = RangeRequest.of(BenchKeys.key(random.nextLong(keys)));
      long t0 = System.nanoTime();
      Result.Range r = store.range(request);
      long t = System.nanoTime() - t0;
      if (r.kvs().size() != 1) {
        throw new IllegalStateException("key missing: " + new String(request.key()));
      }
      total += t;
      if (latency != null) {
        latency.recordValue(t);
      }
    }
    return total;
  }
}
