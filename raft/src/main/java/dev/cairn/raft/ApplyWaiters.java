package dev.cairn.raft;

import java.util.Map;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ConcurrentNavigableMap;
import java.util.concurrent.ConcurrentSkipListMap;

/**
 * Futures that complete once this member has applied a log index: a write forwarded to the leader
 * is answered only after the forwarding member has applied it too, so that the client's next
 * serializable read on the same member sees it (etcd answers a proposal when the proposing member
 * applies it).
 *
 * <p>{@link #applied} runs on Ratis's apply thread and only completes the futures; whoever waits
 * must not continue on that thread (it would hold up every later apply).
 */
final class ApplyWaiters {
  private final ConcurrentSkipListMap<Long, CompletableFuture<Void>> waiting =
      new ConcurrentSkipListMap<>();
  private volatile long applied = -1;

  /** Completes once {@code index} is applied (at once if it is). */
  CompletableFuture<Void> whenApplied(long index) {
    if (applied >= index) {
      return CompletableFuture.completedFuture(null);
    }
    CompletableFuture<Void> f = waiting.computeIfAbsent(index, i -> new CompletableFuture<>());
    if (applied >= index) { // applied while registering: applied() may have drained before the put
      waiting.remove(index, f);
      f.complete(null);
    }
    return f;
  }

  /** Everything up to {@code index} is applied. */
  void applied(long index) {
    if (index <= applied) {
      return;
    }
    applied = index;
    ConcurrentNavigableMap<Long, CompletableFuture<Void>> due = waiting.headMap(index, true);
    Map.Entry<Long, CompletableFuture<Void>> e;
    while ((e = due.pollFirstEntry()) != null) {
      e.getValue().complete(null);
    }
  }

  /** The member stops: nobody waits any longer. */
  void close() {
    Map.Entry<Long, CompletableFuture<Void>> e;
    while ((e = waiting.pollFirstEntry()) != null) {
      e.getValue().complete(null);
    }
  }
}
