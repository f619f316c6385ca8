package dev.cairn.store;

import java.util.function.Predicate;
import org.rocksdb.RocksIterator;

/**
 * {@link KvView} over one RocksDB iterator of the kv column family (which pins a consistent
 * snapshot of the database for its life).
 */
final class DbKvView implements KvView {
  private final RocksIterator it;

  DbKvView(RocksIterator it) {
    this.it = it;
  }

  @Override
  public KeyValue get(byte[] key, long rev) {
    byte[] group = Layout.group(key);
    it.seek(Layout.seekAtOrBelow(group, rev));
    if (!it.isValid()) {
      return null;
    }
    byte[] k = it.key();
    if (!Layout.sameGroup(k, group)) {
      return null;
    }
    return Layout.decode(key, Layout.mainOf(k), it.value());
  }

  /**
   * Walks key groups in order. In each group the first entry at or below {@code rev} is the version
   * to read; newer entries are skipped with one seek, older ones by seeking to the next group. A
   * key with one version (the common case in big ranges) costs a single {@code next()}.
   */
  @Override
  public void scan(byte[] key, byte[] rangeEnd, long rev, Predicate<KeyValue> visitor) {
    byte[] upper = Layout.upperBound(key, rangeEnd);
    it.seek(Layout.group(key));
    while (it.isValid()) {
      byte[] k = it.key();
      if (upper != null && Keys.compare(k, upper) >= 0) {
        return;
      }
      int groupLength = Layout.groupLength(k);
      byte[] group = java.util.Arrays.copyOf(k, groupLength);
      long main = Layout.mainOf(k);
      if (main > rev) {
        it.seek(Layout.seekAtOrBelow(group, rev));
        if (!it.isValid()) {
          return;
        }
        k = it.key();
        if (!Layout.sameGroup(k, group)) {
          continue; // no version at or below rev: k is already the next group
        }
        main = Layout.mainOf(k);
      }
      KeyValue kv = Layout.decode(Layout.userKey(k), main, it.value());
      if (kv != null && !visitor.test(kv)) {
        return;
      }
      it.next();
      if (it.isValid() && Layout.sameGroup(it.key(), group)) {
        it.seek(Layout.groupEnd(group));
      }
    }
  }
}
