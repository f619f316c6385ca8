package dev.cairn.store;

import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.Comparator;
import java.util.HashSet;
import java.util.List;
import java.util.NavigableMap;
import java.util.Optional;
import java.util.Set;
import java.util.TreeMap;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.Semaphore;

/**
 * The reference the engine is checked against: etcd v3's key-value semantics written as plainly as
 * possible, with the whole history in memory and nothing ever removed.
 *
 * <p>Compaction is only a number here: since a read at or after the compact revision sees, for
 * every key, the latest version at or below that read revision, keeping everything gives the same
 * answers the engine must give after physically removing what it may.
 *
 * <pre>
 *   key "a":  (2,0) put v1 · (3,0) put v2 · (5,0) delete · (7,1) put v3
 *   read at 4 → v2 (version 2, create 2) · at 5 or 6 → nothing · at 7 → v3 (version 1, create 7)
 * </pre>
 *
 * <p>Transactions follow etcd's {@code txn.go}: every compare, nested ones included, is evaluated
 * against the state before the transaction; duplicate keys are found statically with etcd's {@code
 * checkIntervals}; reads inside see the transaction's earlier writes; the inner results carry the
 * revision after the operation (the transaction's revision once something changed).
 *
 * <p>Watching, hashing and checkpoints are not modelled; {@link #events} gives the events the
 * engine's watchers must see.
 */
final class ModelStore implements MvccStore {

  /** One version of a key; {@code kv == null} is a tombstone. */
  record Ver(long main, long sub, KeyValue kv) {}

  /** A whole store state. Batches work on a copy and publish it on commit. */
  static final class State {
    final TreeMap<byte[], List<Ver>> history = new TreeMap<>(Keys::compare);
    final TreeMap<Long, Lease> leases = new TreeMap<>();
    final TreeMap<Long, List<Event>> events = new TreeMap<>();
    long revision;
    long compactRevision;
    long lastPickedLease;
    AppliedIndex applied = AppliedIndex.NONE;

    State copy() {
      State c = new State();
      history.forEach((k, v) -> c.history.put(k, new ArrayList<>(v)));
      c.leases.putAll(leases);
      c.events.putAll(events);
      c.revision = revision;
      c.compactRevision = compactRevision;
      c.lastPickedLease = lastPickedLease;
      c.applied = applied;
      return c;
    }

    /** The version of {@code key} a read at {@code rev} sees, or null. */
    KeyValue get(byte[] key, long rev) {
      List<Ver> vs = history.get(key);
      if (vs == null) {
        return null;
      }
      for (int i = vs.size() - 1; i >= 0; i--) {
        if (vs.get(i).main() <= rev) {
          return vs.get(i).kv();
        }
      }
      return null;
    }

    /** Every live key-value in {@code [key, end)} at {@code rev}, in key order. */
    List<KeyValue> kvs(byte[] key, byte[] end, long rev) {
      List<KeyValue> out = new ArrayList<>();
      NavigableMap<byte[], List<Ver>> candidates =
          Keys.isSingleKey(end)
              ? history.subMap(key, true, key, true)
              : Keys.isOpenEnded(end)
                  ? history.tailMap(key, true)
                  : Keys.compare(key, end) >= 0
                      ? new TreeMap<>(Keys::compare)
                      : history.subMap(key, true, end, false);
      for (byte[] k : candidates.keySet()) {
        KeyValue kv = get(k, rev);
        if (kv != null) {
          out.add(kv);
        }
      }
      return out;
    }

    List<byte[]> leaseKeys(long id) {
      List<byte[]> out = new ArrayList<>();
      for (KeyValue kv : kvs(new byte[] {0}, Keys.ALL_FROM, Long.MAX_VALUE)) {
        if (kv.lease() == id) {
          out.add(kv.key());
        }
      }
      // the empty key can not be written, so starting at "\0" misses nothing
      return out;
    }
  }

  /** One write transaction in progress: everything it writes takes main revision begin + 1. */
  private static final class Tx {
    final State s;
    final long begin;
    final List<Event> events = new ArrayList<>();
    long sub;

