package dev.cairn.raft;

import static java.nio.charset.StandardCharsets.UTF_8;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.cairn.store.Alarm;
import dev.cairn.store.Command;
import dev.cairn.store.CompactedException;
import dev.cairn.store.Compare;
import dev.cairn.store.FutureRevisionException;
import dev.cairn.store.RangeRequest;
import dev.cairn.store.StoreError;
import dev.cairn.store.StoreException;
import java.util.List;
import java.util.stream.Stream;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.MethodSource;

/** Every command survives the trip through the log encoding; refusals survive the reply. */
class CommandCodecTest {
  static byte[] b(String s) {
    return s.getBytes(UTF_8);
  }

  static Stream<Command> commands() {
    return Stream.of(
        Command.Put.of(b("k"), b("v")),
        new Command.Put(b("k"), b(""), 7, true, true, true),
        Command.DeleteRange.of(b("k")),
        Command.DeleteRange.range(b("a"), b("z")).withPrevKv(),
        new Command.Txn(
            List.of(
                Compare.value(b("k"), Compare.Result.EQUAL, b("v")),
                Compare.version(b("k"), Compare.Result.GREATER, 3),
                Compare.createRevision(b("k"), Compare.Result.LESS, 4),
                Compare.modRevision(b("a"), Compare.Result.NOT_EQUAL, 5).overRange(b("b"))),
            List.of(Command.Put.of(b("k"), b("w")), RangeRequest.prefix(b("p")).withLimit(3)),
            List.of(
                Command.DeleteRange.of(b("k")),
                new Command.Txn(List.of(), List.of(RangeRequest.of(b("x"))), List.of()))),
        new Command.Compact(42, true),
        new Command.LeaseGrant(99, 10),
        new Command.LeaseRevoke(99),
        new Command.LeaseCheckpoint(
            List.of(
                new Command.LeaseCheckpoint.Remaining(1, 5),
                new Command.LeaseCheckpoint.Remaining(2, 9))),
        new Command.ActivateAlarm(new Alarm(-7, Alarm.Type.NOSPACE)),
        new Command.DeactivateAlarm(new Alarm(12, Alarm.Type.CORRUPT)));
  }

  @ParameterizedTest
  @MethodSource("commands")
  void roundTrips(Command c) {
    // recursive: RangeRequest (a store record) compares its byte arrays by identity
    assertThat(CommandCodec.decode(CommandCodec.encode(c))).usingRecursiveComparison().isEqualTo(c);
  }

  static Stream<StoreException> errors() {
    return Stream.of(
        new CompactedException(17),
        new FutureRevisionException(23),
        new StoreException(StoreError.LEASE_NOT_FOUND),
        new StoreException(StoreError.TOO_MANY_OPS));
  }

  @ParameterizedTest
  @MethodSource("errors")
  void refusalsComeBackFromTheReply(StoreException e) {
    byte[] reply = CommandCodec.encodeError(e);
    assertThatThrownBy(() -> CommandCodec.replyBody(reply))
        .isInstanceOf(e.getClass())
        .hasMessage(e.error().message())
        .satisfies(
            t -> {
              assertThat(((StoreException) t).error()).isEqualTo(e.error());
              if (e instanceof CompactedException c) {
                assertThat(((CompactedException) t).compactRevision())
                    .isEqualTo(c.compactRevision());
              }
            });
  }

  @org.junit.jupiter.api.Test
  void aBatchKeepsEveryCommandInOrder() {
    List<Command> all = commands().toList();
    byte[] batch = CommandCodec.batch(all.stream().map(CommandCodec::encode).toList());
    assertThat(CommandCodec.isBatch(batch)).isTrue();
    List<Command> back = CommandCodec.unbatch(batch).stream().map(CommandCodec::decode).toList();
    assertThat(back).usingRecursiveComparison().isEqualTo(all);
    assertThat(CommandCodec.unbatch(CommandCodec.batch(List.of()))).isEmpty();
  }

  static Stream<byte[]> brokenBatches() {
    byte[] good = CommandCodec.batch(List.of(b("one"), b("two")));
    byte[] truncated = java.util.Arrays.copyOf(good, good.length - 1);
    byte[] trailing = java.util.Arrays.copyOf(good, good.length + 1);
    byte[] hugeCount = good.clone();
    hugeCount[1] = 0x7f;
    byte[] negativeLength = good.clone();
    negativeLength[5] = (byte) 0xff;
    return Stream.of(
        truncated, trailing, hugeCount, negativeLength, new byte[] {CommandCodec.BATCH});
  }

  @ParameterizedTest
  @MethodSource("brokenBatches")
  void aBatchNoNodeWroteIsRefused(byte[] broken) {
    assertThatThrownBy(() -> CommandCodec.unbatch(broken))
        .isInstanceOf(IllegalArgumentException.class);
  }
}
