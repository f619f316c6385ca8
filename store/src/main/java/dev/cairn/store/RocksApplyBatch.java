package dev.cairn.store;

import java.nio.ByteBuffer;
import java.util.ArrayDeque;
import java.util.ArrayList;
import java.util.Deque;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.NavigableMap;
import java.util.TreeMap;
import java.util.concurrent.locks.ReentrantLock;
import java.util.function.Predicate;
import org.rocksdb.RocksDBException;
import org.rocksdb.RocksIterator;
import org.rocksdb.WriteBatch;

/**
 * An open write transaction over {@link RocksMvccStore}: commands write into one RocksDB {@link
 * WriteBatch}, and an overlay of the versions written so far lets later commands read them before
 * anything is committed.
 *
 * <p>Each command runs inside a save point: if it is refused half-way (say the third operation of a
 * transaction names an unknown lease), the write batch rolls back to the save point and an undo log
 * restores the overlay and the lease changes, so the command leaves no trace.
 */
final class RocksApplyBatch implements ApplyBatch {
  private final RocksMvccStore store;
  private final ReentrantLock writer;
  private final StoreConfig config;
  private final WriteBatch wb = new WriteBatch();
  private RocksIterator baseIterator;
  private DbKvView base;
  private final View view = new View();

  /** Versions written by this batch, per key, oldest first; a null value is a deletion. */
  private final TreeMap<byte[], List<Written>> overlay = new TreeMap<>(Keys::compare);

  private final Map<Long, Lease> leaseChanges = new HashMap<>();
  private final Map<Long, TreeMap<byte[], Boolean>> attachChanges = new HashMap<>();
  private final List<Event> events = new ArrayList<>();
  private final Deque<Runnable> undo = new ArrayDeque<>();

  private long revision;
  private long compactRevision;
  private long leaseSeq;

  /** The active alarms as this batch sees them, in {@link Alarm#ORDER}. */
  private List<Alarm> alarms;

  private int size;
  private boolean done;

  /** The main revision the running command writes at, and its next sub revision. */
  private long cmdMain;

  private long sub;

  private record Written(long main, KeyValue kv) {}

  RocksApplyBatch(RocksMvccStore store, ReentrantLock writer) {
    this.store = store;
    this.writer = writer;
    this.config = store.config();
    this.revision = store.revision();
    this.compactRevision = store.compactRevision();
    this.leaseSeq = store.leaseSeq();
    this.alarms = store.alarms();
  }

  @Override
  public int size() {
    return size;
  }

  @Override
  public Result apply(Command command) {
    if (done) {
      throw new IllegalStateException("batch is committed or closed");
    }
    wb.setSavePoint();
    undo.clear();
    int eventsMark = events.size();
    long revisionMark = revision;
    long compactMark = compactRevision;
    long seqMark = leaseSeq;
    List<Alarm> alarmsMark = alarms;
    cmdMain = revision + 1;
    sub = 0;
    try {
      Result result;
      StoreError refused = Alarm.refusal(alarms, command);
      if (refused != null) {
        throw new StoreException(refused);
      }
      if (command instanceof Command.Put p) {
        result = put(p);
      } else if (command instanceof Command.DeleteRange d) {
        result = delete(d);
      } else if (command instanceof Command.Txn t) {
        Validation.checkTxn(t, config);
        result = txn(t);
      } else if (command instanceof Command.Compact c) {
        result = compact(c);
      } else if (command instanceof Command.LeaseGrant g) {
        result = grant(g);
      } else if (command instanceof Command.LeaseRevoke r) {
        result = revoke(r);
      } else if (command instanceof Command.ActivateAlarm a) {
        result = activate(a.alarm());
      } else if (command instanceof Command.DeactivateAlarm d) {
        result = deactivate(d.alarm());
      } else {
        result = checkpoint((Command.LeaseCheckpoint) command);
      }
      wb.popSavePoint();
      size++;
      return result;
    } catch (RuntimeException | RocksDBException e) {
      try {
        wb.rollbackToSavePoint();
      } catch (RocksDBException re) {
        throw new StorageException("rollback failed", re);
      }
      while (!undo.isEmpty()) {
        undo.pop().run();
      }
      events.subList(eventsMark, events.size()).clear();
      revision = revisionMark;
      compactRevision = compactMark;
      leaseSeq = seqMark;
      alarms = alarmsMark;
      if (e instanceof RocksDBException re) {
        throw new StorageException("apply failed: " + re.getMessage(), re);
      }
      throw (RuntimeException) e;
    }
  }

