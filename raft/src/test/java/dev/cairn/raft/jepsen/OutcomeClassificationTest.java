package dev.cairn.raft.jepsen;

import static org.assertj.core.api.Assertions.assertThat;

import io.etcd.jetcd.common.exception.EtcdExceptionFactory;
import io.grpc.Status;
import java.util.concurrent.CompletionException;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeoutException;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;

/**
 * Which failed writes are definite (left out of the history) and which are unknown (they may have
 * been committed): a wrong "definite" would hide a lost or phantom write from the checker.
 */
class OutcomeClassificationTest {
  @ParameterizedTest(name = "{0}: {1} → definite {2}")
  @CsvSource({
    "INVALID_ARGUMENT,   etcdserver: too many operations in txn request, true",
    "OUT_OF_RANGE,       etcdserver: mvcc: required revision has been compacted, true",
    "NOT_FOUND,          etcdserver: requested lease not found, true",
    "FAILED_PRECONDITION, etcdserver: lease already exists, true",
    "RESOURCE_EXHAUSTED, etcdserver: mvcc: database space exceeded, true",
    "UNAVAILABLE,        etcdserver: leader changed, false",
    "UNAVAILABLE,        etcdserver: request timed out, false",
    "UNAVAILABLE,        io exception, false",
    "DEADLINE_EXCEEDED,  deadline exceeded, false",
    "UNKNOWN,            raft error, false",
    "INTERNAL,           stream reset, false",
    "CANCELLED,          client cancelled, false",
  })
  void etcdErrors(Status.Code code, String message, boolean definite) {
    Throwable jetcd =
        new ExecutionException(
            EtcdExceptionFactory.toEtcdException(code.toStatus().withDescription(message)));
    assertThat(Workload.definite(jetcd)).isEqualTo(definite);
    Throwable grpc =
        new CompletionException(code.toStatus().withDescription(message).asRuntimeException());
    assertThat(Workload.definite(grpc)).isEqualTo(definite);
  }

  @ParameterizedTest(name = "{0} → unknown")
  @CsvSource({"timeout", "connection refused"})
  void noAnswerIsUnknown(String what) {
    Throwable t =
        what.equals("timeout")
            ? new TimeoutException()
            : new ExecutionException(new java.net.ConnectException("Connection refused"));
    assertThat(Workload.definite(t)).isFalse();
  }
}
