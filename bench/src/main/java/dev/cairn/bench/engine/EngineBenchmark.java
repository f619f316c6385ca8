package dev.cairn.bench.engine;

import java.lang.management.ManagementFactory;
import java.util.List;
import java.util.Locale;

/**
 * Benchmarks of the engine alone ({@code dev.cairn.store}, no Raft, no network): applied puts in
 * batches, point reads, a 10k-key range, fan-out to 10k watchers, and the 10M-key run in a 1 GB
 * heap. Prints one table; see {@link BenchOptions#USAGE} for the knobs.
 *
 * <pre>
 *   java -Xmx1g -jar bench/target/cairn-bench-*-jar-with-dependencies.jar
 *   java -Xmx1g -jar bench/target/cairn-bench-*-jar-with-dependencies.jar --workloads large
 * </pre>
 *
 * Warm-up work is never measured; every random choice comes from {@code --seed}; each workload runs
 * on a fresh store in a temporary directory that is deleted afterwards.
 */
public final class EngineBenchmark {
  private EngineBenchmark() {}

  public static void main(String[] args) {
    BenchOptions o;
    try {
      o = BenchOptions.parse(args);
    } catch (IllegalArgumentException e) {
      if (!e.getMessage().isEmpty()) {
        System.err.println(e.getMessage());
      }
      System.err.print(BenchOptions.USAGE);
      System.exit(2);
      return;
    }
    System.out.println(environment());
    ResultTable table = new ResultTable();
    if (o.workloads().contains("put")) {
      for (int batch : o.batchSizes()) {
        step("applied puts, batches of " + batch);
        table.add(BatchPutBenchmark.run(o, batch));
      }
    }
    if (o.workloads().contains("update")) {
      for (boolean cached : new boolean[] {true, false}) {
        step("applied updates, latest-version cache " + (cached ? "on" : "off"));
        table.add(SingleUpdateBenchmark.run(o, Math.min(o.keys(), 200_000), cached));
      }
    }
    if (o.workloads().contains("read") || o.workloads().contains("range")) {
      step("loading " + ResultTable.count(o.keys()) + " keys for reads");
      try (TempStore t = TempStore.open(o, "read")) {
        new Loader(t.store, o.keys(), 1000, o.seed()).load(o.keys(), null, null);
        t.store.flush();
        String setup = ResultTable.count(o.keys()) + " keys";
        if (o.workloads().contains("read")) {
          step("point reads");
          table.add(
              PointReadBenchmark.run(o, t.store, o.keys(), o.warmupReads(), o.reads(), setup));
        }
        if (o.workloads().contains("range")) {
          step("range reads");
          table.add(RangeReadBenchmark.run(o, t.store, o.keys(), setup));
        }
      }
    }
    if (o.workloads().contains("watch")) {
      step("watch fan-out to " + ResultTable.count(o.watchers()) + " watchers");
      WatchFanOutBenchmark.run(o).forEach(table::add);
      for (int n : o.idleWatchers()) {
        step("applied puts with " + ResultTable.count(n) + " idle prefix watchers");
        table.add(WatchMatchingBenchmark.run(o, n));
      }
    }
    if (o.workloads().contains("large")) {
      step("large key space: " + ResultTable.count(o.largeKeys()) + " keys");
      LargeKeySpaceBenchmark.run(o).forEach(table::add);
    }
    System.out.printf(
        Locale.ROOT,
        "%nload average at the end: %.2f on %d cpus (other processes' work slows wall-clock"
            + " numbers; CPU-per-operation notes are not affected)%n%n",
        CpuClock.loadAverage(),
        Runtime.getRuntime().availableProcessors());
    table.print(System.out, o.markdown());
  }

  private static void step(String what) {
    System.err.printf(
        Locale.ROOT,
        "[%tT] %s (load average %.2f)%n",
        System.currentTimeMillis(),
        what,
        CpuClock.loadAverage());
  }

  private static String environment() {
    Runtime rt = Runtime.getRuntime();
    List<String> jvmArgs = ManagementFactory.getRuntimeMXBean().getInputArguments();
    return String.format(
        Locale.ROOT,
        "Cairn engine benchmark: %d cpus, max heap %s, Java %s (%s), %s %s, args %s,"
            + " load average %.2f",
        rt.availableProcessors(),
        ResultTable.bytes(rt.maxMemory()),
        System.getProperty("java.version"),
        System.getProperty("java.vm.name"),
        System.getProperty("os.name"),
        System.getProperty("os.version"),
        jvmArgs,
        CpuClock.loadAverage());
  }
}
