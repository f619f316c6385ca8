package dev.cairn.raft;

import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;
import org.apache.ratis.client.RaftClient;
import org.apache.ratis.conf.Parameters;
import org.apache.ratis.conf.RaftProperties;
import org.apache.ratis.proto.RaftProtos.RaftPeerRole;
import org.apache.ratis.protocol.Message;
import org.apache.ratis.protocol.RaftClientReply;
import org.apache.ratis.protocol.RaftGroup;
import org.apache.ratis.protocol.RaftGroupId;
import org.apache.ratis.protocol.RaftPeer;
import org.apache.ratis.protocol.RaftPeerId;
import org.apache.ratis.server.RaftConfiguration;
import org.apache.ratis.thirdparty.com.google.protobuf.UnsafeByteOperations;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The role the cluster gives a member, a voter (Ratis follower) or a learner (Ratis listener), and
 * how a member that joins a running cluster learns it before its Raft server starts.
 *
 * <p><b>Why before.</b> Ratis decides a server's role once, when it starts, from the configuration
 * it starts with ({@code RaftServerImpl.start}): named a voter, it runs as a follower; named a
 * listener, as a listener; not named, as a follower that waits (STARTING) to be staged by the
 * leader. A follower never turns into a listener: when the configuration that adds it as one
 * arrives it stays a follower ({@code ServerState.updateConfiguration} changes only a listener's
 * role), and once a leader other than the one that staged it sends it appendEntries (no longer
 * flagged {@code initializing}) it runs an election timer. At the next leader loss the timer fires,
 * the election finds that it is no voter (NOT_IN_CONF), and Ratis closes the division for good. So
 * a learner must not join with an empty configuration, as a voter does: it asks the cluster for its
 * role, and starts with a configuration that names it a listener and the other members of its
 * {@code --initial-cluster} voters. That configuration only stands until the first one the leader
 * sends (the leader's log and snapshots carry the real ones); Ratis keeps a listener a listener
 * until a stable configuration names it a voter, which is how {@link ConfigurationDriver} promotes
 * it.
 *
 * <pre>
 *   joining member (no Raft data yet, --initial-cluster-state existing)
 *     ──▶ any member of --initial-cluster: MEMBER_ROLE · its peer id  (a linearizable read)
 *     ◀── OK · 0 unknown | 1 voter | 2 learner   (the configuration's word, else MemberAdd's intent)
 *   learner → starts as a Ratis listener; voter or unknown → starts empty, to be staged
 * </pre>
 *
 * As with etcd, a learner is added (MemberAdd) before it is started. One that starts first, or
 * cannot reach the cluster, starts empty like a voter and logs a warning.
 */
final class MemberRole {
  private static final Logger LOG = LoggerFactory.getLogger(MemberRole.class);

  /** How long a joining member asks before it starts as a voter would. */
  static final Duration ASK_TIMEOUT = Duration.ofSeconds(15);

  private static final byte UNKNOWN = 0;
  private static final byte VOTER = 1;
  private static final byte LEARNER = 2;

  private MemberRole() {}

  /**
   * The member's role: in the configuration if it is in it, else as its MemberAdd intent has it
   * ({@link PendingMembers}); null when neither knows it.
   */
  static RaftPeerRole of(RaftConfiguration conf, PendingMembers pending, RaftPeerId id) {
    RaftPeerRole role = ConfigurationDriver.role(conf, id);
    if (role != null) {
      return role;
    }
    RaftPeer intent = pending.all().get(id.toString());
    if (intent == null) {
      return null;
    }
    return intent.getStartupRole() == RaftPeerRole.LISTENER
        ? RaftPeerRole.LISTENER
        : RaftPeerRole.FOLLOWER;
  }

  /**
   * Answers a {@link Query#MEMBER_ROLE} query: the body is the member's Ratis peer id. During a
   * configuration change a member the new configuration leaves out keeps its old role until the
   * change is past its joint phase: until then the change may still be lost with its leader, and
   * "unknown" would stop a member that stays ({@link RemovalWatch}).
   */
  static CompletableFuture<byte[]> answer(CairnNode node, byte[] body) {
    RaftPeerId id = RaftPeerId.valueOf(new String(body, StandardCharsets.UTF_8));
    RaftConfiguration conf = node.division().getRaftConf();
    RaftPeerRole role = of(conf, node.stateMachine().pendingMembers(), id);
    if (role == null && conf.getPeer(id, RaftPeerRole.FOLLOWER) != null) {
      role = RaftPeerRole.FOLLOWER;
    } else if (role == null && conf.getPeer(id, RaftPeerRole.LISTENER) != null) {
      role = RaftPeerRole.LISTENER;
    }
    byte code = role == null ? UNKNOWN : role == RaftPeerRole.LISTENER ? LEARNER : VOTER;
    return CompletableFuture.completedFuture(
        CommandCodec.tagged(CommandCodec.OK, new byte[] {code}));
  }

  /**
   * Asks the other members of {@code cluster} what role the cluster gives {@code self}, for up to
   * {@link #ASK_TIMEOUT}; null when it does not know the member or no member answered.
   */
  static RaftPeerRole ask(
      RaftGroupId groupId,
      List<RaftPeer> cluster,
      RaftPeerId self,
      RaftProperties properties,
      Parameters parameters) {
    try {
      return switch (query(groupId, cluster, self, properties, parameters, ASK_TIMEOUT)) {
        case LEARNER -> RaftPeerRole.LISTENER;
        case VOTER -> RaftPeerRole.FOLLOWER;
        default -> null;
      };
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      return null;
    } catch (Exception e) {
      LOG.warn(
          "{}: could not ask {} whether this member is a learner ({}): it starts as a voter"
              + " joins, and if it is a learner Ratis will run it as a follower",
          self,
          cluster,
          e.toString());
      return null;
    }
  }

  /**
   * Whether the cluster has forgotten {@code self}: its leader answered, through {@code client} (a
   * client of the other members), that the member is neither in the configuration nor on its way
   * into it. False when it knows the member, and when no leader answered within {@code timeout}
   * (nothing is known then).
   */
  static boolean forgotten(RaftClient client, RaftPeerId self, Duration timeout) {
    try {
      return query(client, self, timeout) == UNKNOWN;
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      return false;
    } catch (Exception e) {
      LOG.debug("{}: no answer to whether this member is still one: {}", self, e.toString());
      return false;
    }
  }

  /**
   * The leader's answer to {@link Query#MEMBER_ROLE} for {@code self}, asked through the other
   * members of {@code cluster} (a linearizable read).
   */
  private static byte query(
      RaftGroupId groupId,
      List<RaftPeer> cluster,
      RaftPeerId self,
      RaftProperties properties,
      Parameters parameters,
      Duration timeout)
      throws Exception {
    List<RaftPeer> others = new ArrayList<>(cluster);
    others.removeIf(p -> p.getId().equals(self));
    if (others.isEmpty()) {
      throw new IllegalStateException("no other member to ask");
    }
    try (RaftClient client = client(groupId, others, properties, parameters, timeout)) {
      return query(client, self, timeout);
    }
  }

  /** A client of {@code peers} that retries every 200 ms for about {@code timeout}. */
  static RaftClient client(
      RaftGroupId groupId,
      List<RaftPeer> peers,
      RaftProperties properties,
      Parameters parameters,
      Duration timeout) {
    long pauseMillis = 200;
    return RaftGateway.retryingClient(
        groupId,
        peers,
        properties,
        parameters,
        (int) Math.max(1, timeout.toMillis() / pauseMillis),
        pauseMillis);
  }

  private static byte query(RaftClient client, RaftPeerId self, Duration timeout) throws Exception {
    Message query =
        Message.valueOf(UnsafeByteOperations.unsafeWrap(Query.memberRole(self.toString())));
    RaftClientReply reply =
        client.async().sendReadOnly(query).get(timeout.toMillis(), TimeUnit.MILLISECONDS);
    if (!reply.isSuccess()) {
      throw reply.getException();
    }
    return CommandCodec.replyBody(reply.getMessage().getContent().toByteArray())[0];
  }

  /**
   * The configuration a learner starts with: itself a listener, the other members of its {@code
   * --initial-cluster} voters.
   */
  static RaftGroup asListener(RaftGroupId groupId, List<RaftPeer> cluster, RaftPeer self) {
    List<RaftPeer> peers = new ArrayList<>();
    cluster.stream().filter(p -> !p.getId().equals(self.getId())).forEach(peers::add);
    peers.add(RaftPeer.newBuilder(self).setStartupRole(RaftPeerRole.LISTENER).build());
    return RaftGroup.valueOf(groupId, peers);
  }
}
