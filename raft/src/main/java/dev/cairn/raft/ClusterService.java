package dev.cairn.raft;

import com.google.protobuf.InvalidProtocolBufferException;
import io.etcd.jetcd.api.ClusterGrpc;
import io.etcd.jetcd.api.Member;
import io.etcd.jetcd.api.MemberAddRequest;
import io.etcd.jetcd.api.MemberAddResponse;
import io.etcd.jetcd.api.MemberListRequest;
import io.etcd.jetcd.api.MemberListResponse;
import io.etcd.jetcd.api.MemberPromoteRequest;
import io.etcd.jetcd.api.MemberPromoteResponse;
import io.etcd.jetcd.api.MemberRemoveRequest;
import io.etcd.jetcd.api.MemberRemoveResponse;
import io.etcd.jetcd.api.MemberUpdateRequest;
import io.etcd.jetcd.api.MemberUpdateResponse;
import io.grpc.stub.StreamObserver;
import java.net.URI;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;
import org.apache.ratis.proto.RaftProtos.CommitInfoProto;
import org.apache.ratis.proto.RaftProtos.RaftPeerRole;
import org.apache.ratis.protocol.RaftClientReply;
import org.apache.ratis.protocol.RaftPeer;
import org.apache.ratis.protocol.RaftPeerId;
import org.apache.ratis.server.RaftConfiguration;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * etcd's Cluster service over the Raft configuration: voters are etcd members, Ratis listeners are
 * etcd learners. Each member knows its own name and client URLs; the others are asked for theirs
 * (and remembered), since Ratis's configuration holds only ids and peer addresses.
 *
 * <p>MemberAdd answers once its intent is committed in the Raft log ({@link PendingMembers}), as
 * etcd answers once the configuration change is committed; Ratis itself commits the new
 * configuration only once the new member runs and has caught up, so whichever member leads keeps
 * proposing it, in the background, until it commits (or the add is withdrawn by MemberRemove).
 * MemberPromote commits its intent the same way and answers once the member votes ({@link
 * ConfigurationDriver} says why that is more than one configuration change). On every member, a
 * {@link LearnerGuard} keeps a learner that Ratis runs as a follower from campaigning.
 */
final class ClusterService extends ClusterGrpc.ClusterImplBase {
  private static final Logger LOG = LoggerFactory.getLogger(ClusterService.class);

  /**
   * etcd's readyPercentThreshold: a learner is in sync once it has 90% of the leader's log (here:
   * of its commit index, as the leader last heard from each member).
   */
  private static final double IN_SYNC = 0.9;

  private final CairnNode node;
  private final Map<RaftPeerId, Member> known = new ConcurrentHashMap<>();
  private final ScheduledExecutorService admin = Daemons.scheduler("cairn-membership");
  private final ConfigurationDriver driver;
  private final LearnerGuard guard;

  ClusterService(CairnNode node) {
    this.node = node;
    this.driver = new ConfigurationDriver(node, admin);
    this.guard = new LearnerGuard(node);
  }

  private PendingMembers pending() {
    return node.stateMachine().pendingMembers();
  }

  void close() {
    admin.shutdownNow();
    guard.close();
  }

  @Override
  public void memberList(MemberListRequest request, StreamObserver<MemberListResponse> out) {
    try {
      KvService.respond(
          out,
          MemberListResponse.newBuilder()
              .setHeader(node.header(node.store().revision()))
              .addAllMembers(members())
              .build());
    } catch (Exception e) {
      out.onError(EtcdErrors.toStatus(e));
    }
  }

  private List<Member> members() throws Exception {
    RaftConfiguration conf = node.division().getRaftConf();
    List<CompletableFuture<Member>> futures = new ArrayList<>();
    List<RaftPeerId> seen = new ArrayList<>();
    for (RaftPeer p : conf.getCurrentPeers()) {
      futures.add(member(p, false));
      seen.add(p.getId());
    }
    for (RaftPeer p : conf.getCurrentPeers(RaftPeerRole.LISTENER)) {
      futures.add(member(p, true));
      seen.add(p.getId());
    }
    for (RaftPeer p : pending().all().values()) {
      if (!seen.contains(p.getId())) {
        futures.add(member(p, p.getStartupRole() == RaftPeerRole.LISTENER));
      }
    }
    List<Member> members = new ArrayList<>();
    for (CompletableFuture<Member> f : futures) {
      members.add(f.get(3, TimeUnit.SECONDS));
    }
    return members;
  }

