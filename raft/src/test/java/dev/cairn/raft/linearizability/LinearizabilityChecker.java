package dev.cairn.raft.linearizability;

import java.util.ArrayDeque;
import java.util.ArrayList;
import java.util.BitSet;
import java.util.Comparator;
import java.util.Deque;
import java.util.HashSet;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.Set;

/**
 * Decides whether a concurrent history of key-value operations is linearizable, in the manner of
 * Porcupine and Knossos: the history is split per key (a key-value store is linearizable iff each
 * key is, since operations touch one key each), and each key's history is searched with the
 * Wing–Gong algorithm, memoizing visited (linearized set, state) pairs as Lowe suggested.
 *
 * <p>The search walks a list of call and return events in time order. At a call it tries to
 * linearize that operation next: if the register model accepts its output, the operation is taken
 * off the list and the search goes on; at a return whose operation is not yet linearized, the last
 * choice was wrong and it backtracks. A worked example on one key:
 *
 * <pre>
 *   c1: |--put x=1--|
 *   c2:      |--get x → 1--|     linearizable: put, then get
 *   c3:                      |--get x → null--|   not: nothing deletes x after the put
 * </pre>
 */
public final class LinearizabilityChecker {
  /** The verdict, with the key and operations that could not be ordered when it is a violation. */
  public record Verdict(Result result, String key, List<Op> operations) {
    public boolean ok() {
      return result == Result.OK;
    }
  }

  public enum Result {
    OK,
    VIOLATION,
    /** The search budget ran out before an answer (the history is too concurrent to decide). */
    UNKNOWN
  }

  private final long budget;

  /**
   * @param budget search steps per key before giving up with {@link Result#UNKNOWN}
   */
  public LinearizabilityChecker(long budget) {
    this.budget = budget;
  }

  public LinearizabilityChecker() {
    this(50_000_000L);
  }

  public Verdict check(List<Op> history) {
    Map<String, List<Op>> byKey = new LinkedHashMap<>();
    for (Op op : history) {
      byKey.computeIfAbsent(op.key(), k -> new ArrayList<>()).add(op);
    }
    Verdict unknown = null;
    for (Map.Entry<String, List<Op>> e : byKey.entrySet()) {
      Result r = checkKey(e.getValue());
      if (r == Result.VIOLATION) {
        return new Verdict(r, e.getKey(), e.getValue());
      }
      if (r == Result.UNKNOWN && unknown == null) {
        unknown = new Verdict(r, e.getKey(), e.getValue());
      }
    }
    return unknown != null ? unknown : new Verdict(Result.OK, null, List.of());
  }

  /** One event of the search list: the call or the return of operation {@code id}. */
  private static final class Entry {
    final int id;
    final boolean call;
    final long time;
    Entry match;
    Entry prev;
    Entry next;

    Entry(int id, boolean call, long time) {
      this.id = id;
      this.call = call;
      this.time = time;
    }
  }

  private record Memo(BitSet linearized, String state) {}

  private record Choice(Entry call, String state) {}

  Result checkKey(List<Op> ops) {
    List<Entry> events = new ArrayList<>();
    for (int i = 0; i < ops.size(); i++) {
      Op op = ops.get(i);
      Entry call = new Entry(i, true, op.called());
      Entry ret = new Entry(i, false, op.returned());
      call.match = ret;
      ret.match = call;
      events.add(call);
      events.add(ret);
    }
    // by time; at equal times calls first, so touching operations count as concurrent
    events.sort(Comparator.comparingLong((Entry e) -> e.time).thenComparing(e -> !e.call));
    Entry head = new Entry(-1, false, Long.MIN_VALUE);
    Entry tail = head;
    for (Entry e : events) {
      tail.next = e;
      e.prev = tail;
      tail = e;
    }
    BitSet linearized = new BitSet(ops.size());
    Set<Memo> seen = new HashSet<>();
    Deque<Choice> stack = new ArrayDeque<>();
    String state = null; // the key starts absent
    Entry entry = head.next;
    long steps = 0;
    while (head.next != null) {
      if (++steps > budget) {
        return Result.UNKNOWN;
      }
      if (entry == null) {
        return Result.VIOLATION; // defensive: cannot happen while returns remain
      }
      if (entry.call) {
        Op op = ops.get(entry.id);
        String next = step(state, op);
        if (next != null) {
          BitSet candidate = (BitSet) linearized.clone();
          candidate.set(entry.id);
          String after = next == ABSENT ? null : next;
          if (seen.add(new Memo(candidate, after))) {
            stack.push(new Choice(entry, state));
            state = after;
            linearized = candidate;
            lift(entry);
            entry = head.next;
            continue;
          }
        }
        entry = entry.next;
      } else {
        if (stack.isEmpty()) {
          return Result.VIOLATION;
        }
        Choice c = stack.pop();
        state = c.state();
        linearized.clear(c.call().id);
        unlift(c.call());
        entry = c.call().next;
      }
    }
    return Result.OK;
  }

  private static final String ABSENT = new String("<absent>");

  /**
   * The register model: the state after {@code op} from {@code state} (null = absent), or null if
   * {@code op}'s recorded output is impossible in that state (a get's value, a CAS's success, a
   * delete's count of deleted keys). Returns {@link #ABSENT} for "absent after". An operation with
   * an unknown outcome accepts any state.
   */
  private static String step(String state, Op op) {
    switch (op.kind()) {
      case GET:
        if (op.unknown()) {
          return orAbsent(state);
        }
        return Objects.equals(state, op.output()) ? orAbsent(state) : null;
      case PUT:
        return op.value();
      case DELETE:
        // a delete that answered deletes the key if and only if it was there
        if (!op.unknown()
            && op.output() != null
            && (state != null) != (Long.parseLong(op.output()) > 0)) {
          return null;
        }
        return ABSENT;
      case CAS:
        boolean matches = Objects.equals(state, op.expected());
        if (op.unknown()) {
          return matches ? op.value() : orAbsent(state);
        }
        boolean ok = Boolean.parseBoolean(op.output());
        if (ok != matches) {
          return null;
        }
        return ok ? op.value() : orAbsent(state);
      default:
        throw new AssertionError(op.kind());
    }
  }

  private static String orAbsent(String s) {
    return s == null ? ABSENT : s;
  }

  private static void lift(Entry call) {
    call.prev.next = call.next;
    if (call.next != null) {
      call.next.prev = call.prev;
    }
    Entry ret = call.match;
    ret.prev.next = ret.next;
    if (ret.next != null) {
      ret.next.prev = ret.prev;
    }
  }

  private static void unlift(Entry call) {
    Entry ret = call.match;
    ret.prev.next = ret;
    if (ret.next != null) {
      ret.next.prev = ret;
    }
    call.prev.next = call;
    if (call.next != null) {
      call.next.prev = call;
    }
  }
}
