package dev.cairn.store;

import java.nio.ByteBuffer;
import java.util.Collection;
import java.util.Comparator;

/**
 * A raised alarm: one member's report of a condition that stops writes cluster-wide until someone
 * deactivates it (etcd's {@code AlarmMember}). Alarms are replicated state, like keys: they change
 * only through {@link Command.ActivateAlarm} and {@link Command.DeactivateAlarm} from the log, and
 * the store keeps them with its data, so that a restarted member and a member that installs a
 * snapshot both still have them (etcd keeps them in its backend's {@code alarm} bucket).
 *
 * <p>While an alarm is active the store refuses commands as etcd's appliers do:
 *
 * <pre>
 *   NOSPACE   Put, LeaseGrant, and a Txn with a Put among its top-level operations
 *             (etcd 3.4's quota cost: a put inside a nested Txn costs nothing) → NO_SPACE
 *   CORRUPT   Put, DeleteRange, Txn, Compact, LeaseGrant, LeaseRevoke          → CORRUPT
 * </pre>
 *
 * Deletes, compactions, revokes and lease checkpoints pass NOSPACE, since they are how space is
 * reclaimed.
 */
public record Alarm(long memberId, Type type) {
  /** etcd's {@code AlarmType}; the ordinals are etcd's numbers. */
  public enum Type {
    NONE,
    NOSPACE,
    CORRUPT;

    /** The type with etcd's number {@code number}, or null for a number etcd does not know. */
    public static Type of(int number) {
      Type[] all = values();
      return number >= 0 && number < all.length ? all[number] : null;
    }
  }

  /** Alarms in a stable order: by type, then by member id (unsigned, as etcd prints ids). */
  public static final Comparator<Alarm> ORDER =
      Comparator.comparing(Alarm::type)
          .thenComparing(Alarm::memberId, (a, b) -> Long.compareUnsigned(a, b));

  private static final int ENCODED = 9;

  public Alarm {
    if (type == null) {
      throw new IllegalArgumentException("alarm without a type");
    }
  }

  /** The encoding: type (1 byte) · member id (8 bytes). */
  public byte[] toBytes() {
    return ByteBuffer.allocate(ENCODED).put((byte) type.ordinal()).putLong(memberId).array();
  }

  public static Alarm fromBytes(byte[] b, int offset) {
    Type type = b.length - offset == ENCODED ? Type.of(b[offset]) : null;
    if (type == null) {
      throw new IllegalArgumentException("not an alarm: " + (b.length - offset) + " bytes");
    }
    return new Alarm(ByteBuffer.wrap(b, offset + 1, ENCODED - 1).getLong(), type);
  }

  /**
   * The error the active alarms refuse a command with, or null when they let it pass. CORRUPT is
   * checked first, since it refuses more.
   */
  public static StoreError refusal(Collection<Alarm> active, Command command) {
    if (active.isEmpty()) {
      return null;
    }
    boolean nospace = false;
    boolean corrupt = false;
    for (Alarm a : active) {
      nospace |= a.type == Type.NOSPACE;
      corrupt |= a.type == Type.CORRUPT;
    }
    if (corrupt
        && (command instanceof Command.Put
            || command instanceof Command.DeleteRange
            || command instanceof Command.Txn
            || command instanceof Command.Compact
            || command instanceof Command.LeaseGrant
            || command instanceof Command.LeaseRevoke)) {
      return StoreError.CORRUPT;
    }
    if (nospace && addsData(command)) {
      return StoreError.NO_SPACE;
    }
    return null;
  }

  /**
   * Whether a command costs space in etcd's quota: a Put, a LeaseGrant, or a Txn with a Put among
   * the top-level operations of either branch.
   */
  public static boolean addsData(Command command) {
    if (command instanceof Command.Put || command instanceof Command.LeaseGrant) {
      return true;
    }
    if (command instanceof Command.Txn t) {
      for (RequestOp o : t.success()) {
        if (o instanceof Command.Put) {
          return true;
        }
      }
      for (RequestOp o : t.failure()) {
        if (o instanceof Command.Put) {
          return true;
        }
      }
    }
    return false;
  }
}