  private CompletableFuture<Member> member(RaftPeer p, boolean learner) {
    RaftPeerId id = p.getId();
    Member fallback =
        Member.newBuilder()
            .setID(MemberIds.memberId(id))
            .setName(node.knownName(id))
            .addPeerURLs("http://" + p.getAddress())
            .build();
    CompletableFuture<Member> f;
    if (id.equals(node.peerId())) {
      f = CompletableFuture.completedFuture(node.selfMember());
    } else if (known.containsKey(id)) {
      f = CompletableFuture.completedFuture(known.get(id));
    } else if (pending().contains(id.toString())) {
      f = CompletableFuture.completedFuture(fallback);
    } else {
      f =
          node.askMember(id, Query.member())
              .orTimeout(1, TimeUnit.SECONDS)
              .thenApply(
                  b -> {
                    try {
                      Member m = Member.parseFrom(CommandCodec.replyBody(b));
                      known.put(id, m);
                      return m;
                    } catch (InvalidProtocolBufferException e) {
                      throw new IllegalStateException(e);
                    }
                  })
              .exceptionally(
                  t -> {
                    LOG.debug("{}: member {} did not answer: {}", node.name(), id, t.toString());
                    return fallback;
                  });
    }
    return f.thenApply(m -> m.toBuilder().setIsLearner(learner).build());
  }

  @Override
  public void memberAdd(MemberAddRequest request, StreamObserver<MemberAddResponse> out) {
    try {
      if (request.getPeerURLsCount() == 0) {
        throw EtcdErrors.of(MemberError.NO_PEER_URLS);
      }
      URI url = URI.create(request.getPeerURLs(0));
      RaftPeer peer = MemberIds.peer(url, request.getIsLearner());
      // etcd's order: its mayAddMember (started members, then every voter heard from) before the
      // configuration's own checks (peer URL taken, learner limit)
      ReconfigCheck.Members members = counted(null);
      if (!request.getIsLearner()) {
        refuseIf(ReconfigCheck.addVoter(members));
      }
      refuseIf(ReconfigCheck.allConnected(members.voters(), ReconfigCheck.connected(node)));
      if (node.division()
                  .getRaftConf()
                  .getPeer(peer.getId(), RaftPeerRole.FOLLOWER, RaftPeerRole.LISTENER)
              != null
          || pending().contains(peer.getId().toString())) {
        throw EtcdErrors.of(MemberError.PEER_URL_EXISTS);
      }
      if (request.getIsLearner()) {
        refuseIf(ReconfigCheck.add(members, true));
      }
      // durable before it is acknowledged: committed in the log, applied by every member
      CommandCodec.replyBody(node.proposeEntry(PendingMembers.add(peer)).get(30, TimeUnit.SECONDS));
      driver.nudge();
      Member m =
          Member.newBuilder()
              .setID(MemberIds.memberId(peer.getId()))
              .addAllPeerURLs(request.getPeerURLsList())
              .setIsLearner(request.getIsLearner())
              .build();
      KvService.respond(
          out,
          MemberAddResponse.newBuilder()
              .setHeader(node.header(node.store().revision()))
              .setMember(m)
              .addAllMembers(members())
              .build());
    } catch (Exception e) {
      out.onError(EtcdErrors.toStatus(e));
    }
  }

  /** The members as etcd's safety checks count them, leaving {@code without} out (may be null). */
  private ReconfigCheck.Members counted(RaftPeerId without) {
    return ReconfigCheck.Members.of(
        node.division().getRaftConf(), pending().all().values(), without);
  }

  private static void refuseIf(MemberError refusal) {
    if (refusal != null) {
      throw EtcdErrors.of(refusal);
    }
  }

