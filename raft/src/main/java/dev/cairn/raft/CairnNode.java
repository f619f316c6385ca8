package dev.cairn.raft;

import dev.cairn.store.Command;
import dev.cairn.store.MvccStore;
import dev.cairn.store.StoreConfig;
import dev.cairn.store.StoreError;
import dev.cairn.store.StoreException;
import io.etcd.jetcd.api.ResponseHeader;
import io.grpc.Server;
import io.grpc.netty.shaded.io.grpc.netty.NettyServerBuilder;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.net.InetSocketAddress;
import java.net.URI;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import java.util.Properties;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.ForkJoinPool;
import java.util.concurrent.ForkJoinWorkerThread;
import java.util.concurrent.TimeUnit;
import org.apache.ratis.client.RaftClient;
import org.apache.ratis.conf.RaftProperties;
import org.apache.ratis.grpc.GrpcConfigKeys;
import org.apache.ratis.proto.RaftProtos.RaftPeerRole;
import org.apache.ratis.protocol.RaftGroup;
import org.apache.ratis.protocol.RaftGroupId;
import org.apache.ratis.protocol.RaftGroupMemberId;
import org.apache.ratis.protocol.RaftPeer;
import org.apache.ratis.protocol.RaftPeerId;
import org.apache.ratis.server.RaftServer;
import org.apache.ratis.server.RaftServerConfigKeys;
import org.apache.ratis.server.storage.RaftStorage;
import org.apache.ratis.util.SizeInBytes;
import org.apache.ratis.util.TimeDuration;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * One Cairn member: a Ratis server whose state machine applies to the store, a Ratis client that
 * proposes writes from whichever member receives them, and a gRPC server for the etcd v3 API.
 *
 * <pre>
 *   &lt;data-dir&gt;/member.properties   name, group, peer and client URLs (restart needs no flags)
 *   &lt;data-dir&gt;/raft/               Ratis storage: log, metadata, sm/ snapshots
 *   &lt;data-dir&gt;/store/              the live RocksDB (outside sm/, which a leader may replace)
 * </pre>
 */
public final class CairnNode implements AutoCloseable {
  private static final Logger LOG = LoggerFactory.getLogger(CairnNode.class);
  static final String VERSION = "3.5.0";

  /**
   * Log entries of proposals a member has on their way at once; proposals arriving meanwhile go
   * together in the next entry ({@link ProposalBatcher}). One: each Raft round costs the three
   * members milliseconds of CPU on a shared machine, so fewer, fuller entries carry more puts
   * (bench/README.md, cluster finding 11: +17–22 % puts/s at 64 clients against two in flight).
   */
  private static final int MAX_ENTRIES_IN_FLIGHT = 1;

  /** Commands' bytes in one log entry (a larger single command goes alone). */
  private static final int MAX_BATCH_BYTES = 1 << 20;

  private final NodeConfig config;
  private final RaftPeerId peerId;
  private final RaftGroupId groupId;
  private final long memberId;
  private final long clusterId;
  private final StoreStateMachine stateMachine;
  private final RaftProperties properties;
  private RaftServer server;

  private RaftGateway raft;
  private ProposalBatcher proposals;
  private ReadBarrier reads;

  /** Runs the etcd API's calls and the reads a read index released. */
  private final ExecutorService rpcExecutor =
      new ForkJoinPool(
          Math.max(4, Runtime.getRuntime().availableProcessors()),
          pool -> {
            ForkJoinWorkerThread t =
                ForkJoinPool.defaultForkJoinWorkerThreadFactory.newThread(pool);
            t.setName("cairn-rpc-" + t.getPoolIndex());
            t.setDaemon(true);
            return t;
          },
          null,
          true);

  private LeaseKeeper leases;
  private Server grpc;
  private WatchService watches;
  private ClusterService cluster;
  private NodeMetrics metrics;
  private RaftLogSyncTimer logSyncs;
  private SpaceQuota quota;
  private RemovalWatch removal;
  private volatile boolean closed;
  private volatile boolean removed;

