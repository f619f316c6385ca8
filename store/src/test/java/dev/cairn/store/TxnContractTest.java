package dev.cairn.store;

import static dev.cairn.store.Bytes.b;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.cairn.store.Compare.Target;
import java.util.List;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;

/**
 * Txn, as etcd's {@code txn.go}. The compare rows read this state (revision 4):
 *
 * <pre>
 *  key  value  create  mod  version  lease
 *  a    "2"    1       2    2        0        (put a=1 at 1, a=2 at 2)
 *  b    "x"    3       3    1        7
 *  c    "y"    4       4    1        0
 *  m    missing: VERSION/CREATE/MOD/LEASE read as 0, any VALUE compare is false
 * </pre>
 */
class TxnContractTest extends StoreContract {

  @BeforeEach
  void state() {
    put("a", "1");
    put("a", "2");
    apply(new Command.LeaseGrant(7, 60));
    put("b", "x", 7);
    put("c", "y");
    assertThat(store.revision()).isEqualTo(4);
  }

  @ParameterizedTest(name = "{1}..{2} {0} {3} {4} → {5}")
  @CsvSource(
      delimiter = '|',
      nullValues = "-",
      textBlock =
          """
          # target | key | end | result    | operand | holds
            VERSION | a  | -   | EQUAL     | 2       | true
            VERSION | a  | -   | GREATER   | 1       | true
            VERSION | a  | -   | LESS      | 2       | false
            VERSION | a  | -   | NOT_EQUAL | 2       | false
            CREATE  | a  | -   | EQUAL     | 1       | true
            CREATE  | a  | -   | GREATER   | 1       | false
            CREATE  | c  | -   | GREATER   | 3       | true
            MOD     | a  | -   | EQUAL     | 2       | true
            MOD     | a  | -   | LESS      | 3       | true
            MOD     | b  | -   | NOT_EQUAL | 3       | false
            VALUE   | a  | -   | EQUAL     | 2       | true
            VALUE   | a  | -   | GREATER   | 1       | true
            VALUE   | a  | -   | LESS      | 10      | false
            VALUE   | a  | -   | NOT_EQUAL | 2       | false
            VALUE   | b  | -   | LESS      | y       | true
            LEASE   | b  | -   | EQUAL     | 7       | true
            LEASE   | a  | -   | EQUAL     | 0       | true
            LEASE   | b  | -   | NOT_EQUAL | 0       | true
            LEASE   | b  | -   | GREATER   | 7       | false
          # a missing key reads as zeros, but never satisfies a VALUE compare
            VERSION | m  | -   | EQUAL     | 0       | true
            CREATE  | m  | -   | EQUAL     | 0       | true
            MOD     | m  | -   | LESS      | 1       | true
            LEASE   | m  | -   | EQUAL     | 0       | true
            VERSION | m  | -   | GREATER   | 0       | false
            VALUE   | m  | -   | EQUAL     | ''      | false
            VALUE   | m  | -   | NOT_EQUAL | z       | false
            VALUE   | m  | -   | LESS      | z       | false
          # over a range every key must satisfy it
            VERSION | a  | d   | GREATER   | 0       | true
            VERSION | a  | d   | EQUAL     | 1       | false
            VERSION | b  | d   | EQUAL     | 1       | true
            MOD     | a  | d   | LESS      | 5       | true
            MOD     | a  | d   | GREATER   | 2       | false
            VALUE   | a  | d   | NOT_EQUAL | z       | true
            VALUE   | a  | d   | GREATER   | 2       | false
            LEASE   | a  | d   | EQUAL     | 0       | false
            LEASE   | a  | \\0 | LESS      | 8       | true
          # an empty range compares like a missing key
            VERSION | m  | z   | EQUAL     | 0       | true
            VALUE   | m  | z   | EQUAL     | ''      | false
          """)
  void compare(
      Target target, String key, String end, Compare.Result result, String operand, boolean holds) {
    Compare cmp =
        target == Target.VALUE
            ? new Compare(b(key), Bytes.end(end), target, result, 0, b(operand))
            : new Compare(b(key), Bytes.end(end), target, result, Long.parseLong(operand), null);

    Result.Txn r =
        (Result.Txn)
            apply(
                txn(
                    List.of(cmp),
                    List.of(Bytes.put("then", "1")),
                    List.of(Bytes.put("else", "1"))));

    assertThat(r.succeeded()).isEqualTo(holds);
    assertThat(contents()).contains(holds ? "then=1" : "else=1");
    assertThat(contents()).doesNotContain(holds ? "else=" : "then=");
    assertThat(r.revision()).isEqualTo(5);
    assertThat(r.responses()).containsExactly(new Result.Put(5, null));
  }