  /** Replaces the configuration with one changed by {@code change}; fails with etcd's error. */
  private void reconfigure(long memberId, Change change) throws Exception {
    RaftPeerId id = MemberIds.peerId(memberId);
    RaftConfiguration conf = node.division().getRaftConf();
    List<RaftPeer> voters = new ArrayList<>(conf.getCurrentPeers());
    List<RaftPeer> listeners = new ArrayList<>(conf.getCurrentPeers(RaftPeerRole.LISTENER));
    RaftPeer peer = conf.getPeer(id, RaftPeerRole.FOLLOWER, RaftPeerRole.LISTENER);
    if (peer == null) {
      throw EtcdErrors.of(MemberError.MEMBER_NOT_FOUND);
    }
    boolean learner = listeners.stream().anyMatch(p -> p.getId().equals(id));
    voters.removeIf(p -> p.getId().equals(id));
    listeners.removeIf(p -> p.getId().equals(id));
    change.apply(peer, learner, voters, listeners);
    RaftClientReply reply = driver.setConfiguration(voters, listeners);
    if (!reply.isSuccess()) {
      throw reply.getException();
    }
    known.remove(id);
  }

  interface Change {
    void apply(RaftPeer peer, boolean learner, List<RaftPeer> voters, List<RaftPeer> listeners);
  }

  @Override
  public void memberRemove(MemberRemoveRequest request, StreamObserver<MemberRemoveResponse> out) {
    try {
      RaftPeerId target = MemberIds.peerId(request.getID());
      if (MemberRole.of(node.division().getRaftConf(), pending(), target)
          != RaftPeerRole.LISTENER) {
        ReconfigCheck.Members others = counted(target);
        refuseIf(ReconfigCheck.removeVoter(others));
        if (others.voters().contains(target)) {
          refuseIf(
              ReconfigCheck.removeKeepsActiveQuorum(
                  others.voters(), ReconfigCheck.connected(node), target));
        }
      }
      // an add or a promotion not yet done is withdrawn; one that never joined is then gone
      boolean withdrawn = withdraw(request.getID());
      if (!withdrawn || isInConfiguration(request.getID())) {
        reconfigure(request.getID(), (p, learner, voters, listeners) -> {});
      }
      KvService.respond(
          out,
          MemberRemoveResponse.newBuilder()
              .setHeader(node.header(node.store().revision()))
              .addAllMembers(members())
              .build());
    } catch (Exception e) {
      out.onError(EtcdErrors.toStatus(e));
    }
  }

  @Override
  public void memberPromote(
      MemberPromoteRequest request, StreamObserver<MemberPromoteResponse> out) {
    try {
      RaftPeer learner = promotable(request.getID());
      refuseIf(ReconfigCheck.promote(counted(learner.getId())));
      RaftPeer voter = RaftPeer.newBuilder(learner).setStartupRole(RaftPeerRole.FOLLOWER).build();
      CommandCodec.replyBody(
          node.proposeEntry(PendingMembers.add(voter)).get(30, TimeUnit.SECONDS));
      driver.nudge();
      awaitVoter(learner.getId(), TimeUnit.SECONDS.toNanos(30));
      known.remove(learner.getId());
      KvService.respond(
          out,
          MemberPromoteResponse.newBuilder()
              .setHeader(node.header(node.store().revision()))
              .addAllMembers(members())
              .build());
    } catch (Exception e) {
      out.onError(EtcdErrors.toStatus(e));
    }
  }

  /** The learner with this id, if etcd would promote it; else etcd's refusal. */
  private RaftPeer promotable(long memberId) {
    RaftPeerId id = MemberIds.peerId(memberId);
    RaftConfiguration conf = node.division().getRaftConf();
    RaftPeerRole role = ConfigurationDriver.role(conf, id);
    RaftPeer intent = pending().all().get(id.toString());
    if (role == RaftPeerRole.FOLLOWER
        || (role == null && intent != null && intent.getStartupRole() != RaftPeerRole.LISTENER)) {
      throw EtcdErrors.of(MemberError.MEMBER_NOT_LEARNER);
    }
    if (role == null && intent == null) {
      throw EtcdErrors.of(MemberError.MEMBER_NOT_FOUND);
    }
    if (role == null || !inSync(id)) {
      throw EtcdErrors.of(MemberError.LEARNER_NOT_READY);
    }
    return conf.getPeer(id, RaftPeerRole.LISTENER);
  }

