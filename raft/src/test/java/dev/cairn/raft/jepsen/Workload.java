package dev.cairn.raft.jepsen;

import static java.nio.charset.StandardCharsets.UTF_8;

import dev.cairn.raft.linearizability.Op;
import io.etcd.jetcd.ByteSequence;
import io.etcd.jetcd.Client;
import io.etcd.jetcd.KV;
import io.etcd.jetcd.KeyValue;
import io.etcd.jetcd.Lease;
import io.etcd.jetcd.common.exception.EtcdException;
import io.etcd.jetcd.kv.DeleteResponse;
import io.etcd.jetcd.kv.GetResponse;
import io.etcd.jetcd.kv.PutResponse;
import io.etcd.jetcd.kv.TxnResponse;
import io.etcd.jetcd.op.Cmp;
import io.etcd.jetcd.op.CmpTarget;
import io.etcd.jetcd.options.PutOption;
import io.grpc.Status;
import io.grpc.StatusRuntimeException;
import java.util.ArrayDeque;
import java.util.ArrayList;
import java.util.Deque;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Random;
import java.util.Set;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;
import java.util.concurrent.atomic.AtomicLong;

/**
 * The load of a run: client threads, each with its own jetcd {@link Client} over every member,
 * doing get, put, delete and compare-and-swap on a few keys and lease cycles (grant, put attached,
 * get, revoke, get) on keys of their own, while a compactor compacts a little behind the current
 * revision. Every operation goes into the {@link History}.
 *
 * <p>Which errors are definite failures: only etcd errors the server gives when it refuses a
 * request or when the state machine applies it as an error with no effect (INVALID_ARGUMENT,
 * OUT_OF_RANGE, NOT_FOUND, FAILED_PRECONDITION, RESOURCE_EXHAUSTED). Everything else — our
 * deadline, UNAVAILABLE (leader changed, Ratis timeout, connection lost), UNKNOWN,
 * DEADLINE_EXCEEDED — leaves a write unknown: it may have been committed. jetcd does not retry
 * puts, deletes and txns on those errors (only on auth errors), so one invocation is at most one
 * proposal from the client.
 */
final class Workload implements AutoCloseable {
  static final String PREFIX = "/j/";
  static final long OP_TIMEOUT_MS = 2500;

  private final ProcessCluster cluster;
  private final History history;
  private final int keys;
  private final List<Client> clients = new ArrayList<>();
  private final List<Thread> threads = new ArrayList<>();
  private volatile boolean stopping;
  private final AtomicLong compactedTo = new AtomicLong();
  private final AtomicLong compactions = new AtomicLong();
  private final List<LeaseExpiry> expiries = new java.util.concurrent.CopyOnWriteArrayList<>();
  private final long seed;

  /** The TTL the lease-expiry thread asks for (Cairn raises it to its minimum if lower). */
  static final long EXPIRY_TTL_SECONDS = 3;

  Workload(ProcessCluster cluster, History history, int clients, int keys, long seed) {
    this.cluster = cluster;
    this.history = history;
    this.keys = keys;
    this.seed = seed;
    for (int c = 0; c < clients; c++) {
      Client client = cluster.client();
      this.clients.add(client);
      int id = c;
      threads.add(new Thread(() -> runClient(id, client), "client-" + c));
    }
    Client compactor = cluster.client();
    this.clients.add(compactor);
    threads.add(new Thread(() -> runCompactor(compactor), "compactor"));
    Client expiring = cluster.client();
    this.clients.add(expiring);
    threads.add(new Thread(() -> runLeaseExpiry(expiring), "lease-expiry"));
  }

  static String key(int i) {
    return PREFIX + "k" + i;
  }

  static String txnMarker(String key) {
    return PREFIX + "txn/" + key.substring(PREFIX.length());
  }

  void start() {
    threads.forEach(Thread::start);
  }

