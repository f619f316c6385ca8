package dev.cairn.raft;

import java.io.File;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.List;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import java.util.stream.Stream;
import org.apache.ratis.server.protocol.TermIndex;
import org.apache.ratis.server.storage.FileInfo;
import org.apache.ratis.server.storage.RaftStorage;
import org.apache.ratis.statemachine.SnapshotInfo;
import org.apache.ratis.statemachine.SnapshotRetentionPolicy;
import org.apache.ratis.statemachine.StateMachineStorage;
import org.apache.ratis.statemachine.impl.FileListSnapshotInfo;

/**
 * Ratis snapshots of the store: each one is a store checkpoint directory inside Ratis's {@code sm/}
 * directory, named after the log position it was taken at.
 *
 * <pre>
 *   &lt;raft storage&gt;/sm/snapshot.3_1200/   ← checkpoint files (+ *.md5 when installed from a leader)
 *   &lt;raft storage&gt;/sm/snapshot.3_1700/
 * </pre>
 *
 * A leader sends every file of the latest snapshot; the follower's Ratis replaces its whole {@code
 * sm/} with them, which is why the live store never lives here.
 */
final class SnapshotStore implements StateMachineStorage {
  private static final Pattern NAME = Pattern.compile("snapshot\\.(\\d+)_(\\d+)");

  private volatile File smDir;
  private volatile SnapshotInfo latest;

  @Override
  public void init(RaftStorage storage) throws IOException {
    smDir = storage.getStorageDir().getStateMachineDir();
    Files.createDirectories(smDir.toPath());
    reload();
  }

  /** Re-reads the directory, after start-up or after a leader replaced it. */
  SnapshotInfo reload() {
    latest =
        scan().stream().max(Comparator.comparing(Snap::termIndex)).map(this::info).orElse(null);
    return latest;
  }

  @Override
  public SnapshotInfo getLatestSnapshot() {
    return latest;
  }

  @Override
  public void format() {}

  /** The directory a new snapshot at {@code ti} goes to. */
  Path dirFor(TermIndex ti) {
    return smDir.toPath().resolve("snapshot." + ti.getTerm() + "_" + ti.getIndex());
  }

  Path tmpDirFor(TermIndex ti) {
    return smDir.toPath().resolve("snapshot." + ti.getTerm() + "_" + ti.getIndex() + ".tmp");
  }

  /** The directory of the latest snapshot, or null. */
  Path latestDir() {
    SnapshotInfo s = latest;
    return s == null ? null : dirFor(s.getTermIndex());
  }

  /** Publishes a snapshot whose directory is complete. */
  void published(TermIndex ti) {
    latest = info(new Snap(ti, dirFor(ti)));
  }

  @Override
  public void cleanupOldSnapshots(SnapshotRetentionPolicy policy) throws IOException {
    int keep = Math.max(2, policy.getNumSnapshotsRetained());
    List<Snap> snaps = scan();
    snaps.sort(Comparator.comparing(Snap::termIndex).reversed());
    for (int i = keep; i < snaps.size(); i++) {
      deleteTree(snaps.get(i).dir());
    }
  }

  private List<Snap> scan() {
    List<Snap> out = new ArrayList<>();
    File[] files = smDir.listFiles();
    if (files == null) {
      return out;
    }
    for (File f : files) {
      Matcher m = NAME.matcher(f.getName());
      if (f.isDirectory() && m.matches()) {
        out.add(
            new Snap(
                TermIndex.valueOf(Long.parseLong(m.group(1)), Long.parseLong(m.group(2))),
                f.toPath()));
      }
    }
    return out;
  }

  private SnapshotInfo info(Snap s) {
    List<FileInfo> files = new ArrayList<>();
    try (Stream<Path> list = Files.list(s.dir())) {
      list.filter(p -> Files.isRegularFile(p) && !p.toString().endsWith(".md5"))
          .sorted()
          .forEach(p -> files.add(new FileInfo(p.toAbsolutePath(), null)));
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    }
    return new FileListSnapshotInfo(files, s.termIndex());
  }

  static void deleteTree(Path dir) throws IOException {
    if (!Files.exists(dir)) {
      return;
    }
    try (Stream<Path> walk = Files.walk(dir)) {
      for (Path p : walk.sorted(Comparator.reverseOrder()).toList()) {
        Files.deleteIfExists(p);
      }
    }
  }

  private record Snap(TermIndex termIndex, Path dir) {}
}
