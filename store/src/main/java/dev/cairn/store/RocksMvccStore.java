package dev.cairn.store;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.ByteBuffer;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.locks.ReentrantLock;
import java.util.stream.Stream;
import java.util.zip.CRC32C;
import org.rocksdb.BlockBasedTableConfig;
import org.rocksdb.BloomFilter;
import org.rocksdb.Cache;
import org.rocksdb.ColumnFamilyDescriptor;
import org.rocksdb.ColumnFamilyHandle;
import org.rocksdb.ColumnFamilyOptions;
import org.rocksdb.CompressionType;
import org.rocksdb.DBOptions;
import org.rocksdb.FlushOptions;
import org.rocksdb.LRUCache;
import org.rocksdb.ReadOptions;
import org.rocksdb.RocksDB;
import org.rocksdb.RocksDBException;
import org.rocksdb.RocksIterator;
import org.rocksdb.WriteBatch;
import org.rocksdb.WriteOptions;

/**
 * {@link MvccStore} on RocksDB; see {@link Layout} for what lives where.
 *
 * <p>Concurrency: one writer at a time holds {@link #writer} for the life of an {@link ApplyBatch};
 * readers take no lock and read the committed revision from volatile fields published after each
 * write. The {@link Compactor} removes old versions on its own thread, one key at a time in atomic
 * batches, so a reader at or above the compacted revision never sees a half-removed key.
 */
final class RocksMvccStore implements MvccStore {
  static {
    RocksDB.loadLibrary();
  }

  private final StoreConfig config;
  private final RocksDB db;
  private final DBOptions dbOptions;
  private final ColumnFamilyOptions cfOptions;
  private final Cache cache;
  private final List<ColumnFamilyHandle> handles;
  final ColumnFamilyHandle meta;
  final ColumnFamilyHandle kv;
  final ColumnFamilyHandle revs;
  final ColumnFamilyHandle leases;
  final ColumnFamilyHandle leaseKeys;
  final WriteOptions writeOptions;
  final ReadOptions readOptions = new ReadOptions();

  private final ReentrantLock writer = new ReentrantLock();
  final Lessor lessor = new Lessor();

  /** The newest version of recently written keys; guarded by {@link #writer}. */
  final LatestVersions latest;

  private final WatchHub hub;
  private final Compactor compactor;

  private volatile long revision;
  private volatile long compactRevision;
  private volatile AppliedIndex applied;
  private volatile long leaseSeq;

  /** The active alarms, in {@link Alarm#ORDER}; replaced whole by each batch that changes them. */
  private volatile List<Alarm> alarms;

  private volatile boolean closed;

