package dev.cairn.bench.cluster;

import java.time.Duration;
import java.util.List;

/**
 * One load run, with the flags of etcd's benchmark tool.
 *
 * @param endpoints client URLs of the cluster (Cairn's or etcd's)
 * @param conns gRPC connections (jetcd clients) shared by the benchmark clients
 * @param clients concurrent requesters, each with one request in flight
 * @param total requests to make (ignored when {@code duration} is set)
 * @param duration how long to run instead of a count
 * @param rate requests per second over all clients (0: as fast as possible); latencies are then
 *     corrected for coordinated omission
 * @param keySize bytes per key
 * @param valSize bytes per value
 * @param keySpaceSize distinct keys
 * @param sequentialKeys walk the key space in order instead of at random
 * @param targetLeader send everything to the leader only
 * @param serializable serializable (local) instead of linearizable reads
 * @param readRatio the share of reads in {@link Workload#MIXED}
 * @param watchers watchers for {@link Workload#WATCH_FANOUT}
 * @param warmup requests per client excluded from the numbers
 * @param seed fixed seed for keys and the mix
 */
public record LoadSpec(
    Workload workload,
    List<String> endpoints,
    int conns,
    int clients,
    long total,
    Duration duration,
    double rate,
    int keySize,
    int valSize,
    long keySpaceSize,
    boolean sequentialKeys,
    boolean targetLeader,
    boolean serializable,
    double readRatio,
    int watchers,
    int warmup,
    long seed) {

  public LoadSpec {
    endpoints = List.copyOf(endpoints);
    if (conns < 1 || clients < 1) {
      throw new IllegalArgumentException("--conns and --clients must be at least 1");
    }
    if (keySize < 8) {
      throw new IllegalArgumentException("--key-size must be at least 8");
    }
    if (keySpaceSize < 1) {
      throw new IllegalArgumentException("--key-space-size must be at least 1");
    }
    if (readRatio < 0 || readRatio > 1) {
      throw new IllegalArgumentException("--read-ratio must be within 0..1");
    }
    if (duration == null && total < 1) {
      throw new IllegalArgumentException("give --total or --duration");
    }
  }

  public static LoadSpec defaults(Workload w, List<String> endpoints) {
    return new LoadSpec(
        w, endpoints, 1, 1, 10_000, null, 0, 8, 256, 10_000, false, false, false, 0.9, 100, 100,
        42);
  }

  public LoadSpec with(int conns, int clients, long total) {
    return new LoadSpec(
        workload,
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
        serializable,
        readRatio,
        watchers,
        warmup,
        seed);
  }

  public LoadSpec withWorkload(Workload w, boolean serial) {
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
        serial,
        readRatio,
        watchers,
        warmup,
        seed);
  }

  public LoadSpec withEndpoints(List<String> e) {
    return new LoadSpec(
        workload,
        e,
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
        serializable,
        readRatio,
        watchers,
        warmup,
        seed);
  }

  /** A label for tables: the workload and what changes its meaning. */
  public String label() {
    String l = workload.cliName();
    if (workload == Workload.RANGE) {
      l += serializable ? " (serializable)" : " (linearizable)";
    }
    if (workload == Workload.WATCH_FANOUT) {
      l += " (" + watchers + " watchers)";
    }
    return l + " c=" + clients;
  }
}
