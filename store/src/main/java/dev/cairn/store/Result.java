package dev.cairn.store;

import java.util.List;

/**
 * What applying a {@link Command} or a read produced. Every result carries the store revision after
 * it, which becomes the response header's revision.
 */
public sealed interface Result
    permits Result.Range,
        Result.Put,
        Result.DeleteRange,
        Result.Txn,
        Result.Compact,
        Result.LeaseGrant,
        Result.LeaseRevoke,
        Result.LeaseCheckpoint,
        Result.Alarms {

  long revision();

  /** {@code more}: the limit cut the answer; {@code count}: keys in the range before the limit. */
  record Range(long revision, List<KeyValue> kvs, boolean more, long count) implements Result {
    public Range {
      kvs = List.copyOf(kvs);
    }
  }

  record Put(long revision, KeyValue prevKv) implements Result {}

  record DeleteRange(long revision, long deleted, List<KeyValue> prevKvs) implements Result {
    public DeleteRange {
      prevKvs = List.copyOf(prevKvs);
    }
  }

  record Txn(long revision, boolean succeeded, List<Result> responses) implements Result {
    public Txn {
      responses = List.copyOf(responses);
    }
  }

  record Compact(long revision) implements Result {}

  record LeaseGrant(long revision, long id, long ttl) implements Result {}

  record LeaseRevoke(long revision) implements Result {}

  record LeaseCheckpoint(long revision) implements Result {}

  /**
   * What an alarm command changed, as etcd answers it: the alarm raised (also when it was already
   * active) or the alarm cleared; empty when a deactivation found nothing to clear.
   */
  record Alarms(long revision, List<Alarm> alarms) implements Result {
    public Alarms {
      alarms = List.copyOf(alarms);
    }
  }
}
