package dev.cairn.store;

import static dev.cairn.store.Bytes.b;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.cairn.store.RangeRequest.SortOrder;
import dev.cairn.store.RangeRequest.SortTarget;
import java.util.List;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;

/**
 * Range, as etcd's {@code executeRange}. Every row reads the same history:
 *
 * <pre>
 *  rev   1     2     3     4      5     6       7              8
 *  a     a=1               a=11                                        create 1, mod 4, version 2
 *  b           b=2                      del b
 *  c                 c=3                                               create 3, mod 3
 *  d                              d=4                                  create 5, mod 5
 *  e/1                                          e/1=x ┐ one txn        create 7, mod 7
 *  e/2                                          e/2=y ┘                create 7, mod 7
 *  z                                                           z=9     create 8, mod 8
 * </pre>
 */
class RangeContractTest extends StoreContract {

  @BeforeEach
  void history() {
    put("a", "1");
    put("b", "2");
    put("c", "3");
    put("a", "11");
    put("d", "4");
    del("b");
    apply(txn(List.of(), List.of(Bytes.put("e/1", "x"), Bytes.put("e/2", "y")), List.of()));
    put("z", "9");
    assertThat(store.revision()).isEqualTo(8);
  }

  @ParameterizedTest(name = "[{0}, {1}) limit {2} at {3} sort {4} {5} → {6}")
  @CsvSource(
      delimiter = '|',
      nullValues = "-",
      textBlock =
          """
          # key | end | limit | rev | order   | target  | keys             | more  | count
          # single key
            a   | -   | 0     | 0   | NONE    | KEY     | a                | false | 1
            b   | -   | 0     | 0   | NONE    | KEY     | ''               | false | 0
            b   | -   | 0     | 5   | NONE    | KEY     | b                | false | 1
            b   | -   | 0     | 1   | NONE    | KEY     | ''               | false | 0
            e   | -   | 0     | 0   | NONE    | KEY     | ''               | false | 0
          # [key, end): end excluded, deleted keys skipped
            a   | d   | 0     | 0   | NONE    | KEY     | a c              | false | 2
            a   | e/2 | 0     | 0   | NONE    | KEY     | a c d e/1        | false | 4
            d   | a   | 0     | 0   | NONE    | KEY     | ''               | false | 0
            c   | c   | 0     | 0   | NONE    | KEY     | ''               | false | 0
          # prefix "e/" is [e/, e0)
            e/  | e0  | 0     | 0   | NONE    | KEY     | e/1 e/2          | false | 2
          # end "\\0": every key from key on
            c   | \\0 | 0     | 0   | NONE    | KEY     | c d e/1 e/2 z    | false | 5
            \\0 | \\0 | 0     | 0   | NONE    | KEY     | a c d e/1 e/2 z  | false | 6
            zz  | \\0 | 0     | 0   | NONE    | KEY     | ''               | false | 0
          # at a revision
            a   | \\0 | 0     | 1   | NONE    | KEY     | a                | false | 1
            a   | \\0 | 0     | 3   | NONE    | KEY     | a b c            | false | 3
            a   | \\0 | 0     | 6   | NONE    | KEY     | a c d            | false | 3
            a   | \\0 | 0     | 7   | NONE    | KEY     | a c d e/1 e/2    | false | 5
            a   | \\0 | 0     | 8   | NONE    | KEY     | a c d e/1 e/2 z  | false | 6
          # limit: more when cut, count ignores the limit
            a   | \\0 | 2     | 0   | NONE    | KEY     | a c              | true  | 6
            a   | \\0 | 5     | 0   | NONE    | KEY     | a c d e/1 e/2    | true  | 6
            a   | \\0 | 6     | 0   | NONE    | KEY     | a c d e/1 e/2 z  | false | 6
            a   | \\0 | 9     | 0   | NONE    | KEY     | a c d e/1 e/2 z  | false | 6
            a   | \\0 | 2     | 3   | NONE    | KEY     | a b              | true  | 3
          # sort: the limit applies after sorting
            a   | \\0 | 0     | 0   | ASCEND  | KEY     | a c d e/1 e/2 z  | false | 6
            a   | \\0 | 0     | 0   | DESCEND | KEY     | z e/2 e/1 d c a  | false | 6
            a   | \\0 | 2     | 0   | DESCEND | KEY     | z e/2            | true  | 6
            a   | e   | 0     | 0   | NONE    | MOD     | c a d            | false | 3
            a   | e   | 0     | 0   | ASCEND  | MOD     | c a d            | false | 3
            a   | e   | 0     | 0   | DESCEND | MOD     | d a c            | false | 3
            a   | e   | 0     | 0   | ASCEND  | CREATE  | a c d            | false | 3
            a   | e   | 0     | 0   | DESCEND | CREATE  | d c a            | false | 3
            a   | e   | 1     | 0   | DESCEND | VERSION | a                | true  | 3
            a   | e   | 0     | 0   | ASCEND  | VALUE   | a c d            | false | 3
            a   | e   | 0     | 0   | DESCEND | VALUE   | d c a            | false | 3
            a   | e   | 2     | 0   | DESCEND | MOD     | d a              | true  | 3
          """)
  void range(
      String key,
      String end,
      long limit,
      long rev,
      SortOrder order,
      SortTarget target,
      String keys,
      boolean more,
      long count) {
    Result.Range r =
        store.range(
            Bytes.range(key.replace("\\0", "\0"), end, limit, rev, order, target, false, false));

    assertThat(keys(r)).isEqualTo(keys);
    assertThat(r.more()).as("more").isEqualTo(more);
    assertThat(r.count()).as("count").isEqualTo(count);
    assertThat(r.revision()).as("the header carries the current revision").isEqualTo(8);
  }

