package dev.cairn.bench.engine;

import dev.cairn.store.AppliedIndex;
import dev.cairn.store.ApplyBatch;
import dev.cairn.store.Command;
import dev.cairn.store.MvccStore;
import java.util.ArrayList;
import java.util.List;
import org.HdrHistogram.Histogram;

/**
 * Writes keys into an engine the way the replication layer does: fresh puts of {@link BenchKeys}
 * applied in batches, each committed with the next log index. Commands are built before the clock
 * starts; the timed part is {@code apply} of each command plus {@code commit}.
 */
final class Loader {
  private final MvccStore store;
  private final BenchKeys.Order order;
  private final BenchKeys.Values values;
  private final int batchSize;
  private long next;
  private long logIndex;

  Loader(MvccStore store, long totalKeys, int batchSize, long seed) {
    this.store = store;
    this.order = new BenchKeys.Order(totalKeys);
    this.values = new BenchKeys.Values(seed);
    this.batchSize = batchSize;
    this.logIndex = Math.max(0, store.appliedIndex().index());
  }

  /**
   * Time spent applying and committing: wall-clock, and CPU of the applying thread (which, unlike
   * wall-clock, does not grow when other processes take the cores; RocksDB's flushes and
   * compactions run on their own threads and are not in it).
   */
  record Spent(long nanos, long cpuNanos) {}

  /** Writes the next {@code count} keys of the load order. */
  Spent load(long count, Histogram batchNanos, Progress progress) {
    List<Command> commands = new ArrayList<>(batchSize);
    long spent = 0;
    long cpu = 0;
    long end = next + count;
    while (next < end) {
      int n = (int) Math.min(batchSize, end - next);
      commands.clear();
      for (int i = 0; i < n; i++) {
        commands.add(Command.Put.of(BenchKeys.key(order.at(next + i)), values.next()));
      }
      long c0 = CpuClock.thread();
      long t0 = System.nanoTime();
      try (ApplyBatch batch = store.newBatch()) {
        for (Command c : commands) {
          batch.apply(c);
        }
        batch.commit(new AppliedIndex(1, ++logIndex));
      }
      long t = System.nanoTime() - t0;
      cpu += CpuClock.thread() - c0;
      spent += t;
      next += n;
      if (batchNanos != null) {
        batchNanos.recordValue(t);
      }
      if (progress != null) {
        progress.loaded(next, spent, cpu);
      }
    }
    return new Spent(spent, cpu);
  }

  /** Called after each batch with the keys written so far and the time spent writing them. */
  interface Progress {
    void loaded(long keys, long nanos, long cpuNanos);
  }
}
