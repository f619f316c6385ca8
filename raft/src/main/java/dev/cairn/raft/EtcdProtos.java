package dev.cairn.raft;

import com.google.protobuf.ByteString;
import dev.cairn.store.Command;
import dev.cairn.store.Compare;
import dev.cairn.store.Event;
import dev.cairn.store.KeyValue;
import dev.cairn.store.RangeRequest;
import dev.cairn.store.RequestOp;
import dev.cairn.store.Result;
import io.etcd.jetcd.api.CompactionRequest;
import io.etcd.jetcd.api.DeleteRangeRequest;
import io.etcd.jetcd.api.DeleteRangeResponse;
import io.etcd.jetcd.api.PutRequest;
import io.etcd.jetcd.api.PutResponse;
import io.etcd.jetcd.api.RangeResponse;
import io.etcd.jetcd.api.ResponseHeader;
import io.etcd.jetcd.api.ResponseOp;
import io.etcd.jetcd.api.TxnRequest;
import io.etcd.jetcd.api.TxnResponse;
import java.util.ArrayList;
import java.util.List;

/**
 * Translation between etcd's v3 protobuf messages ({@code io.etcd.jetcd.api}) and the store's
 * records, in both directions. Pure functions; no validation beyond what the wire format forces
 * (the store validates commands when it applies them).
 */
final class EtcdProtos {
  private EtcdProtos() {}

  // ---- requests → store

  static RangeRequest range(io.etcd.jetcd.api.RangeRequest r) {
    return new RangeRequest(
        r.getKey().toByteArray(),
        r.getRangeEnd().toByteArray(),
        r.getLimit(),
        r.getRevision(),
        switch (r.getSortOrderValue()) {
          case 1 -> RangeRequest.SortOrder.ASCEND;
          case 2 -> RangeRequest.SortOrder.DESCEND;
          default -> RangeRequest.SortOrder.NONE;
        },
        switch (r.getSortTargetValue()) {
          case 1 -> RangeRequest.SortTarget.VERSION;
          case 2 -> RangeRequest.SortTarget.CREATE;
          case 3 -> RangeRequest.SortTarget.MOD;
          case 4 -> RangeRequest.SortTarget.VALUE;
          default -> RangeRequest.SortTarget.KEY;
        },
        r.getKeysOnly(),
        r.getCountOnly(),
        r.getMinModRevision(),
        r.getMaxModRevision(),
        r.getMinCreateRevision(),
        r.getMaxCreateRevision());
  }

  static Command.Put put(PutRequest r) {
    return new Command.Put(
        r.getKey().toByteArray(),
        r.getValue().toByteArray(),
        r.getLease(),
        r.getPrevKv(),
        r.getIgnoreValue(),
        r.getIgnoreLease());
  }

  static Command.DeleteRange deleteRange(DeleteRangeRequest r) {
    return new Command.DeleteRange(
        r.getKey().toByteArray(), r.getRangeEnd().toByteArray(), r.getPrevKv());
  }

  static Command.Txn txn(TxnRequest r) {
    List<Compare> compares = new ArrayList<>(r.getCompareCount());
    for (io.etcd.jetcd.api.Compare c : r.getCompareList()) {
      compares.add(compare(c));
    }
    return new Command.Txn(compares, ops(r.getSuccessList()), ops(r.getFailureList()));
  }

  static Command.Compact compact(CompactionRequest r) {
    return new Command.Compact(r.getRevision(), r.getPhysical());
  }

  private static List<RequestOp> ops(List<io.etcd.jetcd.api.RequestOp> ops) {
    List<RequestOp> out = new ArrayList<>(ops.size());
    for (io.etcd.jetcd.api.RequestOp op : ops) {
      out.add(
          switch (op.getRequestCase()) {
            case REQUEST_RANGE -> range(op.getRequestRange());
            case REQUEST_PUT -> put(op.getRequestPut());
            case REQUEST_DELETE_RANGE -> deleteRange(op.getRequestDeleteRange());
            case REQUEST_TXN -> txn(op.getRequestTxn());
            case REQUEST_NOT_SET -> RangeRequest.of(new byte[0]);
          });
    }
    return out;
  }