    Tx(State s) {
      this.s = s;
      this.begin = s.revision;
    }

    long main() {
      return begin + 1;
    }

    boolean changed() {
      return !events.isEmpty();
    }

    /** The revision a result reports: the transaction's once it changed something. */
    long rev() {
      return changed() ? begin + 1 : begin;
    }

    void write(byte[] key, KeyValue kv, Event e) {
      s.history.computeIfAbsent(key, k -> new ArrayList<>()).add(new Ver(main(), sub++, kv));
      events.add(e);
    }

    void finish() {
      if (changed()) {
        s.revision = begin + 1;
        s.events.put(s.revision, List.copyOf(events));
      }
    }
  }

  private final StoreConfig config;
  private final Semaphore writer = new Semaphore(1);
  private volatile State committed = new State();

  ModelStore(StoreConfig config) {
    this.config = config;
  }

  static ModelStore withDefaults() {
    return new ModelStore(StoreConfig.defaults(Path.of("model")));
  }

  /** The events of revisions {@code from..to} (inclusive), in order. */
  List<Event> events(long from, long to) {
    List<Event> out = new ArrayList<>();
    if (to < from) {
      return out;
    }
    committed.events.subMap(from, true, to, true).values().forEach(out::addAll);
    return out;
  }

  /** The events of each revision {@code from..to}. */
  NavigableMap<Long, List<Event>> eventsByRevision(long from, long to) {
    if (to < from) {
      return new TreeMap<>();
    }
    return new TreeMap<>(committed.events.subMap(from, true, to, true));
  }

  @Override
  public StoreConfig config() {
    return config;
  }

  @Override
  public long revision() {
    return committed.revision;
  }

  @Override
  public long compactRevision() {
    return committed.compactRevision;
  }

  @Override
  public AppliedIndex appliedIndex() {
    return committed.applied;
  }

  @Override
  public Result.Range range(RangeRequest request) {
    State s = committed;
    checkRange(s, request);
    long rev = request.revision() > 0 ? request.revision() : s.revision;
    // as etcd, the header carries the store's revision even for a read in the past
    return read(s, request, rev, s.revision);
  }

  @Override
  public ApplyBatch newBatch() {
    writer.acquireUninterruptibly();
    return new ApplyBatch() {
      State working = committed.copy();
      int size;
      boolean open = true;

      @Override
      public Result apply(Command command) {
        State attempt = working.copy();
        Result r = ModelStore.this.apply(attempt, command);
        working = attempt;
        size++;
        return r;
      }

      @Override
      public int size() {
        return size;
      }

      @Override
      public void commit(AppliedIndex applied) {
        working.applied = applied;
        committed = working;
        working = committed.copy();
      }

      @Override
      public void close() {
        if (open) {
          open = false;
          writer.release();
        }
      }
    };
  }

  @Override
  public Optional<Lease> lease(long id) {
    return Optional.ofNullable(committed.leases.get(id));
  }

  /** The model has no alarms: the contract for them is {@code AlarmTest}'s, on the real engine. */
  @Override
  public List<Alarm> alarms() {
    return List.of();
  }

  @Override
  public List<Lease> leases() {
    return List.copyOf(committed.leases.values());
  }

  @Override
  public List<byte[]> leaseKeys(long id) {
    return committed.leaseKeys(id);
  }

  @Override
  public KvHash hash(long revision) {
    throw new UnsupportedOperationException("the model does not hash");
  }

  @Override
  public Watcher watch(WatchRequest request, WatchListener listener) {
    throw new UnsupportedOperationException("the model does not watch; see events()");
  }

  @Override
  public CompletableFuture<Void> compaction() {
    return CompletableFuture.completedFuture(null);
  }

  @Override
  public long checkpoint(Path target) {
    throw new UnsupportedOperationException("the model has no files");
  }

  @Override
  public long sizeBytes() {
    return 0;
  }

  @Override
  public void defragment() {}

