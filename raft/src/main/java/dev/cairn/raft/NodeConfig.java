package dev.cairn.raft;

import java.net.URI;
import java.nio.file.Path;
import java.time.Duration;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * Everything a Cairn node is started with, etcd's flags first, then the Raft tuning with its
 * defaults.
 *
 * @param name this member's name ({@code --name}); also its Ratis peer id
 * @param dataDir holds {@code raft/} (Ratis log, metadata and snapshots) and {@code store/} (the
 *     live RocksDB)
 * @param listenClientUrls where the etcd API listens; the first URL's host and port are used
 * @param advertiseClientUrls what MemberList reports; defaults to the listen URLs
 * @param listenPeerUrls where Ratis listens
 * @param advertisePeerUrls how other members reach this one
 * @param initialCluster member name → peer URL, for a new cluster or for joining one
 * @param clusterState {@code new} or {@code existing} (join a running cluster: ask it whether this
 *     member was added as a learner, which starts as a Ratis listener; else start with no peers and
 *     wait to be added; see {@link MemberRole})
 * @param clusterToken names the Raft group, so that two clusters never mix
 * @param electionTimeoutMin Ratis's lower election timeout. 1 s (etcd's default election timeout,
 *     against Ratis's 150 ms that a JVM's GC pause can exceed)
 * @param electionTimeoutMax the upper election timeout, 2 s
 * @param snapshotThreshold log entries after which a snapshot is taken (etcd: 10 000 since 3.6)
 * @param segmentSizeBytes the Ratis log segment size; purging drops whole segments
 * @param leaseCheckpointInterval how often the leader records remaining lease TTLs in the log
 * @param quotaBackendBytes when the store grows past this, the member raises the NOSPACE alarm and
 *     refuses writes that add data until the alarm is disarmed (etcd's {@code
 *     --quota-backend-bytes}; etcd's 2 GiB reflects bbolt's limits, RocksDB has none so the default
 *     is 8 GiB)
 * @param listenMetricsUrls where {@code /metrics}, {@code /health} and {@code /readyz} are served
 *     (etcd's {@code --listen-metrics-urls}); none when empty
 */
public record NodeConfig(
    String name,
    Path dataDir,
    List<URI> listenClientUrls,
    List<URI> advertiseClientUrls,
    List<URI> listenPeerUrls,
    List<URI> advertisePeerUrls,
    Map<String, URI> initialCluster,
    String clusterState,
    String clusterToken,
    Duration electionTimeoutMin,
    Duration electionTimeoutMax,
    long snapshotThreshold,
    long segmentSizeBytes,
    Duration leaseCheckpointInterval,
    long quotaBackendBytes,
    List<URI> listenMetricsUrls) {

  public static final Duration DEFAULT_ELECTION_TIMEOUT_MIN = Duration.ofMillis(1000);
  public static final Duration DEFAULT_ELECTION_TIMEOUT_MAX = Duration.ofMillis(2000);
  public static final long DEFAULT_SNAPSHOT_THRESHOLD = 10_000;
  public static final long DEFAULT_SEGMENT_SIZE_BYTES = 8L << 20;
  public static final Duration DEFAULT_LEASE_CHECKPOINT_INTERVAL = Duration.ofSeconds(5);
  public static final long DEFAULT_QUOTA_BACKEND_BYTES = 8L << 30;

  public NodeConfig {
    listenClientUrls = List.copyOf(listenClientUrls);
    advertiseClientUrls =
        advertiseClientUrls == null || advertiseClientUrls.isEmpty()
            ? listenClientUrls
            : List.copyOf(advertiseClientUrls);
    listenPeerUrls = List.copyOf(listenPeerUrls);
    advertisePeerUrls =
        advertisePeerUrls == null || advertisePeerUrls.isEmpty()
            ? listenPeerUrls
            : List.copyOf(advertisePeerUrls);
    initialCluster = new LinkedHashMap<>(initialCluster == null ? Map.of() : initialCluster);
    clusterState = clusterState == null ? "new" : clusterState;
    clusterToken = clusterToken == null ? "etcd-cluster" : clusterToken;
    quotaBackendBytes = quotaBackendBytes <= 0 ? DEFAULT_QUOTA_BACKEND_BYTES : quotaBackendBytes;
    listenMetricsUrls = listenMetricsUrls == null ? List.of() : List.copyOf(listenMetricsUrls);
    if (!clusterState.equals("new") && !clusterState.equals("existing")) {
      throw new IllegalArgumentException("--initial-cluster-state must be new or existing");
    }
  }

  /** A node with etcd's flags and default tuning. */
  public static NodeConfig of(
      String name,
      Path dataDir,
      URI clientUrl,
      URI peerUrl,
      Map<String, URI> initialCluster,
      String clusterState) {
    return new NodeConfig(
        name,
        dataDir,
        List.of(clientUrl),
        List.of(clientUrl),
        List.of(peerUrl),
        List.of(peerUrl),
        initialCluster,
        clusterState,
        null,
        DEFAULT_ELECTION_TIMEOUT_MIN,
        DEFAULT_ELECTION_TIMEOUT_MAX,
        DEFAULT_SNAPSHOT_THRESHOLD,
        DEFAULT_SEGMENT_SIZE_BYTES,
        DEFAULT_LEASE_CHECKPOINT_INTERVAL,
        DEFAULT_QUOTA_BACKEND_BYTES,
        List.of());
  }

  public NodeConfig withSnapshots(long threshold, long segmentBytes) {
    return new NodeConfig(
        name,
        dataDir,
        listenClientUrls,
        advertiseClientUrls,
        listenPeerUrls,
        advertisePeerUrls,
        initialCluster,
        clusterState,
        clusterToken,
        electionTimeoutMin,
        electionTimeoutMax,
        threshold,
        segmentBytes,
        leaseCheckpointInterval,
        quotaBackendBytes,
        listenMetricsUrls);
  }

  public NodeConfig withElectionTimeout(Duration min, Duration max) {
    return new NodeConfig(
        name,
        dataDir,
        listenClientUrls,
        advertiseClientUrls,
        listenPeerUrls,
        advertisePeerUrls,
        initialCluster,
        clusterState,
        clusterToken,
        min,
        max,
        snapshotThreshold,
        segmentSizeBytes,
        leaseCheckpointInterval,
        quotaBackendBytes,
        listenMetricsUrls);
  }

  public NodeConfig withLeaseCheckpointInterval(Duration interval) {
    return new NodeConfig(
        name,
        dataDir,
        listenClientUrls,
        advertiseClientUrls,
        listenPeerUrls,
        advertisePeerUrls,
        initialCluster,
        clusterState,
        clusterToken,
        electionTimeoutMin,
        electionTimeoutMax,
        snapshotThreshold,
        segmentSizeBytes,
        interval,
        quotaBackendBytes,
        listenMetricsUrls);
  }

  public NodeConfig withMetrics(URI url) {
    return new NodeConfig(
        name,
        dataDir,
        listenClientUrls,
        advertiseClientUrls,
        listenPeerUrls,
        advertisePeerUrls,
        initialCluster,
        clusterState,
        clusterToken,
        electionTimeoutMin,
        electionTimeoutMax,
        snapshotThreshold,
        segmentSizeBytes,
        leaseCheckpointInterval,
        quotaBackendBytes,
        List.of(url));
  }

  public NodeConfig withQuota(long bytes) {
    return new NodeConfig(
        name,
        dataDir,
        listenClientUrls,
        advertiseClientUrls,
        listenPeerUrls,
        advertisePeerUrls,
        initialCluster,
        clusterState,
        clusterToken,
        electionTimeoutMin,
        electionTimeoutMax,
        snapshotThreshold,
        segmentSizeBytes,
        leaseCheckpointInterval,
        bytes,
        listenMetricsUrls);
  }

  /** Parses etcd's {@code name1=url1,name2=url2} (one URL per member is used). */
  public static Map<String, URI> parseCluster(String spec) {
    Map<String, URI> out = new LinkedHashMap<>();
    if (spec == null || spec.isBlank()) {
      return out;
    }
    for (String part : spec.split(",")) {
      int eq = part.indexOf('=');
      if (eq <= 0) {
        throw new IllegalArgumentException("bad --initial-cluster entry: " + part);
      }
      out.putIfAbsent(part.substring(0, eq).trim(), URI.create(part.substring(eq + 1).trim()));
    }
    return out;
  }

  static String hostPort(URI url) {
    return url.getHost() + ":" + url.getPort();
  }
}
