package dev.cairn.raft;

import com.google.protobuf.InvalidProtocolBufferException;
import dev.cairn.store.Alarm;
import dev.cairn.store.Command;
import dev.cairn.store.CompactedException;
import dev.cairn.store.FutureRevisionException;
import dev.cairn.store.Result;
import dev.cairn.store.StoreError;
import dev.cairn.store.StoreException;
import io.etcd.jetcd.api.AlarmMember;
import io.etcd.jetcd.api.AlarmRequest;
import io.etcd.jetcd.api.AlarmResponse;
import io.etcd.jetcd.api.CompactionResponse;
import io.etcd.jetcd.api.LeaseGrantRequest;
import io.etcd.jetcd.api.LeaseGrantResponse;
import io.etcd.jetcd.api.LeaseRevokeRequest;
import io.etcd.jetcd.api.LeaseRevokeResponse;
import java.nio.ByteBuffer;
import java.util.ArrayList;
import java.util.List;

/**
 * The encoding of {@link Command}s in the Raft log and of their results in Raft replies.
 *
 * <pre>
 *   log entry   = tag(1 byte) · body
 *     PUT 1 · etcd PutRequest           DELETE_RANGE 2 · DeleteRangeRequest   TXN 3 · TxnRequest
 *     COMPACT 4 · CompactionRequest     LEASE_GRANT 5 · LeaseGrantRequest     LEASE_REVOKE 6 · LeaseRevokeRequest
 *     LEASE_CHECKPOINT 7 · count(int) · (id(long) · remainingTtl(long))*
 *     BATCH 8 · count(int) · (length(int) · log entry)*     commands proposed together (see
 *                                                          {@link ProposalBatcher}), applied in order
 *     ALARM 9 · etcd AlarmRequest (action ACTIVATE or DEACTIVATE, memberID, alarm)
 *   reply       = OK 0 · etcd response of the command's kind (header carries only the revision;
 *                        an ALARM's is an AlarmResponse listing what it changed)
 *               | ERROR 1 · StoreError ordinal(int) · detail(long: compact or current revision)
 *               | BATCH 8 · count(int) · (length(int) · reply)*   one reply per command of a BATCH
 * </pre>
 *
 * The etcd messages are the encoding because they are stable, compact and already on the class
 * path; tags below 64 are commands, from 64 on read-only queries ({@link Query}).
 */
final class CommandCodec {
  static final byte PUT = 1;
  static final byte DELETE_RANGE = 2;
  static final byte TXN = 3;
  static final byte COMPACT = 4;
  static final byte LEASE_GRANT = 5;
  static final byte LEASE_REVOKE = 6;
  static final byte LEASE_CHECKPOINT = 7;
  static final byte BATCH = 8;
  static final byte ALARM = 9;

  static final byte OK = 0;
  static final byte ERROR = 1;

  private CommandCodec() {}

  static byte[] encode(Command command) {
    if (command instanceof Command.Put p) {
      return tagged(PUT, EtcdProtos.toProto(p).toByteArray());
    } else if (command instanceof Command.DeleteRange d) {
      return tagged(DELETE_RANGE, EtcdProtos.toProto(d).toByteArray());
    } else if (command instanceof Command.Txn t) {
      return tagged(TXN, EtcdProtos.toProto(t).toByteArray());
    } else if (command instanceof Command.Compact c) {
      return tagged(
          COMPACT,
          io.etcd.jetcd.api.CompactionRequest.newBuilder()
              .setRevision(c.revision())
              .setPhysical(c.physical())
              .build()
              .toByteArray());
    } else if (command instanceof Command.LeaseGrant g) {
      return tagged(
          LEASE_GRANT,
          LeaseGrantRequest.newBuilder().setID(g.id()).setTTL(g.ttl()).build().toByteArray());
    } else if (command instanceof Command.LeaseRevoke r) {
      return tagged(
          LEASE_REVOKE, LeaseRevokeRequest.newBuilder().setID(r.id()).build().toByteArray());
    } else if (command instanceof Command.ActivateAlarm a) {
      return tagged(ALARM, alarmRequest(AlarmRequest.AlarmAction.ACTIVATE, a.alarm()));
    } else if (command instanceof Command.DeactivateAlarm d) {
      return tagged(ALARM, alarmRequest(AlarmRequest.AlarmAction.DEACTIVATE, d.alarm()));
    } else if (command instanceof Command.LeaseCheckpoint c) {
      ByteBuffer b = ByteBuffer.allocate(1 + 4 + 16 * c.checkpoints().size());
      b.put(LEASE_CHECKPOINT).putInt(c.checkpoints().size());
      for (Command.LeaseCheckpoint.Remaining r : c.checkpoints()) {
        b.putLong(r.id()).putLong(r.remainingTtl());
      }
      return b.array();
    }
    throw new IllegalArgumentException("unknown command " + command);
  }

