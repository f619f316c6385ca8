package dev.cairn.bench.cluster;

import io.etcd.jetcd.ByteSequence;
import io.etcd.jetcd.Client;
import io.etcd.jetcd.KV;
import io.etcd.jetcd.Watch;
import io.etcd.jetcd.maintenance.StatusResponse;
import io.etcd.jetcd.op.Cmp;
import io.etcd.jetcd.op.CmpTarget;
import io.etcd.jetcd.op.Op;
import io.etcd.jetcd.options.GetOption;
import io.etcd.jetcd.options.PutOption;
import io.etcd.jetcd.options.WatchOption;
import io.etcd.jetcd.watch.WatchEvent;
import java.lang.management.ManagementFactory;
import java.nio.ByteBuffer;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.SplittableRandom;
import java.util.TreeMap;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicLong;
import java.util.concurrent.atomic.AtomicLongArray;
import java.util.concurrent.atomic.LongAdder;
import java.util.function.LongConsumer;
import org.HdrHistogram.Histogram;
import org.HdrHistogram.Recorder;

/**
 * Drives one {@link LoadSpec} against etcd v3 endpoints with jetcd: {@code clients} threads, each
 * with one request in flight, over {@code conns} connections. Works the same against Cairn and
 * etcd, which is the point.
 *
 * <p>Honest numbers: keys and the read/write mix come from a fixed seed; each client's first {@code
 * warmup} requests are not recorded, and the rate, the duration and the client's CPU count from the
 * moment the first client is done with its warm-up; every failure is counted by kind; with a rate,
 * each client paces its requests and records with HdrHistogram's expected-interval correction, so a
 * stall shows as the latency every request scheduled during it would have seen.
 */
public final class LoadGenerator {
  private static final int MAX_SECONDS = 3600;
  private static final String PREFIX = "bench/";

  private final LoadSpec spec;
  private final Recorder recorder = new Recorder(3);
  private final Map<String, LongAdder> errors = new ConcurrentHashMap<>();
  private final AtomicLongArray perSecond = new AtomicLongArray(MAX_SECONDS);
  private final LongAdder completed = new LongAdder();
  private volatile long startNanos;
  private LongConsumer progress = n -> {};

  public LoadGenerator(LoadSpec spec) {
    this.spec = spec;
  }

  /** Called with the number of completed operations as they complete (for a progress bar). */
  public LoadGenerator onProgress(LongConsumer progress) {
    this.progress = progress;
    return this;
  }

  public LoadResult run() throws Exception {
    List<String> endpoints = spec.targetLeader() ? List.of(leader()) : spec.endpoints();
    List<Client> conns = new ArrayList<>();
    for (int i = 0; i < spec.conns(); i++) {
      // rotate the endpoint list so connections spread over members
      List<String> rotated = new ArrayList<>(endpoints);
      java.util.Collections.rotate(rotated, -i);
      conns.add(Client.builder().endpoints(rotated.toArray(String[]::new)).build());
    }
    try {
      reachable(conns.get(0), endpoints);
      prepare(conns.get(0));
      return switch (spec.workload()) {
        case WATCH_LATENCY, WATCH_FANOUT -> runWatch(conns);
        default -> runRequests(conns);
      };
    } finally {
      conns.forEach(Client::close);
    }
  }

  private String leader() throws Exception {
    try (Client c = Client.builder().endpoints(spec.endpoints().toArray(String[]::new)).build()) {
      for (String e : spec.endpoints()) {
        StatusResponse s = c.getMaintenanceClient().statusMember(e).get(5, TimeUnit.SECONDS);
        if (s.getLeader() == s.getHeader().getMemberId()) {
          return e;
        }
      }
    }
    throw new IllegalStateException("no endpoint reports itself as the leader");
  }

  /** Fails at once, with the reason, when the endpoints do not answer a read within 10 s. */
  private static void reachable(Client c, List<String> endpoints) throws Exception {
    try {
      c.getKVClient()
          .get(ByteSequence.from(PREFIX, java.nio.charset.StandardCharsets.US_ASCII))
          .get(10, TimeUnit.SECONDS);
    } catch (java.util.concurrent.TimeoutException | java.util.concurrent.ExecutionException e) {
      Throwable cause = e.getCause() == null ? e : e.getCause();
      throw new IllegalStateException(
          "no answer from " + String.join(",", endpoints) + " within 10 s: " + cause, e);
    }
  }

