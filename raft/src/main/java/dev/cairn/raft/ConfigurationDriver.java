package dev.cairn.raft;

import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.TimeUnit;
import org.apache.ratis.client.RaftClient;
import org.apache.ratis.proto.RaftProtos.RaftPeerRole;
import org.apache.ratis.protocol.RaftClientReply;
import org.apache.ratis.protocol.RaftPeer;
import org.apache.ratis.protocol.RaftPeerId;
import org.apache.ratis.server.RaftConfiguration;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * On the leader, moves the Raft configuration toward the membership intents committed in the log
 * ({@link PendingMembers}): once a second, and at once when a request asks. Each intent names a
 * member and the role it is to have, a voter (Ratis follower) or a learner (Ratis listener):
 *
 * <pre>
 *   intent    configuration      step
 *   role R    has it as R        forget the intent
 *   role R    lacks it           add it as R: Ratis stages it until it has caught up, then commits
 *   voter     has it as learner  promote it (below)
 * </pre>
 *
 * <p><b>Promotion, and why it is not one configuration change.</b> Ratis 3.3 commits a change that
 * moves a listener to the voters without staging it, since the peer is already in the configuration
 * ({@code LeaderStateImpl.startSetConfiguration}), and from then on counts its match index towards
 * commit. But the leader that staged the listener never marks it caught up ({@code checkStaging}
 * marks only peers that are voters of the new configuration), so it keeps sending it appendEntries
 * flagged {@code initializing}; a member that joined with an empty configuration leaves Ratis's
 * STARTING state only on an appendEntries without that flag. A STARTING member refuses votes and
 * never starts an election timer: promoted, it would count for quorum but never vote, until a new
 * leader (whose senders start caught up) or a restart. So:
 *
 * <ul>
 *   <li>a learner that is RUNNING (it answers a query) is promoted by one configuration change, and
 *       Ratis turns its listener role into a follower's when that configuration is stable. A
 *       learner runs as a Ratis listener, RUNNING, from its start ({@link MemberRole}); so does one
 *       that restarted after the configuration naming it reached it;
 *   <li>a learner still STARTING is removed from the configuration and added back as a voter, which
 *       stages it; Ratis marks it caught up once it is, and it starts. A STARTING member has no
 *       election timer, so the moment it is out of the configuration is harmless; the intent is in
 *       the log, so whichever member leads next finishes the promotion. Only a learner that Ratis
 *       runs as a follower is ever STARTING: one that could not ask the cluster for its role when
 *       it joined, or restarted before the configuration naming it reached it.
 * </ul>
 */
final class ConfigurationDriver {
  private static final Logger LOG = LoggerFactory.getLogger(ConfigurationDriver.class);

  private final CairnNode node;
  private final ScheduledExecutorService admin;

  /** Failed probes in a row before a learner is taken for one Ratis has STARTING. */
  private static final int PROBES_BEFORE_STARTING = 3;

  /** Learners to promote that did not answer the probe, and on how many ticks in a row. */
  private final java.util.Map<RaftPeerId, Integer> silentTicks = new java.util.HashMap<>();

  /** Drives on {@code admin}, a single thread, which its owner shuts down. */
  ConfigurationDriver(CairnNode node, ScheduledExecutorService admin) {
    this.node = node;
    this.admin = admin;
    admin.scheduleWithFixedDelay(this::drive, 1, 1, TimeUnit.SECONDS);
  }

  /** Drives the intents now rather than at the next tick (a no-op off the leader). */
  void nudge() {
    admin.execute(this::drive);
  }

  private PendingMembers pending() {
    return node.stateMachine().pendingMembers();
  }

  private void drive() {
    try {
      if (!node.isReadyLeader()) {
        return;
      }
      for (RaftPeer peer : pending().all().values()) {
        RaftConfiguration conf = node.division().getRaftConf();
        RaftPeerRole wanted = peer.getStartupRole();
        RaftPeerRole has = role(conf, peer.getId());
        if (has == wanted) {
          if (settled(conf)) {
            forget(peer);
          }
        } else if (has == null) {
          if (setConfiguration(conf, peer, wanted).isSuccess()) {
            if (pending().withdrawn(peer.getId().toString())) {
              // MemberRemove withdrew the intent while Ratis staged the member, and answered
              // before the member was in the configuration: take it out again (the withdrawal
              // is applied here before MemberRemove looks at the configuration, so either it
              // sees the member and removes it, or this sees the withdrawal)
              LOG.info("{}: member {} withdrawn while it was staged: out again", node.name(), peer);
              setConfiguration(node.division().getRaftConf(), peer, null);
            } else {
              LOG.info("{}: member {} added as {}", node.name(), peer, wanted);
              forget(peer);
            }
          }
        } else if (wanted == RaftPeerRole.FOLLOWER) {
          promote(conf, peer);
        } else {
          forget(peer); // a voter is never made a learner again
        }
      }
    } catch (Exception e) {
      LOG.debug("membership intents: will retry", e);
    }
  }

