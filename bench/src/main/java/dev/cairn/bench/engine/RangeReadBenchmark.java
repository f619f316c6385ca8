package dev.cairn.bench.engine;

import dev.cairn.store.MvccStore;
import dev.cairn.store.RangeRequest;
import dev.cairn.store.Result;
import java.util.SplittableRandom;
import org.HdrHistogram.Histogram;

/**
 * Range latency: {@code range([key(s), key(s + size)))} over exactly {@code size} consecutive
 * existing keys from a random start, values included, at the current revision.
 */
final class RangeReadBenchmark {
  private RangeReadBenchmark() {}

  static ResultRow run(BenchOptions o, MvccStore store, long keys, String setup) {
    SplittableRandom random = new SplittableRandom(o.seed() + 1);
    int size = o.rangeSize();
    read(store, keys, size, o.warmupRanges(), random, null);
    Histogram latency = ResultRow.histogram();
    long cpu0 = CpuClock.thread();
    long nanos = read(store, keys, size, o.ranges(), random, latency);
    long cpu = CpuClock.thread() - cpu0;
    return new ResultRow(
        "range read",
        ResultTable.count(size) + " keys, " + setup,
        o.ranges(),
        "ranges",
        o.ranges() * 1e9 / nanos,
        latency,
        "latency per range; "
            + ResultTable.count(Math.round(o.ranges() * size * 1e9 / nanos))
            + " keys/s; reader's CPU "
            + ResultTable.duration(cpu / o.ranges())
            + "/range");
  }

  private static long read(
      MvccStore store, long keys, int size, int count, SplittableRandom random, Histogram latency) {
    long total = 0;
    for (int i = 0; i < count; i++) {
      long start = random.nextLong(keys - size + 1);
      RangeRequest request = RangeRequest.range(BenchKeys.key(start), BenchKeys.key(start + size));
      long t0 = System.nanoTime();
      Result.Range r = store.range(request);
      long t = System.nanoTime() - t0;
      if (r.kvs().size() != size) {
        throw new IllegalStateException("range returned " + r.kvs().size() + " keys, not " + size);
      }
      total += t;
      if (latency != null) {
        latency.recordValue(t);
      }
    }
    return total;
  }
}
