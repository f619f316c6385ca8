package dev.cairn.raft;

import com.google.protobuf.CodedOutputStream;
import dev.cairn.store.Command;
import dev.cairn.store.Lease;
import dev.cairn.store.MvccStore;
import dev.cairn.store.StoreConfig;
import dev.cairn.store.StoreError;
import io.etcd.jetcd.api.LeaseGrantRequest;
import io.etcd.jetcd.api.LeaseGrantResponse;
import io.etcd.jetcd.api.LeaseGrpc;
import io.etcd.jetcd.api.LeaseKeepAliveRequest;
import io.etcd.jetcd.api.LeaseKeepAliveResponse;
import io.etcd.jetcd.api.LeaseRevokeRequest;
import io.etcd.jetcd.api.LeaseRevokeResponse;
import io.etcd.jetcd.api.LeaseTimeToLiveRequest;
import io.etcd.jetcd.api.LeaseTimeToLiveResponse;
import io.grpc.MethodDescriptor;
import io.grpc.ServerMethodDefinition;
import io.grpc.ServerServiceDefinition;
import io.grpc.stub.ServerCalls;
import io.grpc.stub.StreamObserver;
import java.io.ByteArrayInputStream;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.InputStream;
import java.io.UncheckedIOException;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ThreadLocalRandom;

/**
 * etcd's Lease service, with LeaseLeases, which jetcd's generated classes lack (it is added by hand
 * in {@link #bindWithLeaseLeases()} with etcd's wire format, so that {@code etcdctl lease list}
 * works). Grant and revoke are replicated commands; keep-alive and time-to-live are answered by the
 * leader, which holds the clocks ({@link LeaseKeeper}): other members forward them.
 */
final class LeaseService extends LeaseGrpc.LeaseImplBase {
  private final CairnNode node;

  LeaseService(CairnNode node) {
    this.node = node;
  }

  @Override
  public void leaseGrant(LeaseGrantRequest request, StreamObserver<LeaseGrantResponse> out) {
    if (request.getTTL() > StoreConfig.MAX_LEASE_TTL) {
      out.onError(EtcdErrors.of(StoreError.LEASE_TTL_TOO_LARGE));
      return;
    }
    long id = request.getID();
    while (id == 0) {
      id = ThreadLocalRandom.current().nextLong() & Long.MAX_VALUE;
    }
    KvService.completeCall(
        node,
        node.propose(new Command.LeaseGrant(id, request.getTTL())),
        LeaseGrantResponse::parseFrom,
        (r, h) -> r.toBuilder().setHeader(h).build(),
        LeaseGrantResponse::getHeader,
        out);
  }

  @Override
  public void leaseRevoke(LeaseRevokeRequest request, StreamObserver<LeaseRevokeResponse> out) {
    KvService.completeCall(
        node,
        node.propose(new Command.LeaseRevoke(request.getID())),
        LeaseRevokeResponse::parseFrom,
        (r, h) -> r.toBuilder().setHeader(h).build(),
        LeaseRevokeResponse::getHeader,
        out);
  }

  @Override
  public void leaseTimeToLive(
      LeaseTimeToLiveRequest request, StreamObserver<LeaseTimeToLiveResponse> out) {
    CompletableFuture<byte[]> reply =
        node.isLeader()
            ? CompletableFuture.completedFuture(
                CommandCodec.tagged(
                    CommandCodec.OK,
                    node.leases().timeToLive(request.getID(), request.getKeys()).toByteArray()))
            : node.askLeader(Query.timeToLive(request.getID(), request.getKeys()));
    KvService.completeCall(
        node,
        reply,
        LeaseTimeToLiveResponse::parseFrom,
        (r, h) -> r.toBuilder().setHeader(h).build(),
        LeaseTimeToLiveResponse::getHeader,
        out);
  }

