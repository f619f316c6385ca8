package dev.cairn.raft;

import dev.cairn.store.Command;
import dev.cairn.store.RequestOp;
import java.util.concurrent.Executors;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.TimeUnit;
import java.util.function.LongSupplier;

/**
 * etcd's space quota: once the store outgrows {@code quotaBytes} the NOSPACE alarm is raised, and
 * until someone disarms it (Maintenance.Alarm DEACTIVATE) writes that add data — puts, transactions
 * with a put, lease grants — are refused with {@code etcdserver: mvcc: database space exceeded}.
 * Deletes, compactions and revokes still pass, so space can be reclaimed.
 *
 * <p>First cut: the alarm is this member's own (etcd replicates it through Raft); the member that
 * receives a write checks its own alarm.
 */
final class SpaceQuota implements AutoCloseable {
  private final long quotaBytes;
  private final LongSupplier size;
  private final ScheduledExecutorService timer =
      Executors.newSingleThreadScheduledExecutor(
          r -> {
            Thread t = new Thread(r, "cairn-space-quota");
            t.setDaemon(true);
            return t;
          });
  private volatile boolean alarmed;

  SpaceQuota(long quotaBytes, LongSupplier size) {
    this.quotaBytes = quotaBytes;
    this.size = size;
  }

  void start() {
    timer.scheduleWithFixedDelay(this::check, 0, 500, TimeUnit.MILLISECONDS);
  }

  /** Raises the alarm when the store is over quota; only disarming lowers it. */
  void check() {
    try {
      if (size.getAsLong() > quotaBytes) {
        alarmed = true;
      }
    } catch (RuntimeException e) {
      // the store is being replaced: check again later
    }
  }

  boolean alarmed() {
    return alarmed;
  }

  void raise() {
    alarmed = true;
  }

  void disarm() {
    alarmed = false;
  }

  /** Whether the alarm refuses this command. */
  boolean refuses(Command c) {
    return alarmed && addsData(c);
  }

  static boolean addsData(Object op) {
    if (op instanceof Command.Put || op instanceof Command.LeaseGrant) {
      return true;
    }
    if (op instanceof Command.Txn t) {
      for (RequestOp o : t.success()) {
        if (addsData(o)) {
          return true;
        }
      }
      for (RequestOp o : t.failure()) {
        if (addsData(o)) {
          return true;
        }
      }
    }
    return false;
  }

  @Override
  public void close() {
    timer.shutdownNow();
  }
}
