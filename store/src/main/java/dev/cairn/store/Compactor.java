package dev.cairn.store;

import java.nio.ByteBuffer;
import java.util.ArrayList;
import java.util.Iterator;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.TimeUnit;
import org.rocksdb.RocksDBException;
import org.rocksdb.RocksIterator;
import org.rocksdb.WriteBatch;

/**
 * Physical compaction, on its own thread. A {@link Command.Compact} only moves the compacted
 * revision (reads below it fail at once); this class then removes, key by key, every version that
 * no read can see any more: all but the latest at or below the target, and that one too if it is a
 * tombstone below the target. A tombstone at the target itself stays until the next compaction: a
 * watch may start at the compacted revision, and must see that delete (etcd kept it too after its
 * issue 18089; a watcher resumed at exactly the compacted revision lost it, see
 * kill-follower-watch-gap.txt).
 *
 * <pre>
 *   key a: put@2  put@5  del@7  put@9        compact to 8 → keeps put@9 only (del@7 is the survivor
 *   key b: put@3  put@6                                       at ≤ 8 and a tombstone: removed)
 *   key c: put@4  del@8                                       and keeps b: put@6, c: del@8
 * </pre>
 *
 * <p>It walks the {@code revs} column family from the last finished target, a chunk of revisions at
 * a time; all removals for one key go into one write batch, so a concurrent reader at or above the
 * compacted revision sees either the whole key before or the whole key after. Writers never wait
 * for it: it takes no store lock. Progress is saved only when a target is finished; after a crash
 * the work is simply redone (it is idempotent).
 */
final class Compactor implements AutoCloseable {
  private final RocksMvccStore store;
  private final ExecutorService thread =
      Executors.newSingleThreadExecutor(
          r -> {
            Thread t = new Thread(r, "cairn-compactor");
            t.setDaemon(true);
            return t;
          });
  private final List<Map.Entry<Long, CompletableFuture<Void>>> waiters = new ArrayList<>();
  private long done;
  private long target;
  private volatile boolean closing;

  Compactor(RocksMvccStore store, long done) {
    this.store = store;
    this.done = done;
    this.target = done;
  }

  synchronized void schedule(long revision) {
    if (revision > target) {
      target = revision;
      thread.execute(this::run);
    }
  }

  /** Completes once everything at or below {@code revision} that compaction removes is gone. */
  synchronized CompletableFuture<Void> doneThrough(long revision) {
    if (done >= revision) {
      return CompletableFuture.completedFuture(null);
    }
    CompletableFuture<Void> f = new CompletableFuture<>();
    waiters.add(Map.entry(revision, f));
    return f;
  }

  private void run() {
    long goal;
    long from;
    synchronized (this) {
      goal = target;
      from = done + 1;
    }
    if (goal < from || closing) {
      return;
    }
    try {
      // from the last target itself: a tombstone kept there goes now
      compact(Math.max(1, from - 1), goal);
    } catch (RuntimeException | RocksDBException e) {
      if (closing) {
        return;
      }
      synchronized (this) {
        for (var w : waiters) {
          w.getValue().completeExceptionally(e);
        }
        waiters.clear();
      }
      return;
    }
    synchronized (this) {
      done = goal;
      for (Iterator<Map.Entry<Long, CompletableFuture<Void>>> it = waiters.iterator();
          it.hasNext(); ) {
        var w = it.next();
        if (w.getKey() <= done) {
          w.getValue().complete(null);
          it.remove();
        }
      }
    }
  }

  private void compact(long from, long goal) throws RocksDBException {
    int chunk = Math.max(1, store.config().compactionBatchRevisions());
    byte[] cursor = new Revision(from, 0).toBytes();
    while (!closing) {
      Map<java.nio.ByteBuffer, byte[]> keys = new LinkedHashMap<>();
      byte[] next = null;
      try (RocksIterator it = store.db().newIterator(store.revs, store.readOptions)) {
        int n = 0;
        for (it.seek(cursor); it.isValid(); it.next()) {
          byte[] k = it.key();
          if (ByteBuffer.wrap(k).getLong() > goal) {
            break;
          }
          if (n++ >= chunk) {
            next = k;
            break;
          }
          byte[] userKey = Layout.revKeyOf(it.value());
          keys.putIfAbsent(ByteBuffer.wrap(userKey), userKey);
        }
      }
      try (WriteBatch wb = new WriteBatch();
          RocksIterator kvIt = store.db().newIterator(store.kv, store.readOptions)) {
        for (byte[] userKey : keys.values()) {
          removeOldVersions(kvIt, wb, userKey, goal);
        }
        if (next == null) {
          wb.put(store.meta, Layout.META_COMPACT_DONE, Layout.longBytes(goal));
        }
        store.write(wb);
      }
      if (next == null) {
        return;
      }
      cursor = next;
    }
  }

  private void removeOldVersions(RocksIterator kvIt, WriteBatch wb, byte[] userKey, long goal)
      throws RocksDBException {
    byte[] group = Layout.group(userKey);
    boolean first = true;
    for (kvIt.seek(Layout.seekAtOrBelow(group, goal)); kvIt.isValid(); kvIt.next()) {
      byte[] k = kvIt.key();
      if (!Layout.sameGroup(k, group)) {
        return;
      }
      if (first) {
        first = false;
        if (!Layout.isTombstone(kvIt.value()) || Layout.mainOf(k) == goal) {
          continue; // the survivor, or a tombstone a watch from the target must still see
        }
      }
      wb.delete(store.kv, k);
      wb.delete(store.revs, new Revision(Layout.mainOf(k), Layout.subOf(k)).toBytes());
    }
  }

  @Override
  public void close() {
    closing = true;
    thread.shutdown();
    try {
      thread.awaitTermination(30, TimeUnit.SECONDS);
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
    }
  }
}
