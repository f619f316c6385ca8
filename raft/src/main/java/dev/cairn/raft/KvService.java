package dev.cairn.raft;

import com.google.protobuf.InvalidProtocolBufferException;
import dev.cairn.store.StoreError;
import io.etcd.jetcd.api.CompactionRequest;
import io.etcd.jetcd.api.CompactionResponse;
import io.etcd.jetcd.api.DeleteRangeRequest;
import io.etcd.jetcd.api.DeleteRangeResponse;
import io.etcd.jetcd.api.KVGrpc;
import io.etcd.jetcd.api.PutRequest;
import io.etcd.jetcd.api.PutResponse;
import io.etcd.jetcd.api.RangeRequest;
import io.etcd.jetcd.api.RangeResponse;
import io.etcd.jetcd.api.ResponseHeader;
import io.etcd.jetcd.api.TxnRequest;
import io.etcd.jetcd.api.TxnResponse;
import io.grpc.stub.StreamObserver;
import java.util.concurrent.CompletableFuture;

/**
 * etcd's KV service. Writes are replicated through Raft from whichever member receives them; Range
 * is linearizable (a Ratis read index, then this member's store) unless {@code serializable}, which
 * reads this member's store as it is.
 */
final class KvService extends KVGrpc.KVImplBase {
  private final CairnNode node;

  KvService(CairnNode node) {
    this.node = node;
  }

  @Override
  public void range(RangeRequest request, StreamObserver<RangeResponse> out) {
    if (request.getSerializable()) {
      rangeLocal(request, out);
      return;
    }
    node.linearizable()
        .whenComplete(
            (ok, error) -> {
              if (error != null) {
                out.onError(EtcdErrors.toStatus(error));
              } else {
                rangeLocal(request, out);
              }
            });
  }

  /** Answers a range from this member's store as it is. */
  private void rangeLocal(RangeRequest request, StreamObserver<RangeResponse> out) {
    RangeResponse r;
    try {
      r = EtcdProtos.toProto(node.store().range(EtcdProtos.range(request)));
    } catch (RuntimeException e) {
      out.onError(EtcdErrors.toStatus(e));
      return;
    }
    respond(out, r.toBuilder().setHeader(header(r.getHeader())).build());
  }

  @Override
  public void put(PutRequest request, StreamObserver<PutResponse> out) {
    if (request.getKey().isEmpty()) {
      out.onError(EtcdErrors.of(StoreError.EMPTY_KEY));
      return;
    }
    complete(
        node.propose(EtcdProtos.put(request)),
        PutResponse::parseFrom,
        (r, h) -> r.toBuilder().setHeader(h).build(),
        PutResponse::getHeader,
        out);
  }

  @Override
  public void deleteRange(DeleteRangeRequest request, StreamObserver<DeleteRangeResponse> out) {
    if (request.getKey().isEmpty()) {
      out.onError(EtcdErrors.of(StoreError.EMPTY_KEY));
      return;
    }
    complete(
        node.propose(EtcdProtos.deleteRange(request)),
        DeleteRangeResponse::parseFrom,
        (r, h) -> r.toBuilder().setHeader(h).build(),
        DeleteRangeResponse::getHeader,
        out);
  }

  @Override
  public void txn(TxnRequest request, StreamObserver<TxnResponse> out) {
    complete(
        node.propose(EtcdProtos.txn(request)),
        TxnResponse::parseFrom,
        (r, h) -> r.toBuilder().setHeader(h).build(),
        TxnResponse::getHeader,
        out);
  }

  @Override
  public void compact(CompactionRequest request, StreamObserver<CompactionResponse> out) {
    complete(
        node.propose(EtcdProtos.compact(request)),
        CompactionResponse::parseFrom,
        (r, h) -> r.toBuilder().setHeader(h).build(),
        CompactionResponse::getHeader,
        out);
  }

  private ResponseHeader header(ResponseHeader fromStateMachine) {
    return node.header(fromStateMachine.getRevision());
  }

  interface Parser<T> {
    T parse(byte[] b) throws InvalidProtocolBufferException;
  }

  interface WithHeader<T> {
    T with(T response, ResponseHeader header);
  }

  interface HeaderOf<T> {
    ResponseHeader of(T response);
  }

  /** Completes a gRPC call with a state machine reply, or with the mapped error. */
  <T> void complete(
      CompletableFuture<byte[]> reply,
      Parser<T> parser,
      WithHeader<T> withHeader,
      HeaderOf<T> headerOf,
      StreamObserver<T> out) {
    completeCall(node, reply, parser, withHeader, headerOf, out);
  }

  static <T> void completeCall(
      CairnNode node,
      CompletableFuture<byte[]> reply,
      Parser<T> parser,
      WithHeader<T> withHeader,
      HeaderOf<T> headerOf,
      StreamObserver<T> out) {
    reply.whenComplete(
        (bytes, error) -> {
          if (error != null) {
            out.onError(EtcdErrors.toStatus(error));
            return;
          }
          T response;
          try {
            response = parser.parse(CommandCodec.replyBody(bytes));
            response = withHeader.with(response, node.header(headerOf.of(response).getRevision()));
          } catch (RuntimeException | InvalidProtocolBufferException e) {
            out.onError(EtcdErrors.toStatus(e));
            return;
          }
          respond(out, response);
        });
  }

  static <T> void respond(StreamObserver<T> out, T response) {
    out.onNext(response);
    out.onCompleted();
  }
}