  /** Reads need something to read: put up to 1000 keys of the key space first. */
  private void prepare(Client c) throws Exception {
    if (spec.workload() == Workload.RANGE || spec.workload() == Workload.MIXED) {
      long n = Math.min(spec.keySpaceSize(), 1000);
      List<java.util.concurrent.CompletableFuture<?>> pending = new ArrayList<>();
      for (long i = 0; i < n; i++) {
        pending.add(c.getKVClient().put(key(i), value(new SplittableRandom(i))));
        if (pending.size() >= 64) {
          for (var f : pending) {
            f.get(30, TimeUnit.SECONDS);
          }
          pending.clear();
        }
      }
      for (var f : pending) {
        f.get(30, TimeUnit.SECONDS);
      }
    }
  }

  ByteSequence key(long i) {
    byte[] k = new byte[spec.keySize()];
    byte[] p = PREFIX.getBytes(java.nio.charset.StandardCharsets.US_ASCII);
    System.arraycopy(p, 0, k, 0, Math.min(p.length, k.length));
    // the index as fixed-width decimal digits at the end, so keys sort by index
    String digits = Long.toString(i);
    int at = k.length - digits.length();
    for (int j = p.length; j < at; j++) {
      k[j] = '0';
    }
    System.arraycopy(
        digits.getBytes(java.nio.charset.StandardCharsets.US_ASCII),
        Math.max(0, -at),
        k,
        Math.max(at, 0),
        Math.min(digits.length(), k.length));
    return ByteSequence.from(k);
  }

  private ByteSequence value(SplittableRandom r) {
    byte[] v = new byte[spec.valSize()];
    for (int i = 0; i < v.length; i++) {
      v[i] = (byte) ('a' + r.nextInt(26));
    }
    return ByteSequence.from(v);
  }

  private LoadResult runRequests(List<Client> conns) throws Exception {
    AtomicLong remaining = new AtomicLong(spec.duration() == null ? spec.total() : Long.MAX_VALUE);
    AtomicLong sequence = new AtomicLong();
    List<Long> leases = new ArrayList<>();
    if (spec.workload() == Workload.LEASE_KEEPALIVE) {
      for (int i = 0; i < spec.clients(); i++) {
        leases.add(conns.get(0).getLeaseClient().grant(300).get(10, TimeUnit.SECONDS).getID());
      }
    }
    CountDownLatch done = new CountDownLatch(spec.clients());
    for (int c = 0; c < spec.clients(); c++) {
      int id = c;
      Client client = conns.get(c % conns.size());
      Thread t =
          new Thread(
              () -> {
                try {
                  clientLoop(id, client, remaining, sequence, leases);
                } finally {
                  done.countDown();
                }
              },
              "bench-client-" + c);
      t.setDaemon(true);
      t.start();
    }
    done.await();
    Window w = measuredWindow(); // opened by the clients' first measured request
    double seconds = (System.nanoTime() - w.startNanos()) / 1e9;
    return result(seconds, processCpuNanos() - w.cpuNanos());
  }

  /** Where the measured run starts: when the first client is done with its warm-up. */
  private record Window(long startNanos, long cpuNanos, long endNanos) {}

  private volatile Window window;

  /** The measured window, opened by the first client to finish its warm-up. */
  private synchronized Window measuredWindow() {
    if (window == null) {
      long now = System.nanoTime();
      long end = spec.duration() == null ? Long.MAX_VALUE : now + spec.duration().toNanos();
      window = new Window(now, processCpuNanos(), end);
      startNanos = now;
    }
    return window;
  }

