package dev.cairn.raft;

import dev.cairn.store.StoreError;
import dev.cairn.store.StoreException;
import io.grpc.Status;
import io.grpc.StatusRuntimeException;
import java.util.concurrent.CompletionException;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeoutException;
import org.apache.ratis.protocol.exceptions.LeaderNotReadyException;
import org.apache.ratis.protocol.exceptions.NotLeaderException;
import org.apache.ratis.protocol.exceptions.RaftException;

/**
 * The one translation of refusals into etcd's gRPC statuses ({@code api/v3rpc/rpctypes}): etcd's
 * code, and the store's or the membership's message, which is etcd's text.
 */
final class EtcdErrors {
  static final String TIMEOUT = "etcdserver: request timed out";
  static final String NO_LEADER = "etcdserver: no leader";
  static final String LEADER_CHANGED = "etcdserver: leader changed";

  private EtcdErrors() {}

  /** etcd's gRPC code for each refusal. */
  static Status.Code code(StoreError error) {
    return switch (error) {
      case EMPTY_KEY,
              KEY_NOT_FOUND,
              VALUE_PROVIDED,
              LEASE_PROVIDED,
              TOO_MANY_OPS,
              DUPLICATE_KEY,
              REQUEST_TOO_LARGE ->
          Status.Code.INVALID_ARGUMENT;
      case COMPACTED, FUTURE_REVISION, LEASE_TTL_TOO_LARGE -> Status.Code.OUT_OF_RANGE;
      case LEASE_NOT_FOUND -> Status.Code.NOT_FOUND;
      case LEASE_EXISTS -> Status.Code.FAILED_PRECONDITION;
      case NO_SPACE -> Status.Code.RESOURCE_EXHAUSTED;
      case CORRUPT -> Status.Code.DATA_LOSS;
    };
  }

  static StatusRuntimeException of(StoreError error) {
    return Status.fromCode(code(error)).withDescription(error.message()).asRuntimeException();
  }

  /**
   * etcd's gRPC code for each refused membership change, as it arrives at the client.
   *
   * <p>NOT_ENOUGH_STARTED is UNKNOWN although rpctypes declares it FAILED_PRECONDITION: etcd's
   * {@code toGRPCErrorMap} maps {@code ErrNotEnoughStartedMembers} to {@code
   * rpctypes.ErrMemberNotEnoughStarted}, the client-side {@code EtcdError}, which is no gRPC
   * status, so grpc-go sends it as UNKNOWN with its text (3.4 through 3.6). Go clients look errors
   * up by their text and see FAILED_PRECONDITION either way; jetcd reports the wire's code.
   */
  static Status.Code code(MemberError error) {
    return switch (error) {
      case NO_PEER_URLS -> Status.Code.INVALID_ARGUMENT;
      case MEMBER_NOT_FOUND -> Status.Code.NOT_FOUND;
      case PEER_URL_EXISTS, MEMBER_NOT_LEARNER, LEARNER_NOT_READY, TOO_MANY_LEARNERS ->
          Status.Code.FAILED_PRECONDITION;
      case NOT_ENOUGH_STARTED -> Status.Code.UNKNOWN;
      case UNHEALTHY -> Status.Code.UNAVAILABLE;
    };
  }

  static StatusRuntimeException of(MemberError error) {
    return Status.fromCode(code(error)).withDescription(error.message()).asRuntimeException();
  }

  /** Any failure of a request, as the status the client receives. */
  static StatusRuntimeException toStatus(Throwable t) {
    Throwable c = unwrap(t);
    if (c instanceof StatusRuntimeException s) {
      return s;
    }
    if (c instanceof StoreException e) {
      return Status.fromCode(code(e.error())).withDescription(e.getMessage()).asRuntimeException();
    }
    if (c instanceof StoreStateMachine.NotServingException) {
      return Status.UNAVAILABLE.withDescription(c.getMessage()).asRuntimeException();
    }
    if (c instanceof NotLeaderException || c instanceof LeaderNotReadyException) {
      return Status.UNAVAILABLE.withDescription(LEADER_CHANGED).withCause(c).asRuntimeException();
    }
    if (c instanceof TimeoutException || c instanceof RaftException) {
      return Status.UNAVAILABLE.withDescription(TIMEOUT).withCause(c).asRuntimeException();
    }
    return Status.UNKNOWN.withDescription(String.valueOf(c)).withCause(c).asRuntimeException();
  }

  static Throwable unwrap(Throwable t) {
    while ((t instanceof CompletionException || t instanceof ExecutionException)
        && t.getCause() != null) {
      t = t.getCause();
    }
    return t;
  }
}
