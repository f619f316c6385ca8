package dev.cairn.raft.linearizability;

import static org.assertj.core.api.Assertions.assertThat;

import java.util.ArrayList;
import java.util.List;
import java.util.Random;
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.Arguments;
import org.junit.jupiter.params.provider.MethodSource;

/**
 * Histories drawn as time lines (one row per client, {@code |--op--|} from call to return), each
 * with the checker's expected verdict.
 */
class LinearizabilityCheckerTest {

  static Stream<Arguments> histories() {
    return Stream.of(
        Arguments.of(
            // c1 |--put x=1--|
            // c2               |--get x → 1--|
            "a read after a write sees it",
            List.of(Op.put(1, "x", "1", 0, 10), Op.get(2, "x", "1", 20, 30)),
            true),
        Arguments.of(
            // c1 |--put x=1--|
            // c2               |--get x → null--|
            "a read after a completed write misses it",
            List.of(Op.put(1, "x", "1", 0, 10), Op.get(2, "x", null, 20, 30)),
            false),
        Arguments.of(
            // c1 |--------put x=1--------|
            // c2     |--get x → null--|
            // c3        |--get x → 1--|
            "reads overlapping a write may see either side",
            List.of(
                Op.put(1, "x", "1", 0, 100),
                Op.get(2, "x", null, 10, 50),
                Op.get(3, "x", "1", 20, 60)),
            true),
        Arguments.of(
            // c1 |--------put x=1--------|
            // c2     |--get x → 1--|
            // c3                   |--get x → null--|   (starts after c2 ended)
            "once a read saw the write, a later read cannot miss it",
            List.of(
                Op.put(1, "x", "1", 0, 100),
                Op.get(2, "x", "1", 10, 20),
                Op.get(3, "x", null, 30, 40)),
            false),
        Arguments.of(
            // c1 |--put x=1--|  |--put x=2--|
            // c2                               |--get x → 1--|
            "a stale read after two writes",
            List.of(
                Op.put(1, "x", "1", 0, 10),
                Op.put(1, "x", "2", 20, 30),
                Op.get(2, "x", "1", 40, 50)),
            false),
        Arguments.of(
            // c1 |--put x=1--|
            // c2               |--del x : 1--|  |--del x : 0--|
            "a delete counts the key it deleted, and a second one finds nothing",
            List.of(
                Op.put(1, "x", "1", 0, 10),
                Op.delete(2, "x", 1, 20, 30),
                Op.delete(2, "x", 0, 40, 50)),
            true),
        Arguments.of(
            // c1 |--put x=1--|
            // c2               |--del x : 0--|
            "a delete after a completed write says it deleted nothing",
            List.of(Op.put(1, "x", "1", 0, 10), Op.delete(2, "x", 0, 20, 30)),
            false),
        Arguments.of(
            // c2 |--del x : 1--|   (x never written)
            "a delete of a key never written says it deleted one",
            List.of(Op.delete(2, "x", 1, 0, 10)),
            false),
        Arguments.of(
            // c1 |--------put x=1--------|
            // c2     |--del x : 0--|
            // c3                          |--del x : 1--|
            "deletes overlapping a write may count either side",
            List.of(
                Op.put(1, "x", "1", 0, 100),
                Op.delete(2, "x", 0, 10, 50),
                Op.delete(3, "x", 1, 110, 120)),
            true),
        Arguments.of(
            // c1 |--put x=1--|
            // c2               |--cas x 1→2 ok--|
            // c3                                  |--get x → 2--|
            "compare-and-swap that succeeds",
            List.of(
                Op.put(1, "x", "1", 0, 10),
                Op.cas(2, "x", "1", "2", true, 20, 30),
                Op.get(3, "x", "2", 40, 50)),
            true),
        Arguments.of(
            // two CAS from the same value, both claiming success, one after the other
            "two successful CAS from the same value",
            List.of(
                Op.put(1, "x", "0", 0, 10),
                Op.cas(2, "x", "0", "a", true, 20, 30),
                Op.cas(3, "x", "0", "b", true, 40, 50)),
            false),
        Arguments.of(
            // concurrent CAS: exactly one may succeed
            "concurrent CAS, one wins",
            List.of(
                Op.put(1, "x", "0", 0, 10),
                Op.cas(2, "x", "0", "a", true, 20, 60),
                Op.cas(3, "x", "0", "b", false, 25, 55),
                Op.get(1, "x", "a", 70, 80)),
            true),
        Arguments.of(
            // c1 |--put x=1 (timed out)-- ?
            // c2                  |--get x → 1--|
            "a timed-out write may have happened",
            List.of(Op.put(1, "x", "1", 0, 10).timedOut(), Op.get(2, "x", "1", 20, 30)),
            true),
        Arguments.of(
            "a timed-out write may not have happened",
            List.of(Op.put(1, "x", "1", 0, 10).timedOut(), Op.get(2, "x", null, 20, 30)),
            true),
        Arguments.of(
            // the timed-out write can take effect only once: 1 then absent then 1 needs two
            "a timed-out write cannot take effect twice",
            List.of(
                Op.put(1, "x", "1", 0, 10).timedOut(),
                Op.get(2, "x", "1", 20, 30),
                Op.delete(3, "x", 40, 50),
                Op.get(2, "x", "1", 60, 70)),
            false),
        Arguments.of(
            "a delete then a read of the old value",
            List.of(
                Op.put(1, "x", "1", 0, 10), Op.delete(1, "x", 20, 30), Op.get(2, "x", "1", 40, 50)),
            false),
        Arguments.of(
            "keys are independent: a violation on y is found among good x",
            List.of(
                Op.put(1, "x", "1", 0, 10),
                Op.get(2, "x", "1", 20, 30),
                Op.put(1, "y", "1", 0, 10),
                Op.get(2, "y", "2", 20, 30)),
            false));
  }

