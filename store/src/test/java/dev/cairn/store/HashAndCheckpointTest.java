package dev.cairn.store;

import static org.assertj.core.api.Assertions.assertThat;

import java.nio.file.Path;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

/**
 * The hash compares replicas: equal for equal histories, different when data differs, and blind to
 * whether physical compaction has finished. A checkpoint opens as the same store.
 */
class HashAndCheckpointTest {
  @TempDir Path dir;

  MvccStore open(String name) {
    return MvccStore.open(StoreConfig.defaults(dir.resolve(name)));
  }

  static void applyStream(MvccStore store, long from, long to) {
    for (long i = from; i <= to; i++) {
      CommandStream.apply(store, i);
    }
  }

  @Test
  void storesGivenTheSameCommandsHashTheSameAtEveryRevision() {
    try (MvccStore a = open("a");
        MvccStore b = open("b")) {
      applyStream(a, 1, 300);
      applyStream(b, 1, 300);

      assertThat(a.revision()).isEqualTo(b.revision());
      for (long rev = a.compactRevision(); rev <= a.revision(); rev += 37) {
        assertThat(a.hash(rev)).as("at %d", rev).isEqualTo(b.hash(rev));
      }
      assertThat(a.hash(0)).isEqualTo(b.hash(0));
      assertThat(a.hash(0).revision()).isEqualTo(a.revision());
    }
  }

  @Test
  void theHashChangesWhenTheDataChanges() {
    try (MvccStore a = open("a");
        MvccStore b = open("b")) {
      a.apply(Bytes.put("k", "1"));
      b.apply(Bytes.put("k", "2"));
      assertThat(a.hash(0).hash()).isNotEqualTo(b.hash(0).hash());

      KvHash before = a.hash(0);
      a.apply(Bytes.put("k", "1"));
      assertThat(a.hash(0).hash()).as("same value, new version").isNotEqualTo(before.hash());
      assertThat(a.hash(1).hash()).as("the past does not change").isEqualTo(before.hash());
      a.apply(Bytes.del("k"));
      assertThat(a.hash(0).hash()).isNotEqualTo(a.hash(2).hash());
    }
  }

  @ParameterizedTest(name = "compact at revision - {0}")
  @ValueSource(longs = {1, 50, 200})
  void physicalCompactionDoesNotChangeTheHash(long back) throws Exception {
    try (MvccStore a = open("a");
        MvccStore b = open("b")) {
      applyStream(a, 1, 120);
      applyStream(b, 1, 120);
      long at = Math.max(a.compactRevision() + 1, a.revision() - back);
      a.apply(new Command.Compact(at, true));
      KvHash rightAfter = a.hash(0);
      b.apply(new Command.Compact(at, false));
      a.compaction().get(60, TimeUnit.SECONDS);

      assertThat(a.hash(0)).isEqualTo(rightAfter);
      assertThat(b.hash(0)).isEqualTo(rightAfter);
      assertThat(a.hash(at)).isEqualTo(b.hash(at));
    }
    try (MvccStore a = open("a");
        MvccStore b = open("b")) {
      a.compaction().get(60, TimeUnit.SECONDS);
      assertThat(a.hash(0)).as("after reopen").isEqualTo(b.hash(0));
    }
  }

  @Test
  void aCheckpointOpensAsTheSameStore() throws Exception {
    Path copy = dir.resolve("checkpoint");
    try (MvccStore a = open("a")) {
      applyStream(a, 1, 200);
      a.checkpoint(copy);
      applyStream(a, 201, 230); // later writes do not reach the copy

      try (MvccStore c = MvccStore.open(StoreConfig.defaults(copy));
          MvccStore ref = open("ref")) {
        applyStream(ref, 1, 200);
        assertThat(c.revision()).isEqualTo(ref.revision());
        assertThat(c.compactRevision()).isEqualTo(ref.compactRevision());
        assertThat(c.appliedIndex()).isEqualTo(new AppliedIndex(1, 200));
        assertThat(c.leases()).isEqualTo(ref.leases());
        assertThat(c.hash(0)).isEqualTo(ref.hash(0));
        RangeRequest all = RangeRequest.range(Keys.ALL_FROM, Keys.ALL_FROM);
        assertThat(c.range(all)).isEqualTo(ref.range(all));
        long mid = (ref.compactRevision() + ref.revision()) / 2;
        assertThat(c.range(all.atRevision(mid))).isEqualTo(ref.range(all.atRevision(mid)));

        applyStream(c, 201, 230);
        assertThat(c.hash(0)).as("and continues like the original").isEqualTo(a.hash(0));
      }
    }
  }
}
