package dev.cairn.store;

import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;
import java.util.function.Predicate;

/**
 * A watch listener that keeps every call it gets, and lets a test wait (with a deadline, woken by
 * the calls themselves) until what it got satisfies a condition.
 */
final class Recorder implements WatchListener {
  static final long DEADLINE_SECONDS = 20;

  private final List<List<Event>> calls = new ArrayList<>();
  private final List<Long> progress = new ArrayList<>();
  private Long compacted;
  private int pauseEvery;

  /** Answer false (pause) on every n-th call; 0 never pauses. */
  synchronized Recorder pausingEvery(int n) {
    this.pauseEvery = n;
    return this;
  }

  @Override
  public synchronized boolean onEvents(List<Event> events) {
    calls.add(List.copyOf(events));
    notifyAll();
    return pauseEvery == 0 || calls.size() % pauseEvery != 0;
  }

  @Override
  public synchronized void onProgress(long revision) {
    progress.add(revision);
    notifyAll();
  }

  @Override
  public synchronized void onCompacted(long compactRevision) {
    compacted = compactRevision;
    notifyAll();
  }

  synchronized List<List<Event>> calls() {
    return List.copyOf(calls);
  }

  synchronized List<Event> events() {
    List<Event> all = new ArrayList<>();
    calls.forEach(all::addAll);
    return all;
  }

  synchronized long lastRevision() {
    if (calls.isEmpty()) {
      return 0;
    }
    List<Event> last = calls.get(calls.size() - 1);
    return last.get(last.size() - 1).revision();
  }

  synchronized Long compacted() {
    return compacted;
  }

  synchronized List<Long> progress() {
    return List.copyOf(progress);
  }

  synchronized int callCount() {
    return calls.size();
  }

  /** Waits until {@code condition} holds; fails after {@link #DEADLINE_SECONDS}. */
  synchronized void await(Predicate<Recorder> condition, String what) {
    long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(DEADLINE_SECONDS);
    while (!condition.test(this)) {
      long left = deadline - System.nanoTime();
      if (left <= 0) {
        throw new AssertionError(
            "timed out waiting for "
                + what
                + "; last revision "
                + lastRevision()
                + ", compacted "
                + compacted
                + ", calls "
                + calls.size());
      }
      try {
        TimeUnit.NANOSECONDS.timedWait(this, left);
      } catch (InterruptedException e) {
        Thread.currentThread().interrupt();
        throw new AssertionError("interrupted waiting for " + what, e);
      }
    }
  }

  /**
   * Waits until the last delivered event is at {@code revision}, or a compaction ended the watch.
   */
  void awaitRevision(long revision) {
    await(r -> r.lastRevision() >= revision || r.compacted != null, "revision " + revision);
  }
}
