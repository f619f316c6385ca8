package dev.cairn.store;

import java.nio.file.Path;

/**
 * Every knob of the engine with its default, in one place.
 *
 * @param dir the RocksDB directory; created when missing
 * @param maxRequestBytes the largest command or value accepted (etcd: 1.5 MiB)
 * @param maxTxnOps the most compares, or operations of one branch, in a transaction (etcd: 128)
 * @param writeAheadLog whether RocksDB keeps its own WAL. Off by default: under Raft the log is the
 *     WAL, and the applied index stored with the data tells where to resume replay after a crash.
 *     Turn it on when the engine is used alone and every apply must survive a crash by itself.
 * @param blockCacheBytes RocksDB's block cache (off the Java heap); 256 MiB by default, since a
 *     cache much smaller than the store makes every lookup of an older key read and decompress
 *     blocks again (bench finding 3)
 * @param writeBufferBytes the size of one memtable (off the Java heap)
 * @param watcherQueueEvents events one watcher may hold undelivered before it falls back to
 *     catching up from storage
 * @param compactionBatchRevisions revisions removed per write batch by physical compaction, so that
 *     writers never wait behind a long compaction
 * @param latestCacheBytes the Java heap the writer may spend remembering the newest version of the
 *     keys it wrote or read last ({@link LatestVersions}), so that a put to a key written recently
 *     needs no RocksDB seek for the version it replaces; 64 MiB by default, 0 to turn it off
 */
public record StoreConfig(
    Path dir,
    long maxRequestBytes,
    int maxTxnOps,
    boolean writeAheadLog,
    long blockCacheBytes,
    long writeBufferBytes,
    int watcherQueueEvents,
    int compactionBatchRevisions,
    long latestCacheBytes) {

  public static final long DEFAULT_MAX_REQUEST_BYTES = 1536 * 1024;
  public static final int DEFAULT_MAX_TXN_OPS = 128;
  public static final long MAX_LEASE_TTL = 9_000_000_000L;

  public static StoreConfig defaults(Path dir) {
    return new StoreConfig(
        dir,
        DEFAULT_MAX_REQUEST_BYTES,
        DEFAULT_MAX_TXN_OPS,
        false,
        256L << 20,
        64L << 20,
        1024,
        1000,
        64L << 20);
  }

  public StoreConfig withWriteAheadLog(boolean on) {
    return new StoreConfig(
        dir,
        maxRequestBytes,
        maxTxnOps,
        on,
        blockCacheBytes,
        writeBufferBytes,
        watcherQueueEvents,
        compactionBatchRevisions,
        latestCacheBytes);
  }

  public StoreConfig withLimits(long requestBytes, int txnOps) {
    return new StoreConfig(
        dir,
        requestBytes,
        txnOps,
        writeAheadLog,
        blockCacheBytes,
        writeBufferBytes,
        watcherQueueEvents,
        compactionBatchRevisions,
        latestCacheBytes);
  }

  public StoreConfig withWatcherQueueEvents(int events) {
    return new StoreConfig(
        dir,
        maxRequestBytes,
        maxTxnOps,
        writeAheadLog,
        blockCacheBytes,
        writeBufferBytes,
        events,
        compactionBatchRevisions,
        latestCacheBytes);
  }

  public StoreConfig withMemory(long cacheBytes, long bufferBytes) {
    return new StoreConfig(
        dir,
        maxRequestBytes,
        maxTxnOps,
        writeAheadLog,
        cacheBytes,
        bufferBytes,
        watcherQueueEvents,
        compactionBatchRevisions,
        latestCacheBytes);
  }

  public StoreConfig withLatestCacheBytes(long bytes) {
    return new StoreConfig(
        dir,
        maxRequestBytes,
        maxTxnOps,
        writeAheadLog,
        blockCacheBytes,
        writeBufferBytes,
        watcherQueueEvents,
        compactionBatchRevisions,
        bytes);
  }
}