  /** The revision reads inside the running command see: its own writes included. */
  private long readRevision() {
    return sub > 0 ? cmdMain : revision;
  }

  private long nextSub() {
    if (sub == 0) {
      revision = cmdMain;
    }
    return sub++;
  }

  private static void checkKey(byte[] key) {
    if (key.length == 0) {
      throw new StoreException(StoreError.EMPTY_KEY);
    }
  }

  private void checkSize(long bytes) {
    if (bytes > config.maxRequestBytes()) {
      throw new StoreException(StoreError.REQUEST_TOO_LARGE);
    }
  }

  private Result.Put put(Command.Put p) throws RocksDBException {
    checkKey(p.key());
    checkSize((long) p.key().length + p.value().length);
    if (p.ignoreValue() && p.value().length > 0) {
      throw new StoreException(StoreError.VALUE_PROVIDED);
    }
    if (p.ignoreLease() && p.lease() != 0) {
      throw new StoreException(StoreError.LEASE_PROVIDED);
    }
    KeyValue prev = view.get(p.key(), readRevision());
    if ((p.ignoreValue() || p.ignoreLease()) && prev == null) {
      throw new StoreException(StoreError.KEY_NOT_FOUND);
    }
    long lease = p.ignoreLease() ? prev.lease() : p.lease();
    if (lease != 0 && lease(lease) == null) {
      throw new StoreException(StoreError.LEASE_NOT_FOUND);
    }
    byte[] value = p.ignoreValue() ? prev.value() : p.value();
    long s = nextSub();
    KeyValue kv =
        new KeyValue(
            p.key(),
            prev == null ? cmdMain : prev.createRevision(),
            cmdMain,
            prev == null ? 1 : prev.version() + 1,
            value,
            lease);
    write(p.key(), s, kv);
    if (prev != null && prev.lease() != 0 && prev.lease() != lease) {
      attach(prev.lease(), p.key(), false);
    }
    if (lease != 0 && (prev == null || prev.lease() != lease)) {
      attach(lease, p.key(), true);
    }
    events.add(new Event(Event.Type.PUT, kv, prev));
    return new Result.Put(revision, p.prevKv() ? prev : null);
  }

  private Result.DeleteRange delete(Command.DeleteRange d) throws RocksDBException {
    checkKey(d.key());
    List<KeyValue> victims = view.all(d.key(), d.rangeEnd(), readRevision());
    for (KeyValue prev : victims) {
      deleteKey(prev);
      if (prev.lease() != 0) {
        attach(prev.lease(), prev.key(), false);
      }
    }
    return new Result.DeleteRange(revision, victims.size(), d.prevKv() ? victims : List.of());
  }

  private void deleteKey(KeyValue prev) throws RocksDBException {
    long s = nextSub();
    write(prev.key(), s, null);
    events.add(
        new Event(Event.Type.DELETE, new KeyValue(prev.key(), 0, cmdMain, 0, null, 0), prev));
  }

  /**
   * Runs a transaction the way etcd does: first every compare on the path to be taken, nested ones
   * included, is evaluated against the state before the transaction; then the chosen operations run
   * in order, each seeing the ones before it.
   */
  private Result.Txn txn(Command.Txn t) throws RocksDBException {
    java.util.ArrayDeque<Boolean> path = new java.util.ArrayDeque<>();
    choosePath(t, path);
    return txn(t, path);
  }

  private void choosePath(Command.Txn t, java.util.ArrayDeque<Boolean> path) {
    boolean ok = true;
    for (Compare c : t.compare()) {
      if (!holds(c)) {
        ok = false;
        break;
      }
    }
    path.add(ok);
    for (RequestOp op : ok ? t.success() : t.failure()) {
      if (op instanceof Command.Txn nested) {
        choosePath(nested, path);
      }
    }
  }

