package dev.cairn.bench.engine;

import java.nio.file.Path;
import java.util.ArrayList;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Set;

/**
 * Every knob of {@link EngineBenchmark} with its default, in one place. Sizes accept {@code k} and
 * {@code M} suffixes ({@code --keys 10M}).
 */
record BenchOptions(
    Set<String> workloads,
    List<Integer> batchSizes,
    long puts,
    long warmupPuts,
    long keys,
    long reads,
    long warmupReads,
    int rangeSize,
    int ranges,
    int warmupRanges,
    int watchers,
    int rounds,
    int warmupRounds,
    int burst,
    List<Integer> idleWatchers,
    long matchingPuts,
    long largeKeys,
    long largeReads,
    long seed,
    Path dir,
    long blockCacheBytes,
    boolean writeAheadLog,
    boolean markdown) {

  static final List<String> ALL = List.of("put", "update", "read", "range", "watch", "large");

  static final String USAGE =
      """
      usage: EngineBenchmark [options]
        --workloads LIST   comma-separated of put,update,read,range,watch,large
                           (default put,update,read,range,watch; watch includes the idle-watcher
                           runs; update overwrites min(keys, 200k) keys one put per batch, with
                           the latest-version cache on and off; run large alone)
        --batch LIST       batch sizes for the put workload                 (default 100,1000)
        --puts N           measured puts per batch size                     (default 1M)
        --warmup-puts N    unmeasured puts before them                      (default 200k)
        --keys N           keys loaded for the read and range workloads     (default 1M)
        --reads N          measured point reads                             (default 1M)
        --warmup-reads N   unmeasured point reads before them               (default 200k)
        --range-size N     keys per range read                              (default 10k)
        --ranges N         measured range reads                             (default 200)
        --warmup-ranges N  unmeasured range reads                           (default 20)
        --watchers N       watchers on the one key of the watch workload    (default 10k)
        --rounds N         measured single-put fan-out rounds               (default 200)
        --warmup-rounds N  unmeasured rounds                                (default 20)
        --burst N          revisions written back to back in the burst run  (default 100)
        --idle-watchers L  counts of idle prefix watchers while putting    (default 1000,10000)
        --idle-puts N      measured puts per idle-watcher count             (default 100k)
        --large-keys N     keys loaded by the large workload (run it alone, -Xmx1g) (default 10M)
        --large-reads N    measured point reads on the large store          (default 1M)
        --seed N           seed of every random choice                      (default 42)
        --dir PATH         parent of the temporary store directories        (default java.io.tmpdir)
        --block-cache MB   RocksDB block cache, off the Java heap            (default: the engine's, 128)
        --wal              keep RocksDB's WAL on (the engine's default is off: under Raft the log is the WAL)
        --markdown         print the result table as markdown
      """;

  static BenchOptions defaults() {
    return new BenchOptions(
        new LinkedHashSet<>(List.of("put", "update", "read", "range", "watch")),
        List.of(100, 1000),
        1_000_000,
        200_000,
        1_000_000,
        1_000_000,
        200_000,
        10_000,
        200,
        20,
        10_000,
        200,
        20,
        100,
        List.of(1000, 10_000),
        100_000,
        10_000_000,
        1_000_000,
        42,
        Path.of(System.getProperty("java.io.tmpdir")),
        0,
        false,
        false);
  }

  static BenchOptions parse(String[] args) {
    BenchOptions o = defaults();
    Set<String> workloads = o.workloads;
    List<Integer> batches = o.batchSizes;
    long puts = o.puts;
    long warmupPuts = o.warmupPuts;
    long keys = o.keys;
    long reads = o.reads;
    long warmupReads = o.warmupReads;
    int rangeSize = o.rangeSize;
    int ranges = o.ranges;
    int warmupRanges = o.warmupRanges;
    int watchers = o.watchers;
    int rounds = o.rounds;
    int warmupRounds = o.warmupRounds;
    int burst = o.burst;
    List<Integer> idleWatchers = o.idleWatchers;
    long matchingPuts = o.matchingPuts;
    long largeKeys = o.largeKeys;
    long largeReads = o.largeReads;
    long seed = o.seed;
    Path dir = o.dir;
    long blockCache = o.blockCacheBytes;
    boolean wal = o.writeAheadLog;
    boolean markdown = o.markdown;
    for (int i = 0; i < args.length; i++) {
      String a = args[i];
      switch (a) {
        case "--wal" -> wal = true;
        case "--markdown" -> markdown = true;
        case "-h", "--help" -> throw new IllegalArgumentException("");
        default -> {
          if (i + 1 >= args.length) {
            throw new IllegalArgumentException("missing value after " + a);
          }
          String v = args[++i];
          switch (a) {
            case "--workloads" -> {
              workloads = new LinkedHashSet<>();
              for (String w : v.split(",")) {
                if (!ALL.contains(w.trim())) {
                  throw new IllegalArgumentException("unknown workload " + w);
                }
                workloads.add(w.trim());
              }
            }
            case "--batch" -> {
              batches = new ArrayList<>();
              for (String b : v.split(",")) {
                batches.add((int) size(b));
              }
            }
            case "--puts" -> puts = size(v);
            case "--warmup-puts" -> warmupPuts = size(v);
            case "--keys" -> keys = size(v);
            case "--reads" -> reads = size(v);
            case "--warmup-reads" -> warmupReads = size(v);
            case "--range-size" -> rangeSize = (int) size(v);
            case "--ranges" -> ranges = (int) size(v);
            case "--warmup-ranges" -> warmupRanges = (int) size(v);
            case "--watchers" -> watchers = (int) size(v);
            case "--rounds" -> rounds = (int) size(v);
            case "--warmup-rounds" -> warmupRounds = (int) size(v);
            case "--burst" -> burst = (int) size(v);
            case "--idle-watchers" -> {
              idleWatchers = new ArrayList<>();
              for (String b : v.split(",")) {
                idleWatchers.add((int) size(b));
              }
            }
            case "--idle-puts" -> matchingPuts = size(v);
            case "--large-keys" -> largeKeys = size(v);
            case "--large-reads" -> largeReads = size(v);
            case "--seed" -> seed = Long.parseLong(v);
            case "--dir" -> dir = Path.of(v);
            case "--block-cache" -> blockCache = size(v) << 20;
            default -> throw new IllegalArgumentException("unknown option " + a);
          }
        }
      }
    }
    if (rangeSize > keys) {
      throw new IllegalArgumentException("--range-size exceeds --keys");
    }
    return new BenchOptions(
        workloads,
        List.copyOf(batches),
        puts,
        warmupPuts,
        keys,
        reads,
        warmupReads,
        rangeSize,
        ranges,
        warmupRanges,
        watchers,
        rounds,
        warmupRounds,
        burst,
        List.copyOf(idleWatchers),
        matchingPuts,
        largeKeys,
        largeReads,
        seed,
        dir,
        blockCache,
        wal,
        markdown);
  }

  /** {@code 1500}, {@code 200k}, {@code 10M}. */
  static long size(String s) {
    String t = s.trim();
    long unit = 1;
    char last = Character.toLowerCase(t.charAt(t.length() - 1));
    if (last == 'k') {
      unit = 1_000;
    } else if (last == 'm') {
      unit = 1_000_000;
    }
    if (unit > 1) {
      t = t.substring(0, t.length() - 1);
    }
    return Long.parseLong(t) * unit;
  }
}
