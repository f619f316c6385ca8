package dev.cairn.ops;

import static org.assertj.core.api.Assertions.assertThat;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

import com.fasterxml.jackson.databind.JsonNode;
import java.nio.file.Files;
import java.nio.file.Path;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestInstance;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;

/** {@code cairn bench} against a real node: counts, errors, JSON, the HTML report, compare. */
@TestInstance(TestInstance.Lifecycle.PER_CLASS)
class BenchCommandTest {
  @TempDir static Path dir;
  TestCluster cluster;

  @BeforeAll
  void start() throws Exception {
    cluster = TestCluster.start(dir.resolve("cluster"), 1);
  }

  @AfterAll
  void stop() {
    if (cluster != null) {
      cluster.close();
    }
  }

  @ParameterizedTest(name = "{0} with {1} clients")
  @CsvSource({
    "put, 2, 200",
    "range, 4, 200",
    "txn-put, 2, 100",
    "mixed, 2, 200",
    "lease-keepalive, 2, 100",
    "watch-latency, 1, 100",
  })
  void eachWorkloadCountsItsOperationsAndLatencies(String workload, int clients, int total)
      throws Exception {
    Cli.Run r =
        Cli.run(
            "bench",
            workload,
            "--clients",
            Integer.toString(clients),
            "--total",
            Integer.toString(total),
            "--warmup",
            "10",
            "-o",
            "json",
            "--endpoints",
            cluster.endpoints());
    assertThat(r.exit()).as(r.toString()).isZero();
    JsonNode row = r.json().get(0);
    assertThat(row.get("workload").asText()).isEqualTo(workload);
    assertThat(row.get("ops").asLong()).isEqualTo(total);
    assertThat(row.get("errors").size()).isZero();
    JsonNode lat = row.get("latency_ms");
    assertThat(lat.get("p50").asDouble()).isPositive();
    assertThat(lat.get("p99").asDouble()).isGreaterThanOrEqualTo(lat.get("p50").asDouble());
    assertThat(lat.get("max").asDouble()).isGreaterThanOrEqualTo(lat.get("p99").asDouble());
    assertThat(row.get("per_second").size()).isPositive();
  }

  @Test
  void fanOutCountsEveryDeliveryAndTheReportIsOneHtmlFileWithPlots() throws Exception {
    Path report = dir.resolve("report.html");
    Cli.Run r =
        Cli.run(
            "bench",
            "watch-fanout",
            "--watchers",
            "20",
            "--total",
            "50",
            "--warmup",
            "5",
            "-o",
            "json",
            "--report",
            report.toString(),
            "--endpoints",
            cluster.endpoints());
    assertThat(r.exit()).as(r.toString()).isZero();
    assertThat(r.json().get(0).get("ops").asLong()).isEqualTo(50 * 20);
    String html = Files.readString(report);
    assertThat(html)
        .startsWith("<!doctype html>")
        .contains("<svg", "<polyline")
        .doesNotContain("<script");
    assertThat(html).contains("Latency by percentile", "Throughput over time");
  }

  @Test
  void aRateIsHeldAndLatencyIsCorrectedForOmission() throws Exception {
    Cli.Run r =
        Cli.run(
            "bench",
            "put",
            "--clients",
            "2",
            "--rate",
            "100",
            "--duration",
            "3s",
            "--warmup",
            "5",
            "-o",
            "json",
            "--endpoints",
            cluster.endpoints());
    assertThat(r.exit()).as(r.toString()).isZero();
    double throughput = r.json().get(0).get("throughput").asDouble();
    assertThat(throughput).isBetween(50.0, 130.0);
  }

  @Test
  void aWatchLatencyRunForADurationCountsItsDeliveries() throws Exception {
    Cli.Run r =
        Cli.run(
            "bench",
            "watch-latency",
            "--duration",
            "2s",
            "--warmup",
            "5",
            "-o",
            "json",
            "--endpoints",
            cluster.endpoints());
    assertThat(r.exit()).as(r.toString()).isZero();
    JsonNode row = r.json().get(0);
    assertThat(row.get("ops").asLong()).isPositive();
    assertThat(row.get("errors").size()).isZero();
  }

  @Test
  void endpointsThatDoNotAnswerFailTheRunWithTheReason() throws Exception {
    int nobody;
    try (java.net.ServerSocket s = new java.net.ServerSocket(0)) {
      nobody = s.getLocalPort();
    }
    Cli.Run r =
        Cli.run("bench", "put", "--total", "10", "--endpoints", "http://127.0.0.1:" + nobody);
    assertThat(r.exit()).as(r.toString()).isNotZero();
    assertThat(r.err()).contains("no answer from http://127.0.0.1:" + nobody);
  }

  @Test
  void compareRunsBothClustersSideBySide() throws Exception {
    assumeTrue(EtcdCluster.available(), "etcd is not installed (Debian's etcd-server)");
    Cli.Run r =
        Cli.run(
            "bench",
            "compare",
            "--nodes",
            "1",
            "--workloads",
            "put:1,range-s:2",
            "--server-warmup",
            "1s",
            "--total",
            "50",
            "--warmup",
            "5",
            "-o",
            "json");
    assertThat(r.exit()).as(r.toString()).isZero();
    JsonNode rows = r.json();
    assertThat(rows).hasSize(4);
    assertThat(rows.findValuesAsText("target")).containsExactly("cairn", "etcd", "cairn", "etcd");
    assertThat(rows.findValues("ops")).allMatch(n -> n.asLong() == 50);
    // what each request cost the servers: CPU (counted in clock ticks, so the few milliseconds a
    // short etcd run takes may round to none; a JVM's never do) and, on Linux, thread switches
    for (JsonNode row : rows) {
      double cpu = row.get("server_cpu_ms_per_op").asDouble();
      assertThat(cpu).as(row.toString()).isGreaterThanOrEqualTo(0);
      if (row.get("target").asText().equals("cairn")) {
        assertThat(cpu).as(row.toString()).isPositive();
      }
      if (Files.isDirectory(Path.of("/proc/self/task"))) {
        assertThat(row.get("server_context_switches_per_op").asDouble())
            .as(row.toString())
            .isGreaterThanOrEqualTo(1);
      }
    }
  }

  /**
   * A typo in any item fails before a cluster starts (the run would have warmed up for minutes).
   */
  @ParameterizedTest
  @CsvSource(
      delimiter = '|',
      value = {
        "put:1,nope:64   | unknown workload 'nope'",
        "put:x           | bad workload item 'put:x'",
        "put:0           | bad workload item 'put:0'",
        "put:1:2         | bad workload item 'put:1:2'",
      })
  void compareChecksEveryWorkloadBeforeStartingAnything(String items, String message) {
    Cli.Run r = Cli.run("bench", "compare", "--workloads", items.trim());
    assertThat(r.exit()).as(r.toString()).isNotZero();
    assertThat(r.err()).contains(message).doesNotContain("cairn: http").doesNotContain("etcd:");
  }
}