  private RocksMvccStore(StoreConfig config) throws RocksDBException, IOException {
    this.config = config;
    this.latest = new LatestVersions(config.latestCacheBytes());
    Files.createDirectories(config.dir());
    cache = new LRUCache(config.blockCacheBytes());
    // Index and filter blocks are partitioned, with their top level pinned: a whole-file filter of
    // a large SST in a small cache is evicted and re-read on nearly every lookup (bench finding 4).
    // The small upper levels stay uncompressed, so cache misses there skip decompression.
    cfOptions =
        new ColumnFamilyOptions()
            .setWriteBufferSize(config.writeBufferBytes())
            .setCompressionType(CompressionType.LZ4_COMPRESSION)
            .setCompressionPerLevel(
                List.of(
                    CompressionType.NO_COMPRESSION,
                    CompressionType.NO_COMPRESSION,
                    CompressionType.LZ4_COMPRESSION,
                    CompressionType.LZ4_COMPRESSION,
                    CompressionType.LZ4_COMPRESSION,
                    CompressionType.LZ4_COMPRESSION,
                    CompressionType.LZ4_COMPRESSION))
            .setTableFormatConfig(
                new BlockBasedTableConfig()
                    .setBlockCache(cache)
                    .setFilterPolicy(new BloomFilter(10))
                    .setIndexType(org.rocksdb.IndexType.kTwoLevelIndexSearch)
                    .setPartitionFilters(true)
                    .setCacheIndexAndFilterBlocks(true)
                    .setCacheIndexAndFilterBlocksWithHighPriority(true)
                    .setPinTopLevelIndexAndFilter(true)
                    .setPinL0FilterAndIndexBlocksInCache(true));
    dbOptions =
        new DBOptions()
            .setCreateIfMissing(true)
            .setCreateMissingColumnFamilies(true)
            .setAtomicFlush(true) // column families stay mutually consistent without a WAL
            .setMaxBackgroundJobs(2)
            .setBytesPerSync(1 << 20);
    List<ColumnFamilyDescriptor> descriptors = new ArrayList<>();
    for (String name : List.of("default", "kv", "revs", "leases", "lease_keys")) {
      descriptors.add(
          new ColumnFamilyDescriptor(
              name.getBytes(java.nio.charset.StandardCharsets.US_ASCII), cfOptions));
    }
    handles = new ArrayList<>();
    db = RocksDB.open(dbOptions, config.dir().toString(), descriptors, handles);
    meta = handles.get(0);
    kv = handles.get(1);
    revs = handles.get(2);
    leases = handles.get(3);
    leaseKeys = handles.get(4);
    writeOptions = new WriteOptions().setDisableWAL(!config.writeAheadLog());

    revision = Layout.longOf(db.get(meta, Layout.META_REVISION), 0);
    compactRevision = Layout.longOf(db.get(meta, Layout.META_COMPACT), 0);
    long compactDone = Layout.longOf(db.get(meta, Layout.META_COMPACT_DONE), 0);
    leaseSeq = Layout.longOf(db.get(meta, Layout.META_LEASE_SEQ), 0);
    byte[] a = db.get(meta, Layout.META_APPLIED);
    applied =
        a == null
            ? AppliedIndex.NONE
            : new AppliedIndex(ByteBuffer.wrap(a).getLong(), ByteBuffer.wrap(a, 8, 8).getLong());
    try (RocksIterator it = db.newIterator(leases)) {
      for (it.seekToFirst(); it.isValid(); it.next()) {
        lessor.load(Layout.decodeLease(it.key(), it.value()));
      }
    }
    List<Alarm> loaded = new ArrayList<>();
    try (RocksIterator it = db.newIterator(meta)) {
      for (it.seek(Layout.META_ALARM_PREFIX);
          it.isValid() && Layout.isAlarmKey(it.key());
          it.next()) {
        loaded.add(Layout.alarmOf(it.key()));
      }
    }
    loaded.sort(Alarm.ORDER);
    alarms = List.copyOf(loaded);
    hub = new WatchHub(this, config.watcherQueueEvents(), revision);
    compactor = new Compactor(this, compactDone);
    if (compactDone < compactRevision) {
      compactor.schedule(compactRevision);
    }
  }

  static RocksMvccStore open(StoreConfig config) {
    try {
      return new RocksMvccStore(config);
    } catch (RocksDBException | IOException e) {
      throw new StorageException("cannot open store in " + config.dir() + ": " + e.getMessage(), e);
    }
  }

  RocksDB db() {
    return db;
  }

  @Override
  public StoreConfig config() {
    return config;
  }

  @Override
  public long revision() {
    return revision;
  }

  @Override
  public long compactRevision() {
    return compactRevision;
  }

  @Override
  public AppliedIndex appliedIndex() {
    return applied;
  }

  long leaseSeq() {
    return leaseSeq;
  }

  @Override
  public List<Alarm> alarms() {
    return alarms;
  }

  /**
   * Resolves a requested revision against the current and compacted ones, as etcd does: ≤ 0 is the
   * current revision; the compacted revision itself is still readable.
   */
  static long resolve(long requested, long current, long compacted) {
    long rev = requested <= 0 ? current : requested;
    if (rev > current) {
      throw new FutureRevisionException(current);
    }
    if (rev < compacted) {
      throw new CompactedException(compacted);
    }
    return rev;
  }

  @Override
  public Result.Range range(RangeRequest request) {
    ensureOpen();
    if (request.key().length == 0) {
      throw new StoreException(StoreError.EMPTY_KEY);
    }
    long current = revision;
    long rev = resolve(request.revision(), current, compactRevision);
    Result.Range r;
    try (RocksIterator it = db.newIterator(kv, readOptions)) {
      r = new DbKvView(it).range(request, rev);
    }
    if (rev < compactRevision) { // compacted while we read: what we read may be incomplete
      throw new CompactedException(compactRevision);
    }
    return new Result.Range(current, r.kvs(), r.more(), r.count());
  }

