package dev.cairn.store;

import java.util.ArrayList;
import java.util.Comparator;
import java.util.List;
import java.util.function.Predicate;

/**
 * A read view of the key space: the latest version of each key at or below a revision. The
 * committed store and an open batch (committed store plus its own writes) are the two views.
 */
interface KvView {

  /** The latest live version of {@code key} at or below {@code rev}, or null. */
  KeyValue get(byte[] key, long rev);

  /**
   * Visits the latest live version at or below {@code rev} of each key in the range, in key order,
   * until the visitor returns false.
   */
  void scan(byte[] key, byte[] rangeEnd, long rev, Predicate<KeyValue> visitor);

  /** Every live key in the range at {@code rev}. */
  default List<KeyValue> all(byte[] key, byte[] rangeEnd, long rev) {
    List<KeyValue> out = new ArrayList<>();
    if (Keys.isSingleKey(rangeEnd)) {
      KeyValue kv = get(key, rev);
      if (kv != null) {
        out.add(kv);
      }
    } else {
      scan(key, rangeEnd, rev, out::add);
    }
    return out;
  }

  /**
   * etcd's Range over this view at an already validated revision: the limit is pushed down only
   * when neither sorting nor filters need the whole range, one extra key tells {@code more}, and
   * {@code count} counts every key in the range.
   */
  default Result.Range range(RangeRequest r, long rev) {
    long pushed = (r.sortOrder() == RangeRequest.SortOrder.NONE && !r.hasFilters()) ? r.limit() : 0;
    List<KeyValue> kvs = new ArrayList<>();
    long[] count = {0};
    if (Keys.isSingleKey(r.rangeEnd())) {
      KeyValue kv = get(r.key(), rev);
      if (kv != null) {
        count[0] = 1;
        if (!r.countOnly()) {
          kvs.add(kv);
        }
      }
    } else {
      scan(
          r.key(),
          r.rangeEnd(),
          rev,
          kv -> {
            count[0]++;
            if (!r.countOnly() && (pushed <= 0 || kvs.size() <= pushed)) {
              kvs.add(kv);
            }
            return true;
          });
    }
    if (r.countOnly()) {
      return new Result.Range(rev, List.of(), false, count[0]);
    }
    if (r.hasFilters()) {
      kvs.removeIf(kv -> !r.accepts(kv));
    }
    RangeRequest.SortOrder order = r.sortOrder();
    if (order == RangeRequest.SortOrder.NONE && r.sortTarget() != RangeRequest.SortTarget.KEY) {
      order = RangeRequest.SortOrder.ASCEND;
    }
    if (order != RangeRequest.SortOrder.NONE) {
      Comparator<KeyValue> c =
          switch (r.sortTarget()) {
            case KEY -> (a, b) -> Keys.compare(a.key(), b.key());
            case VERSION -> Comparator.comparingLong(KeyValue::version);
            case CREATE -> Comparator.comparingLong(KeyValue::createRevision);
            case MOD -> Comparator.comparingLong(KeyValue::modRevision);
            case VALUE -> (a, b) -> Keys.compare(a.value(), b.value());
          };
      kvs.sort(order == RangeRequest.SortOrder.DESCEND ? c.reversed() : c);
    }
    boolean more = false;
    List<KeyValue> out = kvs;
    if (r.limit() > 0 && kvs.size() > r.limit()) {
      out = kvs.subList(0, (int) r.limit());
      more = true;
    }
    if (r.keysOnly()) {
      out = out.stream().map(KeyValue::withoutValue).toList();
    }
    return new Result.Range(rev, out, more, count[0]);
  }
}
