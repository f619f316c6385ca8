package dev.cairn.raft;

import com.google.protobuf.ByteString;
import dev.cairn.store.Alarm;
import dev.cairn.store.Checkpoint;
import dev.cairn.store.Command;
import dev.cairn.store.KvHash;
import dev.cairn.store.MvccStore;
import io.etcd.jetcd.api.AlarmMember;
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
import io.etcd.jetcd.api.ResponseHeader;
import io.etcd.jetcd.api.SnapshotRequest;
import io.etcd.jetcd.api.SnapshotResponse;
import io.etcd.jetcd.api.StatusRequest;
import io.etcd.jetcd.api.StatusResponse;
import io.grpc.Status;
import io.grpc.stub.ServerCallStreamObserver;
import io.grpc.stub.StreamObserver;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.OutputStream;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.util.List;
import org.apache.ratis.proto.RaftProtos.RaftPeerRole;
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
      StatusResponse.Builder r =
          StatusResponse.newBuilder()
              .setHeader(node.header(store.revision()))
              .setVersion(CairnNode.VERSION)
              .setDbSize(size)
              .setDbSizeInUse(size)
              .setLeader(leader == null ? 0 : MemberIds.memberId(leader))
              .setRaftIndex(d.getRaftLog().getLastCommittedIndex())
              .setRaftTerm(d.getInfo().getCurrentTerm())
              .setRaftAppliedIndex(d.getInfo().getLastAppliedIndex())
              .setIsLearner(isLearner(d));
      // as etcd: no leader, then each active alarm in its text form
      if (leader == null) {
        r.addErrors(EtcdErrors.NO_LEADER);
      }
      alarms().forEach(a -> r.addErrors(alarmText(a)));
      KvService.respond(out, r.build());
    } catch (RuntimeException e) {
      out.onError(EtcdErrors.toStatus(e));
    }
  }

  /**
   * A listener in the configuration, or a learner MemberAdd accepted that is not in it yet. (Not
   * the Ratis role: a learner that could not learn its role when it joined runs as a Ratis
   * follower; see {@link MemberRole}.)
   */
  private boolean isLearner(RaftServer.Division d) {
    return MemberRole.of(d.getRaftConf(), node.stateMachine().pendingMembers(), node.peerId())
        == RaftPeerRole.LISTENER;
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
    try {
      node.store().defragment();
    } catch (RuntimeException e) {
      out.onError(EtcdErrors.toStatus(e));
      return;
    }
    KvService.respond(
        out,
        DefragmentResponse.newBuilder().setHeader(node.header(node.store().revision())).build());
  }

  /**
   * etcd's Alarm. ACTIVATE and DEACTIVATE go through the Raft log ({@link Command.ActivateAlarm},
   * {@link Command.DeactivateAlarm}) and answer what they changed, as etcd's applier does: the
   * alarm raised (also when it was active already; nothing for type NONE), or the alarm cleared
   * (nothing when no alarm of that member and type was active). GET lists the active alarms of the
   * type (NONE: all) after a linearizable read barrier, which is what etcd's GET through the log
   * amounts to.
   */
  @Override
  public void alarm(AlarmRequest request, StreamObserver<AlarmResponse> out) {
    Alarm.Type type = Alarm.Type.of(request.getAlarmValue());
    switch (request.getAction()) {
      case GET ->
          node.linearizable()
              .whenComplete(
                  (ok, error) -> {
                    if (error != null) {
                      out.onError(EtcdErrors.toStatus(error));
                      return;
                    }
                    try {
                      AlarmResponse.Builder r =
                          AlarmResponse.newBuilder()
                              .setHeader(node.header(node.store().revision()));
                      for (Alarm a : node.store().alarms()) {
                        if (type == Alarm.Type.NONE || a.type() == type) {
                          r.addAlarms(CommandCodec.toProto(a));
                        }
                      }
                      KvService.respond(out, r.build());
                    } catch (RuntimeException e) {
                      out.onError(EtcdErrors.toStatus(e));
                    }
                  });
      case ACTIVATE, DEACTIVATE -> {
        if (type == null) { // an alarm type no etcd knows: nothing to raise or to clear
          KvService.respond(
              out,
              AlarmResponse.newBuilder().setHeader(node.header(node.store().revision())).build());
          return;
        }
        Alarm alarm = new Alarm(request.getMemberID(), type);
        KvService.completeCall(
            node,
            node.propose(
                request.getAction() == AlarmRequest.AlarmAction.ACTIVATE
                    ? new Command.ActivateAlarm(alarm)
                    : new Command.DeactivateAlarm(alarm)),
            AlarmResponse::parseFrom,
            (r, h) -> r.toBuilder().setHeader(h).build(),
            AlarmResponse::getHeader,
            out);
      }
      default ->
          KvService.respond(
              out,
              AlarmResponse.newBuilder().setHeader(node.header(node.store().revision())).build());
    }
  }

  /** The active alarms, as this member has applied them. */
  private List<AlarmMember> alarms() {
    return node.store().alarms().stream().map(CommandCodec::toProto).toList();
  }

  /**
   * An alarm as etcd writes it into Status.errors: the protobuf text form of the AlarmMember
   * (gogo's CompactTextString, trailing space included), e.g. {@code "memberID:10276657743932975437
   * alarm:NOSPACE "}.
   */
  static String alarmText(AlarmMember a) {
    Alarm.Type type = Alarm.Type.of(a.getAlarmValue());
    String name = type != null ? type.name() : String.valueOf(a.getAlarmValue());
    return "memberID:" + Long.toUnsignedString(a.getMemberID()) + " alarm:" + name + " ";
  }

  @Override
  public void moveLeader(MoveLeaderRequest request, StreamObserver<MoveLeaderResponse> out) {
    try {
      RaftPeerId target = MemberIds.peerId(request.getTargetID());
      if (node.division().getRaftConf().getPeer(target) == null) {
        out.onError(
            Status.NOT_FOUND
                .withDescription("etcdserver: bad leader transferee")
                .asRuntimeException());
        return;
      }
      try (var admin = node.adminClient()) {
        var reply = admin.admin().transferLeadership(target, 10_000);
        if (!reply.isSuccess()) {
          out.onError(EtcdErrors.toStatus(reply.getException()));
          return;
        }
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
    Object ready = new Object();
    SnapshotSender.installWakeUp(call, ready);
    Thread t =
        new Thread(
            () -> {
              try {
                MvccStore store = node.store();
                SnapshotSender[] sender = new SnapshotSender[1];
                // every message carries the revision the checkpoint holds
                Checkpoint.write(
                    store,
                    revision -> sender[0] = new SnapshotSender(call, node.header(revision), ready));
                sender[0].finish();
                out.onCompleted();
              } catch (Exception e) {
                if (!call.isCancelled()) {
                  out.onError(EtcdErrors.toStatus(e));
                }
              }
            },
            "cairn-snapshot-stream");
    t.setDaemon(true);
    t.start();
  }

  /**
   * Frames a store checkpoint stream ({@link Checkpoint}) as etcd frames its snapshot: zero padding
   * to whole 512-byte blocks, then the SHA-256 of everything before, so that {@code etcdctl
   * snapshot save} verifies it. The checkpoint stream inside still ends with its own digest and is
   * what {@link Checkpoint#restore} reads back; the framing after it is ignored there.
   */
  static final class SnapshotSender extends OutputStream {
    /**
     * 1 MiB messages: well under gRPC's 4 MiB default limit, few enough to stream at disk speed.
     */
    private static final int CHUNK = 1 << 20;

    private final Object ready;
    private final ServerCallStreamObserver<SnapshotResponse> call;
    private final ResponseHeader header;
    private final MessageDigest sha;
    private final ByteArrayOutputStream buf = new ByteArrayOutputStream(CHUNK + 1024);
    private long total;

    /** Wakes a sender waiting for the stream; must be installed before the call returns. */
    static void installWakeUp(ServerCallStreamObserver<SnapshotResponse> call, Object ready) {
      call.setOnReadyHandler(
          () -> {
            synchronized (ready) {
              ready.notifyAll();
            }
          });
    }

    SnapshotSender(
        ServerCallStreamObserver<SnapshotResponse> call, ResponseHeader header, Object ready) {
      this.ready = ready;
      this.call = call;
      this.header = header;
      try {
        this.sha = MessageDigest.getInstance("SHA-256");
      } catch (NoSuchAlgorithmException e) {
        throw new IllegalStateException(e);
      }
    }

    @Override
    public void write(int b) throws IOException {
      buf.write(b);
      maybeSend();
    }

    @Override
    public void write(byte[] b, int off, int len) throws IOException {
      buf.write(b, off, len);
      maybeSend();
    }

    private void maybeSend() throws IOException {
      if (buf.size() >= CHUNK) {
        send(false);
      }
    }

    private void send(boolean last) throws IOException {
      byte[] chunk = buf.toByteArray();
      buf.reset();
      if (!last) {
        sha.update(chunk);
        total += chunk.length;
      }
      try {
        synchronized (ready) {
          while (!call.isReady()) {
            if (call.isCancelled()) {
              throw new IOException("snapshot stream cancelled by the client");
            }
            ready.wait(100); // woken by the on-ready handler; the timeout re-checks cancellation
          }
        }
      } catch (InterruptedException e) {
        Thread.currentThread().interrupt();
        throw new IOException(e);
      }
      call.onNext(
          SnapshotResponse.newBuilder()
              .setHeader(header)
              .setBlob(ByteString.copyFrom(chunk))
              .build());
    }

    /** Sends what is buffered, the padding and the digest. */
    void finish() throws IOException {
      byte[] rest = buf.toByteArray();
      buf.reset();
      sha.update(rest);
      total += rest.length;
      byte[] pad = new byte[(int) ((512 - total % 512) % 512)];
      sha.update(pad);
      buf.write(rest);
      buf.write(pad);
      buf.write(sha.digest());
      send(true);
    }
  }
}