  @Override
  public synchronized void prepareRestore(long bumpRevision, boolean markCompacted) {
    committed.revision += bumpRevision;
    if (markCompacted) {
      committed.compactRevision = committed.revision;
    }
    committed.applied = AppliedIndex.NONE;
  }

  @Override
  public void flush() {}

  @Override
  public void close() {}

  // ---------------------------------------------------------------- commands

  private Result apply(State s, Command c) {
    if (c instanceof Command.Put p) {
      validate(List.of(p));
      Tx tx = new Tx(s);
      checkPut(s, p);
      Result r = put(tx, p);
      tx.finish();
      return r;
    }
    if (c instanceof Command.DeleteRange d) {
      validate(List.of(d));
      Tx tx = new Tx(s);
      Result.DeleteRange r = delete(tx, d);
      tx.finish();
      return r;
    }
    if (c instanceof Command.Txn t) {
      return txn(s, t);
    }
    if (c instanceof Command.Compact k) {
      if (k.revision() <= s.compactRevision) {
        throw new CompactedException(s.compactRevision);
      }
      if (k.revision() > s.revision) {
        throw new FutureRevisionException(s.revision);
      }
      s.compactRevision = k.revision();
      return new Result.Compact(s.revision);
    }
    if (c instanceof Command.LeaseGrant g) {
      long id = g.id();
      if (id == 0) {
        id = Math.max(s.lastPickedLease, s.leases.isEmpty() ? 0 : s.leases.lastKey()) + 1;
        s.lastPickedLease = id;
      }
      if (s.leases.containsKey(id)) {
        throw new StoreException(StoreError.LEASE_EXISTS);
      }
      if (g.ttl() > StoreConfig.MAX_LEASE_TTL) {
        throw new StoreException(StoreError.LEASE_TTL_TOO_LARGE);
      }
      s.leases.put(id, new Lease(id, g.ttl(), 0));
      return new Result.LeaseGrant(s.revision, id, g.ttl());
    }
    if (c instanceof Command.LeaseRevoke r) {
      if (!s.leases.containsKey(r.id())) {
        throw new StoreException(StoreError.LEASE_NOT_FOUND);
      }
      Tx tx = new Tx(s);
      for (byte[] k : s.leaseKeys(r.id())) {
        KeyValue prev = s.get(k, Long.MAX_VALUE);
        tx.write(k, null, deleteEvent(k, tx.main(), prev));
      }
      s.leases.remove(r.id());
      tx.finish();
      return new Result.LeaseRevoke(s.revision);
    }
    if (c instanceof Command.ActivateAlarm || c instanceof Command.DeactivateAlarm) {
      throw new UnsupportedOperationException("the model has no alarms");
    }
    Command.LeaseCheckpoint cp = (Command.LeaseCheckpoint) c;
    for (Command.LeaseCheckpoint.Remaining r : cp.checkpoints()) {
      Lease l = s.leases.get(r.id());
      if (l != null) {
        s.leases.put(r.id(), l.withRemaining(r.remainingTtl()));
      }
    }
    return new Result.LeaseCheckpoint(s.revision);
  }

  static Event deleteEvent(byte[] key, long rev, KeyValue prev) {
    return new Event(Event.Type.DELETE, new KeyValue(key, 0, rev, 0, null, 0), prev);
  }

  private Result.Put put(Tx tx, Command.Put p) {
    KeyValue prev = tx.s.get(p.key(), Long.MAX_VALUE);
    byte[] value = p.ignoreValue() ? prev.value() : p.value();
    long lease = p.ignoreLease() ? prev.lease() : p.lease();
    KeyValue kv =
        new KeyValue(
            p.key(),
            prev == null ? tx.main() : prev.createRevision(),
            tx.main(),
            prev == null ? 1 : prev.version() + 1,
            value,
            lease);
    tx.write(p.key(), kv, new Event(Event.Type.PUT, kv, prev));
    return new Result.Put(tx.rev(), p.prevKv() ? prev : null);
  }

