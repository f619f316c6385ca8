package dev.cairn.store;

import static dev.cairn.store.Bytes.b;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.junit.jupiter.api.Assumptions.assumeFalse;
import static org.junit.jupiter.params.provider.Arguments.arguments;

import java.util.Collections;
import java.util.List;
import java.util.stream.Stream;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.Arguments;
import org.junit.jupiter.params.provider.MethodSource;

/**
 * Every bad input gets its typed error and changes nothing: not the revision, not any retained
 * revision's data, not the leases. Limits are small here: requests up to 1024 bytes, 4 ops per txn.
 *
 * <pre>
 *   state: lease 5 · a=1 (lease 5) @1 · b=2 @2 · compacted at 2 · c=3 @3 · d=4 @4 · del d @5
 * </pre>
 */
class BadInputTest extends StoreContract {
  static final String BIG = "x".repeat(2000);
  static final String MEDIUM = "m".repeat(400);

  @Override
  StoreConfig config() {
    return super.config().withLimits(1024, 4);
  }

  @BeforeEach
  void state() {
    apply(new Command.LeaseGrant(5, 60));
    put("a", "1", 5);
    put("b", "2");
    apply(new Command.Compact(2, true));
    put("c", "3");
    put("d", "4");
    del("d");
  }

  static Command.Txn txn(RequestOp... ops) {
    return new Command.Txn(List.of(), List.of(ops), List.of());
  }

  static Stream<Arguments> badCommands() {
    Compare always = Compare.version(b("a"), Compare.Result.GREATER, -1);
    return Stream.of(
        arguments("put of the empty key", Bytes.put("", "v"), StoreError.EMPTY_KEY),
        arguments(
            "delete of the empty key", Command.DeleteRange.of(new byte[0]), StoreError.EMPTY_KEY),
        arguments("delete range from the empty key", Bytes.del("", "z"), StoreError.EMPTY_KEY),
        arguments(
            "txn put of the empty key",
            txn(Bytes.put("n", "1"), Bytes.put("", "v")),
            StoreError.EMPTY_KEY),
        arguments(
            "txn read of the empty key",
            txn(Bytes.put("n", "1"), Bytes.range("", "z")),
            StoreError.EMPTY_KEY),
        arguments("value over the limit", Bytes.put("n", BIG), StoreError.REQUEST_TOO_LARGE),
        arguments("key over the limit", Bytes.put(BIG, "v"), StoreError.REQUEST_TOO_LARGE),
        arguments(
            "txn over the limit in sum",
            txn(Bytes.put("n1", MEDIUM), Bytes.put("n2", MEDIUM), Bytes.put("n3", MEDIUM)),
            StoreError.REQUEST_TOO_LARGE),
        arguments(
            "ignore_value with a value",
            new Command.Put(b("a"), b("v"), 0, false, true, false),
            StoreError.VALUE_PROVIDED),
        arguments(
            "ignore_lease with a lease",
            new Command.Put(b("a"), b("v"), 5, false, false, true),
            StoreError.LEASE_PROVIDED),
        arguments(
            "ignore_value on a missing key",
            new Command.Put(b("n"), null, 0, false, true, false),
            StoreError.KEY_NOT_FOUND),
        arguments(
            "ignore_lease on a missing key",
            new Command.Put(b("n"), b("v"), 0, false, false, true),
            StoreError.KEY_NOT_FOUND),
        arguments(
            "ignore_value on a deleted key",
            new Command.Put(b("d"), null, 0, false, true, false),
            StoreError.KEY_NOT_FOUND),
        arguments(
            "put with an unknown lease",
            Bytes.put("n", "v").withLease(9),
            StoreError.LEASE_NOT_FOUND),
        arguments(
            "txn whose second put has an unknown lease",
            txn(Bytes.put("n", "1"), Bytes.put("m", "v").withLease(9)),
            StoreError.LEASE_NOT_FOUND),
        arguments(
            "txn with an ignore_value put on a missing key",
            txn(Bytes.del("a"), new Command.Put(b("n"), null, 0, false, true, false)),
            StoreError.KEY_NOT_FOUND),
        arguments(
            "txn with 5 ops",
            txn(
                Bytes.put("n1", "1"),
                Bytes.put("n2", "1"),
                Bytes.put("n3", "1"),
                Bytes.put("n4", "1"),
                Bytes.put("n5", "1")),
            StoreError.TOO_MANY_OPS),
        arguments(
            "txn with 5 failure ops",
            new Command.Txn(
                List.of(), List.of(), Collections.nCopies(5, (RequestOp) Bytes.range("a", null))),
            StoreError.TOO_MANY_OPS),
        arguments(
            "txn with 5 compares",
            new Command.Txn(
                Collections.nCopies(5, always), List.of(Bytes.put("n", "1")), List.of()),
            StoreError.TOO_MANY_OPS),
        arguments(
            "nested txn with 5 ops",
            txn(
                Bytes.put("n", "1"),
                txn(
                    Bytes.put("n1", "1"),
                    Bytes.put("n2", "1"),
                    Bytes.put("n3", "1"),
                    Bytes.put("n4", "1"),
                    Bytes.put("n5", "1"))),
            StoreError.TOO_MANY_OPS),
        arguments(
            "txn whose untaken branch has ignore_value with a value",
            new Command.Txn(
                List.of(),
                List.of(Bytes.put("n", "1")),
                List.of(new Command.Put(b("a"), b("v"), 0, false, true, false))),
            StoreError.VALUE_PROVIDED),
        arguments(
            "txn writing a key twice",
            txn(Bytes.put("n", "1"), Bytes.put("n", "2")),
            StoreError.DUPLICATE_KEY),
        arguments(
            "txn read below the compaction",
            txn(Bytes.put("n", "1"), Bytes.range("a", null).atRevision(1)),
            StoreError.COMPACTED),
        arguments(
            "txn read in the future",
            txn(Bytes.put("n", "1"), Bytes.range("a", null).atRevision(99)),
            StoreError.FUTURE_REVISION),
        // etcd checks a txn's reads against the revision before the txn, not its unfinished own
        arguments(
            "txn read at its own revision",
            txn(Bytes.put("n", "1"), Bytes.range("a", null).atRevision(6)),
            StoreError.FUTURE_REVISION),
        arguments(
            "compact below the compaction", new Command.Compact(1, true), StoreError.COMPACTED),
        arguments("compact at the compaction", new Command.Compact(2, true), StoreError.COMPACTED),
        arguments(
            "compact in the future", new Command.Compact(99, true), StoreError.FUTURE_REVISION),
        arguments(
            "grant of an existing lease", new Command.LeaseGrant(5, 10), StoreError.LEASE_EXISTS),
        arguments(
            "grant with too large a ttl",
            new Command.LeaseGrant(6, StoreConfig.MAX_LEASE_TTL + 1),
            StoreError.LEASE_TTL_TOO_LARGE),
        arguments(
            "revoke of an unknown lease", new Command.LeaseRevoke(6), StoreError.LEASE_NOT_FOUND));
  }

