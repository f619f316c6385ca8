package dev.cairn.bench.engine;

import org.HdrHistogram.Histogram;

/**
 * Applied puts per second: fresh 16-byte keys with 64-byte values, applied in batches of a given
 * size (one revision per put, one RocksDB write per batch), as the state machine applies a run of
 * Raft log entries. Each batch size gets a fresh store; the warm-up puts go into it first.
 */
final class BatchPutBenchmark {
  private BatchPutBenchmark() {}

  static ResultRow run(BenchOptions o, int batchSize) {
    try (TempStore t = TempStore.open(o, "put" + batchSize)) {
      Loader loader = new Loader(t.store, o.warmupPuts() + o.puts(), batchSize, o.seed());
      loader.load(o.warmupPuts(), null, null);
      Histogram perBatch = ResultRow.histogram();
      Loader.Spent spent = loader.load(o.puts(), perBatch, null);
      return new ResultRow(
          "applied puts",
          "batches of " + batchSize + (o.writeAheadLog() ? ", WAL on" : ""),
          o.puts(),
          "puts",
          o.puts() * 1e9 / spent.nanos(),
          perBatch,
          String.format(
              java.util.Locale.ROOT,
              "latency of one batch (apply + commit); applying thread's CPU %.2f µs/put",
              spent.cpuNanos() / 1e3 / o.puts()));
    }
  }
}