  private static Compare compare(io.etcd.jetcd.api.Compare c) {
    Compare.Result result =
        switch (c.getResultValue()) {
          case 1 -> Compare.Result.GREATER;
          case 2 -> Compare.Result.LESS;
          case 3 -> Compare.Result.NOT_EQUAL;
          default -> Compare.Result.EQUAL;
        };
    Compare.Target target =
        switch (c.getTargetValue()) {
          case 1 -> Compare.Target.CREATE;
          case 2 -> Compare.Target.MOD;
          case 3 -> Compare.Target.VALUE;
          case 4 -> Compare.Target.LEASE;
          default -> Compare.Target.VERSION;
        };
    long number =
        switch (c.getTargetUnionCase()) {
          case VERSION -> c.getVersion();
          case CREATE_REVISION -> c.getCreateRevision();
          case MOD_REVISION -> c.getModRevision();
          default -> 0;
        };
    return new Compare(
        c.getKey().toByteArray(),
        c.getRangeEnd().toByteArray(),
        target,
        result,
        number,
        c.getValue().toByteArray());
  }

  // ---- store → requests (for the log encoding)

  static io.etcd.jetcd.api.RangeRequest toProto(RangeRequest r) {
    return io.etcd.jetcd.api.RangeRequest.newBuilder()
        .setKey(bytes(r.key()))
        .setRangeEnd(bytes(r.rangeEnd()))
        .setLimit(r.limit())
        .setRevision(r.revision())
        .setSortOrderValue(r.sortOrder().ordinal())
        .setSortTargetValue(r.sortTarget().ordinal())
        .setKeysOnly(r.keysOnly())
        .setCountOnly(r.countOnly())
        .setMinModRevision(r.minModRevision())
        .setMaxModRevision(r.maxModRevision())
        .setMinCreateRevision(r.minCreateRevision())
        .setMaxCreateRevision(r.maxCreateRevision())
        .build();
  }

  static PutRequest toProto(Command.Put p) {
    return PutRequest.newBuilder()
        .setKey(bytes(p.key()))
        .setValue(bytes(p.value()))
        .setLease(p.lease())
        .setPrevKv(p.prevKv())
        .setIgnoreValue(p.ignoreValue())
        .setIgnoreLease(p.ignoreLease())
        .build();
  }

  static DeleteRangeRequest toProto(Command.DeleteRange d) {
    return DeleteRangeRequest.newBuilder()
        .setKey(bytes(d.key()))
        .setRangeEnd(bytes(d.rangeEnd()))
        .setPrevKv(d.prevKv())
        .build();
  }

  static TxnRequest toProto(Command.Txn t) {
    TxnRequest.Builder b = TxnRequest.newBuilder();
    for (Compare c : t.compare()) {
      io.etcd.jetcd.api.Compare.Builder cb =
          io.etcd.jetcd.api.Compare.newBuilder()
              .setKey(bytes(c.key()))
              .setRangeEnd(bytes(c.rangeEnd()))
              .setResultValue(c.result().ordinal())
              .setTargetValue(c.target().ordinal());
      switch (c.target()) {
        case VERSION -> cb.setVersion(c.number());
        case CREATE -> cb.setCreateRevision(c.number());
        case MOD -> cb.setModRevision(c.number());
        case VALUE -> cb.setValue(bytes(c.value()));
        case LEASE -> cb.setVersion(c.number()); // jetcd's proto lacks the lease field
      }
      b.addCompare(cb);
    }
    t.success().forEach(op -> b.addSuccess(toProto(op)));
    t.failure().forEach(op -> b.addFailure(toProto(op)));
    return b.build();
  }