  /** Stops the load and waits for every thread (each finishes its operation in flight). */
  void stop() throws InterruptedException {
    stopping = true;
    for (Thread t : threads) {
      t.join(TimeUnit.SECONDS.toMillis(30));
      if (t.isAlive()) {
        throw new IllegalStateException(t.getName() + " did not stop");
      }
    }
  }

  long compactedTo() {
    return compactedTo.get();
  }

  long compactions() {
    return compactions.get();
  }

  /** The leases left to expire, with what was read of their keys. */
  List<LeaseExpiry> expiries() {
    return List.copyOf(expiries);
  }

  private void runClient(int c, Client client) {
    Random rnd = new Random(seed * 31 + c);
    KV kv = client.getKVClient();
    Map<String, String> lastSeen = new HashMap<>();
    long n = 0;
    while (!stopping) {
      n++;
      if (n % 20 == 0) {
        leaseCycle(c, n, client, rnd);
        continue;
      }
      String key = key(rnd.nextInt(keys));
      String value = "c" + c + "-" + n;
      int dice = rnd.nextInt(100);
      if (dice < 30) {
        String read = get(c, kv, key);
        if (read != null) {
          lastSeen.put(key, read.equals("\0absent") ? null : read);
        }
      } else if (dice < 55) {
        put(c, kv, key, value);
      } else if (dice < 65) {
        delete(c, kv, key);
      } else {
        String expected = rnd.nextInt(4) == 0 ? null : lastSeen.get(key);
        cas(c, kv, key, expected, value);
        lastSeen.remove(key);
      }
    }
  }

  /** A linearizable get; returns the value, "\0absent", or null if it failed. */
  String get(int c, KV kv, String key) {
    long t0 = System.nanoTime();
    try {
      GetResponse r = await(kv.get(b(key)));
      long t1 = System.nanoTime();
      List<KeyValue> kvs = r.getKvs();
      String v = kvs.isEmpty() ? null : kvs.get(0).getValue().toString(UTF_8);
      history.ok(Op.get(c, key, v, t0, t1), r.getHeader().getRevision());
      return v == null ? "\0absent" : v;
    } catch (Exception e) {
      // a read has no effect: drop it whatever the error
      history.fail(Op.get(c, key, null, t0, Long.MAX_VALUE), describe(e));
      return null;
    }
  }

  void put(int c, KV kv, String key, String value) {
    put(c, kv, key, value, PutOption.DEFAULT);
  }

  private void put(int c, KV kv, String key, String value, PutOption option) {
    long t0 = System.nanoTime();
    Op invoked = Op.put(c, key, value, t0, Long.MAX_VALUE);
    try {
      PutResponse r = await(kv.put(b(key), b(value), option));
      long rev = r.getHeader().getRevision();
      history.ok(Op.put(c, key, value, t0, System.nanoTime()), rev);
      history.ackedWrite(rev, key, value);
    } catch (Exception e) {
      record(invoked, e);
    }
  }

  private void delete(int c, KV kv, String key) {
    long t0 = System.nanoTime();
    Op invoked = Op.delete(c, key, t0, Long.MAX_VALUE);
    try {
      DeleteResponse r = await(kv.delete(b(key)));
      long rev = r.getHeader().getRevision();
      history.ok(Op.delete(c, key, r.getDeleted(), t0, System.nanoTime()), rev);
      if (r.getDeleted() > 0) {
        history.ackedWrite(rev, key, null);
      }
    } catch (Exception e) {
      record(invoked, e);
    }
  }