  @ParameterizedTest(name = "{0} → {2}")
  @MethodSource("badCommands")
  void aRefusedCommandChangesNothing(String what, Command bad, StoreError error) {
    Snapshot before = snapshot();
    StoreError expected = error;

    assertThatThrownBy(() -> apply(bad))
        .isInstanceOf(StoreException.class)
        .satisfies(e -> assertThat(((StoreException) e).error()).isEqualTo(expected))
        .hasMessage(expected.message());
    assertThat(snapshot()).isEqualTo(before);
    assertThat(put("after", "1")).as("the store still takes writes").isEqualTo(6);
  }

  @ParameterizedTest(name = "{0} → {2}")
  @MethodSource("badCommands")
  void aRefusedCommandInsideABatchLeavesNoTraceWhileTheOthersCommit(
      String what, Command bad, StoreError error) {
    assumeFalse(what.contains("own revision"), "the batch's first put moves the revision");
    try (ApplyBatch batch = store.newBatch()) {
      batch.apply(Bytes.put("before", "1"));
      assertThatThrownBy(() -> batch.apply(bad)).isInstanceOf(StoreException.class);
      batch.apply(Bytes.put("after", "1"));
      batch.commit(new AppliedIndex(1, 7));
    }

    assertThat(get("before").modRevision()).isEqualTo(6);
    assertThat(get("after").modRevision()).as("the refused command took no revision").isEqualTo(7);
    assertThat(contents()).isEqualTo("a=1 after=1 b=2 before=1 c=3");
    assertThat(store.leases()).containsExactly(new Lease(5, 60, 0));
    assertThat(store.compactRevision()).isEqualTo(2);
    assertThat(store.appliedIndex()).isEqualTo(new AppliedIndex(1, 7));
  }

  @Test
  void limitsAreInclusive() {
    Result.Txn r =
        (Result.Txn)
            apply(
                txn(
                    Bytes.put("n1", "1"),
                    Bytes.put("n2", "1"),
                    Bytes.put("n3", "1"),
                    Bytes.put("n4", "1")));
    assertThat(r.succeeded()).isTrue();
    assertThat(put("n", "v".repeat(512))).isEqualTo(7);
  }

  @Test
  void badReadsAreRefusedWithTheirTypes() {
    assertThatThrownBy(() -> store.range(Bytes.range("a", null).atRevision(1)))
        .isInstanceOf(CompactedException.class);
    assertThatThrownBy(() -> store.range(Bytes.range("a", null).atRevision(6)))
        .isInstanceOf(FutureRevisionException.class)
        .satisfies(e -> assertThat(((FutureRevisionException) e).currentRevision()).isEqualTo(5));
    assertThatThrownBy(() -> store.range(Bytes.range("", "z")))
        .isInstanceOf(StoreException.class)
        .extracting(e -> ((StoreException) e).error())
        .isEqualTo(StoreError.EMPTY_KEY);
    assertThat(keys(store.range(Bytes.range("a", "\\0").atRevision(2)))).isEqualTo("a b");
  }
}
