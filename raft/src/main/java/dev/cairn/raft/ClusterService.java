package dev.cairn.raft;

import com.google.protobuf.InvalidProtocolBufferException;
import io.etcd.jetcd.api.ClusterGrpc;
import io.etcd.jetcd.api.Member;
import io.etcd.jetcd.api.MemberListRequest;
import io.etcd.jetcd.api.MemberListResponse;
import io.grpc.stub.StreamObserver;
import java.util.ArrayList;
import java.util.Collection;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.TimeUnit;
import org.apache.ratis.protocol.RaftPeer;
import org.apache.ratis.protocol.RaftPeerId;

/**
 * etcd's Cluster service over the Raft configuration. Each member knows its own client URLs; the
 * others are asked for theirs (and remembered), since Ratis's configuration holds only peer
 * addresses.
 */
final class ClusterService extends ClusterGrpc.ClusterImplBase {
  private final CairnNode node;
  private final Map<String, Member> known = new ConcurrentHashMap<>();

  ClusterService(CairnNode node) {
    this.node = node;
  }

  @Override
  public void memberList(MemberListRequest request, StreamObserver<MemberListResponse> out) {
    try {
      Collection<RaftPeer> voters = node.division().getGroup().getPeers();
      Collection<RaftPeer> learners =
          node.division()
              .getRaftConf()
              .getCurrentPeers(org.apache.ratis.proto.RaftProtos.RaftPeerRole.LISTENER);
      List<CompletableFuture<Member>> members = new ArrayList<>();
      for (RaftPeer p : voters) {
        members.add(member(p, false));
      }
      for (RaftPeer p : learners) {
        members.add(member(p, true));
      }
      MemberListResponse.Builder b =
          MemberListResponse.newBuilder().setHeader(node.header(node.store().revision()));
      for (CompletableFuture<Member> m : members) {
        b.addMembers(m.get(3, TimeUnit.SECONDS));
      }
      KvService.respond(out, b.build());
    } catch (Exception e) {
      out.onError(EtcdErrors.toStatus(e));
    }
  }

  private CompletableFuture<Member> member(RaftPeer p, boolean learner) {
    String name = p.getId().toString();
    Member fallback =
        known.getOrDefault(
            name,
            Member.newBuilder()
                .setID(CairnNode.memberId(name))
                .setName(name)
                .addPeerURLs("http://" + p.getAddress())
                .build());
    CompletableFuture<Member> f;
    if (name.equals(node.name())) {
      f = CompletableFuture.completedFuture(node.selfMember());
    } else if (known.containsKey(name)) {
      f = CompletableFuture.completedFuture(known.get(name));
    } else {
      f =
          node.askMember(RaftPeerId.valueOf(name), Query.member())
              .orTimeout(1, TimeUnit.SECONDS)
              .thenApply(
                  b -> {
                    try {
                      Member m = Member.parseFrom(CommandCodec.replyBody(b));
                      known.put(name, m);
                      return m;
                    } catch (InvalidProtocolBufferException e) {
                      throw new IllegalStateException(e);
                    }
                  })
              .exceptionally(t -> fallback);
    }
    return f.thenApply(m -> m.toBuilder().setIsLearner(learner).build());
  }
}