  /** Completes once the member has stopped: closed, or removed from the cluster. */
  private final CompletableFuture<Void> stopped = new CompletableFuture<>();

  private final NodeTls tls;

  private CairnNode(NodeConfig config, NodeTls tls) {
    this.config = config;
    this.tls = tls;
    this.memberId = MemberIds.memberId(config.advertisePeerUrls().get(0));
    this.peerId = MemberIds.peerId(memberId);
    this.groupId = MemberIds.groupId(config.clusterToken());
    this.clusterId = MemberIds.clusterId(groupId);
    this.stateMachine =
        new StoreStateMachine(
            StoreConfig.defaults(config.dataDir().resolve("store")),
            new PendingMembers(config.dataDir().resolve("pending-members.properties")));
    this.properties = raftProperties(config);
  }

  /** Starts a member without TLS; returns once its client port accepts connections. */
  public static CairnNode start(NodeConfig config) throws IOException {
    return start(config, NodeTls.NONE);
  }

  /** Starts a member; returns once its client port accepts connections. */
  public static CairnNode start(NodeConfig config, NodeTls tls) throws IOException {
    CairnNode node = new CairnNode(config, tls);
    try {
      node.startAll();
    } catch (IOException | RuntimeException e) {
      node.close();
      throw e;
    }
    return node;
  }

  private void startAll() throws IOException {
    Files.createDirectories(config.dataDir());
    Path raftDir = config.dataDir().resolve("raft");
    boolean existing = Files.isDirectory(raftDir.resolve(groupId.getUuid().toString()));
    writeMemberFile();

    List<RaftPeer> initialPeers = MemberIds.peers(config.initialCluster());
    RaftGroup group = initialGroup(existing, initialPeers);

    // before the server creates its log, whose syncs it times
    logSyncs = RaftLogSyncTimer.track(RaftGroupMemberId.valueOf(peerId, groupId));
    server =
        RaftServer.newBuilder()
            .setServerId(peerId)
            .setGroup(group)
            .setProperties(properties)
            .setParameters(serverParameters())
            .setStateMachine(stateMachine)
            .setOption(RaftStorage.StartupOption.RECOVER)
            .build();
    server.start();
    // the group starts on a Ratis thread: wait for it, so that a failure (say, the store's
    // directory still locked by a previous process) fails this start instead of leaving a member
    // that never serves
    server.getDivision(groupId);

    raft =
        new RaftGateway(
            server,
            groupId,
            peerId,
            properties,
            tls.ratisParameters(),
            initialPeers,
            stateMachine::whenApplied,
            rpcExecutor);
    proposals =
        new ProposalBatcher(raft::propose, rpcExecutor, MAX_ENTRIES_IN_FLIGHT, MAX_BATCH_BYTES);
    reads = new ReadBarrier(() -> raft.readLocal(Query.barrier()), rpcExecutor);
    leases = new LeaseKeeper(this, config.leaseCheckpointInterval());
    stateMachine.addListener(leases);
    stateMachine.setQueryHandler(this::answerQuery);
    leases.start();
    quota =
        new SpaceQuota(
            config.quotaBackendBytes(),
            () -> store().sizeBytes(),
            () -> store().alarms(),
            memberId,
            this::propose);
    stateMachine.addListener(quota);
    quota.start();
    metrics = new NodeMetrics(this, logSyncs, peerId.toString());
    stateMachine.onLeaderChange(metrics::leaderChanged);
    stateMachine.setApplyTimer(metrics::applied);
    stateMachine.setCommitTimer(metrics::committed);
    if (!config.listenMetricsUrls().isEmpty()) {
      metrics.serve(config.listenMetricsUrls().get(0));
    }

    URI clientUrl = config.listenClientUrls().get(0);
    grpc =
        NettyServerBuilder.forAddress(
                new InetSocketAddress(clientUrl.getHost(), clientUrl.getPort()))
            .sslContext(tls.clientSslContext())
            .executor(rpcExecutor)
            .maxInboundMessageSize((int) StoreConfig.DEFAULT_MAX_REQUEST_BYTES + (512 << 10))
            // etcd's clients ping every few seconds; grpc's default (5 min) would answer GOAWAY
            .permitKeepAliveTime(5, TimeUnit.SECONDS)
            .permitKeepAliveWithoutCalls(true)
            .intercept(metrics.grpcCalls())
            .addService(new KvService(this))
            .addService(watches = new WatchService(this))
            .addService(
                LeaseLeases.withLeaseLeases(
                    new LeaseService(this).bindService(),
                    () ->
                        LeaseLeases.encode(
                            header(store().revision()),
                            store().leases().stream().map(dev.cairn.store.Lease::id).toList())))
            .addService(cluster = new ClusterService(this))
            .addService(new MaintenanceService(this))
            .build()
            .start();
    removal = new RemovalWatch(this, this::removedFromCluster);
    removal.start();
    LOG.info(
        "{}: serving etcd v3 on {}, raft on {} (member {} cluster {})",
        config.name(),
        clientUrl,
        config.listenPeerUrls().get(0),
        Long.toHexString(memberId),
        Long.toHexString(clusterId));
  }

