package dev.cairn.store;

/**
 * A lease as the replicated state holds it. {@code remainingTtl} is the last checkpointed remaining
 * time in seconds, or 0 when none was recorded (then the full {@code ttl} applies).
 */
public record Lease(long id, long ttl, long remainingTtl) {
  public Lease withRemaining(long remaining) {
    return new Lease(id, ttl, remaining);
  }

  /** What a new leader should start this lease's clock from. */
  public long effectiveRemainingTtl() {
    return remainingTtl > 0 ? Math.min(remainingTtl, ttl) : ttl;
  }
}