  /** if value(key) == expected (null: absent) then put key=value and its txn marker. */
  private void cas(int c, KV kv, String key, String expected, String value) {
    long t0 = System.nanoTime();
    Op invoked = Op.cas(c, key, expected, value, false, t0, Long.MAX_VALUE);
    Cmp cmp =
        expected == null
            ? new Cmp(b(key), Cmp.Op.EQUAL, CmpTarget.version(0))
            : new Cmp(b(key), Cmp.Op.EQUAL, CmpTarget.value(b(expected)));
    try {
      TxnResponse r =
          await(
              kv.txn()
                  .If(cmp)
                  .Then(
                      io.etcd.jetcd.op.Op.put(b(key), b(value), PutOption.DEFAULT),
                      io.etcd.jetcd.op.Op.put(b(txnMarker(key)), b(value), PutOption.DEFAULT))
                  .commit());
      long rev = r.getHeader().getRevision();
      history.ok(Op.cas(c, key, expected, value, r.isSucceeded(), t0, System.nanoTime()), rev);
      if (r.isSucceeded()) {
        history.ackedWrite(rev, key, value);
        history.ackedWrite(rev, txnMarker(key), value);
      }
    } catch (Exception e) {
      record(invoked, e);
    }
  }

  /**
   * grant (TTL 60 s) → put attached → get → revoke → get, on a key of this cycle only. The revoke
   * is a delete of the key in the model; the lease cannot expire on its own within the cycle.
   */
  private void leaseCycle(int c, long n, Client client, Random rnd) {
    Lease lease = client.getLeaseClient();
    KV kv = client.getKVClient();
    String key = PREFIX + "lease/c" + c + "-" + n;
    long id;
    try {
      id = await(lease.grant(60)).getID();
    } catch (Exception e) {
      return; // a lease with no key: harmless whatever happened
    }
    put(c, kv, key, "l" + c + "-" + n, PutOption.builder().withLeaseId(id).build());
    get(c, kv, key);
    long t0 = System.nanoTime();
    Op invoked = Op.delete(c, key, t0, Long.MAX_VALUE);
    try {
      await(lease.revoke(id));
      history.ok(Op.delete(c, key, t0, System.nanoTime()), 0);
    } catch (Exception e) {
      // even "lease not found" leaves the key's deletion time unknown
      history.unknown(invoked, describe(e));
    }
    get(c, kv, key);
  }

  /**
   * Leases left to expire, one after another: grant, put a key attached, keep it alive twice half a
   * TTL apart, then read the key (linearizable gets, every 100 ms) until it is gone. The put is an
   * acknowledged write for the watch checks; the reads go to {@link LeaseExpiry}, not to the
   * linearizability checker, which knows nothing of time.
   */
  private void runLeaseExpiry(Client client) {
    Lease lease = client.getLeaseClient();
    KV kv = client.getKVClient();
    long n = 0;
    while (!stopping) {
      n++;
      String key = PREFIX + "ttl/" + n;
      LeaseExpiry expiry;
      try {
        long t0 = System.nanoTime();
        io.etcd.jetcd.lease.LeaseGrantResponse g = await(lease.grant(EXPIRY_TTL_SECONDS));
        expiry = new LeaseExpiry(key, g.getID(), g.getTTL(), t0, System.nanoTime());
        String value = "ttl-" + n;
        PutResponse r =
            await(kv.put(b(key), b(value), PutOption.builder().withLeaseId(g.getID()).build()));
        history.ackedWrite(r.getHeader().getRevision(), key, value);
      } catch (Exception e) {
        pace(200); // unavailable for now, or the put's outcome is unknown: next lease
        continue;
      }
      for (int i = 0; i < 2 && !stopping; i++) {
        pace(TimeUnit.SECONDS.toMillis(expiry.ttlSeconds) / 2);
        long t0 = System.nanoTime();
        try {
          if (await(lease.keepAliveOnce(expiry.leaseId)).getTTL() > 0) {
            expiry.keptAlive(t0, System.nanoTime());
          }
        } catch (Exception e) {
          expiry.maybeKeptAlive(System.nanoTime());
        }
      }
      expiries.add(expiry);
      while (!stopping
          && !expiry.gone()
          && System.nanoTime() < expiry.latestEnd() + LeaseExpiry.SLACK_NANOS + 1_000_000_000L) {
        pace(100);
        long t0 = System.nanoTime();
        try {
          GetResponse r = await(kv.get(b(key)));
          expiry.read(t0, System.nanoTime(), !r.getKvs().isEmpty());
        } catch (Exception e) {
          // a read with no answer shows nothing
        }
      }
    }
  }