  @ParameterizedTest(name = "mod [{0}, {1}] create [{2}, {3}] limit {4} → {5}")
  @CsvSource(
      delimiter = '|',
      textBlock =
          """
          # minMod | maxMod | minCreate | maxCreate | limit | keys          | more  | count
          # count is the keys in the range before filtering, as etcd
            5      | 0      | 0         | 0         | 0     | d e/1 e/2 z   | false | 6
            0      | 4      | 0         | 0         | 0     | a c           | false | 6
            4      | 5      | 0         | 0         | 0     | a d           | false | 6
            0      | 0      | 5         | 7         | 0     | d e/1 e/2     | false | 6
            0      | 0      | 2         | 0         | 0     | c d e/1 e/2 z | false | 6
            0      | 0      | 0         | 1         | 0     | a             | false | 6
            5      | 0      | 0         | 0         | 1     | d             | true  | 6
            5      | 0      | 0         | 0         | 4     | d e/1 e/2 z   | false | 6
            9      | 0      | 0         | 0         | 0     | ''            | false | 6
          """)
  void revisionFilters(
      long minMod,
      long maxMod,
      long minCreate,
      long maxCreate,
      long limit,
      String keys,
      boolean more,
      long count) {
    Result.Range r =
        store.range(
            Bytes.range("a", "\\0")
                .modRevisions(minMod, maxMod)
                .createRevisions(minCreate, maxCreate)
                .withLimit(limit));

    assertThat(keys(r)).isEqualTo(keys);
    assertThat(r.more()).as("more").isEqualTo(more);
    assertThat(r.count()).as("count").isEqualTo(count);
  }

  @ParameterizedTest(name = "{0} at {1} = {2}")
  @CsvSource(
      delimiter = '|',
      textBlock =
          """
          # key | rev | create | mod | version | value
            a   | 1   | 1      | 1   | 1       | 1
            a   | 3   | 1      | 1   | 1       | 1
            a   | 4   | 1      | 4   | 2       | 11
            a   | 0   | 1      | 4   | 2       | 11
            b   | 5   | 2      | 2   | 1       | 2
            e/2 | 7   | 7      | 7   | 1       | y
            z   | 8   | 8      | 8   | 1       | 9
          """)
  void keyValueFields(String key, long rev, long create, long mod, long version, String value) {
    KeyValue kv = get(key, rev);

    assertThat(kv).isEqualTo(new KeyValue(b(key), create, mod, version, b(value), 0));
  }

  @Test
  void keysOnlyDropsValuesAndKeepsTheRest() {
    Result.Range r =
        store.range(Bytes.range("a", "d", 0, 0, SortOrder.NONE, SortTarget.KEY, true, false));

    assertThat(r.kvs())
        .containsExactly(
            new KeyValue(b("a"), 1, 4, 2, null, 0), new KeyValue(b("c"), 3, 3, 1, null, 0));
  }

  @ParameterizedTest(name = "count only [{0}, {1}) limit {2} at {3} → {4}")
  @CsvSource(
      delimiter = '|',
      textBlock =
          """
          # key | end | limit | rev | count
            a   | \\0 | 0     | 0   | 6
            a   | \\0 | 2     | 0   | 6
            a   | \\0 | 0     | 3   | 3
            b   |     | 0     | 0   | 0
            e/  | e0  | 0     | 0   | 2
          """)
  void countOnly(String key, String end, long limit, long rev, long count) {
    Result.Range r =
        store.range(Bytes.range(key, end, limit, rev, SortOrder.NONE, SortTarget.KEY, false, true));

    assertThat(r.kvs()).isEmpty();
    assertThat(r.count()).isEqualTo(count);
    assertThat(r.more()).isFalse();
  }

  @Test
  void prefixEndSelectsThePrefix() {
    assertThat(keys(store.range(RangeRequest.prefix(b("e/"))))).isEqualTo("e/1 e/2");
    assertThat(keys(store.range(RangeRequest.prefix(b("e"))))).isEqualTo("e/1 e/2");
    assertThat(keys(store.range(RangeRequest.prefix(b("a"))))).isEqualTo("a");
  }

  @Test
  void bytesCompareUnsigned() {
    put("\u00ff", "high"); // UTF-8 0xc3 0xbf: above every ASCII key
    put("y", "low");

    assertThat(keys(store.range(Bytes.range("y", "\\0")))).isEqualTo("y z \u00ff");
    assertThat(keys(store.range(RangeRequest.prefix(new byte[] {(byte) 0xc3}))))
        .isEqualTo("\u00ff");
  }

  @Test
  void aFutureRevisionIsRefused() {
    assertThatThrownBy(() -> store.range(Bytes.range("a", null).atRevision(9)))
        .isInstanceOf(FutureRevisionException.class)
        .extracting(e -> ((StoreException) e).error())
        .isEqualTo(StoreError.FUTURE_REVISION);
    assertThat(store.range(Bytes.range("a", null).atRevision(8)).kvs()).hasSize(1);
  }

  @Test
  void anEmptyKeyIsRefused() {
    assertThatThrownBy(() -> store.range(RangeRequest.range(new byte[0], Keys.ALL_FROM)))
        .isInstanceOf(StoreException.class)
        .extracting(e -> ((StoreException) e).error())
        .isEqualTo(StoreError.EMPTY_KEY);
  }
}
