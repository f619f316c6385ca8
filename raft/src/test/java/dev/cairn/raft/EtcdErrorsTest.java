package dev.cairn.raft;

import static org.assertj.core.api.Assertions.assertThat;

import dev.cairn.store.StoreError;
import dev.cairn.store.StoreException;
import io.grpc.Status;
import io.grpc.StatusRuntimeException;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;

/**
 * etcd's codes and messages (api/v3rpc/rpctypes/error.go) for the store's and membership's
 * refusals.
 */
class EtcdErrorsTest {
  @ParameterizedTest
  @CsvSource({
    "EMPTY_KEY,           INVALID_ARGUMENT",
    "KEY_NOT_FOUND,       INVALID_ARGUMENT",
    "VALUE_PROVIDED,      INVALID_ARGUMENT",
    "LEASE_PROVIDED,      INVALID_ARGUMENT",
    "TOO_MANY_OPS,        INVALID_ARGUMENT",
    "DUPLICATE_KEY,       INVALID_ARGUMENT",
    "REQUEST_TOO_LARGE,   INVALID_ARGUMENT",
    "COMPACTED,           OUT_OF_RANGE",
    "FUTURE_REVISION,     OUT_OF_RANGE",
    "LEASE_TTL_TOO_LARGE, OUT_OF_RANGE",
    "LEASE_NOT_FOUND,     NOT_FOUND",
    "LEASE_EXISTS,        FAILED_PRECONDITION",
    "NO_SPACE,            RESOURCE_EXHAUSTED",
    "CORRUPT,             DATA_LOSS",
  })
  void mapsEveryRefusalToEtcdsStatus(StoreError error, Status.Code code) {
    StatusRuntimeException s = EtcdErrors.toStatus(new StoreException(error));
    assertThat(s.getStatus().getCode()).isEqualTo(code);
    assertThat(s.getStatus().getDescription()).isEqualTo(error.message());
  }

  @ParameterizedTest
  @CsvSource(
      delimiter = '|',
      value = {
        "NO_PEER_URLS       | INVALID_ARGUMENT    | etcdserver: member peer urls not provided",
        "PEER_URL_EXISTS    | FAILED_PRECONDITION | etcdserver: Peer URLs already exists",
        "MEMBER_NOT_FOUND   | NOT_FOUND           | etcdserver: member not found",
        "MEMBER_NOT_LEARNER | FAILED_PRECONDITION | etcdserver: can only promote a learner member",
        "LEARNER_NOT_READY  | FAILED_PRECONDITION | etcdserver: can only promote a learner member which is in sync with leader",
        "TOO_MANY_LEARNERS  | FAILED_PRECONDITION | etcdserver: too many learner members in cluster",
        "UNHEALTHY          | UNAVAILABLE         | etcdserver: unhealthy cluster",
        // UNKNOWN on the wire: etcd maps it to a client-side error that is no gRPC status
        "NOT_ENOUGH_STARTED | UNKNOWN             | etcdserver: re-configuration failed due to not enough started members",
      })
  void mapsEveryMembershipRefusalToEtcdsStatus(MemberError error, Status.Code code, String text) {
    StatusRuntimeException s = EtcdErrors.toStatus(EtcdErrors.of(error));
    assertThat(s.getStatus().getCode()).isEqualTo(code);
    assertThat(s.getStatus().getDescription()).isEqualTo(text);
  }
}