  private Result.DeleteRange delete(Tx tx, Command.DeleteRange d) {
    List<KeyValue> victims = tx.s.kvs(d.key(), d.rangeEnd(), Long.MAX_VALUE);
    for (KeyValue prev : victims) {
      tx.write(prev.key(), null, deleteEvent(prev.key(), tx.main(), prev));
    }
    return new Result.DeleteRange(tx.rev(), victims.size(), d.prevKv() ? victims : List.of());
  }

  private Result.Txn txn(State s, Command.Txn t) {
    validate(List.of(t));
    // etcd decides every branch, nested ones included, before running anything
    List<Boolean> path = new ArrayList<>();
    decide(s, t, path);
    checkPath(s, t, path.iterator());
    Tx tx = new Tx(s);
    Result.Txn r = run(tx, t, path.iterator());
    tx.finish();
    return new Result.Txn(s.revision, r.succeeded(), r.responses());
  }

  private void decide(State s, Command.Txn t, List<Boolean> path) {
    boolean ok = true;
    for (Compare c : t.compare()) {
      ok &= holds(s, c);
    }
    path.add(ok);
    for (RequestOp op : ok ? t.success() : t.failure()) {
      if (op instanceof Command.Txn inner) {
        decide(s, inner, path);
      }
    }
  }

  private void checkPath(State s, Command.Txn t, java.util.Iterator<Boolean> path) {
    for (RequestOp op : path.next() ? t.success() : t.failure()) {
      if (op instanceof RangeRequest r) {
        checkRange(s, r);
      } else if (op instanceof Command.Put p) {
        checkPut(s, p);
      } else if (op instanceof Command.Txn inner) {
        checkPath(s, inner, path);
      }
    }
  }

  private Result.Txn run(Tx tx, Command.Txn t, java.util.Iterator<Boolean> path) {
    boolean ok = path.next();
    List<Result> responses = new ArrayList<>();
    for (RequestOp op : ok ? t.success() : t.failure()) {
      if (op instanceof RangeRequest r) {
        responses.add(read(tx.s, r, r.revision() > 0 ? r.revision() : tx.main(), tx.rev()));
      } else if (op instanceof Command.Put p) {
        responses.add(put(tx, p));
      } else if (op instanceof Command.DeleteRange d) {
        responses.add(delete(tx, d));
      } else {
        responses.add(run(tx, (Command.Txn) op, path));
      }
    }
    // a read-only result revision is fixed up by the caller for the outer transaction
    return new Result.Txn(tx.rev(), ok, responses);
  }

  private static boolean holds(State s, Compare c) {
    List<KeyValue> kvs =
        Keys.isSingleKey(c.rangeEnd())
            ? singleton(s.get(c.key(), Long.MAX_VALUE))
            : s.kvs(c.key(), c.rangeEnd(), Long.MAX_VALUE);
    if (kvs.isEmpty()) {
      return c.target() != Compare.Target.VALUE && compare(c, null);
    }
    for (KeyValue kv : kvs) {
      if (!compare(c, kv)) {
        return false;
      }
    }
    return true;
  }

  private static List<KeyValue> singleton(KeyValue kv) {
    return kv == null ? List.of() : List.of(kv);
  }

  private static boolean compare(Compare c, KeyValue kv) {
    int r;
    if (c.target() == Compare.Target.VALUE) {
      r = Integer.signum(Arrays.compareUnsigned(kv.value(), c.value()));
    } else {
      long actual =
          kv == null
              ? 0
              : switch (c.target()) {
                case VERSION -> kv.version();
                case CREATE -> kv.createRevision();
                case MOD -> kv.modRevision();
                case LEASE -> kv.lease();
                case VALUE -> throw new AssertionError();
              };
      r = Long.compare(actual, c.number());
    }
    return switch (c.result()) {
      case EQUAL -> r == 0;
      case NOT_EQUAL -> r != 0;
      case GREATER -> r > 0;
      case LESS -> r < 0;
    };
  }

  // ---------------------------------------------------------------- checks

