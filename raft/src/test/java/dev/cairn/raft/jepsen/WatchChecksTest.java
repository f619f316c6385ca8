package dev.cairn.raft.jepsen;

import static org.assertj.core.api.Assertions.assertThat;

import dev.cairn.raft.jepsen.WatchRecorder.Event;
import java.util.ArrayList;
import java.util.List;
import java.util.function.Supplier;
import java.util.stream.Stream;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.Arguments;
import org.junit.jupiter.params.provider.MethodSource;

/**
 * The watch checks on hand-made streams: each row is what two members' watchers delivered (one list
 * per response) and the anomaly expected, if any. Acknowledged writes: k1=a at 2, k2=b at 3, k1
 * deleted at 4.
 */
class WatchChecksTest {
  static Event put(long rev, String key, String value) {
    return new Event(rev, Workload.PREFIX + key, value);
  }

  static Event del(long rev, String key) {
    return new Event(rev, Workload.PREFIX + key, null);
  }

  static WatchRecorder good(String name) {
    return new WatchRecorder(name, 1)
        .delivered(put(2, "k1", "a"))
        .delivered(put(3, "k2", "b"), put(3, "txn/k2", "b"))
        .delivered(del(4, "k1"));
  }

  static Stream<Arguments> rows() {
    return Stream.of(
        row("two equal streams", () -> good("w2"), null),
        row(
            "all in one response",
            () ->
                new WatchRecorder("w2", 1)
                    .delivered(
                        put(2, "k1", "a"), put(3, "k2", "b"), put(3, "txn/k2", "b"), del(4, "k1")),
            null),
        row(
            "resumed from a later start revision",
            () ->
                new WatchRecorder("w2", 3)
                    .delivered(put(3, "k2", "b"), put(3, "txn/k2", "b"))
                    .delivered(del(4, "k1")),
            null),
        row(
            "a lease expiring after the final revision, seen by one stream only so far",
            () -> good("w2").delivered(del(5, "ttl/1")),
            null),
        row(
            "a duplicate after a resume",
            () -> good("w2").delivered(del(4, "k1")),
            "w2: duplicate event"),
        row(
            "a revision skipped",
            () -> new WatchRecorder("w2", 1).delivered(put(2, "k1", "a")).delivered(del(4, "k1")),
            "w2: gap, revisions [3]"),
        row(
            "a revision split over two responses",
            () ->
                new WatchRecorder("w2", 1)
                    .delivered(put(2, "k1", "a"))
                    .delivered(put(3, "k2", "b"))
                    .delivered(put(3, "txn/k2", "b"))
                    .delivered(del(4, "k1")),
            "w2: event out of order"),
        row(
            "out of order",
            () ->
                new WatchRecorder("w2", 1)
                    .delivered(put(3, "k2", "b"), put(3, "txn/k2", "b"))
                    .delivered(put(2, "k1", "a"))
                    .delivered(del(4, "k1")),
            "w2: event out of order"),
        row(
            "another value at a revision",
            () ->
                new WatchRecorder("w2", 1)
                    .delivered(put(2, "k1", "x"))
                    .delivered(put(3, "k2", "b"), put(3, "txn/k2", "b"))
                    .delivered(del(4, "k1")),
            "watchers disagree at revision 2"),
        row(
            "ends early",
            () ->
                new WatchRecorder("w2", 1)
                    .delivered(put(2, "k1", "a"))
                    .delivered(put(3, "k2", "b"), put(3, "txn/k2", "b")),
            "w2: stopped at revision 3 of 4"));
  }

  static Arguments row(String name, Supplier<WatchRecorder> second, String anomaly) {
    return Arguments.of(name, second, anomaly);
  }

  @ParameterizedTest(name = "{0}")
  @MethodSource("rows")
  void findsWatchAnomalies(String name, Supplier<WatchRecorder> second, String anomaly)
      throws Exception {
    History history = new History();
    history.ackedWrite(2, Workload.PREFIX + "k1", "a");
    history.ackedWrite(3, Workload.PREFIX + "k2", "b");
    history.ackedWrite(4, Workload.PREFIX + "k1", null);
    List<String> anomalies = new ArrayList<>();
    FaultRun.checkWatches(
        List.of(good("w1"), second.get()), history, 4, System.nanoTime(), anomalies);
    if (anomaly == null) {
      assertThat(anomalies).isEmpty();
    } else {
      assertThat(anomalies).anySatisfy(a -> assertThat(a).startsWith(anomaly));
    }
  }

  @ParameterizedTest(name = "an acknowledged write missing from every stream: {0}")
  @MethodSource("missingWrites")
  void findsLostAcknowledgedWrites(String write, long rev, String key, String value)
      throws Exception {
    History history = new History();
    history.ackedWrite(rev, Workload.PREFIX + key, value);
    List<String> anomalies = new ArrayList<>();
    FaultRun.checkWatches(
        List.of(good("w1"), good("w2")), history, 4, System.nanoTime(), anomalies);
    assertThat(anomalies).anySatisfy(a -> assertThat(a).startsWith("acknowledged write"));
  }

  static Stream<Arguments> missingWrites() {
    return Stream.of(
        Arguments.of("another value", 2, "k1", "z"),
        Arguments.of("another key", 3, "k3", "b"),
        Arguments.of("a delete shown as a put", 2, "k1", null));
  }
}
