package dev.cairn.raft;

import static org.assertj.core.api.Assertions.assertThat;

import java.net.URI;
import java.nio.file.Files;
import java.nio.file.Path;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** etcd's flags, and a restart that needs only --data-dir. */
class NodeMainTest {
  @TempDir Path dir;

  @Test
  void parsesEtcdFlags() throws Exception {
    NodeConfig c =
        NodeMain.parse(
            new String[] {
              "--name",
              "n1",
              "--data-dir=" + dir,
              "--listen-client-urls",
              "http://0.0.0.0:2379",
              "--advertise-client-urls",
              "http://10.0.0.1:2379",
              "--listen-peer-urls",
              "http://0.0.0.0:2380",
              "--initial-advertise-peer-urls",
              "http://10.0.0.1:2380",
              "--initial-cluster",
              "n1=http://10.0.0.1:2380,n2=http://10.0.0.2:2380",
              "--initial-cluster-state",
              "existing",
              "--listen-metrics-urls",
              "http://127.0.0.1:2381",
              "--quota-backend-bytes",
              "1048576"
            });
    assertThat(c.name()).isEqualTo("n1");
    assertThat(c.dataDir()).isEqualTo(dir);
    assertThat(c.listenClientUrls()).containsExactly(URI.create("http://0.0.0.0:2379"));
    assertThat(c.advertiseClientUrls()).containsExactly(URI.create("http://10.0.0.1:2379"));
    assertThat(c.advertisePeerUrls()).containsExactly(URI.create("http://10.0.0.1:2380"));
    assertThat(c.initialCluster()).containsOnlyKeys("n1", "n2");
    assertThat(c.clusterState()).isEqualTo("existing");
    assertThat(c.listenMetricsUrls()).containsExactly(URI.create("http://127.0.0.1:2381"));
    assertThat(c.quotaBackendBytes()).isEqualTo(1 << 20);
  }

  @Test
  void anExistingDataDirNeedsNoOtherFlag() throws Exception {
    Files.writeString(
        dir.resolve("member.properties"),
        "name=n2\n"
            + "cluster-token=etcd-cluster\n"
            + "listen-client-urls=http\\://127.0.0.1\\:3379\n"
            + "advertise-client-urls=http\\://127.0.0.1\\:3379\n"
            + "listen-peer-urls=http\\://127.0.0.1\\:3380\n"
            + "advertise-peer-urls=http\\://127.0.0.1\\:3380\n"
            + "initial-cluster=n2\\=http\\://127.0.0.1\\:3380\n");
    NodeConfig c = NodeMain.parse(new String[] {"--data-dir", dir.toString()});
    assertThat(c.name()).isEqualTo("n2");
    assertThat(c.listenClientUrls()).containsExactly(URI.create("http://127.0.0.1:3379"));
    assertThat(c.advertisePeerUrls()).containsExactly(URI.create("http://127.0.0.1:3380"));
    assertThat(c.initialCluster()).containsEntry("n2", URI.create("http://127.0.0.1:3380"));
  }
}
