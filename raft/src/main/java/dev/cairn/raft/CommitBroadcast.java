package dev.cairn.raft;

import java.util.List;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.CopyOnWriteArrayList;
import org.apache.ratis.RaftConfigKeys;
import org.apache.ratis.conf.Parameters;
import org.apache.ratis.conf.RaftProperties;
import org.apache.ratis.grpc.GrpcFactory;
import org.apache.ratis.grpc.server.GrpcLogAppender;
import org.apache.ratis.proto.RaftProtos.AppendEntriesReplyProto;
import org.apache.ratis.proto.RaftProtos.AppendEntriesRequestProto;
import org.apache.ratis.proto.RaftProtos.LogEntryProto;
import org.apache.ratis.protocol.RaftGroupMemberId;
import org.apache.ratis.rpc.RpcFactory;
import org.apache.ratis.rpc.RpcType;
import org.apache.ratis.server.RaftServer;
import org.apache.ratis.server.RaftServerConfigKeys;
import org.apache.ratis.server.leader.FollowerInfo;
import org.apache.ratis.server.leader.LeaderState;
import org.apache.ratis.server.leader.LogAppender;
import org.apache.ratis.server.protocol.TermIndex;

/**
 * Tells the followers a new commit index as soon as the leader has one, as etcd's Raft does (a
 * leader whose commit advances broadcasts an append, empty if need be): followers then apply, serve
 * serializable reads and deliver watch events without waiting for the next heartbeat.
 *
 * <p>Ratis's own way is a log-metadata entry appended after every commit: a second log entry, and
 * so a second fsync on every member, for every write. Cairn turns it off ({@link #configure}) and
 * has the leader's log appenders send a heartbeat instead, which carries the commit index and costs
 * a follower no disk write. Ratis offers no handle on a leader's appenders, so Cairn's RPC type is
 * Ratis's gRPC with a factory that remembers the appenders it creates, per member:
 *
 * <pre>
 *   leader applies index i ──▶ {@link #commitAdvanced}  ─┐
 *   follower F acknowledges an append (its entries        ├─▶ for each follower whose known commit
 *     may have been committed by the others already) ────┘    is behind and that has nothing in
 *                                                              flight or waiting to be sent:
 *                                                              heartbeat(entries=[], commit=i)
 * </pre>
 *
 * <p>A follower with entries in flight is left alone: Ratis tells a follower a commit index no
 * higher than the entries it is known to hold, so that heartbeat would carry nothing new, and its
 * pending acknowledgement brings it here again. A leader creates its appenders with a new {@link
 * LeaderState} each term (and one more per follower added); appenders of an earlier term are
 * dropped with it, and those no longer running are skipped.
 */
final class CommitBroadcast {
  private record Appenders(LeaderState leader, List<GrpcLogAppender> appenders) {}

  private static final Map<RaftGroupMemberId, Appenders> BY_MEMBER = new ConcurrentHashMap<>();

  private CommitBroadcast() {}

  /** Cairn's transport and the log-metadata setting that goes with it. */
  static void configure(RaftProperties p) {
    RaftConfigKeys.Rpc.setType(p, new Transport());
    RaftServerConfigKeys.Log.setLogMetadataEnabled(p, false);
  }

  /** The commit index of {@code member} advanced: tell its followers, if it leads. */
  static void commitAdvanced(RaftGroupMemberId member) {
    Appenders current = member == null ? null : BY_MEMBER.get(member);
    if (current != null) {
      current.appenders().forEach(CommitBroadcast::pushIfBehind);
    }
  }

  /** Forgets a member's appenders (when its server closes). */
  static void forget(RaftGroupMemberId member) {
    BY_MEMBER.remove(member);
  }

  private static void pushIfBehind(GrpcLogAppender a) {
    if (a.isRunning()
        && a.getRaftLog().getLastCommittedIndex() > a.getFollower().getCommitIndex()
        && !a.hasAppendEntries()
        && !a.hasPendingDataRequests()) {
      a.triggerHeartbeat();
    }
  }

  private static void created(RaftGroupMemberId member, LeaderState leader, GrpcLogAppender a) {
    BY_MEMBER
        .compute(
            member,
            (m, known) ->
                known != null && known.leader() == leader
                    ? known
                    : new Appenders(leader, new CopyOnWriteArrayList<>()))
        .appenders()
        .add(a);
  }

  /**
   * Ratis's gRPC transport, named by this class so that Ratis finds it from the properties. Its
   * {@link #name()} must be the class name: Ratis stores the name and instantiates it again.
   */
  public static final class Transport implements RpcType {
    @Override
    public String name() {
      return Transport.class.getName();
    }

    @Override
    public RpcFactory newFactory(Parameters parameters) {
      return new Factory(parameters);
    }
  }

  private static final class Factory extends GrpcFactory {
    Factory(Parameters parameters) {
      super(parameters);
    }

    @Override
    public LogAppender newLogAppender(
        RaftServer.Division server, LeaderState state, FollowerInfo f) {
      AcknowledgementHook hook = new AcknowledgementHook(state);
      GrpcLogAppender a = new GrpcLogAppender(server, hook, f);
      hook.appender = a;
      created(server.getMemberId(), state, a);
      return a;
    }
  }

  /**
   * The leader's state as one appender sees it, checking its follower after each acknowledgement.
   */
  private static final class AcknowledgementHook implements LeaderState {
    private final LeaderState leader;
    private volatile GrpcLogAppender appender;

    AcknowledgementHook(LeaderState leader) {
      this.leader = leader;
    }

    @Override
    public void onFollowerSuccessAppendEntries(FollowerInfo follower) {
      leader.onFollowerSuccessAppendEntries(follower);
      GrpcLogAppender a = appender;
      if (a != null) {
        pushIfBehind(a);
      }
    }

    @Override
    public void restart(LogAppender a) {
      leader.restart(a);
    }

    @Override
    public AppendEntriesRequestProto newAppendEntriesRequestProto(
        FollowerInfo follower, List<LogEntryProto> entries, TermIndex previous, long callId) {
      return leader.newAppendEntriesRequestProto(follower, entries, previous, callId);
    }

    @Override
    public void checkHealth(FollowerInfo follower) {
      leader.checkHealth(follower);
    }

    @Override
    public boolean onFollowerTerm(FollowerInfo follower, long followerTerm) {
      return leader.onFollowerTerm(follower, followerTerm);
    }

    @Override
    public void onFollowerCommitIndex(FollowerInfo follower, long commitIndex) {
      leader.onFollowerCommitIndex(follower, commitIndex);
    }

    @Override
    public boolean isFollowerBootstrapping(FollowerInfo follower) {
      return leader.isFollowerBootstrapping(follower);
    }

    @Override
    public void onAppendEntriesReply(LogAppender a, AppendEntriesReplyProto reply) {
      leader.onAppendEntriesReply(a, reply);
    }
  }
}
