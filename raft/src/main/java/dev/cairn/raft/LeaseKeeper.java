package dev.cairn.raft;

import dev.cairn.store.Command;
import dev.cairn.store.Lease;
import dev.cairn.store.MvccStore;
import dev.cairn.store.Result;
import io.etcd.jetcd.api.LeaseKeepAliveResponse;
import io.etcd.jetcd.api.LeaseTimeToLiveResponse;
import java.nio.ByteBuffer;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.TimeUnit;
import org.apache.ratis.server.DivisionInfo;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Lease expiry, decided by the leader. The store holds leases as data (id, TTL, last checkpointed
 * remaining TTL); only the leader keeps clocks.
 *
 * <pre>
 *   becomes leader (term t)  → deadline(id) = now + lease.effectiveRemainingTtl()  for every lease
 *   LeaseGrant applied       → deadline(id) = now + ttl
 *   keep-alive (on leader)   → deadline(id) = now + ttl          (other members forward it here)
 *   deadline passed          → propose LeaseRevoke(id)
 *   every checkpoint interval→ propose LeaseCheckpoint(remaining of every lease)
 * </pre>
 *
 * So a new leader resumes remaining TTLs from the last checkpoint rather than granting full TTLs
 * again.
 *
 * <p>Revokes and checkpoints go through this member's own server only ({@link
 * CairnNode#proposeAsLeader}): they commit in the term of the leader whose clock decided them, or
 * not at all.
 */
final class LeaseKeeper implements StoreStateMachine.ApplyListener, AutoCloseable {
  private static final Logger LOG = LoggerFactory.getLogger(LeaseKeeper.class);
  private static final long TICK_MILLIS = 200;

  private final CairnNode node;
  private final long checkpointNanos;
  private final Map<Long, Long> deadlines = new ConcurrentHashMap<>();
  private final Set<Long> revoking = ConcurrentHashMap.newKeySet();
  private final ScheduledExecutorService timer = Daemons.scheduler("cairn-lease-keeper");

  /** The term in which this member, as leader, loaded the deadlines; -1 when not leader. */
  private volatile long primedTerm = -1;

  private long lastCheckpoint;

  LeaseKeeper(CairnNode node, Duration checkpointInterval) {
    this.node = node;
    this.checkpointNanos = checkpointInterval.toNanos();
  }

  void start() {
    timer.scheduleWithFixedDelay(this::tick, TICK_MILLIS, TICK_MILLIS, TimeUnit.MILLISECONDS);
  }

  private void tick() {
    try {
      DivisionInfo info = node.division().getInfo();
      if (!info.isLeader() || !info.isLeaderReady()) {
        primedTerm = -1;
        return;
      }
      long term = info.getCurrentTerm();
      long now = System.nanoTime();
      if (primedTerm != term) {
        prime(now);
        primedTerm = term;
        lastCheckpoint = now;
      }
      for (Map.Entry<Long, Long> e : deadlines.entrySet()) {
        long id = e.getKey();
        if (e.getValue() - now <= 0 && revoking.add(id)) {
          LOG.debug("lease {} expired: revoking", id);
          node.proposeAsLeader(new Command.LeaseRevoke(id))
              .whenComplete(
                  (r, t) -> {
                    revoking.remove(id);
                    if (t == null) {
                      deadlines.remove(id);
                    }
                  });
        }
      }
      if (now - lastCheckpoint >= checkpointNanos && !deadlines.isEmpty()) {
        lastCheckpoint = now;
        List<Command.LeaseCheckpoint.Remaining> remaining = new ArrayList<>();
        deadlines.forEach(
            (id, deadline) ->
                remaining.add(
                    new Command.LeaseCheckpoint.Remaining(
                        id,
                        Math.max(
                            1, TimeUnit.NANOSECONDS.toSeconds(deadline - now + 999_999_999L)))));
        node.proposeAsLeader(new Command.LeaseCheckpoint(remaining));
      }
    } catch (RuntimeException e) {
      LOG.debug("lease tick failed", e);
    }
  }

