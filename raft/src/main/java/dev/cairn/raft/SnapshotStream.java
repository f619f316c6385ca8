package dev.cairn.raft;

import dev.cairn.store.MvccStore;
import java.io.ByteArrayOutputStream;
import java.io.DataOutputStream;
import java.io.IOException;
import java.io.InputStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.util.List;
import java.util.stream.Stream;

/**
 * The Maintenance.Snapshot stream: a point-in-time store checkpoint as one archive, framed as
 * etcd frames its snapshot so that {@code etcdctl snapshot save} accepts it.
 *
 * <pre>
 *   "CAIRNSNP" · version(int 1) · revision(long) · files(int)
 *   per file:  nameLength(short) · name (UTF-8) · size(long) · bytes
 *   zero padding to a multiple of 512 bytes
 *   sha256 of everything above (32 bytes)          → total size % 512 == 32
 * </pre>
 */
final class SnapshotStream implements AutoCloseable {
  static final byte[] MAGIC = "CAIRNSNP".getBytes(StandardCharsets.US_ASCII);
  static final int CHUNK = 64 << 10;

  private final Path dir;
  private final long revision;
  private final List<Path> files;
  private final MessageDigest sha;
  private int fileIndex = -1;
  private InputStream current;
  private long written;
  private boolean finished;

  private SnapshotStream(Path dir, long revision, List<Path> files) {
    this.dir = dir;
    this.revision = revision;
    this.files = files;
    try {
      this.sha = MessageDigest.getInstance("SHA-256");
    } catch (NoSuchAlgorithmException e) {
      throw new IllegalStateException(e);
    }
  }

  static SnapshotStream of(MvccStore store, Path workDir) throws IOException {
    Path dir = workDir.resolve("snapshot-stream-" + System.nanoTime());
    long revision = store.revision();
    store.checkpoint(dir);
    try (Stream<Path> list = Files.list(dir)) {
      return new SnapshotStream(dir, revision, list.filter(Files::isRegularFile).sorted().toList());
    }
  }

  long revision() {
    return revision;
  }

  /** The next chunk, or null at the end. */
  byte[] next() throws IOException {
    if (finished) {
      return null;
    }
    ByteArrayOutputStream buf = new ByteArrayOutputStream(CHUNK + 1024);
    DataOutputStream out = new DataOutputStream(buf);
    if (fileIndex < 0) {
      out.write(MAGIC);
      out.writeInt(1);
      out.writeLong(revision);
      out.writeInt(files.size());
      fileIndex = 0;
    }
    while (buf.size() < CHUNK && fileIndex < files.size()) {
      if (current == null) {
        Path f = files.get(fileIndex);
        byte[] name = f.getFileName().toString().getBytes(StandardCharsets.UTF_8);
        out.writeShort(name.length);
        out.write(name);
        out.writeLong(Files.size(f));
        current = Files.newInputStream(f);
      }
      int want = Math.max(1, CHUNK - buf.size());
      byte[] b = current.readNBytes(want);
      out.write(b);
      if (b.length < want) {
        current.close();
        current = null;
        fileIndex++;
      }
    }
    out.flush();
    byte[] body = buf.toByteArray();
    sha.update(body);
    written += body.length;
    if (fileIndex >= files.size() && current == null) {
      int pad = (int) ((512 - written % 512) % 512);
      byte[] zeros = new byte[pad];
      sha.update(zeros);
      byte[] digest = sha.digest();
      byte[] tail = new byte[body.length + pad + digest.length];
      System.arraycopy(body, 0, tail, 0, body.length);
      System.arraycopy(digest, 0, tail, body.length + pad, digest.length);
      finished = true;
      return tail;
    }
    return body;
  }

  @Override
  public void close() throws IOException {
    if (current != null) {
      current.close();
    }
    SnapshotStore.deleteTree(dir);
  }
}
