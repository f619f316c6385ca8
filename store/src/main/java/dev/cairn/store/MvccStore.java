package dev.cairn.store;

import java.nio.file.Path;
import java.util.List;
import java.util.Optional;
import java.util.concurrent.CompletableFuture;

/**
 * The engine: etcd's revisioned key-value model on RocksDB.
 *
 * <p>Writes are {@link Command}s applied through an {@link ApplyBatch} by one writer at a time (the
 * replication layer's apply thread); apply is a pure function of the state and the command, so
 * replicas that apply the same log hold the same data. Reads run concurrently with writes and see
 * the last committed revision. Nothing here reads a clock: leases hold time-to-live as data, and
 * the replication layer decides when one expires.
 */
public interface MvccStore extends AutoCloseable {

  /** Opens (or creates) the engine in {@code config.dir()}, resuming any unfinished compaction. */
  static MvccStore open(StoreConfig config) {
    return RocksMvccStore.open(config);
  }

  StoreConfig config();

  /** The last committed main revision (0 for an empty store). */
  long revision();

  /** Reads below this revision fail with {@link CompactedException}. */
  long compactRevision();

  /** The log position of the last committed batch. */
  AppliedIndex appliedIndex();

  /**
   * Reads at {@code request.revision()} (or the current one).
   *
   * @throws CompactedException below the compacted revision
   * @throws FutureRevisionException above the current revision
   */
  Result.Range range(RangeRequest request);

  /** Opens a batch; waits while another batch is open. */
  ApplyBatch newBatch();

  /** Applies one command and commits it alone, leaving the applied index as it is. */
  default Result apply(Command command) {
    try (ApplyBatch batch = newBatch()) {
      Result result = batch.apply(command);
      batch.commit(appliedIndex());
      return result;
    }
  }

  Optional<Lease> lease(long id);

  List<Lease> leases();

  /** The active alarms, in {@link Alarm#ORDER}. */
  List<Alarm> alarms();

  /** Keys attached to a lease, in key order. */
  List<byte[]> leaseKeys(long id);

  /** See {@link KvHash}; {@code revision ≤ 0} hashes the current revision. */
  KvHash hash(long revision);

  /** Registers a watcher; see {@link WatchListener} for the delivery contract. */
  Watcher watch(WatchRequest request, WatchListener listener);

  /** Completes when physical removal for the latest compaction is done. */
  CompletableFuture<Void> compaction();

  /**
   * Writes a consistent point-in-time copy of the whole engine into the new directory.
   *
   * @return the revision the copy holds (no write commits while the copy is taken)
   */
  long checkpoint(Path target);

  /** Bytes the engine holds: its files on disk and its memtables not yet flushed. */
  long sizeBytes();

  /**
   * Prepares a store restored from a snapshot to seed a new cluster: forgets the old log position
   * (the new cluster's log starts empty), moves the revision forward by {@code bumpRevision} so
   * that revisions clients saw before never repeat, and with {@code markCompacted} compacts at the
   * new revision so that watchers resuming from old revisions are told to start over (etcd's {@code
   * snapshot restore --bump-revision --mark-compacted}).
   */
  void prepareRestore(long bumpRevision, boolean markCompacted);

  /** Compacts RocksDB's files, reclaiming the space of removed versions (etcd's Defragment). */
  void defragment();

  /** Flushes memtables to disk, so that everything committed survives a crash even without WAL. */
  void flush();

  @Override
  void close();
}
