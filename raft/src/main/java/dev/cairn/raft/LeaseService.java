package dev.cairn.raft;

import dev.cairn.store.Command;
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
import io.grpc.stub.StreamObserver;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ThreadLocalRandom;

/**
 * etcd's Lease service. Grant and revoke are replicated commands; keep-alive and time-to-live are
 * answered by the leader, which holds the clocks ({@link LeaseKeeper}): other members forward them.
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
    // as etcd: a lease must outlive a leader election, so short TTLs are raised to 1.5 × the
    // minimum
    // election timeout
    long minTtl = Math.max(1, (node.config().electionTimeoutMin().toMillis() * 3 / 2 + 999) / 1000);
    long ttl = Math.max(request.getTTL(), minTtl);
    long id = request.getID();
    while (id == 0) {
      id = ThreadLocalRandom.current().nextLong() & Long.MAX_VALUE;
    }
    KvService.completeCall(
        node,
        node.propose(new Command.LeaseGrant(id, ttl)),
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
          f = node.leases().keepAlive(request.getID());
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
}
