package dev.cairn.store;

import static dev.cairn.store.Bytes.b;
import static org.assertj.core.api.Assertions.assertThat;

import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;

/**
 * Put and DeleteRange, each command alone. Every write that changes something is one main revision;
 * a delete leaves a tombstone, and a put after it starts the key over:
 *
 * <pre>
 *   put a=1 @1   put a=2 @2   del a @3   put a=3 @4
 *   a{create 1, mod 1, v1}  a{create 1, mod 2, v2}  (tombstone)  a{create 4, mod 4, v1}
 * </pre>
 */
class WriteContractTest extends StoreContract {

  @ParameterizedTest(name = "{0} → revision {1}, {2}")
  @CsvSource(
      delimiter = '|',
      nullValues = "-",
      textBlock =
          """
          # commands, one each                | revision | contents     | a: create | mod | version
            put a=1                             | 1        | a=1          | 1         | 1   | 1
            put a=1; put a=2                    | 2        | a=2          | 1         | 2   | 2
            put a=1; put a=1                    | 2        | a=1          | 1         | 2   | 2
            put a=1; del a                      | 2        | ''           | -         | -   | -
            put a=1; del a; put a=3             | 3        | a=3          | 3         | 3   | 1
            put a=1; put a=2; del a; put a=3    | 4        | a=3          | 4         | 4   | 1
          # a change-less delete takes no revision
            del a                               | 0        | ''           | -         | -   | -
            put a=1; del a; del a               | 2        | ''           | -         | -   | -
            put a=1; del b..z                   | 1        | a=1          | 1         | 1   | 1
            put a=1; put b=2; put c=3; del a..c | 4        | c=3          | -         | -   | -
            put a=1; put b=2; del a..\\0        | 3        | ''           | -         | -   | -
            put b=2; put a=1; put b=3           | 3        | a=1 b=3      | 2         | 2   | 1
          """)
  void writes(
      String commands, long revision, String contents, Long create, Long mod, Long version) {
    for (RequestOp op : Ops.parse(commands)) {
      apply((Command) op);
    }

    assertThat(store.revision()).isEqualTo(revision);
    assertThat(contents()).isEqualTo(contents);
    KeyValue a = get("a");
    if (create == null) {
      assertThat(a).isNull();
    } else {
      assertThat(a.createRevision()).as("create").isEqualTo(create);
      assertThat(a.modRevision()).as("mod").isEqualTo(mod);
      assertThat(a.version()).as("version").isEqualTo(version);
    }
  }

  @Test
  void aDeleteLeavesATombstoneThatReadsInThePastSeeThrough() {
    put("a", "1");
    put("a", "2");
    del("a");
    put("a", "3");

    assertThat(get("a", 1)).isEqualTo(new KeyValue(b("a"), 1, 1, 1, b("1"), 0));
    assertThat(get("a", 2)).isEqualTo(new KeyValue(b("a"), 1, 2, 2, b("2"), 0));
    assertThat(get("a", 3)).isNull();
    assertThat(get("a", 4)).isEqualTo(new KeyValue(b("a"), 4, 4, 1, b("3"), 0));
  }

  @Test
  void putResultsCarryTheRevisionAndPrevKvOnlyWhenAsked() {
    Result.Put first = (Result.Put) apply(Bytes.put("a", "1").withPrevKv());
    Result.Put second = (Result.Put) apply(Bytes.put("a", "2").withPrevKv());
    Result.Put third = (Result.Put) apply(Bytes.put("a", "3"));

    assertThat(first).isEqualTo(new Result.Put(1, null));
    assertThat(second).isEqualTo(new Result.Put(2, new KeyValue(b("a"), 1, 1, 1, b("1"), 0)));
    assertThat(third).isEqualTo(new Result.Put(3, null));
  }

  @Test
  void ignoreValueKeepsTheValueAndIgnoreLeaseKeepsTheLease() {
    apply(new Command.LeaseGrant(5, 100));
    put("a", "1", 5);

    apply(new Command.Put(b("a"), null, 0, false, true, false));
    assertThat(get("a")).isEqualTo(new KeyValue(b("a"), 1, 2, 2, b("1"), 0));

    put("a", "2", 5);
    apply(new Command.Put(b("a"), b("3"), 0, false, false, true));
    assertThat(get("a")).isEqualTo(new KeyValue(b("a"), 1, 4, 4, b("3"), 5));
    assertThat(store.leaseKeys(5)).containsExactly(b("a"));
  }

  @Test
  void deleteRangeCountsAndReturnsPrevKvsInKeyOrder() {
    put("c", "3");
    put("a", "1");
    put("b", "2");
    put("d", "4");

    Result.DeleteRange r =
        (Result.DeleteRange) apply(Command.DeleteRange.range(b("a"), b("d")).withPrevKv());

    assertThat(r)
        .isEqualTo(
            new Result.DeleteRange(
                5,
                3,
                List.of(
                    new KeyValue(b("a"), 2, 2, 1, b("1"), 0),
                    new KeyValue(b("b"), 3, 3, 1, b("2"), 0),
                    new KeyValue(b("c"), 1, 1, 1, b("3"), 0))));
    assertThat(contents()).isEqualTo("d=4");
    assertThat(apply(Bytes.del("a", "d"))).isEqualTo(new Result.DeleteRange(5, 0, List.of()));
    assertThat(apply(Bytes.del("d"))).isEqualTo(new Result.DeleteRange(6, 1, List.of()));
  }

  @Test
  void emptyValuesAreValues() {
    put("a", "");

    assertThat(get("a")).isEqualTo(new KeyValue(b("a"), 1, 1, 1, new byte[0], 0));
  }
}