  @ParameterizedTest(name = "{0}")
  @MethodSource("histories")
  void verdicts(String what, List<Op> history, boolean linearizable) {
    LinearizabilityChecker.Verdict v = new LinearizabilityChecker().check(history);
    assertThat(v.result())
        .isEqualTo(
            linearizable
                ? LinearizabilityChecker.Result.OK
                : LinearizabilityChecker.Result.VIOLATION);
  }

  /**
   * A long history produced by a real linearizable register (a lock-protected variable, with each
   * operation's effect at a random point inside its interval) is accepted; corrupting one read
   * makes it rejected. Several clients overlap heavily, which exercises the backtracking.
   */
  @Test
  void aSimulatedLinearizableRegisterPassesAndOneCorruptReadFails() {
    Random r = new Random(7);
    List<Op> history = new ArrayList<>();
    String value = null;
    long t = 0;
    // simulate: at each tick one client's operation takes effect; calls and returns spread around
    int clients = 5;
    for (int i = 0; i < 400; i++) {
      int c = i % clients;
      long call = t - r.nextInt(20);
      long effect = t;
      long ret = t + 1 + r.nextInt(20);
      t += 3;
      switch (r.nextInt(4)) {
        case 0 -> {
          history.add(Op.get(c, "x", value, call, ret));
        }
        case 1 -> {
          value = "v" + i;
          history.add(Op.put(c, "x", value, call, ret));
        }
        case 2 -> {
          value = null;
          history.add(Op.delete(c, "x", call, ret));
        }
        default -> {
          String expected = r.nextBoolean() ? value : "v" + (i - 1);
          boolean ok = java.util.Objects.equals(expected, value);
          if (ok) {
            value = "v" + i;
          }
          history.add(Op.cas(c, "x", expected, "v" + i, ok, call, ret));
        }
      }
      assertThat(effect).isBetween(call, ret);
    }
    assertThat(new LinearizabilityChecker().check(history).ok()).isTrue();

    int read = -1;
    for (int i = history.size() / 2; i < history.size(); i++) {
      if (history.get(i).kind() == Op.Kind.GET) {
        read = i;
        break;
      }
    }
    Op good = history.get(read);
    history.set(read, Op.get(good.client(), "x", "never-written", good.called(), good.returned()));
    LinearizabilityChecker.Verdict v = new LinearizabilityChecker().check(history);
    assertThat(v.result()).isEqualTo(LinearizabilityChecker.Result.VIOLATION);
    assertThat(v.key()).isEqualTo("x");
  }
}