  private Result.Txn txn(Command.Txn t, java.util.ArrayDeque<Boolean> path)
      throws RocksDBException {
    boolean ok = path.poll();
    List<Result> results = new ArrayList<>();
    for (RequestOp op : ok ? t.success() : t.failure()) {
      if (op instanceof RangeRequest r) {
        results.add(rangeInTxn(r));
      } else if (op instanceof Command.Put p) {
        results.add(put(p));
      } else if (op instanceof Command.DeleteRange d) {
        results.add(delete(d));
      } else {
        results.add(txn((Command.Txn) op, path));
      }
    }
    return new Result.Txn(revision, ok, results);
  }

  private boolean holds(Compare c) {
    List<KeyValue> kvs = view.all(c.key(), c.rangeEnd(), readRevision());
    if (kvs.isEmpty()) {
      return c.test(null);
    }
    for (KeyValue kv : kvs) {
      if (!c.test(kv)) {
        return false;
      }
    }
    return true;
  }

  /**
   * A read inside a transaction sees the transaction's earlier writes; an explicit revision is
   * checked against the revision before the transaction, as etcd checks it.
   */
  private Result.Range rangeInTxn(RangeRequest r) {
    checkKey(r.key());
    long current = readRevision();
    RocksMvccStore.resolve(r.revision(), cmdMain - 1, compactRevision);
    long rev = r.revision() <= 0 ? current : r.revision();
    Result.Range range = view.range(r, rev);
    return new Result.Range(current, range.kvs(), range.more(), range.count());
  }

  private Result.Compact compact(Command.Compact c) throws RocksDBException {
    if (c.revision() <= compactRevision) {
      throw new CompactedException(compactRevision);
    }
    if (c.revision() > revision) {
      throw new FutureRevisionException(revision);
    }
    compactRevision = c.revision();
    wb.put(store.meta, Layout.META_COMPACT, Layout.longBytes(compactRevision));
    return new Result.Compact(revision);
  }

  private Result.LeaseGrant grant(Command.LeaseGrant g) throws RocksDBException {
    if (g.ttl() > StoreConfig.MAX_LEASE_TTL) {
      throw new StoreException(StoreError.LEASE_TTL_TOO_LARGE);
    }
    long id = g.id();
    if (id == 0) {
      do {
        id = mix(++leaseSeq);
      } while (id == 0 || lease(id) != null);
      wb.put(store.meta, Layout.META_LEASE_SEQ, Layout.longBytes(leaseSeq));
    } else if (lease(id) != null) {
      throw new StoreException(StoreError.LEASE_EXISTS);
    }
    putLease(id, new Lease(id, g.ttl(), 0));
    return new Result.LeaseGrant(revision, id, g.ttl());
  }

  /** A deterministic, well-spread positive id from a sequence number (SplitMix64's finalizer). */
  private static long mix(long x) {
    long z = x * 0x9E3779B97F4A7C15L;
    z = (z ^ (z >>> 30)) * 0xBF58476D1CE4E5B9L;
    z = (z ^ (z >>> 27)) * 0x94D049BB133111EBL;
    return (z ^ (z >>> 31)) & Long.MAX_VALUE;
  }

  private Result.LeaseRevoke revoke(Command.LeaseRevoke r) throws RocksDBException {
    if (lease(r.id()) == null) {
      throw new StoreException(StoreError.LEASE_NOT_FOUND);
    }
    for (byte[] key : attachedKeys(r.id())) {
      KeyValue prev = view.get(key, readRevision());
      if (prev != null && prev.lease() == r.id()) {
        deleteKey(prev);
      }
      attach(r.id(), key, false);
    }
    putLease(r.id(), null);
    return new Result.LeaseRevoke(revision);
  }

  private Result.LeaseCheckpoint checkpoint(Command.LeaseCheckpoint c) throws RocksDBException {
    for (Command.LeaseCheckpoint.Remaining r : c.checkpoints()) {
      Lease lease = lease(r.id());
      if (lease != null) { // a lease revoked since the leader took its reading is no error
        putLease(r.id(), lease.withRemaining(r.remainingTtl()));
      }
    }
    return new Result.LeaseCheckpoint(revision);
  }