  /**
   * The configuration the Raft server starts with. With Raft data, none: Ratis reads its own back.
   * A new cluster: the initial cluster. Joining a running cluster: none for a voter, which the
   * leader stages; for a learner, one that names it a listener, or Ratis would run it as a follower
   * ({@link MemberRole}).
   */
  private RaftGroup initialGroup(boolean existing, List<RaftPeer> initialPeers) {
    if (existing) {
      return RaftGroup.valueOf(groupId);
    }
    if (config.clusterState().equals("new")) {
      return RaftGroup.valueOf(groupId, initialPeers);
    }
    RaftPeerRole role =
        MemberRole.ask(groupId, initialPeers, peerId, properties, tls.ratisParameters());
    if (role != RaftPeerRole.LISTENER) {
      return RaftGroup.valueOf(groupId);
    }
    LOG.info("{}: joins as a learner (a Ratis listener)", config.name());
    return MemberRole.asListener(
        groupId, initialPeers, MemberIds.peer(config.advertisePeerUrls().get(0), true));
  }

  /** The name of a member as this one knows it from its flags ("" when unknown). */
  String knownName(RaftPeerId peer) {
    if (peer.equals(peerId)) {
      return config.name();
    }
    for (Map.Entry<String, URI> e : config.initialCluster().entrySet()) {
      if (MemberIds.peerId(MemberIds.memberId(e.getValue())).equals(peer)) {
        return e.getKey();
      }
    }
    return "";
  }

  RaftPeerId peerId() {
    return peerId;
  }

  RaftProperties raftProperties() {
    return properties;
  }

  /**
   * The Ratis server's object settings: the peer TLS configuration, and its gRPC handlers on the
   * Netty event loop that read the message (appendEntries, votes, requests forwarded by other
   * members) rather than handed to a gRPC executor thread. What the event loop saves is a thread
   * wake-up per message, which on a shared machine is most of a message's cost (bench/README.md,
   * cluster finding 10). An appendEntries may wait there for this member's election or leadership
   * to end, which needs replies from the other members: those come on the member's channels, which
   * Ratis puts on gRPC's shared event loops, so the server has loops of its own (raftProperties).
   */
  private org.apache.ratis.conf.Parameters serverParameters() {
    org.apache.ratis.conf.Parameters p = tls.ratisParameters();
    GrpcConfigKeys.Server.setServicesCustomizer(p, (builder, types) -> builder.directExecutor());
    return p;
  }

  org.apache.ratis.conf.Parameters ratisParameters() {
    return tls.ratisParameters();
  }

