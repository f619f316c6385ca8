package dev.cairn.raft;

import java.util.concurrent.CompletableFuture;
import java.util.concurrent.Executor;
import java.util.function.Supplier;

/**
 * Linearizable reads in groups, as etcd's read loop serves them: every read that arrives while a
 * read index is being obtained waits for the next one, and one read index then serves them all.
 *
 * <p>A read may run once this member has applied a read index obtained <em>after</em> the read
 * arrived: then it sees every write acknowledged before it arrived. So a read never joins the
 * request already under way (that one may have fixed its index before the read arrived); it waits
 * for the next, which starts as soon as the current one ends. At most one request is under way,
 * whatever the number of readers.
 *
 * <p>A read index completes on a Ratis thread, which must not submit to Ratis itself: the next
 * request starts from {@code executor}.
 */
final class ReadBarrier {
  private final Supplier<CompletableFuture<?>> readIndex;
  private final Executor executor;

  /** What the reads arriving now wait for. */
  private CompletableFuture<Void> next = new CompletableFuture<>();

  /** Some read waits for {@link #next}. */
  private boolean nextWanted;

  /** A read index request is under way. */
  private boolean underWay;

  /**
   * @param readIndex completes once this member has applied a read index obtained after the call
   * @param executor starts the requests for reads that waited for one
   */
  ReadBarrier(Supplier<CompletableFuture<?>> readIndex, Executor executor) {
    this.readIndex = readIndex;
    this.executor = executor;
  }

  /** Completes when a read arriving now may read this member's store. */
  CompletableFuture<Void> await() {
    CompletableFuture<Void> mine;
    synchronized (this) {
      mine = next;
      if (underWay) {
        nextWanted = true;
        return mine;
      }
      underWay = true;
      next = new CompletableFuture<>();
    }
    start(mine);
    return mine;
  }

  private void start(CompletableFuture<Void> served) {
    CompletableFuture<?> index;
    try {
      index = readIndex.get();
    } catch (RuntimeException e) {
      index = CompletableFuture.failedFuture(e);
    }
    index.whenComplete(
        (ok, error) -> {
          if (error != null) {
            served.completeExceptionally(error);
          } else {
            served.complete(null);
          }
          CompletableFuture<Void> following = null;
          synchronized (this) {
            if (nextWanted) {
              nextWanted = false;
              following = next;
              next = new CompletableFuture<>();
            } else {
              underWay = false;
            }
          }
          if (following != null) {
            CompletableFuture<Void> f = following;
            executor.execute(() -> start(f));
          }
        });
  }
}
