package dev.cairn.store;

import static java.nio.charset.StandardCharsets.UTF_8;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.nio.file.Path;
import java.util.List;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** A walk through the engine's life: write, read back at revisions, compact, watch, reopen. */
class MvccStoreBasicsTest {
  @TempDir Path dir;

  static byte[] b(String s) {
    return s.getBytes(UTF_8);
  }

  static String s(byte[] b) {
    return new String(b, UTF_8);
  }

  @Test
  void writesReadsCompactsWatchesAndReopens() throws Exception {
    KvHash before;
    try (MvccStore store = MvccStore.open(StoreConfig.defaults(dir.resolve("db")))) {
      store.apply(Command.Put.of(b("a"), b("1"))); // rev 1
      store.apply(Command.Put.of(b("b"), b("2"))); // rev 2
      store.apply(Command.Put.of(b("a"), b("3"))); // rev 3
      store.apply(Command.DeleteRange.of(b("b"))); // rev 4
      assertThat(store.revision()).isEqualTo(4);

      Result.Range now = store.range(RangeRequest.prefix(b("")).atRevision(0));
      assertThat(now.count()).isEqualTo(1);
      KeyValue a = now.kvs().get(0);
      assertThat(a.version()).isEqualTo(2);
      assertThat(a.createRevision()).isEqualTo(1);
      assertThat(a.modRevision()).isEqualTo(3);

      Result.Range at2 = store.range(RangeRequest.range(b("a"), Keys.ALL_FROM).atRevision(2));
      assertThat(at2.kvs()).extracting(kv -> s(kv.value())).containsExactly("1", "2");
      assertThat(at2.revision()).isEqualTo(4);

      List<Event> seen = new CopyOnWriteArrayList<>();
      Watcher w =
          store.watch(
              new WatchRequest(b("a"), Keys.ALL_FROM, 2, true, false, false),
              new WatchListener() {
                @Override
                public boolean onEvents(List<Event> events) {
                  seen.addAll(events);
                  return true;
                }

                @Override
                public void onCompacted(long compactRevision) {}
              });
      store.apply(Command.Put.of(b("c"), b("5"))); // rev 5
      long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(10);
      while (seen.size() < 4 && System.nanoTime() < deadline) {
        Thread.onSpinWait();
      }
      assertThat(seen)
          .extracting(e -> e.type() + " " + s(e.kv().key()) + "@" + e.revision())
          .containsExactly("PUT b@2", "PUT a@3", "DELETE b@4", "PUT c@5");
      assertThat(seen.get(2).prevKv().value()).isEqualTo(b("2"));
      w.close();

      store.apply(new Command.Compact(4, true));
      store.compaction().get(10, TimeUnit.SECONDS);
      assertThatThrownBy(() -> store.range(RangeRequest.of(b("a")).atRevision(3)))
          .isInstanceOf(CompactedException.class);
      assertThat(store.range(RangeRequest.of(b("a")).atRevision(4)).kvs()).hasSize(1);
      before = store.hash(0);
    }
    try (MvccStore store = MvccStore.open(StoreConfig.defaults(dir.resolve("db")))) {
      assertThat(store.revision()).isEqualTo(5);
      assertThat(store.compactRevision()).isEqualTo(4);
      assertThat(store.hash(0)).isEqualTo(before);
    }
  }
}