  /**
   * The cluster's leader confirmed that this member is no longer one: stop a second later, as etcd
   * does (its {@code stopWithDelay}), so that a MemberRemove this member answers itself still gets
   * its answer out. The data directory is of no further use; a restart would only be stopped again.
   */
  private void removedFromCluster() {
    if (closed) {
      return;
    }
    removed = true;
    LOG.warn(
        "{}: the member has been permanently removed from the cluster; stopping (the data-dir"
            + " used by this member must be removed)",
        config.name());
    // its own thread, not the common pool's: nothing else running there can hold the stop back
    CompletableFuture.delayedExecutor(
            1, TimeUnit.SECONDS, stop -> new Thread(stop, "cairn-removed-stop").start())
        .execute(this::close);
  }

  /** Whether the member stopped because the cluster removed it. */
  public boolean removed() {
    return removed;
  }

  /** Completes once the member has stopped, closed or removed from the cluster. */
  public CompletableFuture<Void> stopped() {
    return stopped;
  }

  /** A client for one administrative call (set configuration, transfer leadership). */
  RaftClient adminClient() {
    return raft.adminClient(MemberIds.peers(config.initialCluster()));
  }

  private static RaftProperties raftProperties(NodeConfig config) {
    RaftProperties p = new RaftProperties();
    // Ratis's gRPC transport; commits reach the followers by heartbeat, not log-metadata entries
    CommitBroadcast.configure(p);
    URI peerUrl = config.listenPeerUrls().get(0);
    GrpcConfigKeys.Server.setHost(p, peerUrl.getHost());
    GrpcConfigKeys.Server.setPort(p, peerUrl.getPort());
    // the peer server on event loops of its own, not gRPC's shared ones, which also carry the
    // member's channels: see serverParameters
    GrpcConfigKeys.Server.setBossGroupSize(p, 1);
    GrpcConfigKeys.Server.setWorkerGroupSize(p, 2);
    RaftServerConfigKeys.setStorageDir(p, List.of(config.dataDir().resolve("raft").toFile()));
    RaftServerConfigKeys.Rpc.setTimeoutMin(p, duration(config.electionTimeoutMin()));
    RaftServerConfigKeys.Rpc.setTimeoutMax(p, duration(config.electionTimeoutMax()));
    RaftServerConfigKeys.Rpc.setRequestTimeout(p, TimeDuration.valueOf(5, TimeUnit.SECONDS));
    RaftServerConfigKeys.Read.setOption(p, RaftServerConfigKeys.Read.Option.LINEARIZABLE);
    // the leader answers read indexes from its lease (no heartbeat round) while its followers'
    // acknowledgements are younger than 0.9 × the minimum election timeout
    RaftServerConfigKeys.Read.setLeaderLeaseEnabled(p, true);
    RaftServerConfigKeys.Read.setTimeout(p, TimeDuration.valueOf(5, TimeUnit.SECONDS));
    RaftServerConfigKeys.Snapshot.setAutoTriggerEnabled(p, true);
    RaftServerConfigKeys.Snapshot.setAutoTriggerThreshold(p, config.snapshotThreshold());
    RaftServerConfigKeys.Snapshot.setRetentionFileNum(p, 2);
    RaftServerConfigKeys.Log.setSegmentSizeMax(p, SizeInBytes.valueOf(config.segmentSizeBytes()));
    // a follower that is down longer than the retained log catches up from a snapshot, instead of
    // pinning the leader's log forever
    RaftServerConfigKeys.Log.setPurgeUptoSnapshotIndex(p, true);
    RaftServerConfigKeys.Log.setPurgeGap(p, 1);
    // a follower appends each appendEntries to its log directly, not chained behind the previous
    // one (Ratis's default): in the chain one failed append fails every later one, and a member
    // whose append once met another thread in its log stayed behind forever (issue 6;
    // FailedFollowerAppendTest). Unchained, the leader retries the failed appendEntries
    RaftServerConfigKeys.Log.setAppendEntriesComposeEnabled(p, false);
    // Ratis waits at least this long between two appendEntries to a follower (10 ms by default),
    // which puts that much latency under every write: send as soon as there is something to send
    RaftServerConfigKeys.Log.Appender.setWaitTimeMin(p, TimeDuration.ZERO);
    // every reply stays in the retry cache until it expires (60 s by default): at tens of
    // thousands of writes a second that is a large part of the heap. 20 s covers the usual retry
    // of a request after a leader change; a retry later than that may apply twice (as a retry by
    // an etcd client on a new connection may with etcd)
    RaftServerConfigKeys.RetryCache.setExpiryTime(p, TimeDuration.valueOf(20, TimeUnit.SECONDS));
    return p;
  }

