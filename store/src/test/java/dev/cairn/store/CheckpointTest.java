package dev.cairn.store;

import static java.nio.charset.StandardCharsets.UTF_8;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.io.ByteArrayInputStream;
import java.io.ByteArrayOutputStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Arrays;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;

class CheckpointTest {
  @TempDir Path dir;

  private byte[] streamOfFilledStore() throws Exception {
    try (MvccStore store = MvccStore.open(StoreConfig.defaults(dir.resolve("src")))) {
      for (int i = 0; i < 200; i++) {
        store.apply(Command.Put.of(("k" + (i % 50)).getBytes(UTF_8), ("v" + i).getBytes(UTF_8)));
      }
      store.apply(Command.DeleteRange.range("k1".getBytes(UTF_8), "k2".getBytes(UTF_8)));
      store.apply(new Command.LeaseGrant(7, 30));
      ByteArrayOutputStream out = new ByteArrayOutputStream();
      Checkpoint.write(store, out);
      return out.toByteArray();
    }
  }

  @Test
  void aRestoredStreamOpensAsTheSameStore() throws Exception {
    byte[] stream = streamOfFilledStore();
    KvHash expected;
    try (MvccStore src = MvccStore.open(StoreConfig.defaults(dir.resolve("src")))) {
      expected = src.hash(0);
    }
    Checkpoint.restore(new ByteArrayInputStream(stream), dir.resolve("copy"));
    try (MvccStore copy = MvccStore.open(StoreConfig.defaults(dir.resolve("copy")))) {
      assertThat(copy.hash(0)).isEqualTo(expected);
      assertThat(copy.revision()).isEqualTo(201);
      assertThat(copy.lease(7)).contains(new Lease(7, 30, 0));
    }
  }

  @Test
  void aRestoreCanSeedANewClusterWithBumpedAndCompactedRevisions() throws Exception {
    byte[] stream = streamOfFilledStore();
    Checkpoint.restore(new ByteArrayInputStream(stream), dir.resolve("copy"));
    try (MvccStore copy = MvccStore.open(StoreConfig.defaults(dir.resolve("copy")))) {
      copy.prepareRestore(1000, true);
      assertThat(copy.appliedIndex()).isEqualTo(AppliedIndex.NONE);
      assertThat(copy.revision()).isEqualTo(1201);
      assertThat(copy.compactRevision()).isEqualTo(1201);
      assertThatThrownBy(() -> copy.range(RangeRequest.of("k5".getBytes(UTF_8)).atRevision(201)))
          .isInstanceOf(CompactedException.class);
      // the data is all there at the new revision, and the next write continues from it
      assertThat(copy.range(RangeRequest.of("k5".getBytes(UTF_8))).kvs().get(0).value())
          .isEqualTo("v155".getBytes(UTF_8));
      Result.Put put = (Result.Put) copy.apply(Command.Put.of("n".getBytes(UTF_8), new byte[1]));
      assertThat(put.revision()).isEqualTo(1202);
    }
  }

  /** Damage at the start, the middle, the end, and a cut short: each refused, nothing written. */
  @ParameterizedTest
  @CsvSource({"flip, 0", "flip, 0.5", "flip, 0.999", "truncate, 0.5", "truncate, 0.99"})
  void aDamagedStreamIsRefusedAndLeavesNothing(String damage, double where) throws Exception {
    byte[] stream = streamOfFilledStore();
    int at = (int) (stream.length * where);
    byte[] bad = damage.equals("flip") ? flip(stream, at) : Arrays.copyOf(stream, Math.max(at, 1));
    Path target = dir.resolve("copy");
    assertThatThrownBy(() -> Checkpoint.restore(new ByteArrayInputStream(bad), target))
        .isInstanceOf(Checkpoint.CorruptCheckpointException.class);
    assertThat(target).doesNotExist();
    try (var left = Files.list(dir)) {
      assertThat(left.map(p -> p.getFileName().toString())).containsExactly("src");
    }
  }

  private static byte[] flip(byte[] b, int at) {
    byte[] c = b.clone();
    c[at] ^= 0x40;
    return c;
  }

  @Test
  void refusesANonEmptyTarget() throws Exception {
    byte[] stream = streamOfFilledStore();
    Path target = Files.createDirectories(dir.resolve("busy"));
    Files.writeString(target.resolve("x"), "keep me");
    assertThatThrownBy(() -> Checkpoint.restore(new ByteArrayInputStream(stream), target))
        .hasMessageContaining("non-empty");
    assertThat(Files.readString(target.resolve("x"))).isEqualTo("keep me");
  }
}