  /** Raises an alarm; the answer lists it, also when it was already active (as etcd's does). */
  private Result.Alarms activate(Alarm alarm) throws RocksDBException {
    if (alarm.type() == Alarm.Type.NONE) {
      return new Result.Alarms(revision, List.of());
    }
    if (!alarms.contains(alarm)) {
      List<Alarm> changed = new ArrayList<>(alarms);
      changed.add(alarm);
      changed.sort(Alarm.ORDER);
      alarms = List.copyOf(changed);
      wb.put(store.meta, Layout.alarmKey(alarm), new byte[0]);
    }
    return new Result.Alarms(revision, List.of(alarm));
  }

  /** Clears an alarm; the answer lists it if it was active, else nothing. */
  private Result.Alarms deactivate(Alarm alarm) throws RocksDBException {
    if (!alarms.contains(alarm)) {
      return new Result.Alarms(revision, List.of());
    }
    List<Alarm> changed = new ArrayList<>(alarms);
    changed.remove(alarm);
    alarms = List.copyOf(changed);
    wb.delete(store.meta, Layout.alarmKey(alarm));
    return new Result.Alarms(revision, List.of(alarm));
  }

  // ---- state as this batch sees it, and the writes that change it (each with its undo) ----

  private Lease lease(long id) {
    if (leaseChanges.containsKey(id)) {
      return leaseChanges.get(id);
    }
    return store.lessor.get(id).orElse(null);
  }

  private void putLease(long id, Lease lease) throws RocksDBException {
    boolean had = leaseChanges.containsKey(id);
    Lease before = leaseChanges.get(id);
    undo.push(
        () -> {
          if (had) {
            leaseChanges.put(id, before);
          } else {
            leaseChanges.remove(id);
          }
        });
    leaseChanges.put(id, lease);
    if (lease == null) {
      wb.delete(store.leases, Layout.leaseKey(id));
    } else {
      wb.put(store.leases, Layout.leaseKey(id), Layout.leaseValue(lease));
    }
  }

  private void attach(long id, byte[] key, boolean attached) throws RocksDBException {
    TreeMap<byte[], Boolean> changes =
        attachChanges.computeIfAbsent(id, x -> new TreeMap<>(Keys::compare));
    boolean had = changes.containsKey(key);
    Boolean before = changes.get(key);
    undo.push(
        () -> {
          if (had) {
            changes.put(key, before);
          } else {
            changes.remove(key);
          }
        });
    changes.put(key, attached);
    byte[] entry = Layout.leaseKeyEntry(id, key);
    if (attached) {
      wb.put(store.leaseKeys, entry, new byte[0]);
    } else {
      wb.delete(store.leaseKeys, entry);
    }
  }

  private List<byte[]> attachedKeys(long id) {
    TreeMap<byte[], Boolean> keys = new TreeMap<>(Keys::compare);
    for (byte[] k : store.attachedKeys(id)) {
      keys.put(k, true);
    }
    keys.putAll(attachChanges.getOrDefault(id, new TreeMap<>(Keys::compare)));
    List<byte[]> out = new ArrayList<>();
    keys.forEach(
        (k, attached) -> {
          if (attached) {
            out.add(k);
          }
        });
    return out;
  }

  /** Writes one version of {@code key} at {@code (cmdMain, sub)}; {@code kv == null} deletes. */
  private void write(byte[] key, long s, KeyValue kv) throws RocksDBException {
    byte[] group = Layout.group(key);
    wb.put(
        store.kv,
        Layout.kvKey(group, cmdMain, s),
        kv == null ? Layout.tombstoneValue() : Layout.kvValue(kv));
    wb.put(
        store.revs,
        new Revision(cmdMain, s).toBytes(),
        Layout.revValue(kv == null ? Layout.FLAG_TOMBSTONE : Layout.FLAG_PUT, key));
    List<Written> versions = overlay.get(key);
    if (versions == null) {
      List<Written> created = new ArrayList<>(2);
      overlay.put(key, created);
      undo.push(() -> overlay.remove(key));
      versions = created;
    } else {
      List<Written> existing = versions;
      int mark = existing.size();
      undo.push(() -> existing.subList(mark, existing.size()).clear());
    }
    versions.add(new Written(cmdMain, kv));
  }

