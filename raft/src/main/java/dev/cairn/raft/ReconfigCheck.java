package dev.cairn.raft;

import java.util.Collection;
import java.util.HashSet;
import java.util.Set;
import org.apache.ratis.proto.RaftProtos.RaftPeerRole;
import org.apache.ratis.protocol.RaftPeer;
import org.apache.ratis.protocol.RaftPeerId;
import org.apache.ratis.server.RaftConfiguration;

/**
 * etcd's safety checks on membership changes (3.4, {@code --strict-reconfig-check}, on by default),
 * refused before anything is proposed:
 *
 * <pre>
 *   MemberAdd voter     the started voters must be a quorum of the voters with the new one
 *                       (except one started voter taking a second: restoring a cluster)
 *   MemberRemove voter  the started voters left must be a quorum of the voters left
 *   MemberPromote       the started voters and the learner must be a quorum with it a voter
 *   MemberAdd learner   at most {@value #MAX_LEARNERS} learner in the cluster
 *   (MemberRemove of a learner is never refused)
 * </pre>
 *
 * A voter counts as <em>started</em> in etcd once it has run and published its name; here, once
 * Ratis has it in the configuration, which it does only for a member that runs and has caught up. A
 * voter MemberAdd accepted that has not joined yet ({@link PendingMembers}) is not started. Worked
 * example: three started voters take one voter that never starts (4 members, quorum 3, 3 started)
 * and a second (5, quorum 3, 3); a third would make 6 with quorum 4 and is refused.
 */
final class ReconfigCheck {
  /** etcd 3.4's {@code maxLearners}. */
  static final int MAX_LEARNERS = 1;

  private ReconfigCheck() {}

  /** Started and not yet started voters, and learners, as etcd counts its members. */
  record Members(int started, int unstarted, int learners) {
    /**
     * The members of a configuration and the MemberAdd intents not yet in it; {@code without} (may
     * be null) is left out.
     */
    static Members of(RaftConfiguration conf, Collection<RaftPeer> pending, RaftPeerId without) {
      Set<RaftPeerId> inConf = new HashSet<>();
      int started = 0;
      int learners = 0;
      for (RaftPeer p : conf.getCurrentPeers()) {
        inConf.add(p.getId());
        started += p.getId().equals(without) ? 0 : 1;
      }
      for (RaftPeer p : conf.getCurrentPeers(RaftPeerRole.LISTENER)) {
        inConf.add(p.getId());
        learners += p.getId().equals(without) ? 0 : 1;
      }
      int unstarted = 0;
      for (RaftPeer p : pending) {
        if (inConf.contains(p.getId()) || p.getId().equals(without)) {
          continue; // a promotion under way, or the member left out
        }
        if (p.getStartupRole() == RaftPeerRole.LISTENER) {
          learners++;
        } else {
          unstarted++;
        }
      }
      return new Members(started, unstarted, learners);
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
