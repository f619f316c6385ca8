package dev.cairn.ops;

import dev.cairn.store.MvccStore;
import dev.cairn.store.StoreConfig;
import java.io.OutputStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.MessageDigest;
import java.util.HexFormat;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.Properties;
import java.util.concurrent.Callable;
import java.util.stream.Stream;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;
import picocli.CommandLine.Parameters;

/**
 * {@code cairn snapshot restore}: builds one member's data directory for a new cluster from a
 * snapshot file, as {@code etcdctl snapshot restore} does. Run it once per member with the same
 * file and the same {@code --initial-cluster}; then start each member with {@code cairn node
 * --data-dir DIR} plus its client URLs.
 *
 * <p>The new cluster gets a new identity: unless {@code --initial-cluster-token} is given, the
 * token (which names the Raft group and the cluster id) is derived from the member list and the
 * snapshot's digest, the same on every member and different from the source cluster's.
 */
@Command(
    name = "restore",
    description = "Build a member's data directory for a new cluster from a snapshot.")
final class RestoreCommand implements Callable<Integer> {
  @Parameters(index = "0")
  Path file;

  @Option(names = "--name", required = true, description = "This member's name.")
  String name;

  @Option(names = "--data-dir", required = true, description = "Must not exist or be empty.")
  Path dataDir;

  @Option(
      names = "--initial-cluster",
      required = true,
      description = "Every member of the new cluster: NAME=PEER_URL,...")
  String initialCluster;

  @Option(
      names = "--initial-advertise-peer-urls",
      description = "Default: this member's URL in --initial-cluster.")
  String advertisePeerUrls;

  @Option(
      names = "--initial-cluster-token",
      description = "Default: derived from the members and the snapshot.")
  String token;

  @Option(
      names = "--bump-revision",
      defaultValue = "0",
      description = "Move the revision forward by this much.")
  long bumpRevision;

  @Option(
      names = "--mark-compacted",
      description = "Compact at the bumped revision (needs --bump-revision).")
  boolean markCompacted;

  @Option(
      names = {"-o", "--output"},
      defaultValue = "table",
      description = "table, json or yaml")
  Output.Format output;

  @Override
  public Integer call() throws Exception {
    Map<String, String> members = parseCluster(initialCluster);
    if (!members.containsKey(name)) {
      throw new IllegalArgumentException(
          "--initial-cluster has no member named '" + name + "': " + initialCluster);
    }
    if (markCompacted && bumpRevision == 0) {
      throw new IllegalArgumentException("--mark-compacted needs --bump-revision");
    }
    if (bumpRevision < 0) {
      throw new IllegalArgumentException("--bump-revision must not be negative");
    }
    if (Files.exists(dataDir)) {
      try (Stream<Path> s = Files.list(dataDir)) {
        if (s.findAny().isPresent()) {
          throw new IllegalArgumentException("refusing to restore into non-empty " + dataDir);
        }
      }
    }
    SnapshotFile.verify(file);
    String peer = advertisePeerUrls != null ? advertisePeerUrls : members.get(name);
    String clusterToken = token != null ? token : derivedToken(file, initialCluster);
    Path parent = dataDir.toAbsolutePath().getParent();
    Files.createDirectories(parent);
    Path staging = Files.createTempDirectory(parent, ".restore-");
    try {
      SnapshotFile.unpack(file, staging.resolve("store"));
      long revision;
      long keys;
      try (MvccStore store = MvccStore.open(StoreConfig.defaults(staging.resolve("store")))) {
        store.prepareRestore(bumpRevision, markCompacted);
        revision = store.revision();
        keys = store.leases().size();
      }
      Properties p = new Properties();
      p.setProperty("name", name);
      p.setProperty("cluster-token", clusterToken);
      p.setProperty("advertise-peer-urls", peer);
      p.setProperty("listen-peer-urls", peer);
      p.setProperty("initial-cluster", initialCluster);
      try (OutputStream out = Files.newOutputStream(staging.resolve("member.properties"))) {
        p.store(out, "Cairn member, restored from " + file.getFileName());
      }
      Files.deleteIfExists(dataDir);
      Files.move(staging, dataDir);
      new Output(output)
          .object(
              Output.row(
                  "member", name,
                  "data_dir", dataDir.toString(),
                  "revision", revision,
                  "leases", keys,
                  "cluster_token", clusterToken));
    } catch (Exception e) {
      dev.cairn.store.Checkpoint.deleteTree(staging);
      throw e;
    }
    return 0;
  }

  static Map<String, String> parseCluster(String spec) {
    Map<String, String> out = new LinkedHashMap<>();
    for (String item : spec.split(",")) {
      int eq = item.indexOf('=');
      if (eq <= 0 || eq == item.length() - 1) {
        throw new IllegalArgumentException("--initial-cluster item '" + item + "' is not NAME=URL");
      }
      out.put(item.substring(0, eq).trim(), item.substring(eq + 1).trim());
    }
    return out;
  }

  private static String derivedToken(Path file, String cluster) throws Exception {
    MessageDigest sha = MessageDigest.getInstance("SHA-256");
    sha.update(cluster.getBytes(StandardCharsets.UTF_8));
    byte[] size = Long.toString(Files.size(file)).getBytes(StandardCharsets.UTF_8);
    sha.update(size);
    try (var in = Files.newInputStream(file)) {
      in.skip(Math.max(0, Files.size(file) - SnapshotFile.DIGEST));
      sha.update(in.readAllBytes()); // the snapshot's own digest stands for its content
    }
    return "cairn-" + HexFormat.of().formatHex(sha.digest(), 0, 8);
  }
}