  @Override
  public void commit(AppliedIndex applied) {
    if (done) {
      throw new IllegalStateException("batch is committed or closed");
    }
    try {
      wb.put(store.meta, Layout.META_REVISION, Layout.longBytes(revision));
      if (applied != null && applied.index() >= 0) {
        wb.put(
            store.meta,
            Layout.META_APPLIED,
            ByteBuffer.allocate(16).putLong(applied.term()).putLong(applied.index()).array());
      }
    } catch (RocksDBException e) {
      throw new StorageException("commit failed: " + e.getMessage(), e);
    }
    store.write(wb);
    done = true;
    // a key's list is never empty: a refused command's undo removes the lists it created
    overlay.forEach(
        (key, versions) -> store.latest.put(key, versions.get(versions.size() - 1).kv()));
    store.publish(
        revision,
        applied == null || applied.index() < 0 ? store.appliedIndex() : applied,
        compactRevision,
        leaseSeq,
        leaseChanges,
        alarms,
        events);
  }

  @Override
  public void close() {
    if (baseIterator != null) {
      baseIterator.close();
    }
    wb.close();
    done = true;
    if (writer.isHeldByCurrentThread()) {
      writer.unlock();
    }
  }

  /** The committed store as this batch sees it, with the batch's own writes on top. */
  private final class View implements KvView {
    private DbKvView base() {
      if (base == null) {
        baseIterator = store.db().newIterator(store.kv, store.readOptions);
        base = new DbKvView(baseIterator);
      }
      return base;
    }

    /**
     * The overlay's version of a key at {@code rev}: null if none, else a holder (kv null =
     * deleted).
     */
    private Written fromOverlay(byte[] key, long rev) {
      List<Written> versions = overlay.get(key);
      if (versions == null) {
        return null;
      }
      for (int i = versions.size() - 1; i >= 0; i--) {
        if (versions.get(i).main() <= rev) {
          return versions.get(i);
        }
      }
      return null;
    }

    @Override
    public KeyValue get(byte[] key, long rev) {
      Written w = fromOverlay(key, rev);
      if (w != null) {
        return w.kv();
      }
      if (rev < store.revision()) {
        return base().get(key, rev); // an older revision: only the store's history has it
      }
      // the committed store's newest version, which is what it holds at any revision from its
      // current one on (this batch's own writes are in the overlay)
      KeyValue known = store.latest.get(key);
      if (known != null) {
        return known == LatestVersions.ABSENT ? null : known;
      }
      KeyValue kv = base().get(key, rev);
      store.latest.put(key, kv);
      return kv;
    }

    @Override
    public void scan(byte[] key, byte[] rangeEnd, long rev, Predicate<KeyValue> visitor) {
      if (!Keys.isOpenEnded(rangeEnd) && Keys.compare(key, rangeEnd) >= 0) {
        return; // [key, end) with end ≤ key is empty; TreeMap.subMap would throw
      }
      NavigableMap<byte[], List<Written>> mine =
          Keys.isOpenEnded(rangeEnd)
              ? overlay.tailMap(key, true)
              : overlay.subMap(key, true, rangeEnd, false);
      if (mine.isEmpty()) {
        base().scan(key, rangeEnd, rev, visitor);
        return;
      }
      var pending = new ArrayDeque<byte[]>(mine.keySet());
      boolean[] stopped = {false};
      base()
          .scan(
              key,
              rangeEnd,
              rev,
              kv -> {
                while (!pending.isEmpty() && Keys.compare(pending.peek(), kv.key()) < 0) {
                  if (!emitOverlay(pending.poll(), rev, null, visitor)) {
                    stopped[0] = true;
                    return false;
                  }
                }
                if (!pending.isEmpty() && Keys.compare(pending.peek(), kv.key()) == 0) {
                  if (!emitOverlay(pending.poll(), rev, kv, visitor)) {
                    stopped[0] = true;
                    return false;
                  }
                  return true;
                }
                if (!visitor.test(kv)) {
                  stopped[0] = true;
                  return false;
                }
                return true;
              });
      while (!stopped[0] && !pending.isEmpty()) {
        if (!emitOverlay(pending.poll(), rev, null, visitor)) {
          return;
        }
      }
    }

    /**
     * Emits the overlay's version of a key, or the committed one if the overlay has none at rev.
     */
    private boolean emitOverlay(
        byte[] key, long rev, KeyValue committed, Predicate<KeyValue> visitor) {
      Written w = fromOverlay(key, rev);
      KeyValue kv = w != null ? w.kv() : committed;
      return kv == null || visitor.test(kv);
    }
  }
}
