package dev.cairn.ops;

import dev.cairn.bench.cluster.LoadResult;
import dev.cairn.bench.cluster.LoadSpec;
import dev.cairn.bench.cluster.Reports;
import dev.cairn.bench.cluster.Workload;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Map;
import java.util.concurrent.Callable;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Option;

/**
 * {@code cairn bench compare}: starts a Cairn cluster and an etcd cluster of the same size on this
 * machine, runs the same workloads against each in one run, and prints both rows with their ratios.
 * Noisy machines make absolute numbers wander; ratios within one run are what mean something.
 */
@Command(
    name = "compare",
    description = "Run the same workloads against Cairn and etcd side by side.")
final class CompareCommand implements Callable<Integer> {
  @Option(
      names = "--nodes",
      defaultValue = "3",
      description = "Nodes per cluster (default: ${DEFAULT-VALUE}).")
  int nodes;

  @Option(
      names = "--workloads",
      defaultValue = "put:1,put:64,range:64,range-s:64,txn-put:64,watch-latency:1",
      split = ",",
      description =
          "WORKLOAD:CLIENTS items; range is linearizable, range-s serializable (default: ${DEFAULT-VALUE}).")
  List<String> workloads;

  @Mixin BenchCommand.LoadOptions load;

  @Option(names = "--report", description = "Also write a self-contained HTML report here.")
  Path report;

  @Option(
      names = {"-o", "--output"},
      defaultValue = "table",
      description = "table or json")
  String output;

  @Option(names = "--keep", description = "Keep the clusters' data directories and logs.")
  boolean keep;

  @Option(
      names = "--server-warmup",
      defaultValue = "60s",
      converter = DurationConverter.class,
      description =
          "Unmeasured mixed load on each cluster before its first workload, so that a JVM's JIT"
              + " compiler has done its work (0s: none; default: ${DEFAULT-VALUE}).")
  Duration serverWarmup;

  @Override
  public Integer call() throws Exception {
    // every item is checked before anything starts: a typo costs no cluster start and no warm-up
    List<LoadSpec> specs = new ArrayList<>();
    for (String item : workloads) {
      specs.add(parse(item));
    }
    if (!EtcdCluster.available()) {
      System.err.println(
          "error: no 'etcd' on PATH; install Debian's etcd-server (apt-get install etcd-server)");
      return 1;
    }
    Path dir = Files.createTempDirectory("cairn-compare");
    List<String> names = new ArrayList<>();
    List<LoadResult> results = new ArrayList<>();
    List<ServerCost> costs = new ArrayList<>();
    LocalCluster cairn = new LocalCluster(dir.resolve("cairn"), nodes, Ports.freeBase(nodes));
    EtcdCluster etcd = new EtcdCluster(dir.resolve("etcd"), nodes, Ports.freeBase(nodes));
    try {
      cairn.start();
      UpCommand.awaitLeader(cairn, Duration.ofSeconds(60));
      etcd.start();
      awaitEtcd(etcd);
      System.err.println("cairn: " + cairn.endpoints());
      System.err.println("etcd:  " + etcd.endpoints());
      if (!serverWarmup.isZero()) {
        for (String eps : List.of(cairn.endpoints(), etcd.endpoints())) {
          BenchCommand.run(warmup(Arrays.asList(eps.split(","))), !output.equals("json"));
        }
      }
      for (LoadSpec base : specs) {
        for (String target : List.of("cairn", "etcd")) {
          String eps = target.equals("cairn") ? cairn.endpoints() : etcd.endpoints();
          LoadSpec spec = base.withEndpoints(Arrays.asList(eps.split(",")));
          List<Process> servers = target.equals("cairn") ? cairn.processes() : etcd.processes();
          ServerCost before = ServerCost.of(servers);
          names.add(target);
          results.add(BenchCommand.run(spec, !output.equals("json")));
          costs.add(ServerCost.of(servers).since(before));
        }
      }
    } finally {
      cairn.stop(Duration.ofSeconds(10));
      etcd.close();
      if (!keep) {
        dev.cairn.store.Checkpoint.deleteTree(dir);
      } else {
        System.err.println("data and logs kept in " + dir);
      }
    }
    if (output.equals("json")) {
      List<Map<String, Object>> rows = new ArrayList<>();
      for (int i = 0; i < results.size(); i++) {
        Map<String, Object> row = Reports.json(names.get(i), results.get(i));
        long requests = requests(results.get(i));
        row.put("server_cpu_ms_per_op", costs.get(i).cpuMillisPer(requests));
        row.put("server_context_switches_per_op", costs.get(i).switchesPer(requests));
        rows.add(row);
      }
      System.out.println(Reports.json(rows));
    } else {
      Reports.table(System.out, names, results);
      System.out.println();
      System.out.println("| workload | throughput cairn/etcd | p50 etcd/cairn | p99 etcd/cairn |");
      System.out.println("|---|---:|---:|---:|");
      for (int i = 0; i + 1 < results.size(); i += 2) {
        LoadResult c = results.get(i);
        LoadResult e = results.get(i + 1);
        System.out.println(
            "| "
                + c.spec().label()
                + " | "
                + ratio(c.throughput(), e.throughput())
                + " | "
                + ratio(e.percentileMillis(50), c.percentileMillis(50))
                + " | "
                + ratio(e.percentileMillis(99), c.percentileMillis(99))
                + " |");
      }
      System.out.println();
      System.out.println(
          "| workload | server CPU ms/op cairn | etcd | context switches/op cairn | etcd |");
      System.out.println("|---|---:|---:|---:|---:|");
      for (int i = 0; i + 1 < results.size(); i += 2) {
        long c = requests(results.get(i));
        long e = requests(results.get(i + 1));
        System.out.println(
            "| "
                + results.get(i).spec().label()
                + " | "
                + Reports.fmt(costs.get(i).cpuMillisPer(c), 3)
                + " | "
                + Reports.fmt(costs.get(i + 1).cpuMillisPer(e), 3)
                + " | "
                + switches(costs.get(i).switchesPer(c))
                + " | "
                + switches(costs.get(i + 1).switchesPer(e))
                + " |");
      }
    }
    if (report != null) {
      Files.writeString(report, Reports.html("Cairn vs etcd", names, results));
      System.err.println("report: " + report.toAbsolutePath());
    }
    return 0;
  }

