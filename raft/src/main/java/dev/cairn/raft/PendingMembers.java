package dev.cairn.raft;

import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.io.UncheckedIOException;
import java.nio.ByteBuffer;
import java.nio.channels.FileChannel;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.nio.file.StandardOpenOption;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.Properties;
import org.apache.ratis.proto.RaftProtos.RaftPeerRole;
import org.apache.ratis.protocol.RaftPeer;

/**
 * Membership intents not yet carried out: members that MemberAdd accepted but Ratis has not yet
 * made part of the configuration (it does so only once the new member runs and has caught up), and
 * learners that MemberPromote is making voters. The intent goes through the Raft log, so that an
 * acknowledged request survives the death of the member that took it: every member records it here,
 * and whichever member leads carries it out ({@link ConfigurationDriver}).
 *
 * <pre>
 *   log entry = MEMBER(32) · op (1 add, 2 forget: carried out, 3 withdrawn by MemberRemove)
 *               · learner (0/1) · id length · id · address
 *   file      = &lt;data-dir&gt;/pending-members.properties   id = address|learner, fsynced per change
 * </pre>
 *
 * Applying is idempotent (put or remove by id), so replay after a restart is harmless. Each Ratis
 * snapshot carries a copy ({@link #SNAPSHOT_FILE}), so that a member that installs one learns the
 * intents of the log it skipped.
 */
final class PendingMembers {
  static final byte TAG = 32;

  /** The intents' file in a Ratis snapshot directory. */
  static final String SNAPSHOT_FILE = "pending-members.properties";

  private static final byte ADD = 1;
  private static final byte FORGET = 2;
  private static final byte WITHDRAW = 3;

  private final Path file;
  private final Map<String, RaftPeer> pending = new LinkedHashMap<>();

  /**
   * Members whose intent MemberRemove withdrew (until a MemberAdd names them again), as applied
   * since this process started: what lets the leader tell a member it staged while the intent was
   * withdrawn ({@link ConfigurationDriver}) from one another leader carried out. Not in the file.
   */
  private final java.util.Set<String> withdrawn = new java.util.HashSet<>();

  PendingMembers(Path file) {
    this.file = file;
    pending.putAll(load(file));
  }

  /** The intents a file holds; none if there is no file. */
  private static Map<String, RaftPeer> load(Path file) {
    Map<String, RaftPeer> intents = new LinkedHashMap<>();
    if (Files.exists(file)) {
      Properties p = new Properties();
      try (InputStream in = Files.newInputStream(file)) {
        p.load(in);
      } catch (IOException e) {
        throw new UncheckedIOException(e);
      }
      p.stringPropertyNames()
          .forEach(
              id -> {
                String[] v = p.getProperty(id).split("\\|");
                intents.put(id, peer(id, v[0], v.length > 1 && v[1].equals("learner")));
              });
    }
    return intents;
  }

  /**
   * Writes the intents as they are now into a snapshot directory, next to the store checkpoint of
   * the same log position (both are taken on the apply thread, between two entries).
   */
  synchronized void saveTo(Path snapshotDir) {
    write(snapshotDir.resolve(SNAPSHOT_FILE));
  }

  /**
   * Takes the intents of an installed snapshot in place of this member's own: the log entries
   * before the snapshot will never reach this member, so its own record may lack intents or hold
   * ones carried out since. A snapshot without the file (taken by an older version) changes
   * nothing.
   */
  synchronized void replaceFrom(Path snapshotDir) {
    Path f = snapshotDir.resolve(SNAPSHOT_FILE);
    if (Files.exists(f)) {
      pending.clear();
      pending.putAll(load(f));
      withdrawn.removeAll(pending.keySet());
      write(file);
    }
  }

  static byte[] add(RaftPeer peer) {
    return encode(ADD, peer);
  }

  static byte[] forget(RaftPeer peer) {
    return encode(FORGET, peer);
  }

  static byte[] withdraw(RaftPeer peer) {
    return encode(WITHDRAW, peer);
  }

  private static byte[] encode(byte op, RaftPeer peer) {
    byte[] id = peer.getId().toString().getBytes(StandardCharsets.UTF_8);
    byte[] address =
        (peer.getAddress() == null ? "" : peer.getAddress()).getBytes(StandardCharsets.UTF_8);
    return ByteBuffer.allocate(4 + 4 + id.length + address.length)
        .put(TAG)
        .put(op)
        .put((byte) (peer.getStartupRole() == RaftPeerRole.LISTENER ? 1 : 0))
        .put((byte) 0)
        .putInt(id.length)
        .put(id)
        .put(address)
        .array();
  }

  /** Applies a committed MEMBER entry. */
  synchronized void apply(byte[] entry) {
    ByteBuffer b = ByteBuffer.wrap(entry);
    b.get();
    byte op = b.get();
    boolean learner = b.get() == 1;
    b.get();
    byte[] id = new byte[b.getInt()];
    b.get(id);
    byte[] address = new byte[b.remaining()];
    b.get(address);
    String key = new String(id, StandardCharsets.UTF_8);
    if (op == ADD) {
      pending.put(key, peer(key, new String(address, StandardCharsets.UTF_8), learner));
      withdrawn.remove(key);
    } else {
      pending.remove(key);
      if (op == WITHDRAW) {
        withdrawn.add(key);
      }
    }
    write(file);
  }

  synchronized Map<String, RaftPeer> all() {
    return Map.copyOf(pending);
  }

  synchronized boolean contains(String id) {
    return pending.containsKey(id);
  }

  /** Whether MemberRemove withdrew the member's intent (and no MemberAdd named it since). */
  synchronized boolean withdrawn(String id) {
    return withdrawn.contains(id);
  }

  private static RaftPeer peer(String id, String address, boolean learner) {
    RaftPeer.Builder b = RaftPeer.newBuilder().setId(id).setAddress(address);
    if (learner) {
      b.setStartupRole(RaftPeerRole.LISTENER);
    }
    return b.build();
  }

  /** Writes the intents to a file atomically (a temporary file, fsynced, then renamed). */
  private void write(Path target) {
    Properties p = new Properties();
    pending.forEach(
        (id, peer) ->
            p.setProperty(
                id,
                peer.getAddress()
                    + (peer.getStartupRole() == RaftPeerRole.LISTENER ? "|learner" : "|voter")));
    Path tmp = target.resolveSibling(target.getFileName() + ".tmp");
    try {
      Files.createDirectories(target.toAbsolutePath().getParent());
      try (OutputStream out = Files.newOutputStream(tmp)) {
        p.store(out, "MemberAdd intents not yet in the Raft configuration");
      }
      try (FileChannel ch = FileChannel.open(tmp, StandardOpenOption.WRITE)) {
        ch.force(true);
      }
      Files.move(tmp, target, StandardCopyOption.REPLACE_EXISTING, StandardCopyOption.ATOMIC_MOVE);
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    }
  }
}