  private static void checkRange(State s, RangeRequest r) {
    if (r.key().length == 0) {
      throw new StoreException(StoreError.EMPTY_KEY);
    }
    if (r.revision() > s.revision) {
      throw new FutureRevisionException(s.revision);
    }
    if (r.revision() > 0 && r.revision() < s.compactRevision) {
      throw new CompactedException(s.compactRevision);
    }
  }

  private static void checkPut(State s, Command.Put p) {
    if (p.ignoreValue() || p.ignoreLease()) {
      if (s.get(p.key(), Long.MAX_VALUE) == null) {
        throw new StoreException(StoreError.KEY_NOT_FOUND);
      }
    }
    if (p.lease() != 0 && !s.leases.containsKey(p.lease())) {
      throw new StoreException(StoreError.LEASE_NOT_FOUND);
    }
  }

  /** The checks etcd makes before a request enters the log: size, shape, duplicate keys. */
  private void validate(List<RequestOp> ops) {
    long size = 0;
    for (RequestOp op : ops) {
      size += size(op);
    }
    if (size > config.maxRequestBytes()) {
      throw new StoreException(StoreError.REQUEST_TOO_LARGE);
    }
    for (RequestOp op : ops) {
      checkShape(op);
      if (op instanceof Command.Txn t) {
        checkIntervals(t.success());
        checkIntervals(t.failure());
      }
    }
  }

  private static long size(RequestOp op) {
    if (op instanceof RangeRequest r) {
      return r.key().length + r.rangeEnd().length;
    }
    if (op instanceof Command.Put p) {
      return p.key().length + p.value().length;
    }
    if (op instanceof Command.DeleteRange d) {
      return d.key().length + d.rangeEnd().length;
    }
    Command.Txn t = (Command.Txn) op;
    long n = 0;
    for (Compare c : t.compare()) {
      n += c.key().length + c.rangeEnd().length + c.value().length;
    }
    for (RequestOp o : t.success()) {
      n += size(o);
    }
    for (RequestOp o : t.failure()) {
      n += size(o);
    }
    return n;
  }

  private void checkShape(RequestOp op) {
    byte[] key =
        op instanceof RangeRequest r
            ? r.key()
            : op instanceof Command.Put p
                ? p.key()
                : op instanceof Command.DeleteRange d ? d.key() : null;
    if (key != null && key.length == 0) {
      throw new StoreException(StoreError.EMPTY_KEY);
    }
    if (op instanceof Command.Put p) {
      if (p.ignoreValue() && p.value().length != 0) {
        throw new StoreException(StoreError.VALUE_PROVIDED);
      }
      if (p.ignoreLease() && p.lease() != 0) {
        throw new StoreException(StoreError.LEASE_PROVIDED);
      }
    }
    if (op instanceof Command.Txn t) {
      int max = config.maxTxnOps();
      if (t.compare().size() > max || t.success().size() > max || t.failure().size() > max) {
        throw new StoreException(StoreError.TOO_MANY_OPS);
      }
      t.success().forEach(this::checkShape);
      t.failure().forEach(this::checkShape);
    }
  }

  /** etcd's {@code checkIntervals}: the keys one branch puts, and the ranges it deletes. */
  private record Writes(Set<String> puts, List<byte[][]> dels) {
    boolean deletes(byte[] key) {
      for (byte[][] d : dels) {
        if (Keys.inRange(key, d[0], d[1])) {
          return true;
        }
      }
      return false;
    }
  }

