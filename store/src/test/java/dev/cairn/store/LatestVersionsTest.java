package dev.cairn.store;

import static java.nio.charset.StandardCharsets.UTF_8;
import static org.assertj.core.api.Assertions.assertThat;

import org.junit.jupiter.api.Test;

/** The writer's cache of newest versions: what it answers, and what it drops first. */
class LatestVersionsTest {
  private static byte[] k(String s) {
    return s.getBytes(UTF_8);
  }

  private static KeyValue kv(String key, long rev, int valueBytes) {
    return new KeyValue(k(key), rev, rev, 1, new byte[valueBytes], 0);
  }

  @Test
  void tellsAVersionANoVersionAndAnUnknownKeyApart() {
    LatestVersions latest = new LatestVersions(1 << 20);
    latest.put(k("a"), kv("a", 5, 3));
    latest.put(k("gone"), null);
    assertThat(latest.get(k("a"))).isEqualTo(kv("a", 5, 3));
    assertThat(latest.get(k("gone"))).isSameAs(LatestVersions.ABSENT);
    assertThat(latest.get(k("never"))).isNull();
    latest.put(k("a"), kv("a", 9, 3)); // a newer version replaces the entry
    assertThat(latest.get(k("a")).modRevision()).isEqualTo(9);
  }

  @Test
  void dropsTheLeastRecentlyUsedKeysPastItsBudget() {
    // each entry costs 160 bytes of overhead + 1 key byte + 100 value bytes = 261: room for three
    LatestVersions latest = new LatestVersions(800);
    latest.put(k("a"), kv("a", 1, 100));
    latest.put(k("b"), kv("b", 2, 100));
    latest.put(k("c"), kv("c", 3, 100));
    latest.get(k("a")); // used: now b is the least recently used
    latest.put(k("d"), kv("d", 4, 100));
    assertThat(latest.size()).isEqualTo(3);
    assertThat(latest.get(k("b"))).isNull();
    assertThat(latest.get(k("a"))).isNotNull();
    assertThat(latest.get(k("d"))).isNotNull();
  }

  @Test
  void aValueLargerThanTheBudgetIsNotKept() {
    LatestVersions latest = new LatestVersions(800);
    latest.put(k("a"), kv("a", 1, 100));
    latest.put(k("big"), kv("big", 2, 4096));
    assertThat(latest.get(k("big"))).isNull();
    assertThat(latest.size()).isZero();
  }

  @Test
  void aZeroBudgetTurnsItOff() {
    LatestVersions latest = new LatestVersions(0);
    latest.put(k("a"), kv("a", 1, 1));
    assertThat(latest.get(k("a"))).isNull();
  }
}
