package dev.cairn.raft.jepsen;

import dev.cairn.raft.linearizability.Op;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.atomic.AtomicLong;

/**
 * Every client operation of a run as an invocation and a completion: ok (with its result), fail (it
 * definitely took no effect) or unknown (a timeout or a lost connection: it may have taken effect,
 * now or later). Timestamps are {@link System#nanoTime()}.
 *
 * <p>For the linearizability checker, failed operations are left out, unknown writes stay with an
 * open end, and reads with no answer are dropped (a read has no effect). Acknowledged writes are
 * also kept by revision, so the watch streams can be checked against them.
 */
final class History {
  enum Outcome {
    OK,
    FAIL,
    UNKNOWN
  }

  /** One operation: what was invoked and how it completed. */
  record Entry(Op invoked, Outcome outcome, Op completed, long revision, String error) {}

  /**
   * An acknowledged write as the watch stream must show it at its revision (value null: delete).
   */
  record Write(String key, String value) {}

  private final List<Entry> entries = new ArrayList<>();
  private final Map<Long, List<Write>> acked = new ConcurrentHashMap<>();
  private final AtomicLong unknown = new AtomicLong();
  private final AtomicLong failed = new AtomicLong();

  synchronized void ok(Op completed, long revision) {
    entries.add(new Entry(completed, Outcome.OK, completed, revision, null));
  }

  synchronized void fail(Op invoked, String error) {
    failed.incrementAndGet();
    entries.add(new Entry(invoked, Outcome.FAIL, null, 0, error));
  }

  synchronized void unknown(Op invoked, String error) {
    unknown.incrementAndGet();
    entries.add(new Entry(invoked, Outcome.UNKNOWN, invoked.timedOut(), 0, error));
  }

  /** Records that revision {@code rev} must carry this event under the watched prefix. */
  synchronized void ackedWrite(long rev, String key, String value) {
    acked.computeIfAbsent(rev, r -> new ArrayList<>()).add(new Write(key, value));
  }

  Map<Long, List<Write>> ackedWrites() {
    return new TreeMap<>(acked);
  }

  /** The history the checker reads. */
  synchronized List<Op> forChecker() {
    List<Op> out = new ArrayList<>();
    for (Entry e : entries) {
      switch (e.outcome()) {
        case OK -> out.add(e.completed());
        case UNKNOWN -> {
          if (e.invoked().kind() != Op.Kind.GET) {
            out.add(e.completed());
          }
        }
        case FAIL -> {}
      }
    }
    return out;
  }

  synchronized List<Entry> entries() {
    return List.copyOf(entries);
  }

  synchronized int size() {
    return entries.size();
  }

  long unknownCount() {
    return unknown.get();
  }

  long failedCount() {
    return failed.get();
  }
}
