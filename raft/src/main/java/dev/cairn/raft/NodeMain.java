package dev.cairn.raft;

import java.net.URI;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Properties;

/**
 * Runs one Cairn member with etcd's flags, until the process is stopped:
 *
 * <pre>
 *   --name n1 --data-dir /var/lib/cairn/n1
 *   --listen-client-urls http://0.0.0.0:2379 --advertise-client-urls http://10.0.0.1:2379
 *   --listen-peer-urls http://0.0.0.0:2380 --initial-advertise-peer-urls http://10.0.0.1:2380
 *   --initial-cluster n1=http://10.0.0.1:2380,n2=http://10.0.0.2:2380,n3=http://10.0.0.3:2380
 *   --initial-cluster-state new|existing  [--initial-cluster-token etcd-cluster]
 *   [--listen-metrics-urls http://0.0.0.0:2381]   (/metrics, /health, /readyz)
 *   [--quota-backend-bytes 8589934592]            (NOSPACE alarm above it)
 * </pre>
 *
 * On an existing data directory only {@code --data-dir} is needed: the rest is read back from its
 * {@code member.properties}. (The {@code cairn node} command of the ops module supersedes this.)
 */
public final class NodeMain {
  private NodeMain() {}

  /** Every flag a node takes (etcd's names). */
  static final java.util.Set<String> FLAGS =
      java.util.Set.of(
          "name",
          "data-dir",
          "listen-client-urls",
          "advertise-client-urls",
          "listen-peer-urls",
          "initial-advertise-peer-urls",
          "listen-metrics-urls",
          "quota-backend-bytes",
          "initial-cluster",
          "initial-cluster-state",
          "initial-cluster-token",
          "cert-file",
          "key-file",
          "trusted-ca-file",
          "client-cert-auth",
          "peer-cert-file",
          "peer-key-file",
          "peer-trusted-ca-file",
          "peer-client-cert-auth");

  /**
   * JVM-wide settings a member needs, before anything starts threads. On a machine with fewer than
   * three cores the common fork-join pool has one thread, and then every {@code *Async} call
   * without an executor (Ratis's follower appends make two per appendEntries) starts a new thread
   * per task: async-profiler found thread creation among a follower's hottest paths. Four threads
   * unless the user set the property.
   */
  public static void prepareJvm() {
    String key = "java.util.concurrent.ForkJoinPool.common.parallelism";
    if (System.getProperty(key) == null && Runtime.getRuntime().availableProcessors() < 5) {
      System.setProperty(key, "4");
    }
  }

  public static void main(String[] args) throws Exception {
    prepareJvm();
    NodeConfig config = parse(args);
    CairnNode node = CairnNode.start(config, NodeTls.fromFlags(flags(args)));
    Runtime.getRuntime().addShutdownHook(new Thread(node::close));
    int status = awaitStop(node);
    // stopped by itself (removed from the cluster), not by a signal: leave, with etcd's status
    System.exit(status);
  }

  /**
   * Waits until the member stops; the process's exit status then. A member the cluster removed
   * stops by itself, and etcd's process then exits with 0 ({@code etcdmain}: once the server's stop
   * notification fires, {@code osutil.Exit(0)}).
   */
  static int awaitStop(CairnNode node) throws InterruptedException {
    try {
      node.stopped().get();
    } catch (java.util.concurrent.ExecutionException e) {
      return 1;
    }
    return 0;
  }

  /** The {@code --flag value} (or {@code --flag=value}) pairs; unknown flags are an error. */
  static Map<String, String> flags(String[] args) {
    Map<String, String> flags = new HashMap<>();
    for (int i = 0; i < args.length; i++) {
      String a = args[i];
      if (!a.startsWith("--")) {
        throw new IllegalArgumentException("unexpected argument " + a);
      }
      int eq = a.indexOf('=');
      String name = eq > 0 ? a.substring(2, eq) : a.substring(2);
      if (!FLAGS.contains(name)) {
        throw new IllegalArgumentException("unknown flag --" + name);
      }
      if (eq > 0) {
        flags.put(name, a.substring(eq + 1));
      } else if (i + 1 < args.length) {
        flags.put(name, args[++i]);
      } else {
        throw new IllegalArgumentException("missing value for " + a);
      }
    }
    return flags;
  }

  static NodeConfig parse(String[] args) throws Exception {
    Map<String, String> flags = flags(args);
    Path dataDir = Path.of(flags.getOrDefault("data-dir", "default.cairn"));
    Properties saved = CairnNode.readMemberFile(dataDir);
    if (saved != null) {
      saved.forEach((k, v) -> flags.putIfAbsent((String) k, (String) v));
      flags.putIfAbsent("initial-advertise-peer-urls", saved.getProperty("advertise-peer-urls"));
      // the token names the Raft group: a restart must find the same one
      if (saved.getProperty("cluster-token") != null) {
        flags.putIfAbsent("initial-cluster-token", saved.getProperty("cluster-token"));
      }
    }
    String name = flags.getOrDefault("name", "default");
    List<URI> listenClient =
        urls(flags.getOrDefault("listen-client-urls", "http://localhost:2379"));
    List<URI> listenPeer = urls(flags.getOrDefault("listen-peer-urls", "http://localhost:2380"));
    List<URI> advPeer = urls(flags.get("initial-advertise-peer-urls"));
    Map<String, URI> cluster =
        NodeConfig.parseCluster(
            flags.getOrDefault(
                "initial-cluster", name + "=" + (advPeer.isEmpty() ? listenPeer : advPeer).get(0)));
    return new NodeConfig(
        name,
        dataDir,
        listenClient,
        urls(flags.get("advertise-client-urls")),
        listenPeer,
        advPeer,
        cluster,
        flags.getOrDefault("initial-cluster-state", "new"),
        flags.get("initial-cluster-token"),
        NodeConfig.DEFAULT_ELECTION_TIMEOUT_MIN,
        NodeConfig.DEFAULT_ELECTION_TIMEOUT_MAX,
        NodeConfig.DEFAULT_SNAPSHOT_THRESHOLD,
        NodeConfig.DEFAULT_SEGMENT_SIZE_BYTES,
        NodeConfig.DEFAULT_LEASE_CHECKPOINT_INTERVAL,
        Long.parseLong(flags.getOrDefault("quota-backend-bytes", "0")),
        urls(flags.get("listen-metrics-urls")));
  }

  private static List<URI> urls(String csv) {
    List<URI> out = new ArrayList<>();
    if (csv != null) {
      for (String s : csv.split(",")) {
        if (!s.isBlank()) {
          out.add(URI.create(s.trim()));
        }
      }
    }
    return out;
  }
}
