package dev.cairn.bench.engine;

import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.Comparator;
import java.util.List;
import java.util.Locale;
import java.util.SplittableRandom;
import java.util.stream.Stream;
import org.HdrHistogram.Histogram;
import org.rocksdb.BlockBasedTableConfig;
import org.rocksdb.BloomFilter;
import org.rocksdb.Cache;
import org.rocksdb.ColumnFamilyDescriptor;
import org.rocksdb.ColumnFamilyHandle;
import org.rocksdb.ColumnFamilyOptions;
import org.rocksdb.CompressionType;
import org.rocksdb.DBOptions;
import org.rocksdb.IndexType;
import org.rocksdb.LRUCache;
import org.rocksdb.ReadOptions;
import org.rocksdb.RocksDB;
import org.rocksdb.RocksDBException;
import org.rocksdb.RocksIterator;
import org.rocksdb.WriteBatch;
import org.rocksdb.WriteOptions;

/**
 * A design experiment on plain RocksDB, not a benchmark of the engine: how much a lookup of a key's
 * latest version costs with the engine's layout ({@code kv}: {@code esc(key) · ~main · ~sub}, found
 * by an iterator seek that bloom filters cannot help) against an exact-key index column family
 * ({@code esc(key) → main · sub}, found by {@code get}), for keys that exist and keys that do not
 * (every put of a new key asks the second question). Column family and table options are the
 * engine's ({@code RocksMvccStore}), with either its monolithic or partitioned index and filters.
 *
 * <pre>
 *   java -Xmx1g -cp cairn-bench-…-jar-with-dependencies.jar dev.cairn.bench.engine.KeyLookupBenchmark \
 *       [keys=2000000] [cacheMiB=128] [engine|partitioned] [lookups=100000]
 * </pre>
 */
public final class KeyLookupBenchmark {
  private KeyLookupBenchmark() {}

  public static void main(String[] args) throws RocksDBException, IOException {
    long n = args.length > 0 ? BenchOptions.size(args[0]) : 2_000_000;
    long cacheMib = args.length > 1 ? Long.parseLong(args[1]) : 128;
    String tables = args.length > 2 ? args[2] : "engine";
    int lookups = args.length > 3 ? (int) BenchOptions.size(args[3]) : 100_000;
    RocksDB.loadLibrary();
    Path dir = Files.createTempDirectory("cairn-bench-lookup-");
    List<ResultRow> rows = new ArrayList<>();
    try (Cache cache = new LRUCache(cacheMib << 20);
        ColumnFamilyOptions cf = columnFamily(cache, tables);
        DBOptions db =
            new DBOptions()
                .setCreateIfMissing(true)
                .setCreateMissingColumnFamilies(true)
                .setAtomicFlush(true)
                .setMaxBackgroundJobs(2)
                .setBytesPerSync(1 << 20);
        WriteOptions noWal = new WriteOptions().setDisableWAL(true);
        ReadOptions read = new ReadOptions()) {
      List<ColumnFamilyHandle> handles = new ArrayList<>();
      List<ColumnFamilyDescriptor> descriptors = new ArrayList<>();
      for (String name : List.of("default", "kv", "revs", "index")) {
        descriptors.add(new ColumnFamilyDescriptor(name.getBytes(), cf));
      }
      try (RocksDB rocks = RocksDB.open(db, dir.toString(), descriptors, handles)) {
        ColumnFamilyHandle kv = handles.get(1);
        ColumnFamilyHandle revs = handles.get(2);
        ColumnFamilyHandle index = handles.get(3);
        load(rocks, kv, revs, index, noWal, n);
        String setup =
            String.format(
                Locale.ROOT,
                "%s keys, %d MiB cache, %s tables",
                ResultTable.count(n),
                cacheMib,
                tables);
        SplittableRandom random = new SplittableRandom(42);
        for (int round = 0; round < 2; round++) { // the first round warms up
          boolean keep = round == 1;
          List<ResultRow> r = new ArrayList<>();
          r.add(
              measure(
                  "seek, existing key (engine's point read)",
                  setup,
                  lookups,
                  () -> {
                    byte[] g = group(BenchKeys.key(random.nextLong(n)));
                    long t0 = System.nanoTime();
                    try (RocksIterator it = rocks.newIterator(kv, read)) {
                      it.seek(kvKey(g, Long.MAX_VALUE / 2, Long.MAX_VALUE));
                      check(it.isValid() && it.value() != null);
                    }
                    return System.nanoTime() - t0;
                  }));
          r.add(
              measure(
                  "index get + kv get, existing key",
                  setup,
                  lookups,
                  () -> {
                    byte[] g = group(BenchKeys.key(random.nextLong(n)));
                    long t0 = System.nanoTime();
                    ByteBuffer at = ByteBuffer.wrap(rocks.get(index, read, g));
                    check(rocks.get(kv, read, kvKey(g, at.getLong(), at.getLong())) != null);
                    return System.nanoTime() - t0;
                  }));
          try (RocksIterator it = rocks.newIterator(kv, read)) {
            r.add(
                measure(
                    "seek, absent key (engine's put of a new key)",
                    setup,
                    lookups,
                    () -> {
                      byte[] g = group(absent(random.nextLong(n)));
                      long t0 = System.nanoTime();
                      it.seek(kvKey(g, Long.MAX_VALUE / 2, Long.MAX_VALUE));
                      check(!it.isValid() || !Arrays.equals(it.key(), 0, g.length, g, 0, g.length));
                      return System.nanoTime() - t0;
                    }));
          }
          r.add(
              measure(
                  "index get, absent key",
                  setup,
                  lookups,
                  () -> {
                    byte[] g = group(absent(random.nextLong(n)));
                    long t0 = System.nanoTime();
                    check(rocks.get(index, read, g) == null);
                    return System.nanoTime() - t0;
                  }));
          if (keep) {
            rows.addAll(r);
          }
        }
        handles.forEach(ColumnFamilyHandle::close);
      }
    } finally {
      try (Stream<Path> files = Files.walk(dir)) {
        files.sorted(Comparator.reverseOrder()).forEach(p -> p.toFile().delete());
      }
    }
    ResultTable table = new ResultTable();
    rows.forEach(table::add);
    table.print(System.out, false);
  }