  @ParameterizedTest(name = "{0}  →  {1}")
  @CsvSource(
      delimiterString = "=>",
      textBlock =
          """
          # success ops (failure ops after |)        => refused
          # a key written twice in one branch, by puts or a put inside a deleted range
            put a; put a                               => true
            put a; del a                               => true
            del a; put a                               => true
            del a..c; put b                            => true
            del a..\\0; put z                          => true
            put x; txn{put x}                          => true
            del a..c; txn{put b}                       => true
            txn{del b}; put b                          => true
            txn{put x}; txn{put x}                     => true
            txn{put x | put y}; txn{put y}             => true
          # the failure branch is checked even when the success branch runs
            put a | put b; put b                       => true
          # not duplicates
            del a; del a                               => false
            del a..c; del b                            => false
            put a | put a                              => false
            txn{put x | put x}                         => false
            put a; put b; del c                        => false
            get a; put a; get a                        => false
            del a..c; put c                            => false
          """)
  void duplicateKeys(String ops, boolean refused) {
    String[] branches = ops.split("\\|(?![^{]*})", 2);
    Command.Txn t =
        txn(
            List.of(),
            Ops.parse(branches[0]),
            branches.length > 1 ? Ops.parse(branches[1]) : List.of());
    Snapshot before = snapshot();

    if (refused) {
      assertThatThrownBy(() -> apply(t))
          .isInstanceOf(StoreException.class)
          .extracting(e -> ((StoreException) e).error())
          .isEqualTo(StoreError.DUPLICATE_KEY);
      assertThat(snapshot()).isEqualTo(before);
    } else {
      assertThat(apply(t)).isInstanceOf(Result.Txn.class);
    }
  }

  @Test
  void oneRevisionForTheWholeTxn() {
    Result.Txn r =
        (Result.Txn)
            apply(txn(List.of(), Ops.parse("put x=1; put y=2; del a; put b=z"), List.of()));

    assertThat(r.revision()).isEqualTo(5);
    assertThat(store.revision()).isEqualTo(5);
    assertThat(get("x").modRevision()).isEqualTo(5);
    assertThat(get("y").modRevision()).isEqualTo(5);
    assertThat(get("b")).isEqualTo(new KeyValue(b("b"), 3, 5, 2, b("z"), 0));
    assertThat(get("a")).isNull();
    assertThat(get("a", 4).value()).isEqualTo(b("2"));
  }

  @ParameterizedTest(name = "{0} → revision {1}")
  @CsvSource(
      delimiter = '|',
      textBlock =
          """
          # ops                          | revision after
            get a                         | 4
            get a..\\0; get m             | 4
            del m                         | 4
            del m..n; get a               | 4
            put m                         | 5
            get a; del m; put n; del a    | 5
            txn{get a}                    | 4
            txn{del m}                    | 4
            txn{txn{put n}}               | 5
          """)
  void onlyAChangeTakesARevision(String ops, long revision) {
    Result.Txn r = (Result.Txn) apply(txn(List.of(), Ops.parse(ops), List.of()));

    assertThat(r.revision()).isEqualTo(revision);
    assertThat(store.revision()).isEqualTo(revision);
  }

  @Test
  void readsInsideSeeEarlierWritesOfTheSameTxn() {
    Result.Txn r =
        (Result.Txn)
            apply(txn(List.of(), Ops.parse("get n; put n=1; get n; get a..\\0"), List.of()));

    assertThat(r.responses().get(0)).isEqualTo(new Result.Range(4, List.of(), false, 0));
    assertThat(r.responses().get(1)).isEqualTo(new Result.Put(5, null));
    assertThat(r.responses().get(2))
        .isEqualTo(
            new Result.Range(5, List.of(new KeyValue(b("n"), 5, 5, 1, b("1"), 0)), false, 1));
    assertThat(keys((Result.Range) r.responses().get(3))).isEqualTo("a b c n");
  }

  @Test
  void innerResultsCarryTheRevisionReachedSoFar() {
    Result.Txn r =
        (Result.Txn)
            apply(txn(List.of(), Ops.parse("get a; del m; put n; del m; get a"), List.of()));

    assertThat(r.responses())
        .extracting(Result::revision)
        .as("etcd: beginRev until the first change, then beginRev + 1")
        .containsExactly(4L, 4L, 5L, 5L, 5L);
  }

