package dev.cairn.ops;

import io.etcd.jetcd.Client;
import java.nio.file.Path;
import java.time.Duration;
import java.util.concurrent.Callable;
import java.util.concurrent.TimeUnit;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;

/**
 * Starts a local cluster, waits until it has a leader, prints how to reach it, and stops every node
 * on Ctrl-C. On an existing data directory it restarts the same cluster with its data.
 */
@Command(
    name = "up",
    description = "Start a local cluster of separate node processes and wait for a leader.")
final class UpCommand implements Callable<Integer> {
  @Option(
      names = "--nodes",
      defaultValue = "3",
      description = "Number of nodes: 1, 3 or 5 (default: ${DEFAULT-VALUE}).")
  int nodes;

  @Option(
      names = "--data-dir",
      defaultValue = ".cairn",
      description = "Directory for the nodes' data and logs (default: ${DEFAULT-VALUE}).")
  Path dataDir;

  @Option(
      names = "--base-port",
      defaultValue = "2379",
      description =
          "Client port of the first node; node i uses base+10i (client), +1 (peer), +2 (metrics).")
  int basePort;

  @Option(
      names = "--timeout",
      defaultValue = "60s",
      converter = DurationConverter.class,
      description = "How long to wait for a leader (default: ${DEFAULT-VALUE}).")
  Duration timeout;

  @Option(
      names = "--detach",
      description = "Return once the cluster is up; stop it with 'cairn down'.")
  boolean detach;

  @Override
  public Integer call() throws Exception {
    if (nodes != 1 && nodes != 3 && nodes != 5) {
      System.err.println("error: --nodes must be 1, 3 or 5, not " + nodes);
      return 2;
    }
    LocalCluster cluster = new LocalCluster(dataDir, nodes, basePort);
    cluster.start();
    Thread stopper = new Thread(() -> cluster.stop(Duration.ofSeconds(10)), "cairn-up-stop");
    Runtime.getRuntime().addShutdownHook(stopper);
    try {
      awaitLeader(cluster, timeout);
    } catch (Exception e) {
      System.err.println("error: " + e.getMessage());
      for (LocalCluster.Member m : cluster.members()) {
        System.err.println("  log of " + m.name() + ": " + m.log());
      }
      return 1;
    }
    String endpoints = cluster.endpoints();
    System.out.println("endpoints: " + endpoints);
    System.out.println();
    System.out.println("Try:");
    System.out.println("  bin/cairn kv put greeting hello --endpoints " + endpoints);
    System.out.println("  bin/cairn kv get greeting --endpoints " + endpoints);
    System.out.println("  bin/cairn endpoint status --cluster --endpoints " + endpoints);
    System.out.println("  ETCDCTL_API=3 etcdctl --endpoints " + endpoints + " put greeting hello");
    System.out.println("  ETCDCTL_API=3 etcdctl --endpoints " + endpoints + " get greeting");
    System.out.println(
        "  ETCDCTL_API=3 etcdctl --endpoints " + endpoints + " endpoint status -w table");
    for (LocalCluster.Member m : cluster.members()) {
      System.out.println("log of " + m.name() + ": " + m.log());
    }
    if (detach) {
      Runtime.getRuntime().removeShutdownHook(stopper);
      System.out.println("Detached; stop it with: bin/cairn down --data-dir " + dataDir);
      return 0;
    }
    System.out.println("Press Ctrl-C to stop the cluster.");
    for (Process p : cluster.processes()) {
      p.waitFor();
    }
    System.err.println("every node has exited");
    return 0;
  }

  /** Polls each member's status until one reports a leader, or fails after {@code timeout}. */
  static void awaitLeader(LocalCluster cluster, Duration timeout) throws Exception {
    long deadline = System.nanoTime() + timeout.toNanos();
    String endpoints = cluster.endpoints();
    io.etcd.jetcd.ClientBuilder builder = Client.builder().endpoints(endpoints.split(","));
    if (cluster.certs() != null) {
      java.nio.file.Path certs = cluster.certs();
      builder.sslContext(
          ssl ->
              ssl.trustManager(certs.resolve("ca.crt").toFile())
                  .keyManager(
                      certs.resolve("client.crt").toFile(), certs.resolve("client.key").toFile()));
    }
    try (Client client = builder.build()) {
      while (System.nanoTime() < deadline) {
        for (Process p : cluster.processes()) {
          if (!p.isAlive()) {
            throw new IllegalStateException(
                "a node exited with status " + p.exitValue() + " during start-up");
          }
        }
        for (LocalCluster.Member m : cluster.members()) {
          try {
            long leader =
                client
                    .getMaintenanceClient()
                    .statusMember(m.clientUrl())
                    .get(2, TimeUnit.SECONDS)
                    .getLeader();
            if (leader != 0) {
              return;
            }
          } catch (Exception notYet) {
            // the node is still starting
          }
        }
        Thread.sleep(200);
      }
    }
    throw new IllegalStateException("no leader after " + timeout);
  }
}
