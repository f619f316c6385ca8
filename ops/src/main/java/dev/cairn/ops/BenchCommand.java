package dev.cairn.ops;

import dev.cairn.bench.cluster.LoadGenerator;
import dev.cairn.bench.cluster.LoadResult;
import dev.cairn.bench.cluster.LoadSpec;
import dev.cairn.bench.cluster.Reports;
import dev.cairn.bench.cluster.Workload;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.concurrent.Callable;
import me.tongfei.progressbar.ProgressBar;
import me.tongfei.progressbar.ProgressBarBuilder;
import me.tongfei.progressbar.ProgressBarStyle;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Option;
import picocli.CommandLine.Parameters;

/**
 * {@code cairn bench WORKLOAD}: load any etcd v3 endpoints (Cairn's or etcd's) and report
 * throughput and latency percentiles; {@code cairn bench compare} runs Cairn and etcd side by side.
 */
@Command(
    name = "bench",
    description =
        "Benchmark etcd v3 endpoints: put, range, txn-put, mixed, watch-latency, watch-fanout, lease-keepalive.",
    subcommands = {CompareCommand.class, SnapshotBenchCommand.class})
final class BenchCommand implements Callable<Integer> {
  @Parameters(index = "0", arity = "0..1", description = "The workload (default: put).")
  String workload = "put";

  @Mixin LoadOptions load;

  @Option(
      names = "--endpoints",
      split = ",",
      description = "Client URLs (default: 'cairn up' cluster).")
  List<String> endpoints;

  @Option(
      names = {"-o", "--output"},
      defaultValue = "table",
      description = "table or json (default: ${DEFAULT-VALUE}).")
  String output;

  @Option(names = "--report", description = "Also write a self-contained HTML report here.")
  Path report;

  @Override
  public Integer call() throws Exception {
    ClientOptions c = new ClientOptions();
    c.endpoints = endpoints;
    LoadSpec spec = load.spec(Workload.parse(workload), c.endpoints());
    LoadResult r = run(spec, !output.equals("json"));
    List<String> names = List.of("endpoints");
    if (output.equals("json")) {
      System.out.println(Reports.json(names, List.of(r)));
    } else {
      Reports.table(System.out, names, List.of(r));
    }
    if (report != null) {
      Files.writeString(report, Reports.html("cairn bench " + spec.label(), names, List.of(r)));
      System.err.println("report: " + report.toAbsolutePath());
    }
    return r.errorCount() == 0 ? 0 : 1;
  }

  /** Runs one spec with a progress bar on standard error. */
  static LoadResult run(LoadSpec spec, boolean showProgress) throws Exception {
    long max = spec.duration() != null ? -1 : spec.total();
    try (ProgressBar bar =
        new ProgressBarBuilder()
            .setTaskName(spec.label())
            .setInitialMax(max)
            .setStyle(ProgressBarStyle.ASCII)
            .setConsumer(
                showProgress
                    ? new me.tongfei.progressbar.ConsoleProgressBarConsumer(System.err)
                    : new me.tongfei.progressbar.DelegatingProgressBarConsumer(s -> {}))
            .build()) {
      return new LoadGenerator(spec).onProgress(bar::stepTo).run();
    }
  }

  /** The load flags, in the manner of etcd's benchmark tool. */
  static final class LoadOptions {
    @Option(
        names = "--conns",
        defaultValue = "1",
        description = "gRPC connections (default: ${DEFAULT-VALUE}).")
    int conns;

    @Option(
        names = "--clients",
        defaultValue = "1",
        description = "Concurrent clients (default: ${DEFAULT-VALUE}).")
    int clients;

    @Option(
        names = "--total",
        defaultValue = "10000",
        description = "Requests (default: ${DEFAULT-VALUE}).")
    long total;

    @Option(
        names = "--duration",
        converter = DurationConverter.class,
        description = "Run for this long instead of --total (e.g. 30s).")
    Duration duration;

    @Option(names = "--rate", defaultValue = "0", description = "Requests/s in all (0: unlimited).")
    double rate;

    @Option(names = "--key-size", defaultValue = "8")
    int keySize;

    @Option(names = "--val-size", defaultValue = "256")
    int valSize;

    @Option(names = "--key-space-size", defaultValue = "10000")
    long keySpaceSize;

    @Option(names = "--sequential-keys")
    boolean sequentialKeys;

    @Option(names = "--target-leader", description = "Send every request to the leader.")
    boolean targetLeader;

    @Option(
        names = "--consistency",
        defaultValue = "l",
        description = "Reads: l (linearizable) or s (serializable).")
    String consistency;

    @Option(names = "--read-ratio", defaultValue = "0.9", description = "Reads' share in 'mixed'.")
    double readRatio;

    @Option(
        names = "--watchers",
        defaultValue = "100",
        description = "Watchers for 'watch-fanout'.")
    int watchers;

    @Option(
        names = "--warmup",
        defaultValue = "100",
        description = "Requests per client not measured.")
    int warmup;

    @Option(names = "--seed", defaultValue = "42")
    long seed;

    LoadSpec spec(Workload w, List<String> endpoints) {
      return new LoadSpec(
          w,
          endpoints,
          conns,
          clients,
          total,
          duration,
          rate,
          keySize,
          valSize,
          keySpaceSize,
          sequentialKeys,
          targetLeader,
          consistency.equals("s"),
          readRatio,
          watchers,
          warmup,
          seed);
    }
  }
}
