package dev.cairn.raft;

import static org.assertj.core.api.Assertions.assertThat;

import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import org.junit.jupiter.api.Test;

/**
 * When a linearizable read may run. Each read index request is a future the test completes; the
 * rule under test is that a read runs only after a request that started after it arrived.
 */
class ReadBarrierTest {
  private final List<CompletableFuture<Void>> requests = new ArrayList<>();

  private final ReadBarrier barrier =
      new ReadBarrier(
          () -> {
            CompletableFuture<Void> f = new CompletableFuture<>();
            requests.add(f);
            return f;
          },
          Runnable::run);

  @Test
  void aReadStartsARequestAndRunsWhenItIsAnswered() {
    CompletableFuture<Void> read = barrier.await();
    assertThat(requests).hasSize(1);
    assertThat(read).isNotDone();
    requests.get(0).complete(null);
    assertThat(read).isCompleted();
  }

  @Test
  void readsArrivingDuringARequestWaitForTheNextOneAndShareIt() {
    CompletableFuture<Void> first = barrier.await();
    CompletableFuture<Void> second = barrier.await();
    CompletableFuture<Void> third = barrier.await();
    assertThat(requests).hasSize(1);
    requests.get(0).complete(null);
    assertThat(first).isCompleted();
    // the first request may have fixed its index before these reads arrived
    assertThat(second).isNotDone();
    assertThat(third).isNotDone();
    assertThat(requests).hasSize(2);
    requests.get(1).complete(null);
    assertThat(second).isCompleted();
    assertThat(third).isCompleted();
    assertThat(requests).hasSize(2);
  }

  @Test
  void noRequestIsMadeWhenNobodyWaits() {
    barrier.await();
    requests.get(0).complete(null);
    assertThat(requests).hasSize(1);
    CompletableFuture<Void> later = barrier.await();
    assertThat(requests).hasSize(2);
    requests.get(1).complete(null);
    assertThat(later).isCompleted();
  }

  @Test
  void aFailedRequestFailsItsReadsOnlyAndTheNextReadsTryAgain() {
    CompletableFuture<Void> first = barrier.await();
    CompletableFuture<Void> second = barrier.await();
    requests.get(0).completeExceptionally(new IllegalStateException("no leader"));
    assertThat(first).isCompletedExceptionally();
    assertThat(second).isNotDone();
    requests.get(1).complete(null);
    assertThat(second).isCompleted();
  }

  @Test
  void aRequestThatCannotEvenStartFailsItsReads() {
    ReadBarrier broken =
        new ReadBarrier(
            () -> {
              throw new IllegalStateException("server closed");
            },
            Runnable::run);
    assertThat(broken.await()).isCompletedExceptionally();
    assertThat(broken.await()).isCompletedExceptionally();
  }
}
