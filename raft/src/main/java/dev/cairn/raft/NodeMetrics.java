package dev.cairn.raft;

import com.sun.net.httpserver.HttpExchange;
import com.sun.net.httpserver.HttpServer;
import io.micrometer.core.instrument.Counter;
import io.micrometer.core.instrument.FunctionCounter;
import io.micrometer.core.instrument.Gauge;
import io.micrometer.core.instrument.Timer;
import io.micrometer.prometheusmetrics.PrometheusConfig;
import io.micrometer.prometheusmetrics.PrometheusMeterRegistry;
import java.io.IOException;
import java.io.OutputStream;
import java.net.InetSocketAddress;
import java.net.URI;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.concurrent.Executors;
import java.util.concurrent.TimeUnit;
import java.util.function.ToDoubleFunction;
import java.util.stream.IntStream;

/**
 * A member's metrics (Prometheus text format, etcd's metric names where etcd has one) and its
 * health, served over plain HTTP:
 *
 * <pre>
 *   GET /metrics  etcd_server_has_leader, etcd_server_is_leader, etcd_server_leader_changes_seen_total,
 *                 etcd_server_proposals_committed_total, etcd_server_proposals_applied_total,
 *                 etcd_server_proposals_failed_total, etcd_server_proposals_pending,
 *                 etcd_mvcc_db_total_size_in_bytes, etcd_debugging_mvcc_current_revision,
 *                 etcd_server_term, etcd_disk_wal_fsync_duration_seconds (the Raft log's fsyncs, as
 *                 Ratis times them, in etcd's buckets), etcd_disk_backend_commit_duration_seconds
 *                 (the store's commit of each applied batch, in etcd's buckets),
 *                 cairn_apply_duration_seconds, grpc_server_started_total,
 *                 grpc_server_handled_total, grpc_server_handling_seconds ({@link GrpcServerMetrics});
 *                 then Ratis's own metrics of this member,
 *                 ratis_&lt;component&gt;_&lt;metric&gt;{group="group-&lt;id&gt;"} ({@link RatisMetricsText})
 *   GET /health   200 {"health":"true"} when the member knows a leader, else 503 {"health":"false"}
 *   GET /readyz   200 ok when the member knows a leader and its store is open, else 503
 * </pre>
 */
final class NodeMetrics implements AutoCloseable {
  private final CairnNode node;
  private final PrometheusMeterRegistry registry =
      new PrometheusMeterRegistry(PrometheusConfig.DEFAULT);
  private final Counter leaderChanges;
  private final Counter proposalsFailed;
  private final Timer apply;
  private final Timer backendCommit;
  private final RatisMetricsText ratis;
  private HttpServer http;

  /** etcd's buckets for its disk latencies: 1 ms · 2^k, k = 0..13 (up to 8.192 s). */
  static final Duration[] DISK_BUCKETS =
      IntStream.range(0, 14).mapToObj(k -> Duration.ofMillis(1L << k)).toArray(Duration[]::new);