  /**
   * Whether the learner's commit index is at least 90% of the leader's, as this member last heard
   * them: the leader's own, and the followers' as the leader passes them on with its appendEntries.
   */
  private boolean inSync(RaftPeerId learner) {
    RaftPeerId leader = node.division().getInfo().getLeaderId();
    long leaderIndex = -1;
    long learnerIndex = -1;
    for (CommitInfoProto c : node.division().getCommitInfos()) {
      RaftPeerId id = RaftPeerId.valueOf(c.getServer().getId());
      if (id.equals(leader)) {
        leaderIndex = c.getCommitIndex();
      }
      if (id.equals(learner)) {
        learnerIndex = c.getCommitIndex();
      }
    }
    return leader != null && learnerIndex >= 0 && learnerIndex >= IN_SYNC * leaderIndex;
  }

  /**
   * Waits until a committed, stable configuration has it voting, and the member itself has that
   * configuration. A learner runs as a Ratis listener, which refuses votes; Ratis makes it a
   * follower only when it appends a stable configuration that names it a voter. Were the leader
   * lost before that, the survivors could need its vote and not get it, until the old leader came
   * back.
   */
  private void awaitVoter(RaftPeerId id, long timeoutNanos) throws Exception {
    long end = System.nanoTime() + timeoutNanos;
    while (!isCommittedVoter(id)) {
      if (System.nanoTime() > end) {
        throw new TimeoutException("member " + id + " not yet a voter");
      }
      Thread.sleep(50);
    }
  }

  private boolean isCommittedVoter(RaftPeerId id) {
    RaftConfiguration conf = node.division().getRaftConf();
    return ConfigurationDriver.role(conf, id) == RaftPeerRole.FOLLOWER
        && ConfigurationDriver.settled(conf, node.division().getRaftLog().getLastCommittedIndex())
        && commitIndex(id) >= conf.getLogEntryIndex();
  }

  /**
   * The member's commit index as this member last heard it (-1 if never): a member never commits
   * past the entries it has appended.
   */
  private long commitIndex(RaftPeerId member) {
    for (CommitInfoProto c : node.division().getCommitInfos()) {
      if (RaftPeerId.valueOf(c.getServer().getId()).equals(member)) {
        return c.getCommitIndex();
      }
    }
    return -1;
  }

  /** Withdraws a membership intent not yet carried out; whether there was one. */
  private boolean withdraw(long memberId) throws Exception {
    RaftPeer intent = pending().all().get(MemberIds.peerId(memberId).toString());
    if (intent == null) {
      return false;
    }
    CommandCodec.replyBody(
        node.proposeEntry(PendingMembers.withdraw(intent)).get(30, TimeUnit.SECONDS));
    return true;
  }

  private boolean isInConfiguration(long memberId) {
    return ConfigurationDriver.role(node.division().getRaftConf(), MemberIds.peerId(memberId))
        != null;
  }

  @Override
  public void memberUpdate(MemberUpdateRequest request, StreamObserver<MemberUpdateResponse> out) {
    try {
      if (request.getPeerURLsCount() == 0) {
        throw EtcdErrors.of(MemberError.NO_PEER_URLS);
      }
      URI url = URI.create(request.getPeerURLs(0));
      reconfigure(
          request.getID(),
          (p, learner, voters, listeners) ->
              (learner ? listeners : voters)
                  .add(RaftPeer.newBuilder(p).setAddress(NodeConfig.hostPort(url)).build()));
      KvService.respond(
          out,
          MemberUpdateResponse.newBuilder()
              .setHeader(node.header(node.store().revision()))
              .addAllMembers(members())
              .build());
    } catch (Exception e) {
      out.onError(EtcdErrors.toStatus(e));
    }
  }
}