  @Override
  public StreamObserver<LeaseKeepAliveRequest> leaseKeepAlive(
      StreamObserver<LeaseKeepAliveResponse> out) {
    return new StreamObserver<>() {
      private boolean closed;

      @Override
      public void onNext(LeaseKeepAliveRequest request) {
        CompletableFuture<LeaseKeepAliveResponse> f;
        if (node.isLeader()) {
          f = CompletableFuture.completedFuture(node.leases().keepAlive(request.getID()));
        } else {
          f =
              node.askLeader(Query.keepAlive(request.getID()))
                  .thenApply(
                      b -> {
                        try {
                          return LeaseKeepAliveResponse.parseFrom(CommandCodec.replyBody(b));
                        } catch (com.google.protobuf.InvalidProtocolBufferException e) {
                          throw new IllegalStateException(e);
                        }
                      });
        }
        f.whenComplete(
            (r, t) -> {
              synchronized (out) {
                if (closed) {
                  return;
                }
                if (t != null) {
                  closed = true;
                  out.onError(EtcdErrors.toStatus(t));
                } else {
                  out.onNext(
                      r.toBuilder().setHeader(node.header(r.getHeader().getRevision())).build());
                }
              }
            });
      }

      @Override
      public void onError(Throwable t) {
        synchronized (out) {
          closed = true;
        }
      }

      @Override
      public void onCompleted() {
        synchronized (out) {
          if (!closed) {
            closed = true;
            out.onCompleted();
          }
        }
      }
    };
  }

  /** The generated service plus LeaseLeases. */
  ServerServiceDefinition bindWithLeaseLeases() {
    ServerServiceDefinition generated = super.bindService();
    ServerServiceDefinition.Builder b =
        ServerServiceDefinition.builder(generated.getServiceDescriptor().getName());
    for (ServerMethodDefinition<?, ?> m : generated.getMethods()) {
      b.addMethod(m);
    }
    MethodDescriptor<byte[], byte[]> leaseLeases =
        MethodDescriptor.<byte[], byte[]>newBuilder()
            .setType(MethodDescriptor.MethodType.UNARY)
            .setFullMethodName(
                MethodDescriptor.generateFullMethodName(
                    generated.getServiceDescriptor().getName(), "LeaseLeases"))
            .setRequestMarshaller(RAW)
            .setResponseMarshaller(RAW)
            .build();
    b.addMethod(leaseLeases, ServerCalls.asyncUnaryCall(this::leaseLeases));
    return b.build();
  }

  /**
   * {@code LeaseLeasesResponse { ResponseHeader header = 1; repeated LeaseStatus leases = 2; }}
   * with {@code LeaseStatus { int64 ID = 1; }}, written field by field.
   */
  private void leaseLeases(byte[] request, StreamObserver<byte[]> out) {
    try {
      MvccStore store = node.store();
      ByteArrayOutputStream buf = new ByteArrayOutputStream();
      CodedOutputStream o = CodedOutputStream.newInstance(buf);
      o.writeMessage(1, node.header(store.revision()));
      for (Lease l : store.leases()) {
        ByteArrayOutputStream status = new ByteArrayOutputStream();
        CodedOutputStream so = CodedOutputStream.newInstance(status);
        so.writeInt64(1, l.id());
        so.flush();
        o.writeByteArray(2, status.toByteArray());
      }
      o.flush();
      KvService.respond(out, buf.toByteArray());
    } catch (IOException | RuntimeException e) {
      out.onError(EtcdErrors.toStatus(e));
    }
  }

  private static final MethodDescriptor.Marshaller<byte[]> RAW =
      new MethodDescriptor.Marshaller<>() {
        @Override
        public InputStream stream(byte[] value) {
          return new ByteArrayInputStream(value);
        }

        @Override
        public byte[] parse(InputStream stream) {
          try {
            return stream.readAllBytes();
          } catch (IOException e) {
            throw new UncheckedIOException(e);
          }
        }
      };
}
