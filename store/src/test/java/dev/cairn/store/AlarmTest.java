package dev.cairn.store;

import static java.nio.charset.StandardCharsets.UTF_8;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.junit.jupiter.params.provider.Arguments.arguments;

import java.io.ByteArrayInputStream;
import java.io.ByteArrayOutputStream;
import java.nio.file.Path;
import java.util.List;
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.Arguments;
import org.junit.jupiter.params.provider.MethodSource;

/** Alarms as replicated, persisted state, and what each one refuses (etcd's appliers). */
class AlarmTest {
  private static final Alarm NOSPACE_1 = new Alarm(1, Alarm.Type.NOSPACE);
  private static final Alarm NOSPACE_2 = new Alarm(2, Alarm.Type.NOSPACE);
  private static final Alarm CORRUPT_1 = new Alarm(1, Alarm.Type.CORRUPT);

  @TempDir Path dir;

  private static byte[] b(String s) {
    return s.getBytes(UTF_8);
  }

  private MvccStore open(String name) {
    return MvccStore.open(StoreConfig.defaults(dir.resolve(name)));
  }

  /**
   * One row per command under each alarm: the error it gets, or null when it passes. A Txn whose
   * only put sits in a nested Txn passes NOSPACE, as with etcd 3.4, whose quota cost counts only
   * top-level puts.
   */
  static Stream<Arguments> refusals() {
    Command put = Command.Put.of(b("k"), b("v"));
    Command delete = Command.DeleteRange.of(b("k"));
    Command txnPut = new Command.Txn(List.of(), List.of(Command.Put.of(b("k"), b("w"))), List.of());
    Command txnDelete =
        new Command.Txn(List.of(), List.of(Command.DeleteRange.of(b("k"))), List.of());
    Command nestedPut = new Command.Txn(List.of(), List.of((RequestOp) txnPut), List.of());
    Command grant = new Command.LeaseGrant(9, 60);
    Command revoke = new Command.LeaseRevoke(5);
    Command compact = new Command.Compact(1, false);
    return Stream.of(
        arguments("NOSPACE", put, StoreError.NO_SPACE),
        arguments("NOSPACE", txnPut, StoreError.NO_SPACE),
        arguments("NOSPACE", grant, StoreError.NO_SPACE),
        arguments("NOSPACE", nestedPut, null),
        arguments("NOSPACE", delete, null),
        arguments("NOSPACE", txnDelete, null),
        arguments("NOSPACE", revoke, null),
        arguments("NOSPACE", compact, null),
        arguments("CORRUPT", put, StoreError.CORRUPT),
        arguments("CORRUPT", delete, StoreError.CORRUPT),
        arguments("CORRUPT", txnDelete, StoreError.CORRUPT),
        arguments("CORRUPT", grant, StoreError.CORRUPT),
        arguments("CORRUPT", revoke, StoreError.CORRUPT),
        arguments("CORRUPT", compact, StoreError.CORRUPT));
  }

  @ParameterizedTest(name = "{0} refuses {1} with {2}")
  @MethodSource("refusals")
  void anActiveAlarmRefusesWhatEtcdsApplierRefusesAndChangesNothing(
      String type, Command command, StoreError expected) {
    try (MvccStore store = open("s")) {
      store.apply(Command.Put.of(b("k"), b("v0")));
      store.apply(new Command.LeaseGrant(5, 60));
      store.apply(new Command.ActivateAlarm(new Alarm(1, Alarm.Type.valueOf(type))));
      long revision = store.revision();
      KvHash before = store.hash(0);
      if (expected == null) {
        store.apply(command);
        return;
      }
      assertThatThrownBy(() -> store.apply(command))
          .isInstanceOfSatisfying(
              StoreException.class, e -> assertThat(e.error()).isEqualTo(expected));
      assertThat(store.revision()).isEqualTo(revision);
      assertThat(store.hash(0)).isEqualTo(before);
      assertThat(store.lease(5)).isPresent();
    }
  }

