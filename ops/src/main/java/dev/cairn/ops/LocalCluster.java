package dev.cairn.ops;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.stream.Collectors;

/**
 * A cluster of Cairn nodes on this machine, each its own process with its own data directory and
 * log file: what {@code cairn up} starts and {@code cairn down} stops.
 *
 * <p>Ports: node i (from 0) listens for clients on {@code basePort + 10·i}, for peers on the next
 * port and for metrics on the one after, so the default base 2379 gives etcd's familiar 2379/2380
 * for the first node.
 */
final class LocalCluster implements AutoCloseable {
  static final String PID_FILE = "cluster.pids";

  record Member(
      String name,
      int clientPort,
      int peerPort,
      int metricsPort,
      Path dataDir,
      Path log,
      String scheme) {
    String clientUrl() {
      return scheme + "://127.0.0.1:" + clientPort;
    }

    String peerUrl() {
      return scheme + "://127.0.0.1:" + peerPort;
    }
  }

  private final Path dir;

  /** Certificates as {@code cairn certs} writes them (ca.crt, NAME.crt/key), or null: plaintext. */
  private final Path certs;

  private final List<Member> members = new ArrayList<>();
  private final List<Process> processes = new ArrayList<>();

  LocalCluster(Path dir, int nodes, int basePort) {
    this(dir, nodes, basePort, null);
  }

  /**
   * A cluster whose client and peer traffic is mutual TLS with the certificates in {@code certs}.
   */
  LocalCluster(Path dir, int nodes, int basePort, Path certs) {
    this.dir = dir.toAbsolutePath();
    this.certs = certs == null ? null : certs.toAbsolutePath();
    for (int i = 0; i < nodes; i++) {
      String name = "n" + (i + 1);
      int client = basePort + 10 * i;
      members.add(
          new Member(
              name,
              client,
              client + 1,
              client + 2,
              this.dir.resolve(name),
              this.dir.resolve(name + ".log"),
              certs == null ? "http" : "https"));
    }
  }

  List<Member> members() {
    return members;
  }

  String endpoints() {
    return members.stream().map(Member::clientUrl).collect(Collectors.joining(","));
  }

  String initialCluster() {
    return members.stream().map(m -> m.name() + "=" + m.peerUrl()).collect(Collectors.joining(","));
  }

  /**
   * The arguments of {@code cairn node} for one member. The cluster state is always "new": a member
   * restarting on its data directory finds its Raft group there and ignores it.
   */
  List<String> nodeArgs(Member m) {
    List<String> args = new ArrayList<>(plainArgs(m));
    if (certs != null) {
      String ca = certs.resolve("ca.crt").toString();
      String crt = certs.resolve(m.name() + ".crt").toString();
      String key = certs.resolve(m.name() + ".key").toString();
      args.addAll(
          List.of(
              "--cert-file",
              crt,
              "--key-file",
              key,
              "--trusted-ca-file",
              ca,
              "--client-cert-auth",
              "true",
              "--peer-cert-file",
              crt,
              "--peer-key-file",
              key,
              "--peer-trusted-ca-file",
              ca,
              "--peer-client-cert-auth",
              "true"));
    }
    return args;
  }

  /** Certificates of this cluster, or null. */
  Path certs() {
    return certs;
  }

  private List<String> plainArgs(Member m) {
    return List.of(
        "--name", m.name(),
        "--data-dir", m.dataDir().toString(),
        "--listen-client-urls", m.clientUrl(),
        "--advertise-client-urls", m.clientUrl(),
        "--listen-peer-urls", m.peerUrl(),
        "--initial-advertise-peer-urls", m.peerUrl(),
        "--listen-metrics-urls", "http://127.0.0.1:" + m.metricsPort(),
        "--initial-cluster", initialCluster(),
        "--initial-cluster-state", "new");
  }

  /** Extra JVM options for every member (a profiler agent, GC settings), split on blanks. */
  static final String NODE_JAVA_OPTS = "CAIRN_NODE_JAVA_OPTS";

  /** Starts every member as {@code java -cp <this jar> dev.cairn.ops.Cairn node ...}. */
  void start() throws IOException {
    Files.createDirectories(dir);
    String java = ProcessHandle.current().info().command().orElse("java");
    String classpath = System.getProperty("java.class.path");
    List<String> pids = new ArrayList<>();
    for (Member m : members) {
      List<String> cmd = new ArrayList<>();
      cmd.add(java);
      cmd.add("-Xmx1g");
      // the members share this machine's cores, and G1 runs concurrent threads in each: the
      // serial collector costs less per request. The JIT stays the default (C2): its compile
      // threads cost a third of a member's CPU in the first minute of load, but once warm its code
      // answers a put in 28 % less time than C1-only code (bench/README.md, cluster findings 5
      // and 11). CAIRN_NODE_JAVA_OPTS comes later and wins.
      cmd.add("-XX:+UseSerialGC");
      String extra = System.getenv(NODE_JAVA_OPTS);
      if (extra != null && !extra.isBlank()) {
        cmd.addAll(List.of(extra.trim().split("\\s+")));
      }
      cmd.add("-cp");
      cmd.add(classpath);
      cmd.add(Cairn.class.getName());
      cmd.add("node");
      cmd.addAll(nodeArgs(m));
      Process p =
          new ProcessBuilder(cmd)
              .redirectErrorStream(true)
              .redirectOutput(ProcessBuilder.Redirect.appendTo(m.log().toFile()))
              .start();
      processes.add(p);
      pids.add(m.name() + " " + p.pid());
    }
    Files.write(dir.resolve(PID_FILE), pids);
    Files.writeString(dir.resolve(ClientOptions.ENDPOINTS_FILE), endpoints() + "\n");
  }

  List<Process> processes() {
    return processes;
  }

  /** Stops every member with SIGTERM, then SIGKILL for any still running after the grace time. */
  void stop(Duration grace) {
    processes.forEach(Process::destroy);
    long deadline = System.nanoTime() + grace.toNanos();
    for (Process p : processes) {
      try {
        long left = Math.max(0, deadline - System.nanoTime());
        if (!p.waitFor(left, java.util.concurrent.TimeUnit.NANOSECONDS)) {
          p.destroyForcibly().waitFor();
        }
      } catch (InterruptedException e) {
        p.destroyForcibly();
        Thread.currentThread().interrupt();
      }
    }
    try {
      Files.deleteIfExists(dir.resolve(PID_FILE));
    } catch (IOException ignored) {
      // the pid file is advisory
    }
  }

  @Override
  public void close() {
    stop(Duration.ofSeconds(10));
  }
}