  private static TimeDuration duration(java.time.Duration d) {
    return TimeDuration.valueOf(d.toMillis(), TimeUnit.MILLISECONDS);
  }

  private void writeMemberFile() throws IOException {
    Path file = config.dataDir().resolve("member.properties");
    Properties p = new Properties();
    p.setProperty("name", config.name());
    p.setProperty("cluster-token", config.clusterToken());
    p.setProperty("advertise-client-urls", join(config.advertiseClientUrls()));
    p.setProperty("listen-client-urls", join(config.listenClientUrls()));
    p.setProperty("advertise-peer-urls", join(config.advertisePeerUrls()));
    p.setProperty("listen-peer-urls", join(config.listenPeerUrls()));
    StringBuilder cluster = new StringBuilder();
    config
        .initialCluster()
        .forEach(
            (n, u) ->
                cluster.append(cluster.length() == 0 ? "" : ",").append(n).append('=').append(u));
    p.setProperty("initial-cluster", cluster.toString());
    try (OutputStream out = Files.newOutputStream(file)) {
      p.store(out, "Cairn member");
    }
  }

  /** The member file of an existing data directory, or null. */
  static Properties readMemberFile(Path dataDir) throws IOException {
    Path file = dataDir.resolve("member.properties");
    if (!Files.exists(file)) {
      return null;
    }
    Properties p = new Properties();
    try (InputStream in = Files.newInputStream(file)) {
      p.load(in);
    }
    return p;
  }

  private static String join(List<URI> urls) {
    return String.join(",", urls.stream().map(URI::toString).toList());
  }

  // ---- what the services use

  NodeConfig config() {
    return config;
  }

  MvccStore store() {
    return stateMachine.store();
  }

  StoreStateMachine stateMachine() {
    return stateMachine;
  }

  WatchService watches() {
    return watches;
  }

  LeaseKeeper leases() {
    return leases;
  }

  RaftServer.Division division() {
    return raft.division();
  }

  public long memberId() {
    return memberId;
  }

  public long clusterId() {
    return clusterId;
  }

  public String name() {
    return config.name();
  }

  /** The port of /metrics, /health and /readyz, or -1 when not served. */
  public int metricsPort() {
    return config.listenMetricsUrls().isEmpty() ? -1 : metrics.port();
  }

  NodeMetrics metrics() {
    return metrics;
  }

  public int clientPort() {
    return grpc.getPort();
  }

  public boolean isLeader() {
    return division().getInfo().isLeader();
  }

  /** Leader, with an entry of its own term committed: ready to serve. */
  public boolean isReadyLeader() {
    var info = division().getInfo();
    return info.isLeader() && info.isLeaderReady();
  }

  /** The store revision this member has applied. */
  public long revision() {
    return store().revision();
  }

  long term() {
    return division().getInfo().getCurrentTerm();
  }

  ResponseHeader header(long revision) {
    return ResponseHeader.newBuilder()
        .setClusterId(clusterId)
        .setMemberId(memberId)
        .setRevision(revision)
        .setRaftTerm(term())
        .build();
  }

