package dev.cairn.ops;

import dev.cairn.store.Checkpoint;
import dev.cairn.store.Keys;
import dev.cairn.store.KvHash;
import dev.cairn.store.MvccStore;
import dev.cairn.store.RangeRequest;
import dev.cairn.store.StoreConfig;
import java.io.BufferedInputStream;
import java.io.IOException;
import java.io.InputStream;
import java.nio.ByteBuffer;
import java.nio.channels.FileChannel;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.security.MessageDigest;
import java.util.Arrays;

/**
 * A snapshot file as {@code etcdctl snapshot save} writes it: the node's stream (a store {@link
 * Checkpoint}), zero padding to whole 512-byte blocks, then the SHA-256 of everything before.
 */
final class SnapshotFile {
  static final int DIGEST = 32;

  /** What a snapshot holds. */
  record Info(long revision, long keys, long sizeBytes, long hash) {}

  private SnapshotFile() {}

  /** Checks the framing and the digest; throws with a reason a person can act on. */
  static void verify(Path file) throws IOException {
    long size = Files.size(file);
    if (size < DIGEST || size % 512 != DIGEST) {
      throw new IOException(
          file + " is not a whole snapshot (size " + size + " is not 512·n + 32: truncated?)");
    }
    MessageDigest sha;
    try {
      sha = MessageDigest.getInstance("SHA-256");
    } catch (java.security.NoSuchAlgorithmException e) {
      throw new AssertionError(e);
    }
    byte[] expected = new byte[DIGEST];
    try (FileChannel ch = FileChannel.open(file, StandardOpenOption.READ)) {
      ByteBuffer buf = ByteBuffer.allocate(1 << 20);
      long left = size - DIGEST;
      while (left > 0) {
        buf.clear().limit((int) Math.min(buf.capacity(), left));
        int n = ch.read(buf);
        if (n < 0) {
          throw new IOException(file + " shrank while being read");
        }
        sha.update(buf.array(), 0, n);
        left -= n;
      }
      ch.read(ByteBuffer.wrap(expected), size - DIGEST);
    }
    if (!Arrays.equals(sha.digest(), expected)) {
      throw new IOException(file + " is corrupted: its SHA-256 does not match");
    }
  }

  /** Unpacks the store held in a (verified) snapshot file into {@code target}. */
  static void unpack(Path file, Path target) throws IOException {
    try (InputStream in = new BufferedInputStream(Files.newInputStream(file), 1 << 20)) {
      Checkpoint.restore(in, target);
    }
  }

  /** Verifies, unpacks into a temporary directory and reads revision, keys and hash. */
  static Info inspect(Path file) throws IOException {
    verify(file);
    Path tmp = Files.createTempDirectory("cairn-snapshot");
    try {
      Path db = tmp.resolve("store");
      unpack(file, db);
      try (MvccStore store = MvccStore.open(StoreConfig.defaults(db))) {
        long keys =
            store.range(RangeRequest.range(Keys.ALL_FROM, Keys.ALL_FROM).withCountOnly()).count();
        KvHash hash = store.hash(0);
        return new Info(store.revision(), keys, Files.size(file), hash.hash());
      }
    } finally {
      Checkpoint.deleteTree(tmp);
    }
  }
}
