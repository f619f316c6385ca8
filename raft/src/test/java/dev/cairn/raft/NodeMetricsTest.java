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
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;

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
      // Ratis's own metrics of this member follow etcd's, labelled with the Raft group
      String group = "group=\"" + node.division().getMemberId().getGroupId() + "\"";
      assertThat(text)
          .contains("# TYPE ratis_log_worker_flushCount_total counter")
          .contains("# TYPE ratis_server_follower_append_entry_latency_seconds summary")
          .contains("ratis_log_worker_syncTime_seconds{" + group + ",quantile=\"0.99\"}");
      double flushesBefore = sample(text, "ratis_log_worker_flushCount_total{" + group + "}");
      double appliedBefore = sample(text, "ratis_state_machine_appliedIndex{" + group + "}");
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
      // etcd's gRPC call metrics: the ten puts, counted and timed by method and code
      String put =
          "grpc_code=\"OK\",grpc_method=\"Put\",grpc_service=\"etcdserverpb.KV\",grpc_type=\"unary\"";
      assertThat(sample(after, "grpc_server_handled_total{" + put + "}")).isEqualTo(10);
      assertThat(sample(after, "grpc_server_handling_seconds_count{" + put + "}")).isEqualTo(10);
      assertThat(sample(after, "grpc_server_handling_seconds_sum{" + put + "}")).isPositive();
      assertThat(
              sample(
                  after,
                  "grpc_server_started_total{grpc_method=\"Put\",grpc_service=\"etcdserverpb.KV\",grpc_type=\"unary\"}"))
          .isEqualTo(10);
      assertThat(sample(after, "ratis_log_worker_flushCount_total{" + group + "}"))
          .isGreaterThanOrEqualTo(flushesBefore + 10);
      assertThat(sample(after, "ratis_state_machine_appliedIndex{" + group + "}"))
          .isGreaterThanOrEqualTo(appliedBefore + 10);
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

  @ParameterizedTest
  @CsvSource({
    "OK,                 OK",
    "CANCELLED,          Canceled",
    "INVALID_ARGUMENT,   InvalidArgument",
    "RESOURCE_EXHAUSTED, ResourceExhausted",
    "UNAVAILABLE,        Unavailable",
  })
  void namesStatusCodesAsGo(io.grpc.Status.Code code, String go) {
    assertThat(GrpcServerMetrics.codeName(code)).isEqualTo(go);
  }

  @ParameterizedTest
  @CsvSource(
      nullValues = "-",
      value = {
        // metric name (sanitized)                          | peer id in it
        "ratis_log_appender_follower_2278bae6607778b5_match_index, 2278bae6607778b5",
        "ratis_grpc_log_appender_337d0772_latency_seconds,         337d0772",
        "ratis_log_worker_flushCount,                              -",
        "ratis_server_clientWriteRequest,                          -",
        "ratis_server_cafebabe_peerCommitIndex,                    -", // hex, but no digit
        "ratis_server_1234567_peerCommitIndex,                     -", // 7 digits: too short
      })
  void findsThePeerIdInAMetricName(String name, String peer) {
    assertThat(RatisMetricsText.peerIn(name)).isEqualTo(peer);
  }

  @ParameterizedTest
  @CsvSource(
      nullValues = "-",
      value = {
        // member | registry prefix                  | group (null: not this member's)
        "a1b2,    a1b2@group-5E6F,                   group-5E6F",
        "a1b2,    a1b2c3@group-5E6F,                 -", // another member's, same start
        "a1b2,    client-7F2A,                       -",
      })
  void keepsOnlyThisMembersRegistries(String member, String prefix, String group) {
    assertThat(new RatisMetricsText(member).groupOf(prefix)).isEqualTo(group);
  }

  @ParameterizedTest
  @CsvSource({
    "ratis.log_worker.flushTime, ratis_log_worker_flushTime",
    "ratis_grpc-log-appender,    ratis_grpc_log_appender",
    "9lives,                     _9lives",
  })
  void makesPrometheusNames(String raw, String name) {
    assertThat(RatisMetricsText.sanitize(raw)).isEqualTo(name);
  }

  /** The upper bounds of a histogram's buckets, in the order Prometheus text lists them. */
  static java.util.List<String> buckets(String text, String name) {
    String prefix = name + "_bucket{le=\"";
    return text.lines()
        .filter(l -> l.startsWith(prefix))
        .map(l -> l.substring(prefix.length(), l.indexOf('"', prefix.length())))
        .toList();
  }

  /** The value of a sample (name and labels as written) in Prometheus text. */
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
