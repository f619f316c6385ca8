package dev.cairn.raft.jepsen;

import static org.assertj.core.api.Assertions.assertThatCode;

import java.nio.file.Path;
import java.time.Duration;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * Regression test for the anomaly the REPLACE_MEMBER scenario found: an acknowledged MemberAdd is
 * lost when the member that took it dies before the new member has caught up.
 *
 * <p>Cairn's ClusterService used to answer MemberAdd at once and keep proposing the new
 * configuration from a background thread of the member that took the request ({@code pendingAdds},
 * {@code addUntilCommitted}); nothing of it is in the Raft log until Ratis commits the change,
 * which it does only once the new member runs and has caught up. If that member is killed (or
 * removed, or restarted) in between, the add is forgotten: the new member, started with {@code
 * --initial-cluster-state existing}, waits forever for a configuration that never comes, and no
 * other member lists it. etcd commits the configuration change before answering MemberAdd, so the
 * cluster knows the member from then on whatever happens to the member that took the request.
 *
 * <pre>
 *   n1 n2 n3 ──MemberRemove n3 (via n1)──► n1 n2      kill -9 n3, wipe its data
 *   MemberAdd n3 (via n1) → OK             n1 n2 (+n3 pending, in n1's memory only)
 *   kill -9 n1, restart it                 n1 n2      the pending add is gone
 *   start n3 --initial-cluster-state existing → never joins
 * </pre>
 *
 * Fixed: MemberAdd now commits its intent to the Raft log before answering ({@code
 * PendingMembers}), and whichever member leads proposes the configuration until it commits.
 */
class MemberAddLostTest {
  @TempDir Path dir;

  @Test
  void anAcknowledgedMemberAddSurvivesTheDeathOfTheMemberThatTookIt() throws Exception {
    try (ProcessCluster c = new ProcessCluster(dir, 3)) {
      c.awaitLeader(Duration.ofSeconds(60));
      c.awaitServing(Duration.ofSeconds(60));
      long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(60);
      long id = c.removeMember(2, 0, deadline);
      c.awaitLeader(java.util.Set.of(0, 1), Duration.ofSeconds(30));
      c.addMember(2, 0, deadline); // acknowledged
      c.kill(0);
      c.restart(0);
      c.startJoining(2);
      assertThatCode(
              () -> c.awaitJoined(2, id, 1, System.nanoTime() + TimeUnit.SECONDS.toNanos(60)))
          .doesNotThrowAnyException();
    }
  }
}