  private void clientLoop(
      int id, Client client, AtomicLong remaining, AtomicLong sequence, List<Long> leases) {
    SplittableRandom random = new SplittableRandom(spec.seed() * 31 + id);
    KV kv = client.getKVClient();
    long intervalNanos = spec.rate() > 0 ? (long) (spec.clients() * 1e9 / spec.rate()) : 0;
    long next = System.nanoTime();
    long endNanos = Long.MAX_VALUE;
    for (long n = 0; ; n++) {
      boolean warm = n >= spec.warmup();
      if (n == spec.warmup()) {
        endNanos = measuredWindow().endNanos();
      }
      if (warm && (remaining.decrementAndGet() < 0 || System.nanoTime() > endNanos)) {
        return;
      }
      if (intervalNanos > 0) {
        next += intervalNanos;
        long wait = next - System.nanoTime();
        if (wait > 0) {
          java.util.concurrent.locks.LockSupport.parkNanos(wait);
        }
      }
      long k =
          spec.sequentialKeys()
              ? sequence.getAndIncrement() % spec.keySpaceSize()
              : random.nextLong(spec.keySpaceSize());
      long t0 = System.nanoTime();
      try {
        switch (spec.workload()) {
          case PUT -> kv.put(key(k), value(random)).get(30, TimeUnit.SECONDS);
          case RANGE -> read(kv, key(k % Math.min(spec.keySpaceSize(), 1000)));
          case TXN_PUT ->
              kv.txn()
                  .If(new Cmp(key(k), Cmp.Op.GREATER, CmpTarget.version(-1)))
                  .Then(Op.put(key(k), value(random), PutOption.DEFAULT))
                  .commit()
                  .get(30, TimeUnit.SECONDS);
          case MIXED -> {
            if (random.nextDouble() < spec.readRatio()) {
              read(kv, key(k % Math.min(spec.keySpaceSize(), 1000)));
            } else {
              kv.put(key(k), value(random)).get(30, TimeUnit.SECONDS);
            }
          }
          case LEASE_KEEPALIVE ->
              client
                  .getLeaseClient()
                  .keepAliveOnce(leases.get(id % leases.size()))
                  .get(30, TimeUnit.SECONDS);
          default -> throw new IllegalStateException(spec.workload() + " is not a request loop");
        }
        if (warm) {
          record(System.nanoTime() - t0, intervalNanos);
        }
      } catch (Exception e) {
        if (warm) {
          error(e);
        }
      }
    }
  }

  private void read(KV kv, ByteSequence key) throws Exception {
    kv.get(key, GetOption.builder().withSerializable(spec.serializable()).build())
        .get(30, TimeUnit.SECONDS);
  }

