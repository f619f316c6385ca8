package dev.cairn.raft;

import java.io.IOException;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionException;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicLong;
import org.apache.ratis.client.RaftClient;
import org.apache.ratis.conf.RaftProperties;
import org.apache.ratis.proto.RaftProtos.RaftPeerRole;
import org.apache.ratis.protocol.ClientId;
import org.apache.ratis.protocol.Message;
import org.apache.ratis.protocol.RaftClientAsynchronousProtocol;
import org.apache.ratis.protocol.RaftClientReply;
import org.apache.ratis.protocol.RaftClientRequest;
import org.apache.ratis.protocol.RaftGroup;
import org.apache.ratis.protocol.RaftGroupId;
import org.apache.ratis.protocol.RaftPeer;
import org.apache.ratis.protocol.RaftPeerId;
import org.apache.ratis.retry.RetryPolicies;
import org.apache.ratis.server.RaftServer;
import org.apache.ratis.thirdparty.com.google.protobuf.UnsafeByteOperations;
import org.apache.ratis.util.TimeDuration;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * How a member's requests reach Raft: writes to the leader, reads through a read index, queries to
 * the leader's or one member's state machine. Replies are the state machine's bytes ({@link
 * CommandCodec}).
 *
 * <p>Ratis's ordered client numbers its requests per server, so the requests of one client must not
 * be spread over several servers: writes, leader queries and per-member reads each have their own
 * client. All of them retry a bounded number of times (100 × 100 ms), never forever. On the leader,
 * writes and this member's reads skip the network and enter the local server directly.
 */
final class RaftGateway implements AutoCloseable {
  private static final Logger LOG = LoggerFactory.getLogger(RaftGateway.class);
  private static final long FORWARDED_APPLY_WAIT_SECONDS = 5;

  private final RaftServer server;
  private final RaftGroupId groupId;
  private final RaftPeerId self;
  private final RaftProperties properties;
  private final RaftClient writer;
  private final RaftClient leaderQueries;
  private final RaftClient reader;
  private final ClientId localClientId = ClientId.randomId();
  private final AtomicLong localCallIds = new AtomicLong();

  /** Ratis's non-property settings: the peer TLS configuration. */
  private final org.apache.ratis.conf.Parameters parameters;

  /** Completes once this member has applied a log index. */
  private final java.util.function.LongFunction<CompletableFuture<Void>> appliedLocally;

  /** Where replies continue that waited for this member's apply thread. */
  private final java.util.concurrent.Executor executor;

  private RaftClient memberQueries;
  private long memberQueriesConf = -1;

  RaftGateway(
      RaftServer server,
      RaftGroupId groupId,
      RaftPeerId self,
      RaftProperties properties,
      org.apache.ratis.conf.Parameters parameters,
      List<RaftPeer> initialPeers,
      java.util.function.LongFunction<CompletableFuture<Void>> appliedLocally,
      java.util.concurrent.Executor executor) {
    this.parameters = parameters;
    this.appliedLocally = appliedLocally;
    this.executor = executor;
    this.server = server;
    this.groupId = groupId;
    this.self = self;
    this.properties = properties;
    this.writer = newClient(initialPeers);
    this.leaderQueries = newClient(initialPeers);
    this.reader = newClient(initialPeers);
  }

  RaftServer.Division division() {
    try {
      return server.getDivision(groupId);
    } catch (IOException e) {
      throw new IllegalStateException(e);
    }
  }

  RaftClient newClient(List<RaftPeer> peers) {
    return retryingClient(groupId, peers, properties, parameters, 100, 100);
  }

  /**
   * A client of {@code peers} that tries a request up to {@code attempts} times, pausing between.
   */
  static RaftClient retryingClient(
      RaftGroupId groupId,
      List<RaftPeer> peers,
      RaftProperties properties,
      org.apache.ratis.conf.Parameters parameters,
      int attempts,
      long pauseMillis) {
    return RaftClient.newBuilder()
        .setProperties(properties)
        .setParameters(parameters)
        .setRaftGroup(RaftGroup.valueOf(groupId, peers))
        .setRetryPolicy(
            RetryPolicies.retryUpToMaximumCountWithFixedSleep(
                attempts, TimeDuration.valueOf(pauseMillis, TimeUnit.MILLISECONDS)))
        .build();
  }

  /** Voters and learners of the current configuration. */
  List<RaftPeer> allPeers() {
    var conf = division().getRaftConf();
    List<RaftPeer> peers = new ArrayList<>(conf.getAllPeers());
    peers.addAll(conf.getAllPeers(RaftPeerRole.LISTENER));
    return peers;
  }

  /** A client for one administrative call (set configuration, transfer leadership). */
  RaftClient adminClient(List<RaftPeer> fallbackPeers) {
    List<RaftPeer> peers = allPeers();
    return newClient(peers.isEmpty() ? fallbackPeers : peers);
  }

