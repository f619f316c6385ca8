package dev.cairn.store;

import static dev.cairn.store.Bytes.b;
import static org.assertj.core.api.Assertions.assertThat;

import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;
import org.junit.jupiter.api.Test;

/**
 * Batches: later commands see earlier ones, nothing is visible before commit, commit records the
 * applied index atomically with the data, and only one batch is open at a time.
 */
class ApplyBatchTest extends StoreContract {

  void reopen() {
    store.close();
    store = open(config());
  }

  @Test
  void laterCommandsSeeEarlierOnesAndEachTakesItsOwnRevision() {
    Result.Txn r;
    try (ApplyBatch batch = store.newBatch()) {
      batch.apply(Bytes.put("a", "1"));
      batch.apply(new Command.LeaseGrant(5, 60));
      batch.apply(Bytes.put("b", "1").withLease(5));
      r =
          (Result.Txn)
              batch.apply(
                  new Command.Txn(
                      List.of(Compare.version(b("a"), Compare.Result.EQUAL, 1)),
                      Ops.parse("get a..\\0; put c"),
                      List.of()));
      assertThat(batch.size()).isEqualTo(4);
      batch.commit(new AppliedIndex(2, 10));
    }

    assertThat(r.succeeded()).isTrue();
    assertThat(keys((Result.Range) r.responses().get(0))).isEqualTo("a b");
    assertThat(store.revision()).isEqualTo(3);
    assertThat(get("c").modRevision()).isEqualTo(3);
    assertThat(store.leaseKeys(5)).containsExactly(b("b"));
    assertThat(store.appliedIndex()).isEqualTo(new AppliedIndex(2, 10));
  }

  @Test
  void nothingIsVisibleBeforeCommit() {
    put("a", "0");
    try (ApplyBatch batch = store.newBatch()) {
      batch.apply(Bytes.put("a", "1"));
      batch.apply(Bytes.put("b", "1"));
      batch.apply(new Command.LeaseGrant(5, 60));

      assertThat(store.revision()).isEqualTo(1);
      assertThat(contents()).isEqualTo("a=0");
      assertThat(store.leases()).isEmpty();
      assertThat(store.appliedIndex()).isEqualTo(AppliedIndex.NONE);

      batch.commit(new AppliedIndex(1, 1));
    }
    assertThat(contents()).isEqualTo("a=1 b=1");
    assertThat(store.revision()).isEqualTo(3);
    assertThat(store.leases()).hasSize(1);
  }

  @Test
  void closingWithoutCommitDiscardsEverything() {
    put("a", "0");
    try (ApplyBatch batch = store.newBatch()) {
      batch.apply(Bytes.put("a", "1"));
      batch.apply(new Command.LeaseGrant(5, 60));
      batch.apply(new Command.Compact(1, true));
    }

    assertThat(contents()).isEqualTo("a=0");
    assertThat(store.revision()).isEqualTo(1);
    assertThat(store.compactRevision()).isZero();
    assertThat(store.leases()).isEmpty();
    assertThat(put("b", "1")).isEqualTo(2);
  }

  @Test
  void appliedIndexIsRecordedWithTheDataAndSurvivesReopen() {
    assertThat(store.appliedIndex()).isEqualTo(AppliedIndex.NONE);
    try (ApplyBatch batch = store.newBatch()) {
      batch.apply(Bytes.put("a", "1"));
      batch.commit(new AppliedIndex(3, 41));
    }
    try (ApplyBatch batch = store.newBatch()) {
      batch.commit(new AppliedIndex(3, 42));
    }
    assertThat(store.appliedIndex()).isEqualTo(new AppliedIndex(3, 42));
    put("b", "1");
    assertThat(store.appliedIndex())
        .as("apply() keeps the index")
        .isEqualTo(new AppliedIndex(3, 42));

    store.flush();
    reopen();

    assertThat(store.appliedIndex()).isEqualTo(new AppliedIndex(3, 42));
    assertThat(contents()).isEqualTo("a=1 b=1");
    assertThat(store.revision()).isEqualTo(2);
  }

  @Test
  void aSecondBatchWaitsForTheFirst() throws Exception {
    ApplyBatch first = store.newBatch();
    first.apply(Bytes.put("a", "1"));
    CompletableFuture<Long> second =
        CompletableFuture.supplyAsync(
            () -> {
              try (ApplyBatch batch = store.newBatch()) {
                Result r = batch.apply(Bytes.put("b", "1"));
                batch.commit(new AppliedIndex(1, 2));
                return r.revision();
              }
            });
    try {
      second.get(300, TimeUnit.MILLISECONDS);
      throw new AssertionError("a second batch opened while the first was open");
    } catch (TimeoutException expected) {
      // still waiting, as it must
    }
    first.commit(new AppliedIndex(1, 1));
    first.close();

    assertThat(second.get(10, TimeUnit.SECONDS)).isEqualTo(2);
    assertThat(store.appliedIndex()).isEqualTo(new AppliedIndex(1, 2));
  }

  /** [c, b) is empty, also once the batch holds writes of its own (that once threw). */
  @Test
  void aRangeEndingBeforeItsKeyIsEmptyInsideABatch() {
    Result.DeleteRange deleted;
    Result.Txn read;
    try (ApplyBatch batch = store.newBatch()) {
      batch.apply(Bytes.put("a", "1"));
      deleted = (Result.DeleteRange) batch.apply(Bytes.del("c", "b"));
      read =
          (Result.Txn)
              batch.apply(
                  new Command.Txn(
                      List.of(Compare.version(b("c"), Compare.Result.EQUAL, 0).overRange(b("a"))),
                      Ops.parse("get c..a; del b..a"),
                      List.of()));
      batch.commit(new AppliedIndex(1, 1));
    }

    assertThat(deleted).isEqualTo(new Result.DeleteRange(1, 0, List.of()));
    assertThat(read.succeeded()).isTrue();
    assertThat(read.responses())
        .containsExactly(
            new Result.Range(1, List.of(), false, 0), new Result.DeleteRange(1, 0, List.of()));
    assertThat(store.revision()).isEqualTo(1);
  }
}
