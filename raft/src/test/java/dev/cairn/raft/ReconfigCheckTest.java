package dev.cairn.raft;

import static org.assertj.core.api.Assertions.assertThat;

import java.util.Arrays;
import java.util.List;
import java.util.Set;
import org.apache.ratis.protocol.RaftPeerId;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;

/**
 * etcd 3.4's strict reconfiguration check and learner limit, as counts: started voters, voters
 * MemberAdd accepted that have not started, learners (etcd's {@code IsReadyToAddVotingMember},
 * {@code IsReadyToRemoveVotingMember}, {@code IsReadyToPromoteMember}, {@code maxLearners}).
 */
class ReconfigCheckTest {
  @ParameterizedTest(name = "add a voter to {0} started + {1} unstarted: {2}")
  @CsvSource(
      nullValues = "ok",
      value = {
        // started, unstarted, refusal        members with the new one, quorum
        "1, 0, ok", //                        2, 2: one started voter may take a second (restore)
        "1, 1, NOT_ENOUGH_STARTED", //        3, 2
        "2, 0, ok", //                        3, 2
        "2, 1, NOT_ENOUGH_STARTED", //        4, 3
        "3, 0, ok", //                        4, 3
        "3, 1, ok", //                        5, 3
        "3, 2, NOT_ENOUGH_STARTED", //        6, 4
        "5, 3, ok", //                        9, 5
        "5, 4, NOT_ENOUGH_STARTED", //        10, 6
      })
  void addVoter(int started, int unstarted, MemberError refusal) {
    assertThat(ReconfigCheck.add(new ReconfigCheck.Members(started, unstarted, 1), false))
        .isEqualTo(refusal);
  }

  @ParameterizedTest(name = "remove a voter, leaving {0} started + {1} unstarted: {2}")
  @CsvSource(
      nullValues = "ok",
      value = {
        // started, unstarted (the member removed not counted), refusal     left, quorum
        "2, 0, ok", //                        2, 2
        "1, 0, ok", //                        1, 1
        "1, 1, NOT_ENOUGH_STARTED", //        2, 2
        "2, 1, ok", //                        3, 2
        "2, 2, NOT_ENOUGH_STARTED", //        4, 3
        "3, 2, ok", //                        5, 3
      })
  void removeVoter(int started, int unstarted, MemberError refusal) {
    assertThat(ReconfigCheck.removeVoter(new ReconfigCheck.Members(started, unstarted, 0)))
        .isEqualTo(refusal);
  }

  @ParameterizedTest(name = "promote with {0} started + {1} unstarted voters: {2}")
  @CsvSource(
      nullValues = "ok",
      value = {
        // started, unstarted voters, refusal  members, quorum, started with the learner
        "3, 0, ok", //                        4, 3, 4
        "3, 2, ok", //                        6, 4, 4
        "1, 1, ok", //                        3, 2, 2
        "1, 2, NOT_ENOUGH_STARTED", //        4, 3, 2
        "2, 2, ok", //                        5, 3, 3
        "2, 4, NOT_ENOUGH_STARTED", //        7, 4, 3
      })
  void promote(int started, int unstarted, MemberError refusal) {
    assertThat(ReconfigCheck.promote(new ReconfigCheck.Members(started, unstarted, 1)))
        .isEqualTo(refusal);
  }

  @ParameterizedTest(name = "add a learner to {0} learners: {1}")
  @CsvSource(
      nullValues = "ok",
      value = {"0, ok", "1, TOO_MANY_LEARNERS", "2, TOO_MANY_LEARNERS"})
  void addLearner(int learners, MemberError refusal) {
    assertThat(ReconfigCheck.add(new ReconfigCheck.Members(3, 2, learners), true))
        .isEqualTo(refusal);
  }

  @ParameterizedTest(name = "add with voters {0}, heard from {1}: {2}")
  @CsvSource(
      nullValues = "ok",
      value = {
        // voters, heard from (ids), refusal
        "a b c, a b c, ok",
        "a b c, a b c d, ok", //            a learner heard from changes nothing
        "a b c, a b, UNHEALTHY", //         one voter down
        "a b c x, a b c, UNHEALTHY", //     x was added but never started
      })
  void addNeedsEveryVoterHeardFrom(String voters, String heard, MemberError refusal) {
    assertThat(ReconfigCheck.allConnected(ids(voters), Set.copyOf(ids(heard)))).isEqualTo(refusal);
  }

  @ParameterizedTest(name = "remove {2} of voters {0}, heard from {1}: {3}")
  @CsvSource(
      nullValues = "ok",
      value = {
        // voters, heard from, removed, refusal       active less it, quorum of the voters
        "a b c, a b c, c, ok", //                     2, 2
        "a b c, a b, c, ok", //                       c is down: it may always go
        "a b c, a b, b, UNHEALTHY", //                1, 2: c is down, b would leave a alone
        "a b c d, a b c, c, ok", //                   2, 2 (d never started)
        "a b c d e, a b c, c, UNHEALTHY", //          2, 3
        "a b c d e, a b c d, d, ok", //               3, 3
      })
  void removeKeepsAnActiveQuorum(String voters, String heard, String removed, MemberError refusal) {
    assertThat(
            ReconfigCheck.removeKeepsActiveQuorum(
                ids(voters), Set.copyOf(ids(heard)), RaftPeerId.valueOf(removed)))
        .isEqualTo(refusal);
  }

  private static List<RaftPeerId> ids(String names) {
    return Arrays.stream(names.split(" ")).map(RaftPeerId::valueOf).toList();
  }
}
