package dev.cairn.store;

import static java.nio.charset.StandardCharsets.UTF_8;
import static org.assertj.core.api.Assertions.assertThat;

import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.CopyOnWriteArrayList;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * Which watcher gets which key, across the hub's three indexes (single keys, prefixes, other
 * ranges). Writes, in order:
 *
 * <pre>
 *   a   ab   abc   abd   ab\xff   b   ""-less \0 key   ac
 * </pre>
 */
class WatchMatchingTest {
  @TempDir Path dir;

  static byte[] b(String s) {
    return s.getBytes(UTF_8);
  }

  @Test
  void eachWatcherGetsExactlyTheKeysOfItsRange() throws Exception {
    byte[] abFF = {'a', 'b', (byte) 0xff};
    Map<String, WatchRequest> watches = new java.util.LinkedHashMap<>();
    watches.put("key ab", WatchRequest.key(b("ab"), 0));
    watches.put("prefix a", WatchRequest.prefix(b("a"), 0));
    watches.put("prefix ab", WatchRequest.prefix(b("ab"), 0));
    watches.put("prefix abc", WatchRequest.prefix(b("abc"), 0));
    watches.put("prefix ab\\xff", WatchRequest.prefix(abFF, 0));
    watches.put("every key", WatchRequest.prefix(new byte[0], 0));
    watches.put("range [ab, abd)", new WatchRequest(b("ab"), b("abd"), 0, false, false, false));
    watches.put("from b on", new WatchRequest(b("b"), Keys.ALL_FROM, 0, false, false, false));
    Map<String, List<String>> expected = new java.util.LinkedHashMap<>();
    expected.put("key ab", List.of("ab"));
    expected.put("prefix a", List.of("a", "ab", "abc", "abd", "ab\\xff", "ac"));
    expected.put("prefix ab", List.of("ab", "abc", "abd", "ab\\xff"));
    expected.put("prefix abc", List.of("abc"));
    expected.put("prefix ab\\xff", List.of("ab\\xff"));
    expected.put("every key", List.of("a", "ab", "abc", "abd", "ab\\xff", "b", "\\x00", "ac"));
    expected.put("range [ab, abd)", List.of("ab", "abc"));
    expected.put("from b on", List.of("b"));

    Map<String, List<String>> seen = new ConcurrentHashMap<>();
    try (MvccStore store = MvccStore.open(StoreConfig.defaults(dir))) {
      List<Watcher> open = new ArrayList<>();
      watches.forEach(
          (name, w) -> {
            List<String> got = new CopyOnWriteArrayList<>();
            seen.put(name, got);
            open.add(
                store.watch(
                    w,
                    new WatchListener() {
                      @Override
                      public boolean onEvents(List<Event> events) {
                        events.forEach(e -> got.add(show(e.kv().key())));
                        return true;
                      }

                      @Override
                      public void onCompacted(long compactRevision) {}
                    }));
          });
      for (byte[] k :
          List.of(b("a"), b("ab"), b("abc"), b("abd"), abFF, b("b"), new byte[] {0}, b("ac"))) {
        store.apply(Command.Put.of(k, b("v")));
      }
      long deadline = System.nanoTime() + 10_000_000_000L;
      while (!seen.get("every key").containsAll(expected.get("every key"))
          && System.nanoTime() < deadline) {
        Thread.onSpinWait();
      }
      // the hub delivers on one thread in registration order per event; give the rest a moment
      for (var e : expected.entrySet()) {
        List<String> got = seen.get(e.getKey());
        long until = System.nanoTime() + 5_000_000_000L;
        while (got.size() < e.getValue().size() && System.nanoTime() < until) {
          Thread.onSpinWait();
        }
      }
      for (var e : expected.entrySet()) {
        assertThat(seen.get(e.getKey())).as(e.getKey()).containsExactlyElementsOf(e.getValue());
      }
      open.forEach(Watcher::close);
    }
  }

  private static String show(byte[] k) {
    StringBuilder s = new StringBuilder();
    for (byte x : k) {
      s.append(
          x >= 0x20 && x < 0x7f ? String.valueOf((char) x) : String.format("\\x%02x", x & 0xff));
    }
    return s.toString();
  }
}