  @Test
  void activateAndDeactivateAnswerAsEtcdAndKeepTheRevision() {
    try (MvccStore store = open("s")) {
      store.apply(Command.Put.of(b("k"), b("v")));
      assertThat(store.apply(new Command.ActivateAlarm(NOSPACE_2)))
          .isEqualTo(new Result.Alarms(1, List.of(NOSPACE_2)));
      // raising an active alarm again lists it again and changes nothing
      assertThat(store.apply(new Command.ActivateAlarm(NOSPACE_2)))
          .isEqualTo(new Result.Alarms(1, List.of(NOSPACE_2)));
      assertThat(store.apply(new Command.ActivateAlarm(CORRUPT_1)))
          .isEqualTo(new Result.Alarms(1, List.of(CORRUPT_1)));
      assertThat(store.apply(new Command.ActivateAlarm(NOSPACE_1)))
          .isEqualTo(new Result.Alarms(1, List.of(NOSPACE_1)));
      // NONE raises nothing
      assertThat(store.apply(new Command.ActivateAlarm(new Alarm(3, Alarm.Type.NONE))))
          .isEqualTo(new Result.Alarms(1, List.of()));
      assertThat(store.alarms()).containsExactly(NOSPACE_1, NOSPACE_2, CORRUPT_1);
      // clearing takes the member and the type; one not active clears nothing
      assertThat(store.apply(new Command.DeactivateAlarm(new Alarm(2, Alarm.Type.CORRUPT))))
          .isEqualTo(new Result.Alarms(1, List.of()));
      assertThat(store.apply(new Command.DeactivateAlarm(NOSPACE_2)))
          .isEqualTo(new Result.Alarms(1, List.of(NOSPACE_2)));
      assertThat(store.alarms()).containsExactly(NOSPACE_1, CORRUPT_1);
      assertThat(store.revision()).isEqualTo(1);
    }
  }

  @Test
  void alarmsSurviveAReopenAndTravelInACheckpoint() throws Exception {
    byte[] stream;
    try (MvccStore store = open("src")) {
      store.apply(new Command.ActivateAlarm(NOSPACE_2));
      store.apply(new Command.ActivateAlarm(NOSPACE_1));
      store.apply(new Command.ActivateAlarm(CORRUPT_1));
      store.apply(new Command.DeactivateAlarm(CORRUPT_1));
    }
    try (MvccStore store = open("src")) {
      assertThat(store.alarms()).containsExactly(NOSPACE_1, NOSPACE_2);
      ByteArrayOutputStream out = new ByteArrayOutputStream();
      Checkpoint.write(store, out);
      stream = out.toByteArray();
    }
    Checkpoint.restore(new ByteArrayInputStream(stream), dir.resolve("copy"));
    try (MvccStore copy = open("copy")) {
      assertThat(copy.alarms()).containsExactly(NOSPACE_1, NOSPACE_2);
      assertThatThrownBy(() -> copy.apply(Command.Put.of(b("k"), b("v"))))
          .isInstanceOfSatisfying(
              StoreException.class, e -> assertThat(e.error()).isEqualTo(StoreError.NO_SPACE));
    }
  }

  @Test
  void inOneBatchAPutAfterTheAlarmIsRefusedAndAnUncommittedAlarmIsNotPublished() {
    try (MvccStore store = open("s")) {
      try (ApplyBatch batch = store.newBatch()) {
        batch.apply(Command.Put.of(b("before"), b("v")));
        batch.apply(new Command.ActivateAlarm(NOSPACE_1));
        assertThatThrownBy(() -> batch.apply(Command.Put.of(b("after"), b("v"))))
            .isInstanceOf(StoreException.class);
        assertThat(store.alarms()).as("not yet committed").isEmpty();
        batch.commit(new AppliedIndex(1, 1));
      }
      assertThat(store.alarms()).containsExactly(NOSPACE_1);
      assertThat(store.range(RangeRequest.of(b("before"))).kvs()).hasSize(1);
      assertThat(store.range(RangeRequest.of(b("after"))).kvs()).isEmpty();
      try (ApplyBatch batch = store.newBatch()) {
        batch.apply(new Command.DeactivateAlarm(NOSPACE_1));
        // closed without a commit: the alarm stays
      }
      assertThat(store.alarms()).containsExactly(NOSPACE_1);
    }
  }
}