  /** Decodes a log entry; throws {@link IllegalArgumentException} for bytes no node wrote. */
  static Command decode(byte[] entry) {
    if (entry.length == 0) {
      throw new IllegalArgumentException("empty log entry");
    }
    try {
      return switch (entry[0]) {
        case PUT -> EtcdProtos.put(io.etcd.jetcd.api.PutRequest.parseFrom(body(entry)));
        case DELETE_RANGE ->
            EtcdProtos.deleteRange(io.etcd.jetcd.api.DeleteRangeRequest.parseFrom(body(entry)));
        case TXN -> EtcdProtos.txn(io.etcd.jetcd.api.TxnRequest.parseFrom(body(entry)));
        case COMPACT ->
            EtcdProtos.compact(io.etcd.jetcd.api.CompactionRequest.parseFrom(body(entry)));
        case LEASE_GRANT -> {
          LeaseGrantRequest g = LeaseGrantRequest.parseFrom(body(entry));
          yield new Command.LeaseGrant(g.getID(), g.getTTL());
        }
        case LEASE_REVOKE ->
            new Command.LeaseRevoke(LeaseRevokeRequest.parseFrom(body(entry)).getID());
        case LEASE_CHECKPOINT -> {
          ByteBuffer b = ByteBuffer.wrap(entry, 1, entry.length - 1);
          int n = b.getInt();
          List<Command.LeaseCheckpoint.Remaining> list = new ArrayList<>(n);
          for (int i = 0; i < n; i++) {
            list.add(new Command.LeaseCheckpoint.Remaining(b.getLong(), b.getLong()));
          }
          yield new Command.LeaseCheckpoint(list);
        }
        case ALARM -> alarmCommand(AlarmRequest.parseFrom(body(entry)));
        default -> throw new IllegalArgumentException("unknown log entry tag " + entry[0]);
      };
    } catch (InvalidProtocolBufferException e) {
      throw new IllegalArgumentException("undecodable log entry", e);
    }
  }

  private static byte[] alarmRequest(AlarmRequest.AlarmAction action, Alarm alarm) {
    return AlarmRequest.newBuilder()
        .setAction(action)
        .setMemberID(alarm.memberId())
        .setAlarmValue(alarm.type().ordinal())
        .build()
        .toByteArray();
  }

  private static Command alarmCommand(AlarmRequest r) {
    Alarm.Type type = Alarm.Type.of(r.getAlarmValue());
    if (type == null) {
      throw new IllegalArgumentException("unknown alarm type " + r.getAlarmValue());
    }
    Alarm alarm = new Alarm(r.getMemberID(), type);
    return switch (r.getAction()) {
      case ACTIVATE -> new Command.ActivateAlarm(alarm);
      case DEACTIVATE -> new Command.DeactivateAlarm(alarm);
      default -> throw new IllegalArgumentException("alarm entry with action " + r.getAction());
    };
  }

  /** An alarm as etcd's API has it. */
  static AlarmMember toProto(Alarm a) {
    return AlarmMember.newBuilder()
        .setMemberID(a.memberId())
        .setAlarmValue(a.type().ordinal())
        .build();
  }