  NodeMetrics(CairnNode node, RaftLogSyncTimer logSyncs, String peerId) {
    this.node = node;
    this.ratis = new RatisMetricsText(peerId);
    Timer walFsync =
        Timer.builder("etcd_disk_wal_fsync_duration_seconds")
            .description("The latency distributions of fsync called by the Raft log.")
            .serviceLevelObjectives(DISK_BUCKETS)
            .register(registry);
    logSyncs.forwardTo(nanos -> walFsync.record(nanos, TimeUnit.NANOSECONDS));
    // etcd times its backend's batch commits, one every 100 ms or 10,000 writes; Cairn's store
    // commits once per applied log entry (all the commands of a batched entry together)
    backendCommit =
        Timer.builder("etcd_disk_backend_commit_duration_seconds")
            .description("The latency distributions of commit called by backend.")
            .serviceLevelObjectives(DISK_BUCKETS)
            .register(registry);
    gauge(
        "etcd_server_has_leader",
        "Whether a leader exists (1) or not (0).",
        n -> hasLeader() ? 1 : 0);
    gauge(
        "etcd_server_is_leader",
        "Whether this member is the leader.",
        n -> safe(() -> n.isLeader() ? 1 : 0));
    FunctionCounter.builder(
            "etcd_server_proposals_committed",
            node,
            n -> safe(() -> n.division().getRaftLog().getLastCommittedIndex()))
        .description("The total number of consensus proposals committed.")
        .register(registry);
    FunctionCounter.builder(
            "etcd_server_proposals_applied",
            node,
            n -> safe(() -> n.division().getInfo().getLastAppliedIndex()))
        .description("The total number of consensus proposals applied.")
        .register(registry);
    gauge(
        "etcd_server_proposals_pending",
        "Committed but not yet applied proposals.",
        n ->
            safe(
                () ->
                    Math.max(
                        0,
                        n.division().getRaftLog().getLastCommittedIndex()
                            - n.division().getInfo().getLastAppliedIndex())));
    gauge(
        "etcd_mvcc_db_total_size_in_bytes",
        "Total size of the store on disk.",
        n -> safe(() -> n.store().sizeBytes()));
    gauge(
        "etcd_debugging_mvcc_current_revision",
        "The current revision of the store.",
        n -> safe(() -> n.store().revision()));
    gauge("etcd_server_term", "The current Raft term.", n -> safe(n::term));
    leaderChanges =
        Counter.builder("etcd_server_leader_changes_seen")
            .description("The number of leader changes seen.")
            .register(registry);
    proposalsFailed =
        Counter.builder("etcd_server_proposals_failed")
            .description("The total number of failed proposals seen.")
            .register(registry);
    apply =
        Timer.builder("cairn_apply_duration_seconds")
            .description("Time to apply one committed command to the store.")
            .register(registry);
  }

  private void gauge(String name, String help, ToDoubleFunction<CairnNode> f) {
    Gauge.builder(name, node, f).description(help).register(registry);
  }

  interface Value {
    double get() throws Exception;
  }

  private static double safe(Value v) {
    try {
      return v.get();
    } catch (Exception e) {
      return Double.NaN; // the store is being replaced, or the member is stopping
    }
  }

  void leaderChanged() {
    leaderChanges.increment();
  }

  void proposalFailed() {
    proposalsFailed.increment();
  }

  void applied(long nanos) {
    apply.record(nanos, TimeUnit.NANOSECONDS);
  }

  void committed(long nanos) {
    backendCommit.record(nanos, TimeUnit.NANOSECONDS);
  }

  boolean hasLeader() {
    try {
      return node.division().getInfo().getLeaderId() != null;
    } catch (RuntimeException e) {
      return false;
    }
  }

  private boolean ready() {
    try {
      node.store();
      return hasLeader();
    } catch (RuntimeException e) {
      return false;
    }
  }

  /** Counts and times the etcd API's calls into this registry. */
  io.grpc.ServerInterceptor grpcCalls() {
    return new GrpcServerMetrics(registry);
  }

  String scrape() {
    return registry.scrape() + ratis.scrape();
  }

  void serve(URI url) throws IOException {
    http = HttpServer.create(new InetSocketAddress(url.getHost(), url.getPort()), 16);
    http.setExecutor(
        Executors.newFixedThreadPool(
            2,
            r -> {
              Thread t = new Thread(r, "cairn-metrics-http");
              t.setDaemon(true);
              return t;
            }));
    http.createContext("/metrics", x -> send(x, 200, "text/plain; version=0.0.4", scrape()));
    http.createContext(
        "/health",
        x -> {
          boolean ok = hasLeader();
          send(
              x,
              ok ? 200 : 503,
              "application/json",
              "{\"health\":\"" + ok + "\",\"reason\":\"" + (ok ? "" : "RAFT NO LEADER") + "\"}");
        });
    http.createContext(
        "/readyz",
        x -> {
          boolean ok = ready();
          send(x, ok ? 200 : 503, "text/plain", ok ? "ok\n" : "not ready\n");
        });
    http.start();
  }

  int port() {
    return http.getAddress().getPort();
  }

  private static void send(HttpExchange x, int code, String type, String body) throws IOException {
    byte[] b = body.getBytes(StandardCharsets.UTF_8);
    x.getResponseHeaders().set("Content-Type", type);
    x.sendResponseHeaders(code, b.length);
    try (OutputStream out = x.getResponseBody()) {
      out.write(b);
    }
  }

  @Override
  public void close() {
    if (http != null) {
      http.stop(0);
      ((java.util.concurrent.ExecutorService) http.getExecutor()).shutdownNow();
    }
    registry.close();
  }
}
