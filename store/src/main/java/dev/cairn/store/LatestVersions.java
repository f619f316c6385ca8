package dev.cairn.store;

import java.nio.ByteBuffer;
import java.util.Iterator;
import java.util.LinkedHashMap;
import java.util.Map;

/**
 * The newest committed version of the keys the writer touched last, so that applying a put, a
 * {@code ignore_value} put or a transaction's compare to a key written recently costs a hash lookup
 * instead of a RocksDB seek through every level (a seek is most of what applying a single put
 * costs: bench/README.md, cluster finding 13).
 *
 * <p>What an entry says is always what the store holds at its current revision: entries are set
 * only from committed writes (each batch's newest version of every key it wrote, a deletion as "no
 * version") and from reads of the committed store at its current revision, both under the writer
 * lock, which also guards every use. Compaction never changes a key's newest version (it keeps it,
 * or removes a deleted key's history, which stays "no version"), and a store replaced by a snapshot
 * is a new store with an empty cache.
 *
 * <p>Least recently used keys go first once the entries' keys and values pass the byte budget.
 */
final class LatestVersions {
  /** A key known to have no version at the current revision. */
  static final KeyValue ABSENT = new KeyValue(new byte[0], 0, 0, 0, new byte[0], 0);

  /** What an entry costs besides its key and value bytes (map node, record, buffers). */
  private static final long ENTRY_OVERHEAD = 160;

  private final long budget;
  private long bytes;
  private final LinkedHashMap<ByteBuffer, KeyValue> entries =
      new LinkedHashMap<>(1024, 0.75f, true);

  LatestVersions(long budgetBytes) {
    this.budget = budgetBytes;
  }

  /** The newest version of {@code key}, {@link #ABSENT} if it has none, or null if not known. */
  KeyValue get(byte[] key) {
    return budget <= 0 ? null : entries.get(ByteBuffer.wrap(key));
  }

  /** Remembers the newest version of {@code key}: {@code kv}, or none when null. */
  void put(byte[] key, KeyValue kv) {
    if (budget <= 0) {
      return;
    }
    KeyValue value = kv == null ? ABSENT : kv;
    KeyValue old = entries.put(ByteBuffer.wrap(key), value);
    if (old != null) {
      bytes -= cost(key, old);
    }
    bytes += cost(key, value);
    Iterator<Map.Entry<ByteBuffer, KeyValue>> eldest = entries.entrySet().iterator();
    while (bytes > budget && eldest.hasNext()) {
      Map.Entry<ByteBuffer, KeyValue> e = eldest.next();
      bytes -= cost(e.getKey().array(), e.getValue());
      eldest.remove();
    }
  }

  int size() {
    return entries.size();
  }

  private static long cost(byte[] key, KeyValue kv) {
    return ENTRY_OVERHEAD + key.length + (kv.value() == null ? 0 : kv.value().length);
  }
}
