package dev.cairn.raft;

import java.util.ArrayDeque;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.Executor;
import java.util.function.Function;

/**
 * Groups commands proposed at the same time into one Raft log entry, as etcd's Raft groups the
 * proposals of one tick: one log append, one replication round and one store write for many client
 * requests.
 *
 * <p>No proposal waits for company: while fewer than {@code maxInFlight} entries are on their way,
 * a proposal leaves at once, alone or with whatever queued behind the entries in flight. Each entry
 * carries at most {@code maxBytes} of commands (a single larger command goes alone). The replies of
 * a {@link CommandCodec#BATCH} come back in order, one per command; a failed entry fails every
 * proposal in it, which then may or may not have been applied, as with a single proposal.
 *
 * <p>An entry's reply completes on a Ratis thread, which must not submit to Ratis itself (the
 * submission waits for Ratis's client executor and may wait on that very thread): the next entry
 * leaves from {@code executor}.
 */
final class ProposalBatcher {
  private record Pending(byte[] entry, CompletableFuture<byte[]> reply) {}

  private final Function<byte[], CompletableFuture<byte[]>> send;
  private final Executor executor;
  private final int maxInFlight;
  private final int maxBytes;
  private final ArrayDeque<Pending> queue = new ArrayDeque<>();
  private int inFlight;

  /**
   * @param send replicates one log entry and completes with the state machine's reply
   * @param executor sends the entries that queued while others were in flight
   */
  ProposalBatcher(
      Function<byte[], CompletableFuture<byte[]>> send,
      Executor executor,
      int maxInFlight,
      int maxBytes) {
    this.send = send;
    this.executor = executor;
    this.maxInFlight = maxInFlight;
    this.maxBytes = maxBytes;
  }

  /** Proposes one encoded command; completes with its own reply. */
  CompletableFuture<byte[]> propose(byte[] entry) {
    Pending p = new Pending(entry, new CompletableFuture<>());
    List<Pending> batch = null;
    synchronized (this) {
      queue.add(p);
      if (inFlight < maxInFlight) {
        inFlight++;
        batch = drain();
      }
    }
    if (batch != null) {
      send(batch);
    }
    return p.reply();
  }

  /** Takes queued proposals up to the size limit, at least one. Holds the lock. */
  private List<Pending> drain() {
    List<Pending> batch = new ArrayList<>();
    int bytes = 0;
    while (!queue.isEmpty()) {
      int size = queue.peek().entry().length;
      if (!batch.isEmpty() && bytes + size > maxBytes) {
        break;
      }
      batch.add(queue.poll());
      bytes += size;
    }
    return batch;
  }

  private void send(List<Pending> batch) {
    CompletableFuture<byte[]> reply;
    try {
      reply =
          batch.size() == 1
              ? send.apply(batch.get(0).entry())
              : send.apply(CommandCodec.batch(batch.stream().map(Pending::entry).toList()));
    } catch (RuntimeException e) {
      reply = CompletableFuture.failedFuture(e);
    }
    reply.whenComplete(
        (bytes, error) -> {
          List<Pending> next = settle(batch, bytes, error);
          if (next != null) {
            executor.execute(() -> send(next));
          }
        });
  }

  /** Completes the proposals of a finished entry; returns the next batch to send, if any. */
  private List<Pending> settle(List<Pending> sent, byte[] bytes, Throwable error) {
    if (error != null) {
      sent.forEach(p -> p.reply().completeExceptionally(error));
    } else if (sent.size() == 1) {
      sent.get(0).reply().complete(bytes);
    } else {
      try {
        List<byte[]> replies = CommandCodec.unbatch(bytes);
        if (replies.size() != sent.size()) {
          throw new IllegalStateException(
              replies.size() + " replies to a batch of " + sent.size() + " commands");
        }
        for (int i = 0; i < sent.size(); i++) {
          sent.get(i).reply().complete(replies.get(i));
        }
      } catch (RuntimeException e) {
        sent.forEach(p -> p.reply().completeExceptionally(e));
      }
    }
    synchronized (this) {
      if (queue.isEmpty()) {
        inFlight--;
        return null;
      }
      return drain();
    }
  }
}
