package dev.cairn.raft.jepsen;

import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;
import java.util.function.BiPredicate;

/**
 * One lease left to expire, as the workload saw it, and the check of its expiry against its TTL.
 *
 * <p>A key attached to a lease must stay while the lease lives, and the lease lives at least its
 * TTL after the call of its grant or of its last keep-alive that answered with a TTL (the leader
 * takes the keep-alive at some point after the call, and a new leader only ever extends the
 * deadline). So a read that returned before that deadline and found the key gone saw it expire
 * early. With the leader alive throughout (no fault that touches it), the key must also be gone
 * soon ({@link #SLACK_NANOS}) after the deadline counted from the last keep-alive's return.
 *
 * <pre>
 *   grant(ttl) ─ put k ─ keep-alive ─ keep-alive ┆ reads: k k k k ┆ … k k gone gone
 *                                 call│ │return ┆
 *                                     ├─ ttl ───┤ no "gone" may return before this
 *                                       ├─ ttl ─┴── slack ──┤ "gone" must be seen by here
 * </pre>
 */
final class LeaseExpiry {
  /**
   * How long after its deadline an expiry may take with the leader alive: the leader's 200 ms check
   * and a committed revoke, or, should the leader change anyway (a long pause under load), a new
   * leader's full TTL from the last checkpoint.
   */
  static final long SLACK_NANOS = TimeUnit.SECONDS.toNanos(10);

  /** One linearizable read of the key: when it was called and returned, and what it found. */
  record Read(long called, long returned, boolean present) {}

  final String key;
  final long leaseId;
  final long ttlSeconds;

  /** The earliest the lease may end: the grant's or the last answered keep-alive's call + TTL. */
  private long earliestEnd;

  /** The latest it should end by, before slack: the last keep-alive's (or grant's) return + TTL. */
  private long latestEnd;

  private final List<Read> reads = new ArrayList<>();

  LeaseExpiry(String key, long leaseId, long ttlSeconds, long grantCalled, long grantReturned) {
    this.key = key;
    this.leaseId = leaseId;
    this.ttlSeconds = ttlSeconds;
    this.earliestEnd = grantCalled + ttlNanos();
    this.latestEnd = grantReturned + ttlNanos();
  }

  private long ttlNanos() {
    return TimeUnit.SECONDS.toNanos(ttlSeconds);
  }

  /** A keep-alive answered with a TTL (> 0: the lease was alive and is renewed). */
  synchronized void keptAlive(long called, long returned) {
    earliestEnd = Math.max(earliestEnd, called + ttlNanos());
    latestEnd = Math.max(latestEnd, returned + ttlNanos());
  }

  /** A keep-alive whose outcome is unknown: it may have renewed the lease up to its deadline. */
  synchronized void maybeKeptAlive(long deadline) {
    latestEnd = Math.max(latestEnd, deadline + ttlNanos());
  }

  synchronized void read(long called, long returned, boolean present) {
    reads.add(new Read(called, returned, present));
  }

  synchronized boolean gone() {
    return !reads.isEmpty() && !reads.get(reads.size() - 1).present();
  }

  synchronized long latestEnd() {
    return latestEnd;
  }

  /**
   * The anomalies of this lease, times relative to {@code origin}; {@code leaderTouched} says
   * whether a fault touched the leader between two times (then no upper bound is checked).
   */
  synchronized List<String> check(long origin, BiPredicate<Long, Long> leaderTouched) {
    List<String> anomalies = new ArrayList<>();
    for (Read r : reads) {
      if (!r.present() && r.returned() < earliestEnd) {
        anomalies.add(
            String.format(
                "lease %x (ttl %d s) of %s expired early: a read at [%.3f, %.3f] s found the key"
                    + " gone, but the lease lives until at least %.3f s",
                leaseId,
                ttlSeconds,
                key,
                secs(r.called() - origin),
                secs(r.returned() - origin),
                secs(earliestEnd - origin)));
        break;
      }
    }
    long due = latestEnd + SLACK_NANOS;
    for (Read r : reads) {
      if (r.present() && r.called() > due && !leaderTouched.test(latestEnd, r.called())) {
        anomalies.add(
            String.format(
                "lease %x (ttl %d s) of %s expired late: the key was still there at %.3f s, %.1f s"
                    + " after the lease's end (%.3f s) with the leader alive",
                leaseId,
                ttlSeconds,
                key,
                secs(r.called() - origin),
                secs(r.called() - latestEnd),
                secs(latestEnd - origin)));
        break;
      }
    }
    return anomalies;
  }

  private static double secs(long nanos) {
    return nanos / 1e9;
  }

  @Override
  public synchronized String toString() {
    return "lease " + Long.toHexString(leaseId) + " " + key + " reads " + reads;
  }
}
