package dev.cairn.raft;

import static java.nio.charset.StandardCharsets.UTF_8;
import static org.assertj.core.api.Assertions.assertThat;

import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import org.junit.jupiter.api.Test;

/**
 * How proposals are grouped into log entries. The log here is a list of the entries the batcher
 * sent, each answered when the test says so: the grouping and the splitting of replies are the
 * batcher's own logic, which the cluster tests then exercise end to end.
 */
class ProposalBatcherTest {
  /** The entries sent, in order, with the future each is answered through. */
  private final List<byte[]> sent = new ArrayList<>();

  private final List<CompletableFuture<byte[]>> answers = new ArrayList<>();

  private CompletableFuture<byte[]> send(byte[] entry) {
    sent.add(entry);
    CompletableFuture<byte[]> f = new CompletableFuture<>();
    answers.add(f);
    return f;
  }

  static byte[] b(String s) {
    return s.getBytes(UTF_8);
  }

  static String s(byte[] b) {
    return new String(b, UTF_8);
  }

  /** Answers a sent entry as the state machine would: "re:" + each command. */
  private void answer(int i) {
    byte[] entry = sent.get(i);
    if (CommandCodec.isBatch(entry)) {
      answers
          .get(i)
          .complete(
              CommandCodec.batch(
                  CommandCodec.unbatch(entry).stream().map(c -> b("re:" + s(c))).toList()));
    } else {
      answers.get(i).complete(b("re:" + s(entry)));
    }
  }

  @Test
  void aLoneProposalLeavesAtOnceUnframed() throws Exception {
    ProposalBatcher batcher = new ProposalBatcher(this::send, Runnable::run, 1, 1 << 20);
    CompletableFuture<byte[]> r = batcher.propose(b("a"));
    assertThat(sent).hasSize(1);
    assertThat(s(sent.get(0))).isEqualTo("a");
    answer(0);
    assertThat(s(r.get())).isEqualTo("re:a");
  }

  @Test
  void proposalsArrivingWhileAnEntryIsInFlightGoTogetherAndGetTheirOwnReplies() throws Exception {
    ProposalBatcher batcher = new ProposalBatcher(this::send, Runnable::run, 1, 1 << 20);
    CompletableFuture<byte[]> a = batcher.propose(b("a"));
    CompletableFuture<byte[]> x = batcher.propose(b("x"));
    CompletableFuture<byte[]> y = batcher.propose(b("y"));
    CompletableFuture<byte[]> z = batcher.propose(b("z"));
    assertThat(sent).hasSize(1);
    assertThat(x).isNotDone();
    answer(0);
    assertThat(s(a.get())).isEqualTo("re:a");
    assertThat(sent).hasSize(2);
    assertThat(CommandCodec.unbatch(sent.get(1)))
        .extracting(ProposalBatcherTest::s)
        .containsExactly("x", "y", "z");
    assertThat(x).isNotDone();
    answer(1);
    assertThat(List.of(s(x.get()), s(y.get()), s(z.get()))).containsExactly("re:x", "re:y", "re:z");
  }

  @Test
  void severalEntriesMayBeInFlight() {
    ProposalBatcher batcher = new ProposalBatcher(this::send, Runnable::run, 2, 1 << 20);
    batcher.propose(b("a"));
    batcher.propose(b("b"));
    batcher.propose(b("c"));
    batcher.propose(b("d"));
    assertThat(sent).extracting(ProposalBatcherTest::s).containsExactly("a", "b");
    answer(1);
    assertThat(sent).hasSize(3);
    assertThat(CommandCodec.unbatch(sent.get(2)))
        .extracting(ProposalBatcherTest::s)
        .containsExactly("c", "d");
  }

  @Test
  void anEntryCarriesAtMostTheByteLimitAndALargerCommandGoesAlone() {
    ProposalBatcher batcher = new ProposalBatcher(this::send, Runnable::run, 1, 10);
    batcher.propose(b("first"));
    batcher.propose(b("12345"));
    batcher.propose(b("67890"));
    batcher.propose(b("this one is larger than ten bytes"));
    batcher.propose(b("tail"));
    answer(0);
    assertThat(CommandCodec.unbatch(sent.get(1)))
        .extracting(ProposalBatcherTest::s)
        .containsExactly("12345", "67890");
    answer(1);
    assertThat(s(sent.get(2))).isEqualTo("this one is larger than ten bytes");
    answer(2);
    assertThat(s(sent.get(3))).isEqualTo("tail");
  }