  private void prime(long now) {
    deadlines.clear();
    for (Lease l : node.store().leases()) {
      deadlines.putIfAbsent(l.id(), now + TimeUnit.SECONDS.toNanos(l.effectiveRemainingTtl()));
    }
    LOG.info("{}: leader: tracking {} leases", node.name(), deadlines.size());
  }

  private boolean primed() {
    return primedTerm >= 0;
  }

  @Override
  public void onApplied(Command command, Result result) {
    if (result instanceof Result.LeaseGrant g) {
      deadlines.put(g.id(), System.nanoTime() + TimeUnit.SECONDS.toNanos(g.ttl()));
    } else if (command instanceof Command.LeaseRevoke r) {
      deadlines.remove(r.id());
    }
  }

  @Override
  public void onStoreReplaced(MvccStore store) {
    primedTerm = -1;
  }

  /** Answers a forwarded keep-alive or time-to-live query (only correct on the leader). */
  CompletableFuture<byte[]> answer(byte tag, byte[] body) {
    ByteBuffer b = ByteBuffer.wrap(body);
    long id = b.getLong();
    if (tag == Query.LEASE_KEEP_ALIVE) {
      return keepAlive(id).thenApply(r -> CommandCodec.tagged(CommandCodec.OK, r.toByteArray()));
    }
    boolean keys = b.get() != 0;
    return CompletableFuture.completedFuture(
        CommandCodec.tagged(CommandCodec.OK, timeToLive(id, keys).toByteArray()));
  }

  /**
   * Renews a lease for its full TTL. A checkpoint may have recorded a smaller remaining TTL, from
   * which a new leader would resume and end the lease before the TTL this answer promises; so the
   * renewal first clears it (a checkpoint of 0: the full TTL applies), as etcd's lessor does, and
   * answers once that is committed. That is at most one log entry per lease per checkpoint interval
   * (LeaseKeepAliveAfterCheckpointTest).
   */
  CompletableFuture<LeaseKeepAliveResponse> keepAlive(long id) {
    Optional<Lease> lease = node.store().lease(id);
    long ttl = 0;
    if (lease.isPresent() && !revoking.contains(id)) {
      ttl = lease.get().ttl();
      deadlines.put(id, System.nanoTime() + TimeUnit.SECONDS.toNanos(ttl));
    }
    LeaseKeepAliveResponse r =
        LeaseKeepAliveResponse.newBuilder()
            .setHeader(EtcdProtos.revisionHeader(node.store().revision()))
            .setID(id)
            .setTTL(ttl)
            .build();
    if (ttl == 0 || lease.get().remainingTtl() == 0) {
      return CompletableFuture.completedFuture(r);
    }
    return node.proposeAsLeader(
            new Command.LeaseCheckpoint(List.of(new Command.LeaseCheckpoint.Remaining(id, 0))))
        .thenApply(reply -> r);
  }

  LeaseTimeToLiveResponse timeToLive(long id, boolean keys) {
    MvccStore store = node.store();
    Optional<Lease> lease = store.lease(id);
    LeaseTimeToLiveResponse.Builder b =
        LeaseTimeToLiveResponse.newBuilder()
            .setHeader(EtcdProtos.revisionHeader(store.revision()))
            .setID(id);
    if (lease.isEmpty()) {
      return b.setTTL(-1).build();
    }
    Long deadline = primed() ? deadlines.get(id) : null;
    long remaining =
        deadline == null
            ? lease.get().effectiveRemainingTtl()
            : Math.max(0, TimeUnit.NANOSECONDS.toSeconds(deadline - System.nanoTime()));
    b.setTTL(remaining).setGrantedTTL(lease.get().ttl());
    if (keys) {
      for (byte[] k : store.leaseKeys(id)) {
        b.addKeys(EtcdProtos.bytes(k));
      }
    }
    return b.build();
  }

  @Override
  public void close() {
    timer.shutdownNow();
  }
}