  /** Replicates a command; completes with the state machine's reply (see {@link CommandCodec}). */
  CompletableFuture<byte[]> propose(Command command) {
    StoreError refused = quota.refusal(command);
    if (refused != null) {
      return CompletableFuture.failedFuture(new StoreException(refused));
    }
    CompletableFuture<byte[]> f = proposals.propose(CommandCodec.encode(command));
    f.whenComplete(
        (r, t) -> {
          if (t != null && metrics != null) {
            metrics.proposalFailed();
          }
        });
    return f;
  }

  /**
   * Replicates a decision this member took as leader on its own clock (lease expiry, checkpoints):
   * through its own server only, never forwarded, so it commits only in the term of the leader that
   * took it. A leader that was paused and wakes up with stale deadlines cannot end a lease the new
   * leader renewed meanwhile (StaleLeaderLeaseRevokeTest).
   */
  CompletableFuture<byte[]> proposeAsLeader(Command command) {
    byte[] entry = CommandCodec.encode(command);
    return CompletableFuture.supplyAsync(() -> raft.proposeAsLeader(entry), rpcExecutor)
        .thenCompose(f -> f);
  }

  /** Replicates a raw log entry (membership intents; see {@link PendingMembers}). */
  CompletableFuture<byte[]> proposeEntry(byte[] entry) {
    return raft.propose(entry);
  }

  /**
   * Completes, on the etcd API's executor, once this member may serve a linearizable read that
   * arrives now (it has applied a read index obtained after this call).
   */
  CompletableFuture<Void> linearizable() {
    return reads.await().thenApplyAsync(v -> null, rpcExecutor);
  }

  /** A query answered by the leader's state machine (lease keep-alives and time-to-live). */
  CompletableFuture<byte[]> askLeader(byte[] query) {
    return raft.askLeader(query);
  }

  /** A query answered by one member's state machine as it is. */
  CompletableFuture<byte[]> askMember(RaftPeerId peer, byte[] query) {
    return raft.askMember(peer, query);
  }

  private CompletableFuture<byte[]> answerQuery(byte tag, byte[] body) {
    return switch (tag) {
      case Query.LEASE_KEEP_ALIVE, Query.LEASE_TIME_TO_LIVE -> leases.answer(tag, body);
      case Query.MEMBER ->
          CompletableFuture.completedFuture(
              CommandCodec.tagged(CommandCodec.OK, selfMember().toByteArray()));
      case Query.MEMBER_ROLE -> MemberRole.answer(this, body);
      case Query.CONNECTED -> ReconfigCheck.answerConnected(this);
      default ->
          CompletableFuture.failedFuture(new IllegalArgumentException("unknown query tag " + tag));
    };
  }

  io.etcd.jetcd.api.Member selfMember() {
    io.etcd.jetcd.api.Member.Builder b =
        io.etcd.jetcd.api.Member.newBuilder().setID(memberId).setName(config.name());
    config.advertisePeerUrls().forEach(u -> b.addPeerURLs(u.toString()));
    config.advertiseClientUrls().forEach(u -> b.addClientURLs(u.toString()));
    return b.build();
  }

  @Override
  public void close() {
    if (closed) {
      return;
    }
    closed = true;
    try {
      closeParts();
    } finally {
      stopped.complete(null); // also when a part failed to close: the member has stopped serving
    }
  }

  private void closeParts() {
    if (watches != null) {
      watches.stopping();
    }
    if (removal != null) {
      removal.close();
    }
    if (grpc != null) {
      grpc.shutdownNow();
      try {
        grpc.awaitTermination(5, TimeUnit.SECONDS);
      } catch (InterruptedException e) {
        Thread.currentThread().interrupt();
      }
    }
    if (leases != null) {
      leases.close();
    }
    if (cluster != null) {
      cluster.close();
    }
    if (metrics != null) {
      metrics.close();
    }
    if (quota != null) {
      quota.close();
    }
    if (raft != null) {
      raft.close();
    }
    rpcExecutor.shutdownNow();
    try {
      if (server != null) {
        server.close();
      }
    } catch (IOException e) {
      LOG.warn("closing raft server", e);
    }
    if (logSyncs != null) {
      logSyncs.close();
    }
  }
}