  private static io.etcd.jetcd.api.RequestOp toProto(RequestOp op) {
    io.etcd.jetcd.api.RequestOp.Builder b = io.etcd.jetcd.api.RequestOp.newBuilder();
    if (op instanceof RangeRequest r) {
      b.setRequestRange(toProto(r));
    } else if (op instanceof Command.Put p) {
      b.setRequestPut(toProto(p));
    } else if (op instanceof Command.DeleteRange d) {
      b.setRequestDeleteRange(toProto(d));
    } else if (op instanceof Command.Txn t) {
      b.setRequestTxn(toProto(t));
    }
    return b.build();
  }

  // ---- results → responses (headers carry only the revision; the service completes them)

  static ResponseHeader revisionHeader(long revision) {
    return ResponseHeader.newBuilder().setRevision(revision).build();
  }

  static RangeResponse toProto(Result.Range r) {
    RangeResponse.Builder b =
        RangeResponse.newBuilder()
            .setHeader(revisionHeader(r.revision()))
            .setMore(r.more())
            .setCount(r.count());
    for (KeyValue kv : r.kvs()) {
      b.addKvs(toProto(kv));
    }
    return b.build();
  }

  static PutResponse toProto(Result.Put r) {
    PutResponse.Builder b = PutResponse.newBuilder().setHeader(revisionHeader(r.revision()));
    if (r.prevKv() != null) {
      b.setPrevKv(toProto(r.prevKv()));
    }
    return b.build();
  }

  static DeleteRangeResponse toProto(Result.DeleteRange r) {
    DeleteRangeResponse.Builder b =
        DeleteRangeResponse.newBuilder()
            .setHeader(revisionHeader(r.revision()))
            .setDeleted(r.deleted());
    for (KeyValue kv : r.prevKvs()) {
      b.addPrevKvs(toProto(kv));
    }
    return b.build();
  }

  static TxnResponse toProto(Result.Txn r) {
    TxnResponse.Builder b =
        TxnResponse.newBuilder()
            .setHeader(revisionHeader(r.revision()))
            .setSucceeded(r.succeeded());
    for (Result op : r.responses()) {
      ResponseOp.Builder ob = ResponseOp.newBuilder();
      if (op instanceof Result.Range x) {
        ob.setResponseRange(toProto(x));
      } else if (op instanceof Result.Put x) {
        ob.setResponsePut(toProto(x));
      } else if (op instanceof Result.DeleteRange x) {
        ob.setResponseDeleteRange(toProto(x));
      } else if (op instanceof Result.Txn x) {
        ob.setResponseTxn(toProto(x));
      } else {
        throw new IllegalArgumentException("not a transaction operation: " + op);
      }
      b.addResponses(ob);
    }
    return b.build();
  }

  static io.etcd.jetcd.api.KeyValue toProto(KeyValue kv) {
    return io.etcd.jetcd.api.KeyValue.newBuilder()
        .setKey(bytes(kv.key()))
        .setCreateRevision(kv.createRevision())
        .setModRevision(kv.modRevision())
        .setVersion(kv.version())
        .setValue(bytes(kv.value()))
        .setLease(kv.lease())
        .build();
  }

  static io.etcd.jetcd.api.Event toProto(Event e) {
    io.etcd.jetcd.api.Event.Builder b =
        io.etcd.jetcd.api.Event.newBuilder()
            .setType(
                e.type() == Event.Type.PUT
                    ? io.etcd.jetcd.api.Event.EventType.PUT
                    : io.etcd.jetcd.api.Event.EventType.DELETE)
            .setKv(toProto(e.kv()));
    if (e.prevKv() != null) {
      b.setPrevKv(toProto(e.prevKv()));
    }
    return b.build();
  }

  static ByteString bytes(byte[] b) {
    return b == null || b.length == 0 ? ByteString.EMPTY : ByteString.copyFrom(b);
  }
}
