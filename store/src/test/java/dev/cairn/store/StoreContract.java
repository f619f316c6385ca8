package dev.cairn.store;

import static dev.cairn.store.Bytes.b;
import static dev.cairn.store.Bytes.s;
import static org.assertj.core.api.Assertions.assertThat;

import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.stream.Collectors;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.io.TempDir;

/**
 * The shared set-up of the contract suites: a fresh store per test, and the helpers the tables use.
 * A suite runs against the engine; {@link ModelContractTest} runs the same tables against {@link
 * ModelStore}, so that the model the property tests trust is pinned by the same rows.
 */
abstract class StoreContract {
  @TempDir Path dir;
  MvccStore store;

  StoreConfig config() {
    return StoreConfig.defaults(dir.resolve("db"));
  }

  MvccStore open(StoreConfig config) {
    return MvccStore.open(config);
  }

  @BeforeEach
  void openStore() {
    store = open(config());
  }

  @AfterEach
  void closeStore() {
    if (store != null) {
      store.close();
    }
  }

  Result apply(Command c) {
    return store.apply(c);
  }

  long put(String k, String v) {
    return ((Result.Put) store.apply(Bytes.put(k, v))).revision();
  }

  long put(String k, String v, long lease) {
    return ((Result.Put) store.apply(Bytes.put(k, v).withLease(lease))).revision();
  }

  long del(String k) {
    return store.apply(Bytes.del(k)).revision();
  }

  KeyValue get(String k) {
    List<KeyValue> kvs = store.range(RangeRequest.of(b(k))).kvs();
    return kvs.isEmpty() ? null : kvs.get(0);
  }

  KeyValue get(String k, long rev) {
    List<KeyValue> kvs = store.range(RangeRequest.of(b(k)).atRevision(rev)).kvs();
    return kvs.isEmpty() ? null : kvs.get(0);
  }

  static String keys(List<KeyValue> kvs) {
    return kvs.stream().map(kv -> s(kv.key())).collect(Collectors.joining(" "));
  }

  static String keys(Result.Range r) {
    return keys(r.kvs());
  }

  /** "a=1 c=3": the live keys and values. */
  String contents() {
    return store.range(Bytes.range("\0", "\\0")).kvs().stream()
        .map(kv -> s(kv.key()) + "=" + s(kv.value()))
        .collect(Collectors.joining(" "));
  }

  static Command.Txn txn(List<Compare> cmp, List<RequestOp> then, List<RequestOp> otherwise) {
    return new Command.Txn(cmp, then, otherwise);
  }

  /**
   * Everything a refused command must leave as it was: revisions, every retained revision's data,
   * leases and their keys.
   */
  record Snapshot(
      long revision, long compactRevision, List<List<KeyValue>> history, List<String> leases) {}

  Snapshot snapshot() {
    List<List<KeyValue>> history = new ArrayList<>();
    for (long r = Math.max(1, store.compactRevision()); r <= store.revision(); r++) {
      history.add(store.range(Bytes.range("\0", "\\0").atRevision(r)).kvs());
    }
    List<String> leases = new ArrayList<>();
    for (Lease l : store.leases()) {
      leases.add(
          l
              + " keys="
              + store.leaseKeys(l.id()).stream().map(Bytes::s).collect(Collectors.toList()));
    }
    return new Snapshot(store.revision(), store.compactRevision(), history, leases);
  }

  static void assertSameBytes(byte[] actual, String expected) {
    assertThat(s(actual)).isEqualTo(expected);
    assertThat(Arrays.equals(actual, b(expected))).isTrue();
  }
}
