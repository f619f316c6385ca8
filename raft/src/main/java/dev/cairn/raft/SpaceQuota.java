package dev.cairn.raft;

import dev.cairn.store.MvccStore;
import dev.cairn.store.StoreError;
import dev.cairn.store.StoreException;
import io.etcd.jetcd.api.AlarmMember;
import io.etcd.jetcd.api.AlarmType;
import java.util.List;

/**
 * etcd's space quota: once the store grows past {@code --quota-backend-bytes} this member raises
 * the NOSPACE alarm, and until it is disarmed (after compaction and defragmentation have brought
 * the store back under the quota) writes that add data — puts, transactions with puts, lease grants
 * — are refused with {@code etcdserver: mvcc: database space exceeded}; reads, deletes and
 * compaction go on. The check runs before a request is proposed, so the replicated log never holds
 * a write that a replica would apply differently.
 */
final class SpaceQuota {
  private static final long MEASURE_EVERY_NANOS = 1_000_000_000L;

  /** The live store (a snapshot install replaces it). */
  private final java.util.function.Supplier<MvccStore> store;

  private final long quotaBytes;
  private final long memberId;
  private volatile boolean alarmed;
  private volatile boolean measured;
  private volatile long measuredAt;
  private volatile long size;

  SpaceQuota(java.util.function.Supplier<MvccStore> store, long quotaBytes, long memberId) {
    this.store = store;
    this.quotaBytes = quotaBytes;
    this.memberId = memberId;
  }

  /**
   * Throws NO_SPACE if the alarm is raised, raising it first if the store has outgrown the quota.
   */
  void checkWrite() {
    if (alarmed || exceeded()) {
      alarmed = true;
      throw new StoreException(StoreError.NO_SPACE);
    }
  }

  /** The store's size, measured at most once a second (it walks the directory). */
  private boolean exceeded() {
    long now = System.nanoTime();
    if (!measured || now - measuredAt > MEASURE_EVERY_NANOS) {
      size = store.get().sizeBytes();
      measuredAt = now;
      measured = true;
    }
    return size > quotaBytes;
  }

  List<AlarmMember> alarms() {
    return alarmed
        ? List.of(
            AlarmMember.newBuilder().setMemberID(memberId).setAlarm(AlarmType.NOSPACE).build())
        : List.of();
  }

  void activate() {
    alarmed = true;
  }

  /** Disarms the alarm if the store is back under the quota; returns whether it is disarmed. */
  boolean deactivate() {
    measured = false;
    if (!exceeded()) {
      alarmed = false;
    }
    return !alarmed;
  }
}
