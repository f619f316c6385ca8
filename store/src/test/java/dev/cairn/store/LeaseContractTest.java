package dev.cairn.store;

import static dev.cairn.store.Bytes.b;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;

/**
 * Leases as replicated state: grant, attach and detach through put, revoke deleting the attached
 * keys in one revision, and remaining-TTL checkpoints. Lease commands that delete nothing take no
 * revision.
 *
 * <pre>
 *   grant 5 · put a lease 5 @1 · put b lease 5 @2 · put c @3 · revoke 5 → del a, del b @4
 * </pre>
 */
class LeaseContractTest extends StoreContract {

  void reopen() {
    store.close();
    store = open(config());
  }

  @Test
  void grantWithAGivenIdTakesNoRevision() {
    put("x", "1");

    Result r = apply(new Command.LeaseGrant(5, 30));

    assertThat(r).isEqualTo(new Result.LeaseGrant(1, 5, 30));
    assertThat(store.revision()).isEqualTo(1);
    assertThat(store.lease(5)).contains(new Lease(5, 30, 0));
    assertThat(store.leases()).containsExactly(new Lease(5, 30, 0));
    assertThat(store.lease(6)).isEmpty();
  }

  @Test
  void grantWithIdZeroPicksAFreshIdDeterministically() {
    apply(new Command.LeaseGrant(1, 10));
    long first = ((Result.LeaseGrant) apply(new Command.LeaseGrant(0, 10))).id();
    long second = ((Result.LeaseGrant) apply(new Command.LeaseGrant(0, 10))).id();

    assertThat(first).isNotIn(0L, 1L);
    assertThat(second).isNotIn(0L, 1L, first);
    assertThat(store.leases()).extracting(Lease::id).containsExactlyInAnyOrder(1L, first, second);

    store.close();
    store = open(StoreConfig.defaults(dir.resolve("other")));
    apply(new Command.LeaseGrant(1, 10));
    assertThat(((Result.LeaseGrant) apply(new Command.LeaseGrant(0, 10))).id())
        .as("replicas applying the same log pick the same ids")
        .isEqualTo(first);
    assertThat(((Result.LeaseGrant) apply(new Command.LeaseGrant(0, 10))).id()).isEqualTo(second);
  }

  @ParameterizedTest(name = "{0}")
  @CsvSource(
      delimiter = '|',
      textBlock =
          """
          # commands after granting 5 and 6                      | keys of 5 | keys of 6 | revision
            put a lease 5                                         | a         | ''        | 1
            put a lease 5; put b lease 5                          | a b       | ''        | 2
            put b lease 5; put a lease 5                          | a b       | ''        | 2
            put a lease 5; put a lease 0                          | ''        | ''        | 2
            put a lease 5; put a lease 6                          | ''        | a         | 2
            put a lease 5; put a lease 5                          | a         | ''        | 2
            put a lease 5; del a                                  | ''        | ''        | 2
            put a lease 5; put b lease 6; del a..c                | ''        | ''        | 3
            put a lease 5; put a ignore lease                     | a         | ''        | 2
            txn put a lease 5                                     | a         | ''        | 1
          """)
  void putAttachesAndDetaches(String commands, String keys5, String keys6, long revision) {
    apply(new Command.LeaseGrant(5, 60));
    apply(new Command.LeaseGrant(6, 60));
    for (String c : commands.split(";")) {
      apply(parse(c.trim()));
    }

    assertThat(leaseKeys(5)).isEqualTo(keys5);
    assertThat(leaseKeys(6)).isEqualTo(keys6);
    assertThat(store.revision()).isEqualTo(revision);
  }

  private static Command parse(String c) {
    String[] w = c.split(" ");
    return switch (w[0]) {
      case "put" ->
          w[2].equals("ignore")
              ? new Command.Put(b(w[1]), b("v2"), 0, false, false, true)
              : Bytes.put(w[1], "v").withLease(Long.parseLong(w[3]));
      case "del" -> (Command) Ops.parse(c).get(0);
      case "txn" ->
          new Command.Txn(List.of(), List.of((RequestOp) parse(c.substring(4))), List.of());
      default -> throw new IllegalArgumentException(c);
    };
  }