  @Test
  void aFailedEntryFailsEveryProposalInItAndTheQueueGoesOn() throws Exception {
    ProposalBatcher batcher = new ProposalBatcher(this::send, Runnable::run, 1, 1 << 20);
    CompletableFuture<byte[]> a = batcher.propose(b("a"));
    CompletableFuture<byte[]> x = batcher.propose(b("x"));
    CompletableFuture<byte[]> y = batcher.propose(b("y"));
    answer(0);
    CompletableFuture<byte[]> z = batcher.propose(b("z"));
    answers.get(1).completeExceptionally(new IllegalStateException("leader lost"));
    assertThat(a.get()).isNotNull();
    for (CompletableFuture<byte[]> f : List.of(x, y)) {
      assertThat(f).isCompletedExceptionally();
      assertThat(f.handle((v, t) -> t).get()).hasMessageContaining("leader lost");
    }
    assertThat(s(sent.get(2))).isEqualTo("z");
    answer(2);
    assertThat(s(z.get())).isEqualTo("re:z");
  }

  @Test
  void aReplyOfTheWrongShapeFailsTheProposalsInsteadOfMisansweringThem() {
    ProposalBatcher batcher = new ProposalBatcher(this::send, Runnable::run, 1, 1 << 20);
    batcher.propose(b("a"));
    CompletableFuture<byte[]> x = batcher.propose(b("x"));
    CompletableFuture<byte[]> y = batcher.propose(b("y"));
    answer(0);
    answers.get(1).complete(CommandCodec.batch(List.of(b("only one"))));
    assertThat(x).isCompletedExceptionally();
    assertThat(y).isCompletedExceptionally();
  }

  @Test
  void aSendThatThrowsFailsItsProposalsAndFreesTheSlot() throws Exception {
    List<String> tried = new ArrayList<>();
    ProposalBatcher batcher =
        new ProposalBatcher(
            e -> {
              tried.add(s(e));
              if (s(e).equals("bad")) {
                throw new IllegalStateException("store closed");
              }
              return CompletableFuture.completedFuture(b("ok"));
            },
            Runnable::run,
            1,
            1 << 20);
    CompletableFuture<byte[]> bad = batcher.propose(b("bad"));
    assertThat(bad).isCompletedExceptionally();
    assertThat(s(batcher.propose(b("good")).get())).isEqualTo("ok");
    assertThat(tried).containsExactly("bad", "good");
  }

  @Test
  void aBurstFromManyThreadsGetsEveryReplyExactlyOnce() throws Exception {
    // the log answers on another thread, as Ratis does
    java.util.concurrent.ExecutorService log =
        java.util.concurrent.Executors.newSingleThreadExecutor();
    List<Integer> entrySizes = java.util.Collections.synchronizedList(new ArrayList<>());
    ProposalBatcher batcher =
        new ProposalBatcher(
            e ->
                CompletableFuture.supplyAsync(
                    () -> {
                      if (!CommandCodec.isBatch(e)) {
                        entrySizes.add(1);
                        return b("re:" + s(e));
                      }
                      List<byte[]> parts = CommandCodec.unbatch(e);
                      entrySizes.add(parts.size());
                      return CommandCodec.batch(parts.stream().map(c -> b("re:" + s(c))).toList());
                    },
                    log),
            Runnable::run,
            2,
            1 << 20);
    int threads = 8;
    int each = 500;
    List<CompletableFuture<byte[]>> replies =
        java.util.Collections.synchronizedList(new ArrayList<>());
    List<String> proposed = java.util.Collections.synchronizedList(new ArrayList<>());
    List<Thread> workers = new ArrayList<>();
    for (int t = 0; t < threads; t++) {
      int id = t;
      Thread w =
          new Thread(
              () -> {
                for (int i = 0; i < each; i++) {
                  String c = id + "/" + i;
                  proposed.add(c);
                  CompletableFuture<byte[]> r = batcher.propose(b(c));
                  replies.add(r.thenApply(v -> b(c + "=" + s(v))));
                }
              });
      workers.add(w);
      w.start();
    }
    for (Thread w : workers) {
      w.join();
    }
    List<String> got = new ArrayList<>();
    for (CompletableFuture<byte[]> r : replies) {
      got.add(s(r.get(10, java.util.concurrent.TimeUnit.SECONDS)));
    }
    log.shutdown();
    assertThat(got).hasSize(threads * each);
    for (String g : got) {
      String[] parts = g.split("=");
      assertThat(parts[1]).isEqualTo("re:" + parts[0]);
    }
    assertThat(entrySizes.stream().mapToInt(Integer::intValue).sum()).isEqualTo(threads * each);
  }
}