  @Override
  public ApplyBatch newBatch() {
    ensureOpen();
    writer.lock();
    return new RocksApplyBatch(this, writer);
  }

  /** Writes a batch's data; called with the writer lock held. */
  void write(WriteBatch batch) {
    try {
      db.write(writeOptions, batch);
    } catch (RocksDBException e) {
      throw new StorageException("write failed: " + e.getMessage(), e);
    }
  }

  /** Makes a written batch visible: first to readers, then to watchers, then to the compactor. */
  void publish(
      long newRevision,
      AppliedIndex newApplied,
      long newCompact,
      long newLeaseSeq,
      Map<Long, Lease> leaseChanges,
      List<Alarm> newAlarms,
      List<Event> events) {
    lessor.apply(leaseChanges);
    alarms = newAlarms;
    leaseSeq = newLeaseSeq;
    applied = newApplied;
    boolean compacted = newCompact != compactRevision;
    compactRevision = newCompact;
    revision = newRevision;
    hub.notify(events, newRevision);
    if (compacted) {
      compactor.schedule(newCompact);
    }
  }

  @Override
  public Optional<Lease> lease(long id) {
    return lessor.get(id);
  }

  @Override
  public List<Lease> leases() {
    return lessor.all();
  }

  @Override
  public List<byte[]> leaseKeys(long id) {
    return attachedKeys(id);
  }

  List<byte[]> attachedKeys(long id) {
    byte[] prefix = Layout.leaseKey(id);
    List<byte[]> out = new ArrayList<>();
    try (RocksIterator it = db.newIterator(leaseKeys, readOptions)) {
      for (it.seek(prefix); it.isValid(); it.next()) {
        byte[] k = it.key();
        if (!Arrays.equals(k, 0, 8, prefix, 0, 8)) {
          break;
        }
        out.add(Arrays.copyOfRange(k, 8, k.length));
      }
    }
    return out;
  }

  /**
   * Hashes, in key order, every version a read at or below {@code revision} can still see: all
   * versions newer than the compacted revision, plus each key's survivor of compaction. Whether the
   * compactor has physically removed the rest yet does not change the hash.
   */
  @Override
  public KvHash hash(long requested) {
    ensureOpen();
    long current = revision;
    long compacted = compactRevision;
    long rev = resolve(requested, current, compacted);
    CRC32C crc = new CRC32C();
    try (RocksIterator it = db.newIterator(kv, readOptions)) {
      byte[] group = null;
      boolean survivorSeen = false;
      for (it.seekToFirst(); it.isValid(); it.next()) {
        byte[] k = it.key();
        if (group == null || !Layout.sameGroup(k, group)) {
          group = Arrays.copyOf(k, Layout.groupLength(k));
          survivorSeen = false;
        }
        long main = Layout.mainOf(k);
        if (main > rev) {
          continue;
        }
        byte[] v = it.value();
        if (main <= compacted) {
          if (survivorSeen) {
            continue;
          }
          survivorSeen = true;
          if (Layout.isTombstone(v)) {
            continue;
          }
        }
        crc.update(k);
        crc.update(v);
      }
    }
    return new KvHash(crc.getValue(), current, compacted);
  }

  /** Events in {@code [from, to]} matching the request, up to about {@code maxEvents}. */
  WatchHub.Chunk history(WatchRequest w, long from, long to, int maxEvents) {
    List<Event> events = new ArrayList<>();
    long through = to;
    try (RocksIterator it = db.newIterator(revs, readOptions);
        RocksIterator kvIt = db.newIterator(kv, readOptions)) {
      long currentMain = -1;
      for (it.seek(new Revision(from, 0).toBytes()); it.isValid(); it.next()) {
        Revision r = Revision.fromBytes(it.key());
        if (r.main() > to) {
          break;
        }
        if (r.main() != currentMain) {
          if (events.size() >= maxEvents) {
            through = r.main() - 1;
            break;
          }
          currentMain = r.main();
        }
        byte[] v = it.value();
        boolean delete = v[0] == Layout.FLAG_TOMBSTONE;
        byte[] userKey = Layout.revKeyOf(v);
        if ((delete ? w.noDelete() : w.noPut()) || !Keys.inRange(userKey, w.key(), w.rangeEnd())) {
          continue;
        }
        byte[] group = Layout.group(userKey);
        kvIt.seek(Layout.kvKey(group, r.main(), r.sub()));
        if (!kvIt.isValid()
            || Layout.mainOf(kvIt.key()) != r.main()
            || !Layout.sameGroup(kvIt.key(), group)) {
          continue; // removed by compaction at or below the compacted revision
        }
        KeyValue now =
            delete
                ? new KeyValue(userKey, 0, r.main(), 0, null, 0)
                : Layout.decode(userKey, r.main(), kvIt.value());
        KeyValue prev = null;
        if (w.prevKv()) {
          kvIt.next();
          if (kvIt.isValid() && Layout.sameGroup(kvIt.key(), group)) {
            prev = Layout.decode(userKey, Layout.mainOf(kvIt.key()), kvIt.value());
          }
        }
        events.add(new Event(delete ? Event.Type.DELETE : Event.Type.PUT, now, prev));
      }
    }
    return new WatchHub.Chunk(events, through);
  }