  static byte[] encodeResult(Result result) {
    byte[] body;
    if (result instanceof Result.Range r) {
      body = EtcdProtos.toProto(r).toByteArray();
    } else if (result instanceof Result.Put r) {
      body = EtcdProtos.toProto(r).toByteArray();
    } else if (result instanceof Result.DeleteRange r) {
      body = EtcdProtos.toProto(r).toByteArray();
    } else if (result instanceof Result.Txn r) {
      body = EtcdProtos.toProto(r).toByteArray();
    } else if (result instanceof Result.LeaseGrant r) {
      body =
          LeaseGrantResponse.newBuilder()
              .setHeader(EtcdProtos.revisionHeader(r.revision()))
              .setID(r.id())
              .setTTL(r.ttl())
              .build()
              .toByteArray();
    } else if (result instanceof Result.LeaseRevoke r) {
      body =
          LeaseRevokeResponse.newBuilder()
              .setHeader(EtcdProtos.revisionHeader(r.revision()))
              .build()
              .toByteArray();
    } else if (result instanceof Result.Alarms r) {
      AlarmResponse.Builder b =
          AlarmResponse.newBuilder().setHeader(EtcdProtos.revisionHeader(r.revision()));
      r.alarms().forEach(a -> b.addAlarms(toProto(a)));
      body = b.build().toByteArray();
    } else {
      body =
          CompactionResponse.newBuilder()
              .setHeader(EtcdProtos.revisionHeader(result.revision()))
              .build()
              .toByteArray();
    }
    return tagged(OK, body);
  }

  static byte[] encodeError(StoreException e) {
    long detail =
        e instanceof CompactedException c
            ? c.compactRevision()
            : e instanceof FutureRevisionException f ? f.currentRevision() : 0;
    return ByteBuffer.allocate(13).put(ERROR).putInt(e.error().ordinal()).putLong(detail).array();
  }

  /**
   * The body of an OK reply.
   *
   * @throws StoreException rebuilt from an ERROR reply
   */
  static byte[] replyBody(byte[] reply) {
    if (reply.length > 0 && reply[0] == OK) {
      return body(reply);
    }
    if (reply.length == 13 && reply[0] == ERROR) {
      ByteBuffer b = ByteBuffer.wrap(reply, 1, 12);
      StoreError error = StoreError.values()[b.getInt()];
      long detail = b.getLong();
      throw switch (error) {
        case COMPACTED -> new CompactedException(detail);
        case FUTURE_REVISION -> new FutureRevisionException(detail);
        default -> new StoreException(error);
      };
    }
    throw new IllegalStateException("malformed reply of " + reply.length + " bytes");
  }

  /** Frames several log entries (or replies) as one BATCH. */
  static byte[] batch(List<byte[]> parts) {
    int size = 1 + 4;
    for (byte[] part : parts) {
      size += 4 + part.length;
    }
    ByteBuffer b = ByteBuffer.allocate(size).put(BATCH).putInt(parts.size());
    for (byte[] part : parts) {
      b.putInt(part.length).put(part);
    }
    return b.array();
  }

  static boolean isBatch(byte[] bytes) {
    return bytes.length > 0 && bytes[0] == BATCH;
  }

  /** The parts of a BATCH; throws {@link IllegalArgumentException} for bytes no node wrote. */
  static List<byte[]> unbatch(byte[] batch) {
    try {
      ByteBuffer b = ByteBuffer.wrap(batch);
      if (b.get() != BATCH) {
        throw new IllegalArgumentException("not a batch");
      }
      int n = b.getInt();
      if (n < 0 || n > batch.length) {
        throw new IllegalArgumentException(
            "batch of " + n + " parts in " + batch.length + " bytes");
      }
      List<byte[]> parts = new ArrayList<>(n);
      for (int i = 0; i < n; i++) {
        byte[] part = new byte[b.getInt()];
        b.get(part);
        parts.add(part);
      }
      if (b.hasRemaining()) {
        throw new IllegalArgumentException(b.remaining() + " bytes after the batch");
      }
      return parts;
    } catch (java.nio.BufferUnderflowException | NegativeArraySizeException e) {
      throw new IllegalArgumentException("truncated batch", e);
    }
  }

  static byte[] tagged(byte tag, byte[] body) {
    byte[] out = new byte[body.length + 1];
    out[0] = tag;
    System.arraycopy(body, 0, out, 1, body.length);
    return out;
  }

  static byte[] body(byte[] tagged) {
    byte[] out = new byte[tagged.length - 1];
    System.arraycopy(tagged, 1, out, 0, out.length);
    return out;
  }
}
