package dev.cairn.raft;

import java.nio.ByteBuffer;
import java.util.ArrayList;
import java.util.Collection;
import java.util.HashSet;
import java.util.List;
import java.util.Set;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;
import org.apache.ratis.proto.RaftProtos.RaftPeerRole;
import org.apache.ratis.proto.RaftProtos.RoleInfoProto;
import org.apache.ratis.proto.RaftProtos.ServerRpcProto;
import org.apache.ratis.protocol.RaftPeer;
import org.apache.ratis.protocol.RaftPeerId;
import org.apache.ratis.server.RaftConfiguration;

/**
 * etcd's safety checks on membership changes (3.4, {@code --strict-reconfig-check}, on by default),
 * refused before anything is proposed, in etcd's order:
 *
 * <pre>
 *   MemberAdd voter     the started voters must be a quorum of the voters with the new one
 *                       (except one started voter taking a second: restoring a cluster)  NOT_ENOUGH_STARTED
 *   MemberAdd           every voter must have been heard from within 5 s                   UNHEALTHY
 *   MemberAdd learner   at most {@value #MAX_LEARNERS} learner in the cluster                       TOO_MANY_LEARNERS
 *   MemberRemove voter  the started voters left must be a quorum of the voters left         NOT_ENOUGH_STARTED
 *                       unless it is down: the voters heard from, less it, must be a
 *                       quorum of the voters                                                UNHEALTHY
 *   MemberPromote       the started voters and the learner must be a quorum with it a voter NOT_ENOUGH_STARTED
 *   (MemberRemove of a learner is never refused)
 * </pre>
 *
 * <p>"Heard from" is etcd's peer transport being active since 5 s ago ({@code HealthInterval}), as
 * the member that takes the request sees it; Cairn's members do not talk to each other but through
 * the leader, so it is the leader's view: itself, and each member whose last reply to its
 * appendEntries is younger than 5 s ({@link Query#CONNECTED}).
 *
 * <p>A voter counts as <em>started</em> in etcd once it has run and published its name; here, once
 * Ratis has it in the configuration, which it does only for a member that runs and has caught up. A
 * voter MemberAdd accepted that has not joined yet ({@link PendingMembers}) is not started, and is
 * never heard from. Worked example, two started voters:
 *
 * <pre>
 *   add voter a (never started)   3 voters, quorum 2, 2 started; all heard from    → accepted
 *   add voter b                   4 voters, quorum 3, 2 started                     → NOT_ENOUGH_STARTED
 *   add a learner                 a is never heard from                             → UNHEALTHY
 *   remove a started voter        left: 1 started + a, quorum 2                     → NOT_ENOUGH_STARTED
 *   remove a                      left: 2 started, quorum 2; a is not heard from    → accepted
 * </pre>
 */
final class ReconfigCheck {
  /** etcd 3.4's {@code maxLearners}. */
  static final int MAX_LEARNERS = 1;

  /** etcd's {@code HealthInterval}: how recently a member must have been heard from. */
  static final long HEALTH_INTERVAL_MILLIS = 5_000;

  private ReconfigCheck() {}

  /**
   * etcd's {@code isConnectedFullySince} for MemberAdd: null when every voter, started or not, was
   * heard from lately, else UNHEALTHY.
   */
  static MemberError allConnected(Collection<RaftPeerId> voters, Set<RaftPeerId> connected) {
    return connected.containsAll(voters) ? null : MemberError.UNHEALTHY;
  }

  /**
   * etcd's active-quorum check of {@code mayRemoveMember}, after the started-members check: a voter
   * not heard from lately may always go; else the voters heard from, less the one removed, must be
   * a quorum of the voters left.
   */
  static MemberError removeKeepsActiveQuorum(
      Collection<RaftPeerId> voters, Set<RaftPeerId> connected, RaftPeerId removed) {
    if (!connected.contains(removed)) {
      return null;
    }
    long active = voters.stream().filter(connected::contains).count();
    return active - 1 < quorum(voters.size() - 1) ? MemberError.UNHEALTHY : null;
  }

