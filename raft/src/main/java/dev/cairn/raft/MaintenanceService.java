package dev.cairn.raft;

import com.google.protobuf.ByteString;
import dev.cairn.store.KvHash;
import dev.cairn.store.MvccStore;
import io.etcd.jetcd.api.AlarmRequest;
import io.etcd.jetcd.api.AlarmResponse;
import io.etcd.jetcd.api.DefragmentRequest;
import io.etcd.jetcd.api.DefragmentResponse;
import io.etcd.jetcd.api.HashKVRequest;
import io.etcd.jetcd.api.HashKVResponse;
import io.etcd.jetcd.api.HashRequest;
import io.etcd.jetcd.api.HashResponse;
import io.etcd.jetcd.api.MaintenanceGrpc;
import io.etcd.jetcd.api.MoveLeaderRequest;
import io.etcd.jetcd.api.MoveLeaderResponse;
import io.etcd.jetcd.api.SnapshotRequest;
import io.etcd.jetcd.api.SnapshotResponse;
import io.etcd.jetcd.api.StatusRequest;
import io.etcd.jetcd.api.StatusResponse;
import io.grpc.Status;
import io.grpc.stub.ServerCallStreamObserver;
import io.grpc.stub.StreamObserver;
import org.apache.ratis.protocol.RaftPeer;
import org.apache.ratis.protocol.RaftPeerId;
import org.apache.ratis.server.RaftServer;

/** etcd's Maintenance service. */
final class MaintenanceService extends MaintenanceGrpc.MaintenanceImplBase {
  private final CairnNode node;

  MaintenanceService(CairnNode node) {
    this.node = node;
  }

  @Override
  public void status(StatusRequest request, StreamObserver<StatusResponse> out) {
    try {
      RaftServer.Division d = node.division();
      MvccStore store = node.store();
      RaftPeerId leader = d.getInfo().getLeaderId();
      long size = store.sizeBytes();
      StatusResponse r =
          StatusResponse.newBuilder()
              .setHeader(node.header(store.revision()))
              .setVersion(CairnNode.VERSION)
              .setDbSize(size)
              .setDbSizeInUse(size)
              .setLeader(leader == null ? 0 : CairnNode.memberId(leader.toString()))
              .setRaftIndex(d.getRaftLog().getLastCommittedIndex())
              .setRaftTerm(d.getInfo().getCurrentTerm())
              .setRaftAppliedIndex(d.getInfo().getLastAppliedIndex())
              .setIsLearner(
                  d.getInfo().getCurrentRole()
                      == org.apache.ratis.proto.RaftProtos.RaftPeerRole.LISTENER)
              .build();
      KvService.respond(out, r);
    } catch (RuntimeException e) {
      out.onError(EtcdErrors.toStatus(e));
    }
  }

  @Override
  public void hash(HashRequest request, StreamObserver<HashResponse> out) {
    try {
      KvHash h = node.store().hash(0);
      KvService.respond(
          out,
          HashResponse.newBuilder()
              .setHeader(node.header(h.revision()))
              .setHash((int) h.hash())
              .build());
    } catch (RuntimeException e) {
      out.onError(EtcdErrors.toStatus(e));
    }
  }

  @Override
  public void hashKV(HashKVRequest request, StreamObserver<HashKVResponse> out) {
    try {
      KvHash h = node.store().hash(request.getRevision());
      KvService.respond(
          out,
          HashKVResponse.newBuilder()
              .setHeader(node.header(node.store().revision()))
              .setHash((int) h.hash())
              .setCompactRevision(h.compactRevision())
              .build());
    } catch (RuntimeException e) {
      out.onError(EtcdErrors.toStatus(e));
    }
  }

  @Override
  public void defragment(DefragmentRequest request, StreamObserver<DefragmentResponse> out) {
    KvService.respond(
        out,
        DefragmentResponse.newBuilder().setHeader(node.header(node.store().revision())).build());
  }

  @Override
  public void alarm(AlarmRequest request, StreamObserver<AlarmResponse> out) {
    KvService.respond(
        out, AlarmResponse.newBuilder().setHeader(node.header(node.store().revision())).build());
  }

  @Override
  public void moveLeader(MoveLeaderRequest request, StreamObserver<MoveLeaderResponse> out) {
    try {
      RaftPeerId target = null;
      for (RaftPeer p : node.division().getGroup().getPeers()) {
        if (CairnNode.memberId(p.getId().toString()) == request.getTargetID()) {
          target = p.getId();
        }
      }
      if (target == null) {
        out.onError(
            Status.NOT_FOUND.withDescription("etcdserver: bad leader transferee").asRuntimeException());
        return;
      }
      var reply = node.raftClient().admin().transferLeadership(target, 10_000);
      if (!reply.isSuccess()) {
        out.onError(EtcdErrors.toStatus(reply.getException()));
        return;
      }
      KvService.respond(
          out,
          MoveLeaderResponse.newBuilder().setHeader(node.header(node.store().revision())).build());
    } catch (Exception e) {
      out.onError(EtcdErrors.toStatus(e));
    }
  }

  @Override
  public void snapshot(SnapshotRequest request, StreamObserver<SnapshotResponse> out) {
    ServerCallStreamObserver<SnapshotResponse> call =
        (ServerCallStreamObserver<SnapshotResponse>) out;
    Thread t =
        new Thread(
            () -> {
              try (SnapshotStream s = SnapshotStream.of(node.store(), node.config().dataDir())) {
                byte[] chunk;
                while ((chunk = s.next()) != null) {
                  while (!call.isReady() && !call.isCancelled()) {
                    Thread.sleep(1);
                  }
                  if (call.isCancelled()) {
                    return;
                  }
                  out.onNext(
                      SnapshotResponse.newBuilder()
                          .setHeader(node.header(s.revision()))
                          .setBlob(ByteString.copyFrom(chunk))
                          .build());
                }
                out.onCompleted();
              } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
                out.onError(Status.CANCELLED.asRuntimeException());
              } catch (Exception e) {
                out.onError(EtcdErrors.toStatus(e));
              }
            },
            "cairn-snapshot-stream");
    t.setDaemon(true);
    t.start();
  }
}
