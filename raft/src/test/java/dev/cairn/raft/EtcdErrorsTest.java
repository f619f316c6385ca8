package dev.cairn.raft;

import static org.assertj.core.api.Assertions.assertThat;

import dev.cairn.store.StoreError;
import dev.cairn.store.StoreException;
import io.grpc.Status;
import io.grpc.StatusRuntimeException;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;

/** etcd's codes (api/v3rpc/rpctypes/error.go) for the store's refusals. */
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
}