  private static ColumnFamilyOptions columnFamily(Cache cache, String tables) {
    BlockBasedTableConfig t =
        new BlockBasedTableConfig()
            .setBlockCache(cache)
            .setFilterPolicy(new BloomFilter(10))
            .setCacheIndexAndFilterBlocks(true)
            .setPinL0FilterAndIndexBlocksInCache(true);
    switch (tables) {
      case "engine" -> {}
      case "partitioned" ->
          t.setIndexType(IndexType.kTwoLevelIndexSearch)
              .setPartitionFilters(true)
              .setPinTopLevelIndexAndFilter(true)
              .setCacheIndexAndFilterBlocksWithHighPriority(true);
      default -> throw new IllegalArgumentException("tables: engine or partitioned, not " + tables);
    }
    return new ColumnFamilyOptions()
        .setWriteBufferSize(64L << 20)
        .setCompressionType(CompressionType.LZ4_COMPRESSION)
        .setTableFormatConfig(t);
  }

  /** Writes n keys in the benchmarks' scattered order, batches of 1,000, one revision per key. */
  private static void load(
      RocksDB rocks,
      ColumnFamilyHandle kv,
      ColumnFamilyHandle revs,
      ColumnFamilyHandle index,
      WriteOptions options,
      long n)
      throws RocksDBException {
    BenchKeys.Order order = new BenchKeys.Order(n);
    BenchKeys.Values values = new BenchKeys.Values(42);
    long rev = 0;
    for (long j = 0; j < n; j += 1000) {
      try (WriteBatch wb = new WriteBatch()) {
        for (long i = j; i < Math.min(n, j + 1000); i++) {
          byte[] g = group(BenchKeys.key(order.at(i)));
          rev++;
          byte[] revision = ByteBuffer.allocate(16).putLong(rev).putLong(0).array();
          byte[] value =
              ByteBuffer.allocate(25 + BenchKeys.VALUE_BYTES)
                  .put((byte) 0)
                  .putLong(rev)
                  .putLong(1)
                  .putLong(0)
                  .put(values.next())
                  .array();
          wb.put(kv, kvKey(g, rev, 0), value);
          wb.put(revs, revision, g);
          wb.put(index, g, revision);
        }
        rocks.write(options, wb);
      }
    }
  }

  private interface Lookup {
    long run() throws RocksDBException;
  }

  private static ResultRow measure(String what, String setup, int count, Lookup lookup)
      throws RocksDBException {
    Histogram latency = ResultRow.histogram();
    long cpu0 = CpuClock.thread();
    long total = 0;
    for (int i = 0; i < count; i++) {
      long t = lookup.run();
      total += t;
      latency.recordValue(t);
    }
    long cpu = CpuClock.thread() - cpu0;
    return new ResultRow(
        what,
        setup,
        count,
        "lookups",
        count * 1e9 / total,
        latency,
        String.format(Locale.ROOT, "CPU %.2f µs/lookup", cpu / 1e3 / count));
  }

  private static void check(boolean ok) {
    if (!ok) {
      throw new IllegalStateException("lookup found the wrong thing");
    }
  }

  /** A key that sorts among the loaded ones but was never written: key(i) plus one byte. */
  private static byte[] absent(long i) {
    return Arrays.copyOf(BenchKeys.key(i), BenchKeys.KEY_BYTES + 1);
  }

  /** The engine's escaped group of a key without zero bytes: the key, then 0x00 0x01. */
  private static byte[] group(byte[] key) {
    byte[] g = Arrays.copyOf(key, key.length + 2);
    g[key.length + 1] = 1;
    return g;
  }

  private static byte[] kvKey(byte[] group, long main, long sub) {
    return ByteBuffer.allocate(group.length + 16)
        .put(group)
        .putLong(Long.MAX_VALUE - main)
        .putLong(Long.MAX_VALUE - sub)
        .array();
  }
}