  /**
   * Replicates an encoded log entry; completes with the state machine's reply once this member has
   * applied the entry too (a write through a follower is then visible to a serializable read on
   * that follower, as in etcd).
   */
  CompletableFuture<byte[]> propose(byte[] entry) {
    Message m = message(entry);
    CompletableFuture<RaftClientReply> sent =
        division().getInfo().isLeader()
            ? submitLocal(m, RaftClientRequest.writeRequestType())
                .thenCompose(r -> movedAway(r) ? forward(m) : done(r))
            : forward(m);
    return reply(sent);
  }

  /** Sends a write to the leader; completes when this member has applied it as well. */
  private CompletableFuture<RaftClientReply> forward(Message m) {
    return writer
        .async()
        .send(m)
        .thenCompose(
            r -> {
              if (!r.isSuccess()) {
                return done(r);
              }
              CompletableFuture<Void> applied = appliedLocally.apply(r.getLogIndex());
              if (applied.isDone()) {
                return done(r);
              }
              // not for ever: a member cut off from the leader still answers the committed write
              return applied
                  .copy()
                  .completeOnTimeout(null, FORWARDED_APPLY_WAIT_SECONDS, TimeUnit.SECONDS)
                  .thenApplyAsync(v -> r, executor);
            });
  }

  /**
   * Replicates an entry through this member's own server only, never forwarded: a member that is no
   * longer leader fails it, and one that still takes itself for the leader after losing the role
   * appends it in its old term, where it cannot commit. Not from a Ratis thread.
   */
  CompletableFuture<byte[]> proposeAsLeader(byte[] entry) {
    return reply(submitLocal(message(entry), RaftClientRequest.writeRequestType()));
  }

  /** A linearizable read-only query answered by this member once it has applied the read index. */
  CompletableFuture<byte[]> readLocal(byte[] query) {
    Message m = message(query);
    return reply(
        submitLocal(m, RaftClientRequest.readRequestType())
            .thenCompose(
                r -> r.isSuccess() ? done(r) : reader.async().sendReadOnlyUnordered(m, self)));
  }

  /** A query answered by the leader's state machine, without a read index. */
  CompletableFuture<byte[]> askLeader(byte[] query) {
    return reply(leaderQueries.async().sendReadOnlyNonLinearizable(message(query)));
  }

  /**
   * A query answered by one member's state machine as it is (a stale read, which learners answer
   * too), with no retries.
   */
  CompletableFuture<byte[]> askMember(RaftPeerId peer, byte[] query) {
    return reply(
        CompletableFuture.supplyAsync(
            () -> {
              try {
                return memberQueries().io().sendStaleRead(message(query), 0, peer);
              } catch (IOException e) {
                throw new CompletionException(e);
              }
            }));
  }

  /** Submits a request to this member's own Ratis server, without a network hop. */
  private CompletableFuture<RaftClientReply> submitLocal(Message m, RaftClientRequest.Type type) {
    RaftClientRequest request =
        RaftClientRequest.newBuilder()
            .setClientId(localClientId)
            .setServerId(self)
            .setGroupId(groupId)
            .setCallId(localCallIds.incrementAndGet())
            .setMessage(m)
            .setType(type)
            .build();
    try {
      // the division itself takes the request on this thread; the server would hand it to its
      // client executor and wait there for the hand-over (one more thread wake-up per request).
      // Never call this from a Ratis thread: the submission may wait for one.
      RaftServer.Division division = division();
      if (division instanceof RaftClientAsynchronousProtocol direct) {
        return direct.submitClientRequestAsync(request);
      }
      return server.submitClientRequestAsync(request);
    } catch (IOException e) {
      return CompletableFuture.failedFuture(e);
    }
  }

  /** A client without retries that knows every member of the current configuration. */
  private synchronized RaftClient memberQueries() {
    var conf = division().getRaftConf();
    if (memberQueries == null || memberQueriesConf != conf.getLogEntryIndex()) {
      closeQuietly(memberQueries);
      memberQueries =
          RaftClient.newBuilder()
              .setProperties(properties)
              .setParameters(parameters)
              .setRaftGroup(RaftGroup.valueOf(groupId, allPeers()))
              .setRetryPolicy(RetryPolicies.noRetry())
              .build();
      memberQueriesConf = conf.getLogEntryIndex();
    }
    return memberQueries;
  }

  private static boolean movedAway(RaftClientReply r) {
    return !r.isSuccess()
        && (r.getNotLeaderException() != null || r.getLeaderNotReadyException() != null);
  }

  private static CompletableFuture<RaftClientReply> done(RaftClientReply r) {
    return CompletableFuture.completedFuture(r);
  }

  private static Message message(byte[] b) {
    return Message.valueOf(UnsafeByteOperations.unsafeWrap(b));
  }

  private static CompletableFuture<byte[]> reply(CompletableFuture<RaftClientReply> f) {
    return f.thenApply(
        r -> {
          if (!r.isSuccess()) {
            throw new CompletionException(r.getException());
          }
          return r.getMessage().getContent().toByteArray();
        });
  }

  private static void closeQuietly(RaftClient c) {
    if (c != null) {
      try {
        c.close();
      } catch (IOException e) {
        LOG.debug("closing raft client", e);
      }
    }
  }

  @Override
  public synchronized void close() {
    closeQuietly(writer);
    closeQuietly(leaderQueries);
    closeQuietly(reader);
    closeQuietly(memberQueries);
  }
}
