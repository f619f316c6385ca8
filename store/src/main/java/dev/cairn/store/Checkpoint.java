package dev.cairn.store;

import java.io.DataInputStream;
import java.io.DataOutputStream;
import java.io.EOFException;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.AtomicMoveNotSupportedException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.security.DigestInputStream;
import java.security.DigestOutputStream;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.util.Arrays;
import java.util.Comparator;
import java.util.List;
import java.util.stream.Stream;

/**
 * A point-in-time copy of the whole engine as one byte stream, and back. The stream is the files of
 * a RocksDB checkpoint, framed and sealed with a SHA-256 of everything before it:
 *
 * <pre>
 *   "CAIRNCKP" · version:int
 *   ( 'F' · nameLength:u16 · name · size:u64 · bytes )*
 *   'E' · sha256(all of the above):32
 * </pre>
 *
 * <p>Restoring writes into a temporary sibling directory and moves it into place only after the
 * digest matched, so a truncated or corrupted stream leaves nothing behind.
 */
public final class Checkpoint {
  private static final byte[] MAGIC = "CAIRNCKP".getBytes(StandardCharsets.US_ASCII);
  private static final int VERSION = 1;

  private Checkpoint() {}

  /** A stream that is not a whole, intact checkpoint. */
  public static final class CorruptCheckpointException extends IOException {
    private static final long serialVersionUID = 1L;

    public CorruptCheckpointException(String message) {
      super(message);
    }
  }

  /** Checkpoints the store into a temporary directory and writes it to {@code out}. */
  public static void write(MvccStore store, OutputStream out) throws IOException {
    write(store, revision -> out);
  }

  /**
   * Checkpoints the store and writes it to the stream {@code open} returns for the checkpoint's
   * revision (so a sender can label its stream with the revision it holds).
   */
  public static long write(MvccStore store, java.util.function.LongFunction<OutputStream> open)
      throws IOException {
    Path tmp = Files.createTempDirectory("cairn-checkpoint");
    Path dir = tmp.resolve("db");
    try {
      long revision = store.checkpoint(dir);
      writeDirectory(dir, open.apply(revision));
      return revision;
    } finally {
      deleteTree(tmp);
    }
  }

  /** Writes the files of a checkpoint directory to {@code out}. */
  public static void writeDirectory(Path dir, OutputStream out) throws IOException {
    MessageDigest sha = sha256();
    DataOutputStream data = new DataOutputStream(new DigestOutputStream(out, sha));
    data.write(MAGIC);
    data.writeInt(VERSION);
    List<Path> files;
    try (Stream<Path> list = Files.list(dir)) {
      files = list.filter(Files::isRegularFile).sorted().toList();
    }
    byte[] buf = new byte[1 << 16];
    for (Path f : files) {
      byte[] name = f.getFileName().toString().getBytes(StandardCharsets.UTF_8);
      data.writeByte('F');
      data.writeShort(name.length);
      data.write(name);
      long size = Files.size(f);
      data.writeLong(size);
      try (InputStream in = Files.newInputStream(f)) {
        long left = size;
        while (left > 0) {
          int n = in.read(buf, 0, (int) Math.min(buf.length, left));
          if (n < 0) {
            throw new IOException(f + " shrank while being copied");
          }
          data.write(buf, 0, n);
          left -= n;
        }
      }
    }
    data.writeByte('E');
    data.flush();
    out.write(sha.digest());
    out.flush();
  }

  /**
   * Reads a checkpoint stream into {@code target}, which must not exist or be an empty directory.
   *
   * @throws CorruptCheckpointException if the stream is truncated, altered or not a checkpoint;
   *     {@code target} is then left as it was
   */
  public static void restore(InputStream in, Path target) throws IOException {
    if (Files.isDirectory(target)) {
      try (Stream<Path> s = Files.list(target)) {
        if (s.findAny().isPresent()) {
          throw new IOException("refusing to restore into non-empty directory " + target);
        }
      }
      Files.delete(target);
    } else if (Files.exists(target)) {
      throw new IOException(target + " exists and is not a directory");
    }
    Path parent = target.toAbsolutePath().getParent();
    Files.createDirectories(parent);
    Path tmp = Files.createTempDirectory(parent, target.getFileName() + ".restore");
    boolean ok = false;
    try {
      MessageDigest sha = sha256();
      DataInputStream data = new DataInputStream(new DigestInputStream(in, sha));
      byte[] magic = new byte[MAGIC.length];
      data.readFully(magic);
      if (!Arrays.equals(magic, MAGIC)) {
        throw new CorruptCheckpointException("not a Cairn checkpoint (bad magic)");
      }
      int version = data.readInt();
      if (version != VERSION) {
        throw new CorruptCheckpointException("unsupported checkpoint version " + version);
      }
      byte[] buf = new byte[1 << 16];
      while (true) {
        int tag = data.readUnsignedByte();
        if (tag == 'E') {
          break;
        }
        if (tag != 'F') {
          throw new CorruptCheckpointException("bad record tag " + tag);
        }
        byte[] nameBytes = new byte[data.readUnsignedShort()];
        data.readFully(nameBytes);
        String name = new String(nameBytes, StandardCharsets.UTF_8);
        if (name.isEmpty() || name.contains("/") || name.contains("\\") || name.startsWith(".")) {
          throw new CorruptCheckpointException("bad file name in checkpoint: " + name);
        }
        long size = data.readLong();
        if (size < 0) {
          throw new CorruptCheckpointException("bad size " + size + " for " + name);
        }
        try (OutputStream out = Files.newOutputStream(tmp.resolve(name))) {
          long left = size;
          while (left > 0) {
            int n = data.read(buf, 0, (int) Math.min(buf.length, left));
            if (n < 0) {
              throw new EOFException();
            }
            out.write(buf, 0, n);
            left -= n;
          }
        }
      }
      byte[] expected = sha.digest();
      byte[] actual = in.readNBytes(32);
      if (!Arrays.equals(expected, actual)) {
        throw new CorruptCheckpointException("checkpoint digest mismatch: the stream was altered");
      }
      try {
        Files.move(tmp, target, StandardCopyOption.ATOMIC_MOVE);
      } catch (AtomicMoveNotSupportedException e) {
        Files.move(tmp, target);
      }
      ok = true;
    } catch (EOFException e) {
      throw new CorruptCheckpointException("checkpoint is truncated");
    } finally {
      if (!ok) {
        deleteTree(tmp);
      }
    }
  }

  private static MessageDigest sha256() {
    try {
      return MessageDigest.getInstance("SHA-256");
    } catch (NoSuchAlgorithmException e) {
      throw new AssertionError(e);
    }
  }

  /** Deletes a directory and everything below it; a missing one is fine. */
  public static void deleteTree(Path root) throws IOException {
    if (!Files.exists(root)) {
      return;
    }
    try (Stream<Path> walk = Files.walk(root)) {
      for (Path p : walk.sorted(Comparator.reverseOrder()).toList()) {
        Files.deleteIfExists(p);
      }
    }
  }
}
