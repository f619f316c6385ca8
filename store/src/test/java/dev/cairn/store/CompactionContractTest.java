package dev.cairn.store;

import static dev.cairn.store.Bytes.b;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;

/**
 * Compaction at C keeps, for every key, its latest version at or below C unless that is a
 * tombstone, and every version after C. Reads below C fail; reads at or after C see what they saw
 * before. Every row starts from this history:
 *
 * <pre>
 *  rev  1      2      3      4       5      6       7      8
 *  a    a=1           a=2                                  a=3
 *  b           b=1           del b
 *  c                                 c=1    del c   c=2
 *
 *  compact at 4:  a keeps (3) and (8) · b loses everything (its latest ≤ 4 is a tombstone)
 *                 c keeps all (everything is after 4)
 *  compact at 6:  a keeps (3),(8) · b gone · c keeps only (7): (5) is older than the tombstone at 6
 * </pre>
 */
class CompactionContractTest extends StoreContract {
  private final List<List<KeyValue>> before = new ArrayList<>();

  @BeforeEach
  void history() {
    put("a", "1");
    put("b", "1");
    put("a", "2");
    del("b");
    put("c", "1");
    del("c");
    put("c", "2");
    put("a", "3");
    for (long r = 1; r <= 8; r++) {
      before.add(store.range(Bytes.range("a", "\\0").atRevision(r)).kvs());
    }
  }

  void reopen() {
    store.close();
    store = open(config());
  }

  @ParameterizedTest(name = "compact at {0}, physical {1}")
  @CsvSource({
    "1, false",
    "1, true",
    "2, true",
    "3, true",
    "4, false",
    "4, true",
    "5, true",
    "6, true",
    "7, true",
    "8, false",
    "8, true"
  })
  void readsAtOrAfterTheCompactRevisionAreUnchanged(long at, boolean physical) throws Exception {
    Result r = apply(new Command.Compact(at, physical));
    store.compaction().get(30, TimeUnit.SECONDS);

    assertThat(r).isEqualTo(new Result.Compact(8));
    assertThat(store.revision()).as("compaction takes no revision").isEqualTo(8);
    assertThat(store.compactRevision()).isEqualTo(at);
    for (int pass = 0; pass < 2; pass++) {
      for (long rev = 1; rev <= 8; rev++) {
        long read = rev;
        if (rev < at) {
          assertThatThrownBy(() -> store.range(Bytes.range("a", "\\0").atRevision(read)))
              .isInstanceOf(CompactedException.class)
              .satisfies(e -> assertThat(((CompactedException) e).compactRevision()).isEqualTo(at));
        } else {
          assertThat(store.range(Bytes.range("a", "\\0").atRevision(rev)).kvs())
              .as("read at %d", rev)
              .isEqualTo(before.get((int) rev - 1));
        }
      }
      reopen();
      assertThat(store.compactRevision()).as("after reopen").isEqualTo(at);
    }
  }

  @ParameterizedTest(name = "compact at {0}, then put {1} → create {2}, version {3}")
  @CsvSource(
      delimiter = '|',
      textBlock =
          """
          # at | put | create | version
          # b's tombstone (4) is the latest at or below 4, 5, 8: b starts over
            4  | b   | 9      | 1
            8  | b   | 9      | 1
          # at 3 the tombstone is after the compaction and still counts
            3  | b   | 9      | 1
          # a keeps its create revision and version count through compaction
            3  | a   | 1      | 4
            8  | a   | 1      | 4
          # c was deleted at 6 and recreated at 7
            6  | c   | 7      | 2
            7  | c   | 7      | 2
            5  | c   | 7      | 2
          """)
  void putsAfterCompactionContinueTheKey(long at, String key, long create, long version)
      throws Exception {
    apply(new Command.Compact(at, true));
    store.compaction().get(30, TimeUnit.SECONDS);

    put(key, "new");

    assertThat(get(key)).isEqualTo(new KeyValue(b(key), create, 9, version, b("new"), 0));
  }

  @Test
  void aReadAtTheCompactRevisionSeesTheKeptVersions() throws Exception {
    apply(new Command.Compact(6, true));
    store.compaction().get(30, TimeUnit.SECONDS);

    assertThat(store.range(Bytes.range("a", "\\0").atRevision(6)).kvs())
        .containsExactly(new KeyValue(b("a"), 1, 3, 2, b("2"), 0));
    assertThat(store.range(Bytes.range("a", "\\0").atRevision(7)).kvs())
        .containsExactly(
            new KeyValue(b("a"), 1, 3, 2, b("2"), 0), new KeyValue(b("c"), 7, 7, 1, b("2"), 0));
  }

  @Test
  void compactingTwiceMovesForwardOnly() throws Exception {
    apply(new Command.Compact(3, false));
    apply(new Command.Compact(5, true));
    store.compaction().get(30, TimeUnit.SECONDS);

    assertThat(store.compactRevision()).isEqualTo(5);
    assertThat(keys(store.range(Bytes.range("a", "\\0").atRevision(5)))).isEqualTo("a c");
    assertThat(store.range(Bytes.range("a", "\\0").atRevision(5)).kvs()).isEqualTo(before.get(4));
  }

  @ParameterizedTest(name = "after compact at 4, compact at {0} → {1}")
  @CsvSource({"1, COMPACTED", "3, COMPACTED", "4, COMPACTED", "9, FUTURE_REVISION"})
  void compactingAtOrBelowTheCompactRevisionOrInTheFutureIsRefused(long at, StoreError error) {
    apply(new Command.Compact(4, true));
    Snapshot snap = snapshot();

    assertThatThrownBy(() -> apply(new Command.Compact(at, true)))
        .isInstanceOf(StoreException.class)
        .extracting(e -> ((StoreException) e).error())
        .isEqualTo(error);
    assertThat(snapshot()).isEqualTo(snap);
  }

  @Test
  void aCompactedKeyWithHistoryAfterTheCompactionStaysReadable() throws Exception {
    for (int i = 0; i < 50; i++) {
      put("a", "x" + i);
    }
    apply(new Command.Compact(40, true));
    store.compaction().get(30, TimeUnit.SECONDS);

    for (long rev = 40; rev <= store.revision(); rev++) {
      KeyValue a = get("a", rev);
      assertThat(a.modRevision()).isEqualTo(rev);
      assertThat(a.version()).isEqualTo(rev - 8 + 3);
      assertThat(a.createRevision()).isEqualTo(1);
    }
  }
}
