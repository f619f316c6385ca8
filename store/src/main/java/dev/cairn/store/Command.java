package dev.cairn.store;

import java.util.Arrays;
import java.util.List;
import java.util.Objects;

/**
 * The closed set of changes the replicated log carries. {@link MvccStore} applies them; the
 * replication layer encodes them into its log. Reads are not commands: a transaction may contain
 * them, but a plain read never enters the log.
 */
public sealed interface Command
    permits Command.Put,
        Command.DeleteRange,
        Command.Txn,
        Command.Compact,
        Command.LeaseGrant,
        Command.LeaseRevoke,
        Command.LeaseCheckpoint,
        Command.ActivateAlarm,
        Command.DeactivateAlarm {

  /** Put {@code key = value}; {@code lease} 0 detaches any lease. */
  record Put(
      byte[] key,
      byte[] value,
      long lease,
      boolean prevKv,
      boolean ignoreValue,
      boolean ignoreLease)
      implements Command, RequestOp {
    public Put {
      key = Keys.orEmpty(key);
      value = Keys.orEmpty(value);
    }

    public static Put of(byte[] key, byte[] value) {
      return new Put(key, value, 0, false, false, false);
    }

    public Put withLease(long id) {
      return new Put(key, value, id, prevKv, ignoreValue, ignoreLease);
    }

    public Put withPrevKv() {
      return new Put(key, value, lease, true, ignoreValue, ignoreLease);
    }

    @Override
    public boolean equals(Object o) {
      return o instanceof Put p
          && lease == p.lease
          && prevKv == p.prevKv
          && ignoreValue == p.ignoreValue
          && ignoreLease == p.ignoreLease
          && Arrays.equals(key, p.key)
          && Arrays.equals(value, p.value);
    }

    @Override
    public int hashCode() {
      return Arrays.hashCode(key) * 31 + Arrays.hashCode(value);
    }

    @Override
    public String toString() {
      return "Put[" + Keys.show(key) + "=" + Keys.show(value) + ", lease=" + lease + "]";
    }
  }

  /** Delete the key or the keys in {@code [key, rangeEnd)}. */
  record DeleteRange(byte[] key, byte[] rangeEnd, boolean prevKv) implements Command, RequestOp {
    public DeleteRange {
      key = Keys.orEmpty(key);
      rangeEnd = Keys.orEmpty(rangeEnd);
    }

    public static DeleteRange of(byte[] key) {
      return new DeleteRange(key, null, false);
    }

    public static DeleteRange range(byte[] key, byte[] rangeEnd) {
      return new DeleteRange(key, rangeEnd, false);
    }

    public DeleteRange withPrevKv() {
      return new DeleteRange(key, rangeEnd, true);
    }

    @Override
    public boolean equals(Object o) {
      return o instanceof DeleteRange d
          && prevKv == d.prevKv
          && Arrays.equals(key, d.key)
          && Arrays.equals(rangeEnd, d.rangeEnd);
    }

    @Override
    public int hashCode() {
      return Arrays.hashCode(key) * 31 + Arrays.hashCode(rangeEnd);
    }

    @Override
    public String toString() {
      return "DeleteRange[" + Keys.show(key) + ", " + Keys.show(rangeEnd) + "]";
    }
  }

  /** If every compare holds, run {@code success}, else {@code failure}; one revision in all. */
  record Txn(List<Compare> compare, List<RequestOp> success, List<RequestOp> failure)
      implements Command, RequestOp {
    public Txn {
      compare = List.copyOf(Objects.requireNonNullElse(compare, List.of()));
      success = List.copyOf(Objects.requireNonNullElse(success, List.of()));
      failure = List.copyOf(Objects.requireNonNullElse(failure, List.of()));
    }
  }

  /**
   * Forget every version older than the latest one at or below {@code revision}; with {@code
   * physical} the caller wants to wait for the removal from disk.
   */
  record Compact(long revision, boolean physical) implements Command {}

  /** Create lease {@code id} (0: the store picks one) with a time-to-live in seconds. */
  record LeaseGrant(long id, long ttl) implements Command {}

  /** Delete the lease and, in one revision, every key attached to it. */
  record LeaseRevoke(long id) implements Command {}

  /**
   * Record the leader's view of leases' remaining time-to-live, so that a new leader resumes from
   * it instead of granting a full TTL again (etcd issue 9395).
   */
  record LeaseCheckpoint(List<Remaining> checkpoints) implements Command {
    public LeaseCheckpoint {
      checkpoints = List.copyOf(checkpoints);
    }

    public record Remaining(long id, long remainingTtl) {}
  }

  /**
   * Raise an alarm (etcd's Alarm ACTIVATE); raising one already active changes nothing. See {@link
   * Alarm} for what an active alarm refuses.
   */
  record ActivateAlarm(Alarm alarm) implements Command {}

  /** Clear an alarm (etcd's Alarm DEACTIVATE); clearing one not active changes nothing. */
  record DeactivateAlarm(Alarm alarm) implements Command {}
}