  /**
   * Answers {@link Query#CONNECTED} on the leader: itself and the members of the configuration
   * whose last reply it got within {@link #HEALTH_INTERVAL_MILLIS}. Fails off the leader, which has
   * no such view. (Approximate for a leader younger than that: Ratis counts a follower's last reply
   * from when the leader began sending to it, so one that is down looks heard from until 5 s into
   * the new leadership.)
   */
  static CompletableFuture<byte[]> answerConnected(CairnNode node) {
    RoleInfoProto info = node.division().getInfo().getRoleInfoProto();
    if (!info.hasLeaderInfo()) {
      return CompletableFuture.failedFuture(new IllegalStateException("not the leader"));
    }
    // Ratis starts each follower's last-reply time when it starts sending to it: a member being
    // staged that never answered looks heard from at first. Only members of the configuration
    // count (a voter MemberAdd accepted has not started, and is never heard from, as in etcd)
    RaftConfiguration conf = node.division().getRaftConf();
    List<Long> ids = new ArrayList<>();
    ids.add(node.memberId());
    for (ServerRpcProto f : info.getLeaderInfo().getFollowerInfoList()) {
      RaftPeerId id = RaftPeerId.valueOf(f.getId().getId());
      if (f.getLastRpcElapsedTimeMs() <= HEALTH_INTERVAL_MILLIS
          && conf.getPeer(id, RaftPeerRole.FOLLOWER, RaftPeerRole.LISTENER) != null) {
        ids.add(MemberIds.memberId(id));
      }
    }
    ByteBuffer b = ByteBuffer.allocate(4 + 8 * ids.size()).putInt(ids.size());
    ids.forEach(b::putLong);
    return CompletableFuture.completedFuture(CommandCodec.tagged(CommandCodec.OK, b.array()));
  }

  /** The members the leader heard from lately, asked of it (at most 5 s). */
  static Set<RaftPeerId> connected(CairnNode node) throws Exception {
    ByteBuffer b =
        ByteBuffer.wrap(
            CommandCodec.replyBody(node.askLeader(Query.connected()).get(5, TimeUnit.SECONDS)));
    Set<RaftPeerId> out = new HashSet<>();
    for (int n = b.getInt(); n > 0; n--) {
      out.add(MemberIds.peerId(b.getLong()));
    }
    return out;
  }

  /**
   * Started and not yet started voters, and learners, as etcd counts its members, the counts
   * without the member a request is about; {@code voters}: every voter, started or not, it
   * included.
   */
  record Members(int started, int unstarted, int learners, List<RaftPeerId> voters) {
    Members(int started, int unstarted, int learners) {
      this(started, unstarted, learners, List.of());
    }

    /**
     * The members of a configuration and the MemberAdd intents not yet in it; {@code without} (may
     * be null) is left out.
     */
    static Members of(RaftConfiguration conf, Collection<RaftPeer> pending, RaftPeerId without) {
      Set<RaftPeerId> inConf = new HashSet<>();
      List<RaftPeerId> voters = new ArrayList<>();
      int started = 0;
      int learners = 0;
      for (RaftPeer p : conf.getCurrentPeers()) {
        inConf.add(p.getId());
        voters.add(p.getId());
        started += p.getId().equals(without) ? 0 : 1;
      }
      for (RaftPeer p : conf.getCurrentPeers(RaftPeerRole.LISTENER)) {
        inConf.add(p.getId());
        learners += p.getId().equals(without) ? 0 : 1;
      }
      int unstarted = 0;
      for (RaftPeer p : pending) {
        if (inConf.contains(p.getId())) {
          continue; // a promotion under way
        }
        boolean left = p.getId().equals(without);
        if (p.getStartupRole() == RaftPeerRole.LISTENER) {
          learners += left ? 0 : 1;
        } else {
          unstarted += left ? 0 : 1;
          voters.add(p.getId());
        }
      }
      return new Members(started, unstarted, learners, List.copyOf(voters));
    }
  }

  /** etcd's {@code IsReadyToAddVotingMember}: null when a voter may be added, else the refusal. */
  static MemberError addVoter(Members m) {
    int members = m.started() + m.unstarted() + 1;
    if (m.started() == 1 && members == 2) {
      return null; // a second member for a one-member cluster (restoring from a backup)
    }
    return m.started() < quorum(members) ? MemberError.NOT_ENOUGH_STARTED : null;
  }

  /** etcd's {@code mayAddMember} and learner limit, for MemberAdd. */
  static MemberError add(Members m, boolean learner) {
    if (learner) {
      return m.learners() + 1 > MAX_LEARNERS ? MemberError.TOO_MANY_LEARNERS : null;
    }
    return addVoter(m);
  }

  /**
   * etcd's {@code IsReadyToRemoveVotingMember}, with {@code others} counted without the member to
   * remove: null when it may go, else the refusal.
   */
  static MemberError removeVoter(Members others) {
    int members = others.started() + others.unstarted();
    return others.started() < quorum(members) ? MemberError.NOT_ENOUGH_STARTED : null;
  }

  /**
   * etcd's {@code IsReadyToPromoteMember}, with {@code voters} counted without the learner: the
   * learner counts as a started voter.
   */
  static MemberError promote(Members voters) {
    int members = voters.started() + voters.unstarted() + 1;
    return voters.started() + 1 < quorum(members) ? MemberError.NOT_ENOUGH_STARTED : null;
  }

  private static int quorum(int members) {
    return members / 2 + 1;
  }
}
