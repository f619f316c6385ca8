package dev.cairn.bench.engine;

import java.io.IOException;
import java.lang.management.GarbageCollectorMXBean;
import java.lang.management.ManagementFactory;
import java.lang.management.MemoryMXBean;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import org.HdrHistogram.Histogram;

/**
 * The engine with many keys (10 million by default) in a small heap: load them in batches of 1,000,
 * then read. The heap left after a full GC, beside the disk the store uses, shows that the key
 * index lives in RocksDB and not on the Java heap. Run it alone, with {@code -Xmx1g}.
 */
final class LargeKeySpaceBenchmark {
  private static final int BATCH = 1000;

  private LargeKeySpaceBenchmark() {}

  static List<ResultRow> run(BenchOptions o) {
    long n = o.largeKeys();
    List<ResultRow> rows = new ArrayList<>();
    MemoryMXBean memory = ManagementFactory.getMemoryMXBean();
    try (TempStore t = TempStore.open(o, "large")) {
      Loader loader = new Loader(t.store, n, BATCH, o.seed());
      Histogram perBatch = ResultRow.histogram();
      long step = Math.max(BATCH, n / 10);
      long[] peakHeap = {0};
      long[] last =
          new long[4]; // keys, applying nanos, applying CPU, wall nanos at the last report
      long wall0 = System.nanoTime();
      long gc0 = gcMillis();
      Loader.Spent spent =
          loader.load(
              n,
              perBatch,
              (keys, applying, cpu) -> {
                if (keys % step == 0 || keys == n) {
                  long wall = System.nanoTime() - wall0;
                  long heap = memory.getHeapMemoryUsage().getUsed();
                  peakHeap[0] = Math.max(peakHeap[0], heap);
                  long k = keys - last[0];
                  System.err.printf(
                      Locale.ROOT,
                      "  %,d keys: last %,d at %,.0f puts/s applied (%.2f µs CPU/put), %,.0f/s"
                          + " wall; heap %s, disk %s%n",
                      keys,
                      k,
                      k * 1e9 / (applying - last[1]),
                      (cpu - last[2]) / 1e3 / k,
                      k * 1e9 / (wall - last[3]),
                      ResultTable.bytes(heap),
                      ResultTable.bytes(t.store.sizeBytes()));
                  last[0] = keys;
                  last[1] = applying;
                  last[2] = cpu;
                  last[3] = wall;
                }
              });
      long wallNanos = System.nanoTime() - wall0;
      long nanos = spent.nanos();
      long gcDuring = gcMillis() - gc0;
      t.store.flush();
      long heapAfterGc = heapAfterGc(memory);
      long disk = t.store.sizeBytes();
      long rss = rssBytes();
      long maxHeap = memory.getHeapMemoryUsage().getMax();
      String label = ResultTable.count(n) + " keys";
      rows.add(
          new ResultRow(
              "load",
              label
                  + ", batches of "
                  + BATCH
                  + (o.writeAheadLog() ? ", WAL on" : "")
                  + (o.blockCacheBytes() > 0
                      ? ", block cache " + ResultTable.bytes(o.blockCacheBytes())
                      : ""),
              n,
              "puts",
              n * 1e9 / nanos,
              perBatch,
              String.format(
                  Locale.ROOT,
                  "latency of one batch; applying thread's CPU %.2f µs/put; wall-clock %.0f s"
                      + " (%,.0f puts/s incl. building commands); GC %,d ms during load",
                  spent.cpuNanos() / 1e3 / n,
                  wallNanos / 1e9,
                  n * 1e9 / wallNanos,
                  gcDuring)));
      rows.add(
          new ResultRow(
              "footprint",
              label + ", max heap " + ResultTable.bytes(maxHeap),
              n,
              "keys",
              0,
              null,
              String.format(
                  Locale.ROOT,
                  "heap used after GC %s (peak sampled during load %s); store.sizeBytes() %s;"
                      + " process RSS %s",
                  ResultTable.bytes(heapAfterGc),
                  ResultTable.bytes(peakHeap[0]),
                  ResultTable.bytes(disk),
                  ResultTable.bytes(rss))));
      rows.add(
          PointReadBenchmark.run(
              o, t.store, n, Math.min(o.largeReads() / 5, 200_000), o.largeReads(), label));
      rows.add(RangeReadBenchmark.run(o, t.store, n, label));
      long heapAtEnd = heapAfterGc(memory);
      System.err.println("  heap after GC at the end: " + ResultTable.bytes(heapAtEnd));
    }
    return rows;
  }

  private static long heapAfterGc(MemoryMXBean memory) {
    for (int i = 0; i < 3; i++) {
      System.gc();
    }
    return memory.getHeapMemoryUsage().getUsed();
  }

  private static long gcMillis() {
    long sum = 0;
    for (GarbageCollectorMXBean gc : ManagementFactory.getGarbageCollectorMXBeans()) {
      sum += Math.max(0, gc.getCollectionTime());
    }
    return sum;
  }

  /** Resident set size of this process (Java heap, RocksDB's memtables and block cache, code). */
  private static long rssBytes() {
    try {
      for (String line : Files.readAllLines(Path.of("/proc/self/status"))) {
        if (line.startsWith("VmRSS:")) {
          return Long.parseLong(line.replaceAll("[^0-9]", "")) * 1024;
        }
      }
    } catch (IOException | NumberFormatException e) {
      // not Linux: no RSS
    }
    return -1;
  }
}