  /**
   * Watch workloads: watchers (one for watch-latency, {@code watchers} for watch-fanout) on one
   * key; {@code clients} putters write values that carry their send time, and each delivery's
   * latency is receive time minus send time. Operations are deliveries.
   */
  private LoadResult runWatch(List<Client> conns) throws Exception {
    int watchers = spec.workload() == Workload.WATCH_FANOUT ? spec.watchers() : 1;
    ByteSequence key = key(0);
    long puts = spec.duration() == null ? spec.total() : Long.MAX_VALUE;
    long expected = puts == Long.MAX_VALUE ? Long.MAX_VALUE : (puts + spec.warmup()) * watchers;
    LongAdder delivered = new LongAdder();
    CountDownLatch created = new CountDownLatch(watchers);
    List<Watch.Watcher> open = new ArrayList<>();
    long warmupPuts = spec.warmup();
    // puts to make in all, warm-up included (a --duration run stops on time instead)
    long limit = puts == Long.MAX_VALUE ? Long.MAX_VALUE : puts + warmupPuts;
    for (int w = 0; w < watchers; w++) {
      Watch watch = conns.get(w % conns.size()).getWatchClient();
      open.add(
          watch.watch(
              key,
              WatchOption.builder().withCreateNotify(true).build(),
              Watch.listener(
                  response -> {
                    if (response.isCreatedNotify()) {
                      created.countDown();
                      return;
                    }
                    long now = System.nanoTime();
                    for (WatchEvent e : response.getEvents()) {
                      ByteBuffer v = ByteBuffer.wrap(e.getKeyValue().getValue().getBytes());
                      long sent = v.getLong();
                      long seq = v.getLong();
                      if (seq >= warmupPuts) {
                        record(now - sent, 0);
                      }
                      delivered.increment();
                    }
                  },
                  this::error)));
    }
    if (!created.await(60, TimeUnit.SECONDS)) {
      throw new IllegalStateException("watchers were not created within 60 s");
    }
    long cpuBefore = processCpuNanos();
    startNanos = System.nanoTime();
    long endNanos =
        spec.duration() == null ? Long.MAX_VALUE : System.nanoTime() + spec.duration().toNanos();
    AtomicLong seq = new AtomicLong();
    long intervalNanos = spec.rate() > 0 ? (long) (spec.clients() * 1e9 / spec.rate()) : 0;
    CountDownLatch done = new CountDownLatch(spec.clients());
    for (int c = 0; c < spec.clients(); c++) {
      KV kv = conns.get(c % conns.size()).getKVClient();
      Thread t =
          new Thread(
              () -> {
                try {
                  long next = System.nanoTime();
                  while (System.nanoTime() < endNanos) {
                    long s = seq.getAndIncrement();
                    if (s >= limit) {
                      return;
                    }
                    if (intervalNanos > 0) {
                      next += intervalNanos;
                      java.util.concurrent.locks.LockSupport.parkNanos(next - System.nanoTime());
                    }
                    byte[] v = new byte[Math.max(16, spec.valSize())];
                    ByteBuffer.wrap(v).putLong(System.nanoTime()).putLong(s);
                    try {
                      kv.put(key, ByteSequence.from(v)).get(30, TimeUnit.SECONDS);
                    } catch (Exception e) {
                      error(e);
                    }
                  }
                } finally {
                  done.countDown();
                }
              },
              "bench-putter-" + c);
      t.setDaemon(true);
      t.start();
    }
    done.await();
    long putsMade = Math.min(seq.get(), limit);
    long want = Math.min(expected, putsMade * watchers);
    long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(60);
    while (delivered.sum() < want && System.nanoTime() < deadline) {
      Thread.sleep(10);
    }
    if (delivered.sum() < want) {
      errors
          .computeIfAbsent("undelivered events", x -> new LongAdder())
          .add(want - delivered.sum());
    }
    double seconds = (System.nanoTime() - startNanos) / 1e9;
    open.forEach(Watch.Watcher::close);
    return result(seconds, processCpuNanos() - cpuBefore);
  }

  private void record(long nanos, long expectedIntervalNanos) {
    long micros = Math.max(1, nanos / 1000);
    if (expectedIntervalNanos > 0) {
      recorder.recordValueWithExpectedInterval(micros, expectedIntervalNanos / 1000);
    } else {
      recorder.recordValue(micros);
    }
    completed.increment();
    int second = (int) ((System.nanoTime() - startNanos) / 1_000_000_000L);
    if (second >= 0 && second < MAX_SECONDS) {
      perSecond.incrementAndGet(second);
    }
    progress.accept(completed.sum());
  }

  private void error(Throwable e) {
    Throwable t = e;
    while ((t instanceof java.util.concurrent.ExecutionException
            || t instanceof java.util.concurrent.CompletionException)
        && t.getCause() != null) {
      t = t.getCause();
    }
    String kind = t.getClass().getSimpleName();
    if (t.getMessage() != null) {
      String m = t.getMessage();
      kind += ": " + (m.length() > 80 ? m.substring(0, 80) : m);
    }
    errors.computeIfAbsent(kind, x -> new LongAdder()).increment();
  }

  private LoadResult result(double seconds, long cpuNanos) {
    Histogram h = recorder.getIntervalHistogram();
    int used = (int) Math.min(MAX_SECONDS, Math.ceil(seconds));
    long[] series = new long[Math.max(used, 1)];
    for (int i = 0; i < series.length; i++) {
      series[i] = perSecond.get(i);
    }
    Map<String, Long> errs = new TreeMap<>();
    errors.forEach((k, v) -> errs.put(k, v.sum()));
    double cpuShare = cpuNanos / (seconds * 1e9 * Runtime.getRuntime().availableProcessors());
    return new LoadResult(spec, completed.sum(), seconds, h, errs, series, cpuShare);
  }

  private static long processCpuNanos() {
    var os = ManagementFactory.getOperatingSystemMXBean();
    if (os instanceof com.sun.management.OperatingSystemMXBean sun) {
      return sun.getProcessCpuTime();
    }
    return 0;
  }
}
