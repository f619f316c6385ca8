package dev.cairn.raft;

import java.time.Duration;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.TimeUnit;
import org.apache.ratis.client.RaftClient;
import org.apache.ratis.proto.RaftProtos.RaftPeerRole;
import org.apache.ratis.protocol.RaftPeer;
import org.apache.ratis.server.RaftConfiguration;
import org.apache.ratis.server.RaftServer;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Notices that this member was removed from the cluster, and stops it, as etcd does: a removed etcd
 * member logs "the member has been permanently removed from the cluster", stops its server a second
 * later (so that a MemberRemove it answers itself still gets its answer), and the process exits
 * with status 0.
 *
 * <p>Ratis does not tell a member that it was removed, and a removed member may never see the
 * configuration without it: once that configuration is in the leader's log, the leader no longer
 * sends it anything. So the watch looks, every second, for a sign, and then asks the cluster's
 * leader (a linearizable {@link Query#MEMBER_ROLE} read) whether it still knows the member; only
 * the leader's "unknown" stops it, never a missing answer.
 *
 * <pre>
 *   sign                                                  typical of
 *   its Raft division was shut down by Ratis              a removed voter: its election found it
 *                                                         is no voter, or a voter told it to stop
 *   a configuration from the log that no longer names it  a member that saw its removal
 *     (and no MemberAdd intent for it)
 *   no leader for 3 s, or a learner (every 5 s)           a removed learner, which never campaigns
 *                                                         and may hear nothing more
 * </pre>
 *
 * A member that has never had a configuration from the log (one started before its MemberAdd, which
 * Ratis keeps waiting until the leader stages it) shows no sign: it was never a member.
 */
final class RemovalWatch implements AutoCloseable {
  private static final Logger LOG = LoggerFactory.getLogger(RemovalWatch.class);

  /** Generous: on a loaded machine a linearizable read through a new connection takes seconds. */
  private static final Duration ASK_TIMEOUT = Duration.ofSeconds(10);

  private static final int LEADERLESS_TICKS = 3;
  private static final int LEARNER_TICKS = 5;

  private final CairnNode node;
  private final Runnable removed;
  private final ScheduledExecutorService timer = Daemons.scheduler("cairn-removal-watch");

  /** The members last seen in the configuration and in the initial cluster: whom to ask. */
  private final Map<String, RaftPeer> known = new LinkedHashMap<>();

  private int ticks;
  private int leaderlessTicks;

  /**
   * Whether this member has had a configuration from the log. One that never had (started before
   * its MemberAdd, waiting to be staged) was never a member, so nothing here is a sign of removal.
   */
  private boolean hadLogConfiguration;

  private boolean done;

  /** A client of the other members known when it was made; remade when they change. */
  private RaftClient client;

  private List<RaftPeer> clientPeers = List.of();

  /**
   * @param removed run once, when the cluster's leader has confirmed that the member is gone
   */
  RemovalWatch(CairnNode node, Runnable removed) {
    this.node = node;
    this.removed = removed;
    MemberIds.peers(node.config().initialCluster())
        .forEach(p -> known.put(p.getId().toString(), p));
  }

  void start() {
    timer.scheduleWithFixedDelay(this::check, 1, 1, TimeUnit.SECONDS);
  }

  /** One look for a sign of removal; on a sign, the question to the leader. */
  void check() {
    if (done) {
      return;
    }
    ticks++;
    try {
      if (signOfRemoval() && askLeader()) {
        done = true;
        removed.run();
      }
    } catch (RuntimeException e) {
      // a periodic task that throws is never run again: log, and look again next time
      LOG.warn("{}: looking for a sign of removal failed", node.name(), e);
    }
  }

  private boolean signOfRemoval() {
    RaftServer.Division d;
    try {
      d = node.division();
    } catch (RuntimeException e) {
      return hadLogConfiguration; // Ratis closed the division and dropped it
    }
    if (d.getInfo().getLifeCycleState().isClosingOrClosed()) {
      return hadLogConfiguration;
    }
    RaftConfiguration conf = d.getRaftConf();
    if (conf.getLogEntryIndex() < 0) {
      return false;
    }
    hadLogConfiguration = true;
    for (RaftPeer p : conf.getAllPeers()) {
      known.put(p.getId().toString(), p);
    }
    for (RaftPeer p : conf.getAllPeers(RaftPeerRole.LISTENER)) {
      known.put(p.getId().toString(), p);
    }
    RaftPeerRole role = ConfigurationDriver.role(conf, node.peerId());
    if (role == null) {
      if (!node.stateMachine().pendingMembers().contains(node.peerId().toString())) {
        return true;
      }
      // joining, by this member's own log: a join withdrawn by a MemberRemove before Ratis took
      // the member in stops that log here (the leader sends it nothing more), so ask now and then
      return ticks % LEARNER_TICKS == 0;
    }
    leaderlessTicks = d.getInfo().getLeaderId() == null ? leaderlessTicks + 1 : 0;
    if (leaderlessTicks >= LEADERLESS_TICKS) {
      return true;
    }
    return role == RaftPeerRole.LISTENER && ticks % LEARNER_TICKS == 0;
  }

  private boolean askLeader() {
    List<RaftPeer> others = new ArrayList<>(known.values());
    others.removeIf(p -> p.getId().equals(node.peerId()));
    if (others.isEmpty()) {
      return false;
    }
    if (client == null || !others.equals(clientPeers)) {
      closeClient();
      client =
          MemberRole.client(
              MemberIds.groupId(node.config().clusterToken()),
              others,
              node.raftProperties(),
              node.ratisParameters(),
              ASK_TIMEOUT);
      clientPeers = others;
    }
    return MemberRole.forgotten(client, node.peerId(), ASK_TIMEOUT);
  }

  private void closeClient() {
    if (client != null) {
      try {
        client.close();
      } catch (java.io.IOException e) {
        // closing anyway
      }
      client = null;
    }
  }

  @Override
  public void close() {
    timer.shutdownNow();
    try {
      timer.awaitTermination(5, TimeUnit.SECONDS);
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
    }
    closeClient(); // after the timer thread, its only other user, has stopped
  }
}