  private void promote(RaftConfiguration conf, RaftPeer peer) throws Exception {
    if (!running(peer.getId())) {
      // taking a running listener out of the configuration closes it for good: only a member
      // that failed the probe on several ticks in a row (not one slow answer on a busy machine,
      // as a CI run showed) is taken for STARTING
      if (silentTicks.merge(peer.getId(), 1, Integer::sum) < PROBES_BEFORE_STARTING) {
        return;
      }
      RaftClientReply removed = setConfiguration(conf, peer, null);
      if (!removed.isSuccess() || !pending().contains(peer.getId().toString())) {
        return; // next tick; or MemberRemove withdrew the promotion meanwhile
      }
      LOG.info(
          "{}: learner {} out of the configuration, to be staged as a voter", node.name(), peer);
      conf = node.division().getRaftConf();
    }
    silentTicks.remove(peer.getId());
    if (setConfiguration(conf, peer, RaftPeerRole.FOLLOWER).isSuccess()) {
      LOG.info("{}: learner {} promoted", node.name(), peer);
      forget(peer);
    }
  }

  /** Whether Ratis runs the member (not STARTING): only then does it answer a query. */
  private boolean running(RaftPeerId peer) {
    try {
      node.askMember(peer, Query.member()).get(5, TimeUnit.SECONDS);
      return true;
    } catch (Exception e) {
      LOG.debug("{}: member {} does not answer: {}", node.name(), peer, e.toString());
      return false;
    }
  }

  private void forget(RaftPeer peer) throws Exception {
    node.proposeEntry(PendingMembers.forget(peer)).get(30, TimeUnit.SECONDS);
  }

  /**
   * Whether the configuration is stable and committed: Ratis sets a configuration as soon as it is
   * appended, and a transitional one names the new members already.
   */
  static boolean settled(RaftConfiguration conf, long committedIndex) {
    return conf.getPreviousPeers().isEmpty() && conf.getLogEntryIndex() <= committedIndex;
  }

  private boolean settled(RaftConfiguration conf) {
    return settled(conf, node.division().getRaftLog().getLastCommittedIndex());
  }

  /** The member's role in the current configuration, or null when it is not in it. */
  static RaftPeerRole role(RaftConfiguration conf, RaftPeerId id) {
    if (conf.getCurrentPeers().stream().anyMatch(p -> p.getId().equals(id))) {
      return RaftPeerRole.FOLLOWER;
    }
    if (conf.getCurrentPeers(RaftPeerRole.LISTENER).stream().anyMatch(p -> p.getId().equals(id))) {
      return RaftPeerRole.LISTENER;
    }
    return null;
  }

  /** The current configuration with {@code peer} in {@code role}, or without it when null. */
  private RaftClientReply setConfiguration(RaftConfiguration conf, RaftPeer peer, RaftPeerRole role)
      throws Exception {
    List<RaftPeer> voters = new ArrayList<>(conf.getCurrentPeers());
    List<RaftPeer> listeners = new ArrayList<>(conf.getCurrentPeers(RaftPeerRole.LISTENER));
    voters.removeIf(p -> p.getId().equals(peer.getId()));
    listeners.removeIf(p -> p.getId().equals(peer.getId()));
    if (role != null) {
      RaftPeer p = RaftPeer.newBuilder(peer).setStartupRole(role).build();
      (role == RaftPeerRole.LISTENER ? listeners : voters).add(p);
    }
    return setConfiguration(voters, listeners);
  }

  RaftClientReply setConfiguration(List<RaftPeer> voters, List<RaftPeer> listeners)
      throws Exception {
    try (RaftClient c = node.adminClient()) {
      return c.admin().setConfiguration(voters, listeners);
    }
  }
}