  @Test
  void deleteInsideATxnReportsPrevKvsAndCount() {
    Result.Txn r =
        (Result.Txn)
            apply(
                txn(
                    List.of(),
                    List.<RequestOp>of(Command.DeleteRange.range(b("a"), b("c")).withPrevKv()),
                    List.of()));

    assertThat(r.responses())
        .containsExactly(
            new Result.DeleteRange(
                5,
                2,
                List.of(
                    new KeyValue(b("a"), 1, 2, 2, b("2"), 0),
                    new KeyValue(b("b"), 3, 3, 1, b("x"), 7))));
    assertThat(store.leaseKeys(7)).isEmpty();
  }

  @Test
  void theFailureBranchRunsWhenACompareFails() {
    Result.Txn r =
        (Result.Txn)
            apply(
                txn(
                    List.of(
                        Compare.version(b("a"), Compare.Result.EQUAL, 2),
                        Compare.value(b("c"), Compare.Result.EQUAL, b("no"))),
                    Ops.parse("put s"),
                    Ops.parse("get c; put f=1")));

    assertThat(r.succeeded()).isFalse();
    assertThat(r.responses()).hasSize(2);
    assertThat(keys((Result.Range) r.responses().get(0))).isEqualTo("c");
    assertThat(get("s")).isNull();
    assertThat(get("f").modRevision()).isEqualTo(5);
  }

  @Test
  void aFailedCompareWithAnEmptyFailureBranchChangesNothing() {
    Result.Txn r =
        (Result.Txn)
            apply(
                txn(
                    List.of(Compare.version(b("a"), Compare.Result.EQUAL, 9)),
                    Ops.parse("put s"),
                    List.of()));

    assertThat(r).isEqualTo(new Result.Txn(4, false, List.of()));
    assertThat(store.revision()).isEqualTo(4);
  }

  @Test
  void nestedTxnsPickTheirBranchAndShareTheRevision() {
    Command.Txn inner =
        txn(
            List.of(Compare.value(b("a"), Compare.Result.EQUAL, b("2"))),
            Ops.parse("put yes; get a"),
            Ops.parse("put no"));
    Command.Txn innerFailing =
        txn(
            List.of(Compare.createRevision(b("c"), Compare.Result.LESS, 4)),
            Ops.parse("put yes2"),
            Ops.parse("put no2"));

    Result.Txn r =
        (Result.Txn)
            apply(txn(List.of(), List.of(Bytes.put("p", "1"), inner, innerFailing), List.of()));

    assertThat(contents()).isEqualTo("a=2 b=x c=y no2=v p=1 yes=v");
    assertThat(r.responses()).hasSize(3);
    Result.Txn in = (Result.Txn) r.responses().get(1);
    assertThat(in.succeeded()).isTrue();
    assertThat(in.responses()).hasSize(2);
    assertThat(((Result.Txn) r.responses().get(2)).succeeded()).isFalse();
    assertThat(get("yes").modRevision()).isEqualTo(5);
    assertThat(get("no2").modRevision()).isEqualTo(5);
    assertThat(store.revision()).isEqualTo(5);
  }

  /**
   * etcd ({@code compareToPath}) evaluates every compare, nested ones included, against the state
   * before the transaction runs: a nested compare does not see the outer transaction's writes.
   */
  @Test
  void nestedComparesSeeTheStateBeforeTheTxn() {
    Command.Txn inner =
        txn(
            List.of(Compare.version(b("n"), Compare.Result.EQUAL, 0)),
            Ops.parse("put before"),
            Ops.parse("put after"));

    apply(txn(List.of(), List.of(Bytes.put("n", "1"), inner), List.of()));

    assertThat(get("before")).isNotNull();
    assertThat(get("after")).isNull();
  }

  @Test
  void putInsideATxnReportsPrevKvAndKeepsLeaseOnIgnoreLease() {
    Result.Txn r =
        (Result.Txn)
            apply(
                txn(
                    List.of(),
                    List.<RequestOp>of(
                        new Command.Put(b("b"), b("x2"), 0, true, false, true),
                        new Command.Put(b("a"), null, 0, true, true, false)),
                    List.of()));

    assertThat(r.responses())
        .containsExactly(
            new Result.Put(5, new KeyValue(b("b"), 3, 3, 1, b("x"), 7)),
            new Result.Put(5, new KeyValue(b("a"), 1, 2, 2, b("2"), 0)));
    assertThat(get("b")).isEqualTo(new KeyValue(b("b"), 3, 5, 2, b("x2"), 7));
    assertThat(get("a")).isEqualTo(new KeyValue(b("a"), 1, 5, 3, b("2"), 0));
  }
}