  @Override
  public Watcher watch(WatchRequest request, WatchListener listener) {
    ensureOpen();
    return hub.watch(request, listener);
  }

  @Override
  public CompletableFuture<Void> compaction() {
    return compactor.doneThrough(compactRevision);
  }

  @Override
  public long checkpoint(Path target) {
    ensureOpen();
    writer.lock();
    try (org.rocksdb.Checkpoint cp = org.rocksdb.Checkpoint.create(db)) {
      cp.createCheckpoint(target.toString());
      return revision;
    } catch (RocksDBException e) {
      throw new StorageException("checkpoint to " + target + " failed: " + e.getMessage(), e);
    } finally {
      writer.unlock();
    }
  }

  /** Files on disk plus the memtables not yet flushed (without a WAL they exist only in memory). */
  @Override
  public long sizeBytes() {
    long memtables;
    try {
      memtables = db.getAggregatedLongProperty("rocksdb.cur-size-all-mem-tables");
    } catch (RocksDBException e) {
      memtables = 0;
    }
    try (Stream<Path> files = Files.list(config.dir())) {
      return memtables
          + files
              .filter(Files::isRegularFile)
              .mapToLong(
                  p -> {
                    try {
                      return Files.size(p);
                    } catch (IOException e) {
                      return 0;
                    }
                  })
              .sum();
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    }
  }

  @Override
  public void flush() {
    try (FlushOptions fo = new FlushOptions().setWaitForFlush(true)) {
      db.flush(fo, handles);
    } catch (RocksDBException e) {
      throw new StorageException("flush failed: " + e.getMessage(), e);
    }
  }

  @Override
  public void prepareRestore(long bumpRevision, boolean markCompacted) {
    if (bumpRevision < 0) {
      throw new IllegalArgumentException("bump must not be negative: " + bumpRevision);
    }
    writer.lock();
    try (WriteBatch wb = new WriteBatch()) {
      long newRevision = revision + bumpRevision;
      long newCompact = markCompacted ? newRevision : compactRevision;
      wb.put(meta, Layout.META_REVISION, Layout.longBytes(newRevision));
      wb.put(meta, Layout.META_COMPACT, Layout.longBytes(newCompact));
      wb.delete(meta, Layout.META_APPLIED);
      write(wb);
      flush();
      publish(newRevision, AppliedIndex.NONE, newCompact, leaseSeq, Map.of(), alarms, List.of());
    } catch (RocksDBException e) {
      throw new StorageException("restore preparation failed: " + e.getMessage(), e);
    } finally {
      writer.unlock();
    }
  }

  @Override
  public void defragment() {
    try {
      for (ColumnFamilyHandle h : handles) {
        db.compactRange(h);
      }
    } catch (RocksDBException e) {
      throw new StorageException("defragment failed: " + e.getMessage(), e);
    }
  }

  private void ensureOpen() {
    if (closed) {
      throw new IllegalStateException("store is closed");
    }
  }

  @Override
  public void close() {
    if (closed) {
      return;
    }
    writer.lock();
    try {
      closed = true;
      hub.close();
      compactor.close();
      for (ColumnFamilyHandle h : handles) {
        h.close();
      }
      db.close();
      writeOptions.close();
      readOptions.close();
      dbOptions.close();
      cfOptions.close();
      cache.close();
    } finally {
      writer.unlock();
    }
  }
}
