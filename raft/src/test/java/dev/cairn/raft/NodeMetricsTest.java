package dev.cairn.raft;

import static org.assertj.core.api.Assertions.assertThat;

import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.file.Path;
import java.time.Duration;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** /metrics, /health and /readyz of a single-member cluster. */
class NodeMetricsTest {
  @TempDir Path dir;

  @Test
  void servesEtcdMetricsAndHealth() throws Exception {
    URI peer = URI.create("http://127.0.0.1:" + CairnCluster.freePort());
    URI metrics = URI.create("http://127.0.0.1:" + CairnCluster.freePort());
    NodeConfig config =
        NodeConfig.of(
                "solo",
                dir,
                URI.create("http://127.0.0.1:" + CairnCluster.freePort()),
                peer,
                Map.of("solo", peer),
                "new")
            .withMetrics(metrics);
    try (CairnNode node = CairnNode.start(config)) {
      long end = System.nanoTime() + Duration.ofSeconds(20).toNanos();
      while (!node.isReadyLeader() && System.nanoTime() < end) {
        Thread.sleep(50);
      }
      HttpClient http = HttpClient.newHttpClient();
      HttpResponse<String> health = get(http, metrics.resolve("/health"));
      assertThat(health.statusCode()).isEqualTo(200);
      assertThat(health.body()).contains("\"health\":\"true\"");
      assertThat(get(http, metrics.resolve("/readyz")).statusCode()).isEqualTo(200);
      String text = get(http, metrics.resolve("/metrics")).body();
      assertThat(text)
          .contains("etcd_server_has_leader 1.0")
          .contains("etcd_server_is_leader 1.0")
          .contains("etcd_server_proposals_committed_total")
          .contains("etcd_mvcc_db_total_size_in_bytes")
          .contains("etcd_server_leader_changes_seen_total");
    }
  }

  static HttpResponse<String> get(HttpClient http, URI uri) throws Exception {
    return http.send(
        HttpRequest.newBuilder(uri).GET().build(), HttpResponse.BodyHandlers.ofString());
  }
}
