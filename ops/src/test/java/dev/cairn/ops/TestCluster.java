package dev.cairn.ops;

import io.etcd.jetcd.Client;
import java.nio.file.Path;
import java.time.Duration;

/**
 * A real cluster for a test: separate {@code cairn node} processes on free localhost ports, data in
 * the test's temporary directory; closing stops every process (SIGTERM, then SIGKILL).
 */
final class TestCluster implements AutoCloseable {
  final LocalCluster cluster;

  private TestCluster(LocalCluster cluster) {
    this.cluster = cluster;
  }

  static TestCluster start(Path dir, int nodes) throws Exception {
    return start(new LocalCluster(dir, nodes, Ports.freeBase(nodes)));
  }

  static TestCluster start(LocalCluster cluster) throws Exception {
    TestCluster c = new TestCluster(cluster);
    try {
      cluster.start();
      UpCommand.awaitLeader(cluster, Duration.ofSeconds(90));
    } catch (Exception e) {
      c.close();
      throw e;
    }
    return c;
  }

  String endpoints() {
    return cluster.endpoints();
  }

  String firstEndpoint() {
    return cluster.members().get(0).clientUrl();
  }

  Client client() {
    return Client.builder().endpoints(endpoints().split(",")).build();
  }

  @Override
  public void close() {
    cluster.stop(Duration.ofSeconds(10));
  }
}
