package dev.cairn.raft;

import dev.cairn.store.Command;
import dev.cairn.store.MvccStore;
import dev.cairn.store.StoreConfig;
import io.etcd.jetcd.api.ResponseHeader;
import io.grpc.Server;
import io.grpc.netty.shaded.io.grpc.netty.NettyServerBuilder;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.net.InetSocketAddress;
import java.net.URI;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Properties;
import java.util.UUID;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionException;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicLong;
import org.apache.ratis.RaftConfigKeys;
import org.apache.ratis.client.RaftClient;
import org.apache.ratis.conf.RaftProperties;
import org.apache.ratis.grpc.GrpcConfigKeys;
import org.apache.ratis.protocol.ClientId;
import org.apache.ratis.protocol.Message;
import org.apache.ratis.protocol.RaftClientReply;
import org.apache.ratis.protocol.RaftClientRequest;
import org.apache.ratis.protocol.RaftGroup;
import org.apache.ratis.protocol.RaftGroupId;
import org.apache.ratis.protocol.RaftPeer;
import org.apache.ratis.protocol.RaftPeerId;
import org.apache.ratis.retry.RetryPolicies;
import org.apache.ratis.rpc.SupportedRpcType;
import org.apache.ratis.server.RaftServer;
import org.apache.ratis.server.RaftServerConfigKeys;
import org.apache.ratis.server.storage.RaftStorage;
import org.apache.ratis.thirdparty.com.google.protobuf.UnsafeByteOperations;
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

  private final NodeConfig config;
  private final RaftPeerId peerId;
  private final RaftGroupId groupId;
  private final long memberId;
  private final long clusterId;
  private final StoreStateMachine stateMachine;
  private final RaftProperties properties;
  private RaftServer server;

  /**
   * Ratis's ordered client numbers its requests per server, so requests of one client must not be
   * spread over several servers: writes (to the leader), leader queries and per-member reads each
   * get their own client.
   */
  private RaftClient client;

  private RaftClient leaderQueries;
  private RaftClient reader;
  private RaftClient memberQueries;
  private long memberQueriesConf = -1;
  private LeaseKeeper leases;
  private Server grpc;
  private ClusterService cluster;
  private NodeMetrics metrics;
  private volatile boolean closed;
  private final ClientId localClientId = ClientId.randomId();
  private final AtomicLong localCallIds = new AtomicLong();

  private CairnNode(NodeConfig config) {
    this.config = config;
    this.memberId = memberId(config.advertisePeerUrls().get(0));
    this.peerId = peerId(memberId);
    this.groupId =
        RaftGroupId.valueOf(
            UUID.nameUUIDFromBytes(
                ("cairn/" + config.clusterToken()).getBytes(StandardCharsets.UTF_8)));
    this.clusterId = hash64("cairn-cluster/" + groupId.getUuid());
    this.stateMachine =
        new StoreStateMachine(StoreConfig.defaults(config.dataDir().resolve("store")));
    this.properties = raftProperties(config);
  }

  /** Starts a member; returns once its client port accepts connections. */
  public static CairnNode start(NodeConfig config) throws IOException {
    CairnNode node = new CairnNode(config);
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

    List<RaftPeer> initialPeers = peers(config.initialCluster());
    RaftGroup group =
        existing || config.clusterState().equals("existing")
            ? RaftGroup.valueOf(groupId)
            : RaftGroup.valueOf(groupId, initialPeers);

    server =
        RaftServer.newBuilder()
            .setServerId(peerId)
            .setGroup(group)
            .setProperties(properties)
            .setStateMachine(stateMachine)
            .setOption(RaftStorage.StartupOption.RECOVER)
            .build();
    server.start();

    client = newClient(initialPeers);
    leaderQueries = newClient(initialPeers);
    reader = newClient(initialPeers);
    leases = new LeaseKeeper(this, config.leaseCheckpointInterval());
    stateMachine.addListener(leases);
    stateMachine.setQueryHandler(this::answerQuery);
    leases.start();
    metrics = new NodeMetrics(this);
    stateMachine.onLeaderChange(metrics::leaderChanged);
    stateMachine.setApplyTimer(metrics::applied);
    if (!config.listenMetricsUrls().isEmpty()) {
      metrics.serve(config.listenMetricsUrls().get(0));
    }

    URI clientUrl = config.listenClientUrls().get(0);
    grpc =
        NettyServerBuilder.forAddress(
                new InetSocketAddress(clientUrl.getHost(), clientUrl.getPort()))
            .maxInboundMessageSize((int) StoreConfig.DEFAULT_MAX_REQUEST_BYTES + (512 << 10))
            // etcd's clients ping every few seconds; grpc's default (5 min) would answer GOAWAY
            .permitKeepAliveTime(5, TimeUnit.SECONDS)
            .permitKeepAliveWithoutCalls(true)
            .addService(new KvService(this))
            .addService(new WatchService(this))
            .addService(new LeaseService(this))
            .addService(cluster = new ClusterService(this))
            .addService(new MaintenanceService(this))
            .build()
            .start();
    LOG.info(
        "{}: serving etcd v3 on {}, raft on {} (member {} cluster {})",
        config.name(),
        clientUrl,
        config.listenPeerUrls().get(0),
        Long.toHexString(memberId),
        Long.toHexString(clusterId));
  }

  private RaftClient newClient(List<RaftPeer> peers) {
    return RaftClient.newBuilder()
        .setProperties(properties)
        .setRaftGroup(RaftGroup.valueOf(groupId, peers))
        .setRetryPolicy(
            RetryPolicies.retryUpToMaximumCountWithFixedSleep(
                100, TimeDuration.valueOf(100, TimeUnit.MILLISECONDS)))
        .build();
  }

  static List<RaftPeer> peers(Map<String, URI> cluster) {
    List<RaftPeer> out = new ArrayList<>();
    cluster.forEach((name, url) -> out.add(peer(url, false)));
    return out;
  }

  /**
   * The Ratis peer of a member: its id is the member id (derived from the first peer URL, as etcd
   * derives its member ids, so that MemberAdd, which carries only peer URLs, names the same peer as
   * the joining member's own flags); its address is the URL's host and port.
   */
  static RaftPeer peer(URI peerUrl, boolean learner) {
    RaftPeer.Builder b =
        RaftPeer.newBuilder()
            .setId(peerId(memberId(peerUrl)))
            .setAddress(NodeConfig.hostPort(peerUrl));
    if (learner) {
      b.setStartupRole(org.apache.ratis.proto.RaftProtos.RaftPeerRole.LISTENER);
    }
    return b.build();
  }

  static RaftPeerId peerId(long memberId) {
    return RaftPeerId.valueOf(Long.toHexString(memberId));
  }

  static long memberId(RaftPeerId peer) {
    return Long.parseUnsignedLong(peer.toString(), 16);
  }

  /** A member's id: from its first advertised peer URL (scheme, host and port). */
  static long memberId(URI peerUrl) {
    return hash64(
        "cairn-member/"
            + peerUrl.getScheme()
            + "://"
            + peerUrl.getHost()
            + ":"
            + peerUrl.getPort());
  }

  /** The name of a member as this one knows it from its flags ("" when unknown). */
  String knownName(RaftPeerId peer) {
    if (peer.equals(peerId)) {
      return config.name();
    }
    for (Map.Entry<String, URI> e : config.initialCluster().entrySet()) {
      if (peerId(memberId(e.getValue())).equals(peer)) {
        return e.getKey();
      }
    }
    return "";
  }

  RaftPeerId peerId() {
    return peerId;
  }

  /** Voters and learners of the current configuration. */
  List<RaftPeer> allPeers() {
    var conf = division().getRaftConf();
    List<RaftPeer> peers = new ArrayList<>(conf.getAllPeers());
    peers.addAll(conf.getAllPeers(org.apache.ratis.proto.RaftProtos.RaftPeerRole.LISTENER));
    return peers;
  }

  /** A client for one administrative call (set configuration, transfer leadership). */
  RaftClient adminClient() {
    List<RaftPeer> peers = allPeers();
    if (peers.isEmpty()) {
      peers = peers(config.initialCluster());
    }
    return newClient(peers);
  }

  private static RaftProperties raftProperties(NodeConfig config) {
    RaftProperties p = new RaftProperties();
    RaftConfigKeys.Rpc.setType(p, SupportedRpcType.GRPC);
    URI peerUrl = config.listenPeerUrls().get(0);
    GrpcConfigKeys.Server.setHost(p, peerUrl.getHost());
    GrpcConfigKeys.Server.setPort(p, peerUrl.getPort());
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

  LeaseKeeper leases() {
    return leases;
  }

  RaftServer.Division division() {
    try {
      return server.getDivision(groupId);
    } catch (IOException e) {
      throw new IllegalStateException(e);
    }
  }

  RaftClient raftClient() {
    return client;
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

  /**
   * Replicates a command; completes with the state machine's reply (see {@link CommandCodec}). On
   * the leader the request goes straight into the local server; elsewhere (or when leadership just
   * moved) the Ratis client finds the leader.
   */
  CompletableFuture<byte[]> propose(Command command) {
    Message m = message(CommandCodec.encode(command));
    CompletableFuture<RaftClientReply> sent =
        isLeader()
            ? submitLocal(m, RaftClientRequest.writeRequestType())
                .thenCompose(r -> movedAway(r) ? client.async().send(m) : done(r))
            : client.async().send(m);
    CompletableFuture<byte[]> f = reply(sent);
    f.whenComplete(
        (r, t) -> {
          if (t != null && metrics != null) {
            metrics.proposalFailed();
          }
        });
    return f;
  }

  /** A linearizable read-only query answered by this member once it has applied the read index. */
  CompletableFuture<byte[]> readLocal(byte[] query) {
    Message m = message(query);
    return reply(
        submitLocal(m, RaftClientRequest.readRequestType())
            .thenCompose(
                r -> r.isSuccess() ? done(r) : reader.async().sendReadOnlyUnordered(m, peerId)));
  }

  /** Submits a request to this member's own Ratis server, without a network hop. */
  private CompletableFuture<RaftClientReply> submitLocal(Message m, RaftClientRequest.Type type) {
    RaftClientRequest request =
        RaftClientRequest.newBuilder()
            .setClientId(localClientId)
            .setServerId(peerId)
            .setGroupId(groupId)
            .setCallId(localCallIds.incrementAndGet())
            .setMessage(m)
            .setType(type)
            .build();
    try {
      return server.submitClientRequestAsync(request);
    } catch (IOException e) {
      return CompletableFuture.failedFuture(e);
    }
  }

  private static boolean movedAway(RaftClientReply r) {
    return !r.isSuccess()
        && (r.getNotLeaderException() != null || r.getLeaderNotReadyException() != null);
  }

  private static CompletableFuture<RaftClientReply> done(RaftClientReply r) {
    return CompletableFuture.completedFuture(r);
  }

  /** A query answered by the leader's state machine, without a read index. */
  CompletableFuture<byte[]> askLeader(byte[] query) {
    return reply(leaderQueries.async().sendReadOnlyNonLinearizable(message(query)));
  }

  /**
   * A query answered by one member's state machine as it is (a stale read, which learners answer
   * too), with no retries.
   */
  CompletableFuture<byte[]> askMember(RaftPeerId peer, byte[] query) {
    return reply(
        CompletableFuture.supplyAsync(
            () -> {
              try {
                return memberQueries().io().sendStaleRead(message(query), 0, peer);
              } catch (IOException e) {
                throw new CompletionException(e);
              }
            }));
  }

  /** A client without retries that knows every member of the current configuration. */
  private synchronized RaftClient memberQueries() {
    var conf = division().getRaftConf();
    if (memberQueries == null || memberQueriesConf != conf.getLogEntryIndex()) {
      if (memberQueries != null) {
        try {
          memberQueries.close();
        } catch (IOException e) {
          LOG.debug("closing member query client", e);
        }
      }
      memberQueries =
          RaftClient.newBuilder()
              .setProperties(properties)
              .setRaftGroup(RaftGroup.valueOf(groupId, allPeers()))
              .setRetryPolicy(RetryPolicies.noRetry())
              .build();
      memberQueriesConf = conf.getLogEntryIndex();
    }
    return memberQueries;
  }

  private static Message message(byte[] b) {
    return Message.valueOf(UnsafeByteOperations.unsafeWrap(b));
  }

  private static CompletableFuture<byte[]> reply(CompletableFuture<RaftClientReply> f) {
    return f.thenApply(
        r -> {
          if (!r.isSuccess()) {
            throw new CompletionException(r.getException());
          }
          return r.getMessage().getContent().toByteArray();
        });
  }

  private CompletableFuture<byte[]> answerQuery(byte tag, byte[] body) {
    return switch (tag) {
      case Query.LEASE_KEEP_ALIVE, Query.LEASE_TIME_TO_LIVE -> leases.answer(tag, body);
      case Query.MEMBER ->
          CompletableFuture.completedFuture(
              CommandCodec.tagged(CommandCodec.OK, selfMember().toByteArray()));
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

  private static long hash64(String s) {
    try {
      byte[] d = MessageDigest.getInstance("SHA-256").digest(s.getBytes(StandardCharsets.UTF_8));
      long v = 0;
      for (int i = 0; i < 8; i++) {
        v = (v << 8) | (d[i] & 0xff);
      }
      return v & Long.MAX_VALUE;
    } catch (NoSuchAlgorithmException e) {
      throw new IllegalStateException(e);
    }
  }

  @Override
  public void close() {
    if (closed) {
      return;
    }
    closed = true;
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
    for (RaftClient c : new RaftClient[] {client, leaderQueries, reader, memberQueries}) {
      try {
        if (c != null) {
          c.close();
        }
      } catch (IOException e) {
        LOG.warn("closing raft client", e);
      }
    }
    try {
      if (server != null) {
        server.close();
      }
    } catch (IOException e) {
      LOG.warn("closing raft server", e);
    }
  }
}
