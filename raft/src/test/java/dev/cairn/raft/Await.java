package dev.cairn.raft;

import java.time.Duration;
import java.util.concurrent.locks.LockSupport;
import java.util.function.Predicate;

/**
 * Waiting in tests for something a cluster does by itself, with a deadline: the condition is
 * checked at once, then again after pauses that start at a millisecond and grow to 50 ms, so a
 * quick change is seen quickly and a slow one does not spin.
 */
public final class Await {
  private static final long FIRST_PAUSE = Duration.ofMillis(1).toNanos();
  private static final long LONGEST_PAUSE = Duration.ofMillis(50).toNanos();

  private Await() {}

  /** A condition that may ask the cluster. */
  public interface Condition {
    boolean holds() throws Exception;
  }

  /** An attempt that may fail. */
  public interface Attempt<T> {
    T run() throws Exception;
  }

  /** Waits until the condition holds or the timeout passes; whether it held. */
  public static boolean until(Duration timeout, Condition condition) throws Exception {
    long end = System.nanoTime() + timeout.toNanos();
    long pause = FIRST_PAUSE;
    while (!condition.holds()) {
      if (System.nanoTime() > end) {
        return false;
      }
      LockSupport.parkNanos(pause);
      pause = Math.min(2 * pause, LONGEST_PAUSE);
    }
    return true;
  }

  /**
   * Runs the attempt until it succeeds; a failure that {@code retry} accepts is tried again until
   * the timeout passes, then thrown, as is any other failure at once.
   */
  public static <T> T retrying(Duration timeout, Predicate<Exception> retry, Attempt<T> attempt)
      throws Exception {
    long end = System.nanoTime() + timeout.toNanos();
    long pause = FIRST_PAUSE;
    while (true) {
      try {
        return attempt.run();
      } catch (Exception e) {
        if (System.nanoTime() > end || !retry.test(e)) {
          throw e;
        }
      }
      LockSupport.parkNanos(pause);
      pause = Math.min(2 * pause, LONGEST_PAUSE);
    }
  }
}
