package dev.cairn.raft;

import static java.nio.charset.StandardCharsets.UTF_8;
import static org.assertj.core.api.Assertions.assertThat;

import io.etcd.jetcd.ByteSequence;
import io.etcd.jetcd.Client;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.file.Path;
import java.time.Duration;
import java.util.Map;
import java.util.concurrent.TimeUnit;
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
      Await.until(Duration.ofSeconds(20), node::isReadyLeader);
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

      // the Raft log's fsyncs, in etcd's buckets (1 ms · 2^k up to 8.192 s), counted per write
      assertThat(text)
          .contains("etcd_disk_wal_fsync_duration_seconds_bucket{le=\"0.001\"}")
          .contains("etcd_disk_wal_fsync_duration_seconds_bucket{le=\"8.192\"}");
      assertThat(text)
          .contains("etcd_disk_backend_commit_duration_seconds_bucket{le=\"0.001\"}")
          .contains("etcd_disk_backend_commit_duration_seconds_bucket{le=\"8.192\"}");
      double before = sample(text, "etcd_disk_wal_fsync_duration_seconds_count");
      double commitsBefore = sample(text, "etcd_disk_backend_commit_duration_seconds_count");
      try (Client client = Client.builder().endpoints(config.listenClientUrls().get(0)).build()) {
        for (int i = 0; i < 10; i++) {
          client
              .getKVClient()
              .put(ByteSequence.from("k" + i, UTF_8), ByteSequence.from("v", UTF_8))
              .get(10, TimeUnit.SECONDS);
        }
      }
      String after = get(http, metrics.resolve("/metrics")).body();
      assertThat(sample(after, "etcd_disk_wal_fsync_duration_seconds_count"))
          .isGreaterThanOrEqualTo(
              before + 10); // one member: each write is synced before it applies
      assertThat(sample(after, "etcd_disk_wal_fsync_duration_seconds_sum")).isPositive();
      // the store's commit of each applied entry: one put after another, each its own entry
      assertThat(sample(after, "etcd_disk_backend_commit_duration_seconds_count"))
          .isGreaterThanOrEqualTo(commitsBefore + 10);
      assertThat(sample(after, "etcd_disk_backend_commit_duration_seconds_sum")).isPositive();
      assertThat(buckets(after, "etcd_disk_backend_commit_duration_seconds"))
          .as("etcd's 14 buckets, 1 ms · 2^k, and +Inf")
          .containsExactly(
              "0.001", "0.002", "0.004", "0.008", "0.016", "0.032", "0.064", "0.128", "0.256",
              "0.512", "1.024", "2.048", "4.096", "8.192", "+Inf");
    }
  }

  /** The upper bounds of a histogram's buckets, in the order Prometheus text lists them. */
  static java.util.List<String> buckets(String text, String name) {
    String prefix = name + "_bucket{le=\"";
    return text.lines()
        .filter(l -> l.startsWith(prefix))
        .map(l -> l.substring(prefix.length(), l.indexOf('"', prefix.length())))
        .toList();
  }

  /** The value of an unlabelled sample in Prometheus text. */
  static double sample(String text, String name) {
    return text.lines()
        .filter(l -> l.startsWith(name + " "))
        .mapToDouble(l -> Double.parseDouble(l.substring(name.length() + 1).trim()))
        .findFirst()
        .orElseThrow(() -> new AssertionError(name + " not in\n" + text));
  }

  static HttpResponse<String> get(HttpClient http, URI uri) throws Exception {
    return http.send(
        HttpRequest.newBuilder(uri).GET().build(), HttpResponse.BodyHandlers.ofString());
  }
}