  /** Requests a run sent, measured or not (the servers' costs include the unmeasured ones). */
  private static long requests(LoadResult r) {
    return r.ops() + (long) r.spec().warmup() * r.spec().clients();
  }

  private static String switches(double perOp) {
    return perOp < 0 ? "n/a" : Reports.fmt(perOp, 1);
  }

  private static String ratio(double a, double b) {
    return b <= 0 ? "n/a" : Reports.fmt(a / b, 2) + "×";
  }

  /** Half reads, half writes from 16 clients on 4 connections, for --server-warmup. */
  private LoadSpec warmup(List<String> endpoints) {
    return new LoadSpec(
        Workload.MIXED,
        endpoints,
        4,
        16,
        0,
        serverWarmup,
        0,
        8,
        256,
        10_000,
        false,
        false,
        false,
        0.5,
        0,
        0,
        7);
  }

  private LoadSpec parse(String item) {
    String[] parts = item.split(":");
    int clients;
    try {
      clients = parts.length > 1 ? Integer.parseInt(parts[1]) : 1;
    } catch (NumberFormatException e) {
      clients = 0;
    }
    if (parts.length > 2 || clients < 1) {
      throw new IllegalArgumentException(
          "bad workload item '" + item + "': expected WORKLOAD or WORKLOAD:CLIENTS, CLIENTS ≥ 1");
    }
    boolean serializable = parts[0].equals("range-s");
    Workload w = Workload.parse(serializable ? "range" : parts[0]);
    int conns = Math.max(1, clients / 8);
    LoadSpec spec = load.spec(w, List.of("http://127.0.0.1:2379"));
    return spec.with(conns, clients, spec.total()).withWorkload(w, serializable);
  }

  private static void awaitEtcd(EtcdCluster etcd) throws Exception {
    long deadline = System.nanoTime() + EtcdCluster.startTimeout().toNanos();
    try (io.etcd.jetcd.Client c =
        io.etcd.jetcd.Client.builder().endpoints(etcd.endpoints().split(",")).build()) {
      while (System.nanoTime() < deadline) {
        try {
          for (String e : etcd.endpoints().split(",")) {
            if (c.getMaintenanceClient()
                    .statusMember(e)
                    .get(2, java.util.concurrent.TimeUnit.SECONDS)
                    .getLeader()
                != 0) {
              return;
            }
          }
        } catch (Exception notYet) {
          // still starting
        }
        Thread.sleep(200);
      }
    }
    throw new IllegalStateException("etcd cluster has no leader after 60 s");
  }
}