  private static Writes checkIntervals(List<RequestOp> ops) {
    List<byte[][]> dels = new ArrayList<>();
    for (RequestOp op : ops) {
      if (op instanceof Command.DeleteRange d) {
        dels.add(new byte[][] {d.key(), d.rangeEnd()});
      }
    }
    Writes w = new Writes(new HashSet<>(), dels);
    for (RequestOp op : ops) {
      if (!(op instanceof Command.Txn t)) {
        continue;
      }
      Writes then = checkIntervals(t.success());
      Writes otherwise = checkIntervals(t.failure());
      for (String k : then.puts()) {
        if (w.puts().contains(k) || w.deletes(latin1(k))) {
          throw new StoreException(StoreError.DUPLICATE_KEY);
        }
        w.puts().add(k);
      }
      for (String k : otherwise.puts()) {
        if (w.puts().contains(k) && !then.puts().contains(k)) {
          throw new StoreException(StoreError.DUPLICATE_KEY);
        }
        if (w.deletes(latin1(k))) {
          throw new StoreException(StoreError.DUPLICATE_KEY);
        }
        w.puts().add(k);
      }
      dels.addAll(then.dels());
      dels.addAll(otherwise.dels());
    }
    for (RequestOp op : ops) {
      if (op instanceof Command.Put p) {
        String k = new String(p.key(), java.nio.charset.StandardCharsets.ISO_8859_1);
        if (w.puts().contains(k) || w.deletes(p.key())) {
          throw new StoreException(StoreError.DUPLICATE_KEY);
        }
        w.puts().add(k);
      }
    }
    return w;
  }

  private static byte[] latin1(String k) {
    return k.getBytes(java.nio.charset.StandardCharsets.ISO_8859_1);
  }

  // ---------------------------------------------------------------- reads

  /** etcd's {@code executeRange} over the model's state at {@code rev}. */
  static Result.Range read(State s, RangeRequest r, long rev, long reported) {
    List<KeyValue> all = s.kvs(r.key(), r.rangeEnd(), rev);
    long count = all.size();
    if (r.countOnly()) {
      return new Result.Range(reported, List.of(), false, count);
    }
    List<KeyValue> kvs = new ArrayList<>();
    for (KeyValue kv : all) {
      if ((r.maxModRevision() == 0 || kv.modRevision() <= r.maxModRevision())
          && (r.minModRevision() == 0 || kv.modRevision() >= r.minModRevision())
          && (r.maxCreateRevision() == 0 || kv.createRevision() <= r.maxCreateRevision())
          && (r.minCreateRevision() == 0 || kv.createRevision() >= r.minCreateRevision())) {
        kvs.add(kv);
      }
    }
    // etcd fetches only limit + 1 keys (in key order) unless the request sorts or filters, and
    // then sorts what it fetched: a non-key sort target with sort order NONE (sorted ascending
    // below) orders only that window, not the whole range
    boolean filtered =
        r.maxModRevision() != 0
            || r.minModRevision() != 0
            || r.maxCreateRevision() != 0
            || r.minCreateRevision() != 0;
    if (r.sortOrder() == RangeRequest.SortOrder.NONE
        && !filtered
        && r.limit() > 0
        && kvs.size() > r.limit() + 1) {
      kvs = new ArrayList<>(kvs.subList(0, (int) r.limit() + 1));
    }
    RangeRequest.SortOrder order = r.sortOrder();
    if (r.sortTarget() != RangeRequest.SortTarget.KEY && order == RangeRequest.SortOrder.NONE) {
      order = RangeRequest.SortOrder.ASCEND;
    }
    if (order != RangeRequest.SortOrder.NONE) {
      Comparator<KeyValue> by = sortKey(r.sortTarget());
      kvs.sort(order == RangeRequest.SortOrder.ASCEND ? by : by.reversed());
    }
    boolean more = false;
    if (r.limit() > 0 && kvs.size() > r.limit()) {
      kvs = new ArrayList<>(kvs.subList(0, (int) r.limit()));
      more = true;
    }
    if (r.keysOnly()) {
      kvs.replaceAll(KeyValue::withoutValue);
    }
    return new Result.Range(reported, kvs, more, count);
  }

  static Comparator<KeyValue> sortKey(RangeRequest.SortTarget target) {
    return switch (target) {
      case KEY -> (a, b) -> Keys.compare(a.key(), b.key());
      case VERSION -> Comparator.comparingLong(KeyValue::version);
      case CREATE -> Comparator.comparingLong(KeyValue::createRevision);
      case MOD -> Comparator.comparingLong(KeyValue::modRevision);
      case VALUE -> (a, b) -> Keys.compare(a.value(), b.value());
    };
  }
}
