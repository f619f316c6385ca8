package dev.cairn.raft.jepsen;

import java.time.Duration;
import java.util.Random;
import java.util.Set;
import java.util.TreeSet;
import java.util.concurrent.TimeUnit;

/**
 * The faults a run injects, each as one round (inject, hold, heal) that the run repeats under load
 * until its time is up. Every round leaves all members running and connected.
 */
enum Fault {
  /** kill -9 of the leader; restarted on its data dir after a few seconds. */
  KILL_LEADER {
    @Override
    void round(ProcessCluster c, Random rnd) throws Exception {
      int leader = c.awaitLeader(LEADER_WAIT);
      c.kill(leader);
      hold(4000);
      c.restart(leader);
    }
  },
  /** kill -9 of a follower; restarted after a few seconds. */
  KILL_FOLLOWER {
    @Override
    boolean touchesLeader() {
      return false;
    }

    @Override
    void round(ProcessCluster c, Random rnd) throws Exception {
      int leader = c.awaitLeader(LEADER_WAIT);
      int follower = (leader + 1 + rnd.nextInt(c.size() - 1)) % c.size();
      c.kill(follower);
      hold(4000);
      c.restart(follower);
    }
  },
  /** kill -9 of every member at once, then all restart. */
  KILL_ALL {
    @Override
    void round(ProcessCluster c, Random rnd) throws Exception {
      c.awaitLeader(LEADER_WAIT);
      for (int i = 0; i < c.size(); i++) {
        c.kill(i);
      }
      hold(1500);
      for (int i = 0; i < c.size(); i++) {
        c.restart(i);
      }
      // the whole cluster was down: let the load run on a serving cluster before the next round
      c.awaitServing(LEADER_WAIT);
      hold(5000);
    }
  },
  /** SIGSTOP of the leader for longer than an election timeout, then SIGCONT. */
  PAUSE_LEADER {
    @Override
    void round(ProcessCluster c, Random rnd) throws Exception {
      int leader = c.awaitLeader(LEADER_WAIT);
      c.pause(leader);
      try {
        // the others elect a new leader while the old one is frozen
        c.awaitLeader(others(c, leader), LEADER_WAIT);
        hold(2000);
      } finally {
        c.resume(leader);
      }
    }
  },
  /**
   * The leader cut off from the followers (both ways, through the peer proxies) while clients still
   * reach it, then healed.
   */
  PARTITION_LEADER {
    @Override
    void round(ProcessCluster c, Random rnd) throws Exception {
      int leader = c.awaitLeader(LEADER_WAIT);
      c.isolate(leader);
      try {
        // the partition is real only if the majority side elects a leader of its own
        int next = c.awaitLeader(others(c, leader), LEADER_WAIT);
        if (next == leader) {
          throw new AssertionError("the isolated leader kept its followers");
        }
        hold(3000);
      } finally {
        c.heal();
      }
    }
  },
  /** A member removed (MemberRemove), killed, wiped, added back (MemberAdd) and started. */
  REPLACE_MEMBER {
    @Override
    void round(ProcessCluster c, Random rnd) throws Exception {
      int leader = c.awaitLeader(LEADER_WAIT);
      int victim = rnd.nextBoolean() ? leader : (leader + 1) % c.size();
      c.replaceMember(victim, Duration.ofSeconds(30));
    }
  };

  static final Duration LEADER_WAIT = Duration.ofSeconds(30);

  abstract void round(ProcessCluster c, Random rnd) throws Exception;

  /**
   * Whether a round may stop, pause, cut off or replace the leader (then leases may expire late by
   * up to a new leader's TTL, and the lease check skips its upper bound for that time).
   */
  boolean touchesLeader() {
    return true;
  }

  /** Keeps the fault in place for a while under load (not a wait for a condition). */
  static void hold(long millis) throws InterruptedException {
    TimeUnit.MILLISECONDS.sleep(millis);
  }

  static Set<Integer> others(ProcessCluster c, int i) {
    Set<Integer> s = new TreeSet<>(c.all());
    s.remove(i);
    return s;
  }
}