  String leaseKeys(long id) {
    return String.join(" ", store.leaseKeys(id).stream().map(Bytes::s).toList());
  }

  @Test
  void revokeDeletesEveryAttachedKeyInOneRevision() {
    apply(new Command.LeaseGrant(5, 60));
    put("a", "1", 5);
    put("b", "2", 5);
    put("c", "3");

    Result r = apply(new Command.LeaseRevoke(5));

    assertThat(r).isEqualTo(new Result.LeaseRevoke(4));
    assertThat(store.revision()).isEqualTo(4);
    assertThat(contents()).isEqualTo("c=3");
    assertThat(store.lease(5)).isEmpty();
    assertThat(store.leases()).isEmpty();
    assertThat(store.leaseKeys(5)).isEmpty();
    assertThat(get("a", 3)).isEqualTo(new KeyValue(b("a"), 1, 1, 1, b("1"), 5));
    assertThat(keys(store.range(Bytes.range("a", "\\0").atRevision(3)))).isEqualTo("a b c");
  }

  @Test
  void revokeOfALeaseWithoutKeysTakesNoRevision() {
    put("a", "1");
    apply(new Command.LeaseGrant(5, 60));

    assertThat(apply(new Command.LeaseRevoke(5))).isEqualTo(new Result.LeaseRevoke(1));
    assertThat(store.revision()).isEqualTo(1);
    assertThat(store.leases()).isEmpty();
  }

  @Test
  void aRevokedIdCanBeGrantedAgainWithoutItsOldKeys() {
    apply(new Command.LeaseGrant(5, 60));
    put("a", "1", 5);
    apply(new Command.LeaseRevoke(5));
    apply(new Command.LeaseGrant(5, 20));

    assertThat(store.lease(5)).contains(new Lease(5, 20, 0));
    assertThat(store.leaseKeys(5)).isEmpty();
  }

  @Test
  void checkpointsRecordRemainingTtlAndSurviveReopen() {
    apply(new Command.LeaseGrant(5, 60));
    apply(new Command.LeaseGrant(6, 60));
    put("a", "1");

    Result r =
        apply(
            new Command.LeaseCheckpoint(
                List.of(
                    new Command.LeaseCheckpoint.Remaining(5, 42),
                    new Command.LeaseCheckpoint.Remaining(6, 7))));

    assertThat(r).isEqualTo(new Result.LeaseCheckpoint(1));
    assertThat(store.revision()).isEqualTo(1);
    assertThat(store.lease(5)).contains(new Lease(5, 60, 42));
    assertThat(store.lease(5).orElseThrow().effectiveRemainingTtl()).isEqualTo(42);
    reopen();
    assertThat(store.leases()).containsExactly(new Lease(5, 60, 42), new Lease(6, 60, 7));
  }

  @Test
  void leasesAndTheirKeysSurviveReopen() {
    apply(new Command.LeaseGrant(5, 60));
    put("a", "1", 5);
    put("b", "1", 5);
    reopen();

    assertThat(leaseKeys(5)).isEqualTo("a b");
    apply(new Command.LeaseRevoke(5));
    assertThat(contents()).isEmpty();
  }

  @ParameterizedTest(name = "{0}")
  @CsvSource({
    "grant existing id, LEASE_EXISTS",
    "revoke unknown id, LEASE_NOT_FOUND",
    "put with unknown lease, LEASE_NOT_FOUND",
    "ttl too large, LEASE_TTL_TOO_LARGE"
  })
  void refusedLeaseCommandsChangeNothing(String what, StoreError error) {
    apply(new Command.LeaseGrant(5, 60));
    put("a", "1", 5);
    Snapshot before = snapshot();
    Command c =
        switch (what) {
          case "grant existing id" -> new Command.LeaseGrant(5, 10);
          case "revoke unknown id" -> new Command.LeaseRevoke(9);
          case "put with unknown lease" -> Bytes.put("b", "1").withLease(9);
          default -> new Command.LeaseGrant(8, StoreConfig.MAX_LEASE_TTL + 1);
        };

    assertThatThrownBy(() -> apply(c))
        .isInstanceOf(StoreException.class)
        .extracting(e -> ((StoreException) e).error())
        .isEqualTo(error);
    assertThat(snapshot()).isEqualTo(before);
  }
}