  /** Paces the load (not a wait for a condition); returns early once the load stops. */
  private void pace(long millis) {
    long end = System.nanoTime() + TimeUnit.MILLISECONDS.toNanos(millis);
    while (!stopping && System.nanoTime() < end) {
      try {
        TimeUnit.MILLISECONDS.sleep(
            Math.min(50, Math.max(1, (end - System.nanoTime()) / 1_000_000)));
      } catch (InterruptedException e) {
        Thread.currentThread().interrupt();
        return;
      }
    }
  }

  /** Compacts every few seconds to the revision seen about 15 s earlier. */
  private void runCompactor(Client client) {
    KV kv = client.getKVClient();
    Deque<long[]> seen = new ArrayDeque<>();
    long next = System.nanoTime();
    while (!stopping) {
      long now = System.nanoTime();
      if (now < next) {
        try {
          TimeUnit.MILLISECONDS.sleep(Math.min(200, (next - now) / 1_000_000 + 1));
        } catch (InterruptedException e) {
          return;
        }
        continue;
      }
      next = now + TimeUnit.SECONDS.toNanos(3);
      try {
        long rev = await(kv.get(b("compactor"))).getHeader().getRevision();
        seen.addLast(new long[] {now, rev});
        long target = 0;
        while (!seen.isEmpty() && now - seen.peekFirst()[0] > TimeUnit.SECONDS.toNanos(15)) {
          target = seen.removeFirst()[1];
        }
        if (target > compactedTo.get()) {
          await(kv.compact(target));
          compactedTo.set(target);
          compactions.incrementAndGet();
        }
      } catch (Exception e) {
        // unavailable for now; next time
      }
    }
  }

  /** A fail if the server definitely did not apply it, else unknown. */
  private void record(Op invoked, Exception e) {
    if (definite(e)) {
      history.fail(invoked, describe(e));
    } else {
      history.unknown(invoked.timedOut(), describe(e));
    }
  }

  private static final Set<Status.Code> DEFINITE =
      Set.of(
          Status.Code.INVALID_ARGUMENT,
          Status.Code.OUT_OF_RANGE,
          Status.Code.NOT_FOUND,
          Status.Code.FAILED_PRECONDITION,
          Status.Code.RESOURCE_EXHAUSTED);

  static boolean definite(Throwable e) {
    Status.Code code = code(e);
    return code != null && DEFINITE.contains(code);
  }

  static Status.Code code(Throwable e) {
    for (Throwable t = e; t != null; t = t.getCause()) {
      if (t instanceof TimeoutException) {
        return null;
      }
      if (t instanceof EtcdException ee) {
        return Status.Code.valueOf(ee.getErrorCode().name());
      }
      if (t instanceof StatusRuntimeException s) {
        return s.getStatus().getCode();
      }
      if (t instanceof io.grpc.StatusException s) {
        return s.getStatus().getCode();
      }
    }
    return null;
  }

  static String describe(Throwable e) {
    Throwable t = e instanceof ExecutionException && e.getCause() != null ? e.getCause() : e;
    return t.getClass().getSimpleName() + ": " + t.getMessage();
  }

  static <T> T await(CompletableFuture<T> f) throws Exception {
    try {
      return f.get(OP_TIMEOUT_MS, TimeUnit.MILLISECONDS);
    } catch (TimeoutException e) {
      f.cancel(true);
      throw e;
    }
  }

  static ByteSequence b(String s) {
    return ByteSequence.from(s, UTF_8);
  }

  @Override
  public void close() {
    stopping = true;
    clients.forEach(Client::close);
  }
}
