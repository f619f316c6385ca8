package dev.cairn.raft;

import dev.cairn.store.Alarm;
import dev.cairn.store.Command;
import dev.cairn.store.Result;
import dev.cairn.store.StoreError;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.function.Function;
import java.util.function.LongSupplier;
import java.util.function.Supplier;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * etcd's space quota. Each member measures its own store against {@code quotaBytes}; the NOSPACE
 * alarm it raises is replicated state ({@link Alarm}): raised and cleared through the Raft log, so
 * that every member lists it and refuses, at apply, the writes that add data until someone clears
 * it (Maintenance.Alarm DEACTIVATE with the member's id).
 *
 * <p>When a member over its quota raises the alarm, as etcd's members do:
 *
 * <pre>
 *   a write that adds data arrives at it      → raise, and refuse the write       (etcd's quotaKVServer)
 *   it applies a write that adds data         → raise; the write stays applied    (etcd's quotaApplierV3)
 * </pre>
 *
 * Nothing raises it while no such write comes, so after a DEACTIVATE with the store still full, the
 * next write raises it again. Whether the member is over its quota is measured every 500 ms, and
 * again before a write is refused for it.
 */
final class SpaceQuota implements AutoCloseable, StoreStateMachine.ApplyListener {
  private static final Logger LOG = LoggerFactory.getLogger(SpaceQuota.class);

  private final long quotaBytes;
  private final LongSupplier size;
  private final Supplier<List<Alarm>> alarms;
  private final Alarm own;
  private final Function<Command, CompletableFuture<byte[]>> propose;
  private final ScheduledExecutorService timer = Daemons.scheduler("cairn-space-quota");
  private final AtomicBoolean raising = new AtomicBoolean();
  private volatile boolean over;

  /**
   * @param alarms the replicated alarms, as this member has applied them
   * @param memberId the member whose store this quota measures, named in the alarm it raises
   * @param propose replicates a command through the Raft log
   */
  SpaceQuota(
      long quotaBytes,
      LongSupplier size,
      Supplier<List<Alarm>> alarms,
      long memberId,
      Function<Command, CompletableFuture<byte[]>> propose) {
    this.quotaBytes = quotaBytes;
    this.size = size;
    this.alarms = alarms;
    this.own = new Alarm(memberId, Alarm.Type.NOSPACE);
    this.propose = propose;
  }

  void start() {
    timer.scheduleWithFixedDelay(() -> measure(), 0, 500, TimeUnit.MILLISECONDS);
  }

  /** Measures the store against the quota; whether it is over it. */
  boolean measure() {
    try {
      over = size.getAsLong() > quotaBytes;
    } catch (RuntimeException e) {
      // the store is being replaced: measure again later
    }
    return over;
  }

  /** Whether this member's store was over its quota when last measured. */
  boolean over() {
    return over;
  }

  /**
   * The error a write that arrives at this member gets before it is proposed, or null: the active
   * alarms' refusal (which apply would give anyway, so the write need not enter the log), else
   * NO_SPACE if it adds data while this member is over its quota, which raises the alarm.
   */
  StoreError refusal(Command command) {
    StoreError refused = Alarm.refusal(alarms.get(), command);
    if (refused != null) {
      return refused;
    }
    // measured again before refusing: space reclaimed since the last measure counts at once
    if (over && Alarm.addsData(command) && measure()) {
      raise();
      return StoreError.NO_SPACE;
    }
    return null;
  }

  @Override
  public void onApplied(Command command, Result result) {
    if (over && Alarm.addsData(command)) {
      raise(); // never proposes on the apply thread: see raise
    }
  }

  /** Proposes this member's NOSPACE alarm, unless it is active or on its way already. */
  void raise() {
    if (alarms.get().contains(own) || !raising.compareAndSet(false, true)) {
      return;
    }
    LOG.warn(
        "member {}: store over its quota of {} bytes; raising the NOSPACE alarm",
        Long.toHexString(own.memberId()),
        quotaBytes);
    try {
      // proposing may wait for a Raft thread, and apply listeners run on one: hand it over
      timer.execute(
          () -> {
            CompletableFuture<byte[]> sent;
            try {
              sent = propose.apply(new Command.ActivateAlarm(own));
            } catch (RuntimeException e) {
              sent = CompletableFuture.failedFuture(e);
            }
            sent.whenComplete(
                (r, t) -> {
                  raising.set(false);
                  if (t != null) {
                    LOG.warn("raising the NOSPACE alarm failed: {}", t.toString());
                  }
                });
          });
    } catch (RuntimeException e) {
      raising.set(false); // closing
    }
  }

  @Override
  public void close() {
    timer.shutdownNow();
  }
}
