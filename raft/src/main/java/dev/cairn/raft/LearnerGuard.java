package dev.cairn.raft;

import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicLong;
import org.apache.ratis.proto.RaftProtos.RaftPeerRole;
import org.apache.ratis.protocol.ClientId;
import org.apache.ratis.protocol.LeaderElectionManagementRequest;
import org.apache.ratis.protocol.RaftClientReply;
import org.apache.ratis.server.RaftServer;
import org.apache.ratis.util.LifeCycle;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Keeps Ratis from campaigning for a learner that it runs as a follower.
 *
 * <p>A learner that joined knowing its role runs as a Ratis listener ({@link MemberRole}). One that
 * did not (started before its MemberAdd, unable to reach the cluster, or restarted before the
 * configuration naming it reached it) runs as a follower, and Ratis never makes a follower a
 * listener. Once RUNNING it has an election timer; when that fires, the election finds it is no
 * voter (NOT_IN_CONF) and Ratis closes the division for good. So while the configuration names this
 * member a listener and Ratis runs it as anything else, its leader elections are paused (Ratis's
 * leader election management): the timer still fires, the member becomes a candidate that asks no
 * one for votes, and the next leader's appendEntries makes it a follower again.
 *
 * <pre>
 *   the configuration names it   Ratis runs it as       its elections
 *   a listener                   a listener             never start (Ratis's doing)
 *   a listener                   follower, candidate    paused
 *   a voter, or not at all       anything               resumed, if this paused them
 * </pre>
 *
 * A promoted member campaigns again, and a removed one shuts itself down at its next election as
 * Ratis has it. Ratis takes a pause only from a RUNNING member; a STARTING one has no timer yet and
 * is paused at the first check after it runs, well within an election timeout.
 */
final class LearnerGuard implements AutoCloseable {
  private static final Logger LOG = LoggerFactory.getLogger(LearnerGuard.class);
  private static final long CHECK_EVERY_MILLIS = 100;

  private final CairnNode node;
  private final ScheduledExecutorService timer = Daemons.scheduler("cairn-learner-guard");
  private final ClientId clientId = ClientId.randomId();
  private final AtomicLong callIds = new AtomicLong();

  /** Whether this guard paused the member's elections (touched by the timer thread only). */
  private boolean paused;

  LearnerGuard(CairnNode node) {
    this.node = node;
    timer.scheduleWithFixedDelay(
        this::check, CHECK_EVERY_MILLIS, CHECK_EVERY_MILLIS, TimeUnit.MILLISECONDS);
  }

  private void check() {
    try {
      RaftServer.Division d = node.division();
      if (d.getInfo().getLifeCycleState() != LifeCycle.State.RUNNING) {
        return;
      }
      boolean learner =
          ConfigurationDriver.role(d.getRaftConf(), node.peerId()) == RaftPeerRole.LISTENER;
      boolean pause = learner && d.getInfo().getCurrentRole() != RaftPeerRole.LISTENER;
      if (pause == paused) {
        return;
      }
      long callId = callIds.incrementAndGet();
      LeaderElectionManagementRequest request =
          pause
              ? LeaderElectionManagementRequest.newPause(
                  clientId, node.peerId(), d.getGroup().getGroupId(), callId)
              : LeaderElectionManagementRequest.newResume(
                  clientId, node.peerId(), d.getGroup().getGroupId(), callId);
      RaftClientReply reply =
          d.getRaftServer().leaderElectionManagementAsync(request).get(5, TimeUnit.SECONDS);
      if (reply.isSuccess()) {
        paused = pause;
        LOG.info(
            "{}: leader elections {}: the configuration names it {}, Ratis runs it as {}",
            node.name(),
            pause ? "paused" : "resumed",
            learner ? "a learner" : "a voter or not at all",
            d.getInfo().getCurrentRole());
      }
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
    } catch (Exception e) {
      LOG.debug("{}: learner guard: will retry", node.name(), e);
    }
  }

  @Override
  public void close() {
    timer.shutdownNow();
  }
}
