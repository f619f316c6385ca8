package dev.cairn.store;

import java.util.ArrayList;
import java.util.List;

/**
 * Checks a transaction before any of it runs: operation counts, empty keys, total size, and that no
 * key is written twice. etcd's rule for "twice": within one branch, a put may not repeat a put's
 * key nor fall inside a delete's range; a nested transaction's two branches are checked each on its
 * own (only one runs), then their union against the enclosing branch.
 *
 * <pre>
 *   [put a, put a]                    → duplicate
 *   [del a..c, put b]                 → duplicate
 *   [txn{success: put a, failure: put a}] → fine: one of the two runs
 *   [put a, txn{success: put a}]      → duplicate
 * </pre>
 */
final class Validation {
  private Validation() {}

  static void checkTxn(Command.Txn t, StoreConfig config) {
    long bytes = check(t, config);
    if (bytes > config.maxRequestBytes()) {
      throw new StoreException(StoreError.REQUEST_TOO_LARGE);
    }
    writes(t.success());
    writes(t.failure());
  }

  /** Checks counts and keys recursively; returns the transaction's approximate size in bytes. */
  private static long check(Command.Txn t, StoreConfig config) {
    int max = config.maxTxnOps();
    if (t.compare().size() > max || t.success().size() > max || t.failure().size() > max) {
      throw new StoreException(StoreError.TOO_MANY_OPS);
    }
    long bytes = 0;
    for (Compare c : t.compare()) {
      bytes += c.key().length + c.rangeEnd().length + c.value().length + 16;
    }
    for (List<RequestOp> branch : List.of(t.success(), t.failure())) {
      for (RequestOp op : branch) {
        if (op instanceof Command.Txn nested) {
          bytes += check(nested, config);
          continue;
        }
        byte[] key;
        if (op instanceof RangeRequest r) {
          key = r.key();
          bytes += r.sizeBytes();
        } else if (op instanceof Command.Put p) {
          key = p.key();
          bytes += p.key().length + p.value().length + 16;
          // etcd checks these for every op of both branches, taken or not (checkPutRequest)
          if (p.ignoreValue() && p.value().length > 0) {
            throw new StoreException(StoreError.VALUE_PROVIDED);
          }
          if (p.ignoreLease() && p.lease() != 0) {
            throw new StoreException(StoreError.LEASE_PROVIDED);
          }
        } else {
          Command.DeleteRange d = (Command.DeleteRange) op;
          key = d.key();
          bytes += d.key().length + d.rangeEnd().length + 8;
        }
        if (key.length == 0) {
          throw new StoreException(StoreError.EMPTY_KEY);
        }
      }
    }
    return bytes;
  }

  /** The keys a branch puts and the ranges it deletes. */
  private record Writes(List<byte[]> puts, List<byte[][]> deletes) {
    Writes() {
      this(new ArrayList<>(), new ArrayList<>());
    }

    boolean writes(byte[] key) {
      for (byte[] p : puts) {
        if (java.util.Arrays.equals(p, key)) {
          return true;
        }
      }
      for (byte[][] d : deletes) {
        if (Keys.inRange(key, d[0], d[1])) {
          return true;
        }
      }
      return false;
    }

    boolean putsInto(byte[] key, byte[] end) {
      for (byte[] p : puts) {
        if (Keys.inRange(p, key, end)) {
          return true;
        }
      }
      return false;
    }

    void addAll(Writes other) {
      puts.addAll(other.puts);
      deletes.addAll(other.deletes);
    }
  }

  private static Writes writes(List<RequestOp> branch) {
    Writes w = new Writes();
    for (RequestOp op : branch) {
      if (op instanceof Command.Put p) {
        if (w.writes(p.key())) {
          throw new StoreException(StoreError.DUPLICATE_KEY);
        }
        w.puts.add(p.key());
      } else if (op instanceof Command.DeleteRange d) {
        if (w.putsInto(d.key(), d.rangeEnd())) {
          throw new StoreException(StoreError.DUPLICATE_KEY);
        }
        w.deletes.add(new byte[][] {d.key(), d.rangeEnd()});
      } else if (op instanceof Command.Txn nested) {
        Writes union = writes(nested.success());
        union.addAll(writes(nested.failure()));
        for (byte[] p : union.puts) {
          if (w.writes(p)) {
            throw new StoreException(StoreError.DUPLICATE_KEY);
          }
        }
        for (byte[][] d : union.deletes) {
          if (w.putsInto(d[0], d[1])) {
            throw new StoreException(StoreError.DUPLICATE_KEY);
          }
        }
        w.addAll(union);
      }
    }
    return w;
  }
}
