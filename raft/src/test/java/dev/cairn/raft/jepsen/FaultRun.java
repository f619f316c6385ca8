package dev.cairn.raft.jepsen;

import dev.cairn.raft.linearizability.LinearizabilityChecker;
import dev.cairn.raft.linearizability.Op;
import io.etcd.jetcd.Client;
import io.etcd.jetcd.maintenance.HashKVResponse;
import io.etcd.jetcd.maintenance.StatusResponse;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.List;
import java.util.Map;
import java.util.Random;
import java.util.TreeMap;
import java.util.concurrent.TimeUnit;

/**
 * One scenario: three member processes under load, the fault repeated until the time is up, then
 * healed, and every check run on what was recorded:
 *
 * <ol>
 *   <li>the KV history (with a final linearizable read of every key through every member appended)
 *       is linearizable — so no acknowledged write was lost;
 *   <li>each member's watch stream is ordered, unique and atomic per revision; all streams agree;
 *       none skips a revision another stream or an acknowledged write shows; every acknowledged
 *       write appears at its revision; each reaches the final revision after the heal;
 *   <li>every member's HashKV at the final revision is the same.
 * </ol>
 */
final class FaultRun {
  /** What one run checked and found. */
  record Result(
      Fault fault,
      int rounds,
      int opsChecked,
      long unknown,
      long failed,
      int watchEvents,
      long watchErrors,
      long compactions,
      int leases,
      String linearizability,
      List<String> anomalies,
      Duration took,
      Path history) {}

  static final int NODES = 3;
  static final int CLIENTS = 4;
  static final int KEYS = 5;

  private FaultRun() {}

  static Result run(Fault fault, Duration load, Path dir, long seed) throws Exception {
    long began = System.nanoTime();
    List<String> anomalies = new ArrayList<>();
    History history = new History();
    List<WatchRecorder> watchers = new ArrayList<>();
    int rounds = 0;
    long compactions;
    List<LeaseExpiry> expiries;
    List<long[]> faultWindows = new ArrayList<>();
    String verdict;
    try (ProcessCluster cluster = new ProcessCluster(dir, NODES)) {
      cluster.awaitLeader(Duration.ofSeconds(60));
      cluster.awaitServing(Duration.ofSeconds(60));
      for (int i = 0; i < NODES; i++) {
        watchers.add(new WatchRecorder("watch@" + cluster.node(i).name, cluster.client(i), 1));
      }
      try (Workload workload = new Workload(cluster, history, CLIENTS, KEYS, seed)) {
        workload.start();
        Random rnd = new Random(seed);
        long end = System.nanoTime() + load.toNanos();
        Fault.hold(2000);
        try {
          while (System.nanoTime() < end) {
            long[] window = {System.nanoTime(), Long.MAX_VALUE};
            faultWindows.add(window);
            fault.round(cluster, rnd);
            rounds++;
            Fault.hold(3000); // recovery under load
            window[1] = System.nanoTime();
          }
        } catch (AssertionError | Exception e) {
          anomalies.add("fault round " + (rounds + 1) + " failed: " + e);
        } finally {
          workload.stop();
        }
        compactions = workload.compactions();
        expiries = workload.expiries();
        checkLeases(fault, expiries, faultWindows, began, anomalies);

        try {
          healAndCheck(cluster, workload, history, watchers, anomalies);
        } catch (AssertionError | Exception e) {
          anomalies.add("after healing: " + e);
          for (int i = 0; i < NODES; i++) {
            cluster.node(i).threadDump();
          }
        }
      }
      LinearizabilityChecker.Verdict v = new LinearizabilityChecker().check(history.forChecker());
      verdict = v.result().toString();
      if (v.result() == LinearizabilityChecker.Result.VIOLATION) {
        anomalies.add(
            "not linearizable on key "
                + v.key()
                + ":\n  "
                + String.join(
                    "\n  ",
                    v.operations().stream()
                        .sorted(Comparator.comparingLong(Op::called))
                        .map(Op::toString)
                        .toList()));
      }
    } finally {
      watchers.forEach(WatchRecorder::close);
    }
    for (WatchRecorder w : watchers) {
      w.writeTimeline(dir.resolve(w.name.replaceAll("[^A-Za-z0-9]+", "-") + ".tsv"));
    }
    Path file = dir.resolve("history-" + fault.name().toLowerCase() + ".tsv");
    HistoryFile.write(file, history.forChecker());
    return new Result(
        fault,
        rounds,
        history.forChecker().size(),
        history.unknownCount(),
        history.failedCount(),
        watchers.stream().mapToInt(WatchRecorder::eventCount).sum(),
        watchers.stream().mapToLong(WatchRecorder::errors).sum(),
        compactions,
        expiries.size(),
        verdict,
        anomalies,
        Duration.ofNanos(System.nanoTime() - began),
        file);
  }

  /**
   * Heals every fault, reads every key through every member, and runs the watch and hash checks.
   */
  private static void healAndCheck(
      ProcessCluster cluster,
      Workload workload,
      History history,
      List<WatchRecorder> watchers,
      List<String> anomalies)
      throws Exception {
    // heal everything, then the final checks
    cluster.heal();
    for (int i = 0; i < NODES; i++) {
      cluster.resume(i);
      if (!cluster.node(i).isRunning()) {
        cluster.restart(i);
      }
    }
    cluster.awaitLeader(Duration.ofSeconds(60));
    cluster.awaitServing(Duration.ofSeconds(90));
    for (int i = 0; i < NODES; i++) {
      try (Client c = cluster.client(i)) {
        for (int k = 0; k < KEYS; k++) {
          workload.get(100 + i, c.getKVClient(), Workload.key(k));
        }
      }
    }
    long finalRev;
    try (Client c = cluster.client(0)) {
      finalRev = Workload.await(c.getKVClient().get(Workload.b("final"))).getHeader().getRevision();
    }
    WatchRecorder reference =
        new WatchRecorder(
            "final watch@n1", cluster.client(0), Math.max(1, workload.compactedTo() + 1));
    watchers.add(reference);
    checkWatches(
        watchers, history, finalRev, System.nanoTime() + TimeUnit.SECONDS.toNanos(60), anomalies);
    checkHashes(cluster, finalRev, anomalies);
  }

  /** The watch checks; see the class comment. */
  static void checkWatches(
      List<WatchRecorder> watchers,
      History history,
      long finalRev,
      long deadline,
      List<String> anomalies)
      throws InterruptedException {
    for (WatchRecorder w : watchers) {
      if (!w.awaitRevision(finalRev, deadline) && w.compactedAt() < 0) {
        anomalies.add(
            w.name
                + ": stopped at revision "
                + w.lastRevision()
                + " of "
                + finalRev
                + (w.ended() ? " (the watch ended)" : " (nothing more before the deadline)"));
      }
    }
    Map<Long, List<WatchRecorder.Event>> reference = new TreeMap<>();
    Map<Long, String> referenceFrom = new TreeMap<>();
    List<TreeMap<Long, List<WatchRecorder.Event>>> streams = new ArrayList<>();
    for (WatchRecorder w : watchers) {
      TreeMap<Long, List<WatchRecorder.Event>> byRev = w.checkOrder(anomalies);
      streams.add(byRev);
      byRev.forEach(
          (rev, events) -> {
            List<WatchRecorder.Event> sorted =
                events.stream().sorted(Comparator.comparing(WatchRecorder.Event::key)).toList();
            List<WatchRecorder.Event> seen = reference.putIfAbsent(rev, sorted);
            if (seen == null) {
              referenceFrom.put(rev, w.name);
            } else if (!seen.equals(sorted)) {
              anomalies.add(
                  "watchers disagree at revision "
                      + rev
                      + ": "
                      + referenceFrom.get(rev)
                      + " "
                      + seen
                      + ", "
                      + w.name
                      + " "
                      + sorted);
            }
          });
    }
    // every bound below comes from the same snapshot of each stream as its events: a stream may
    // still receive events (leases expiring after the load) while it is checked
    List<Long> lasts = new ArrayList<>();
    for (int i = 0; i < watchers.size(); i++) {
      TreeMap<Long, List<WatchRecorder.Event>> mine = streams.get(i);
      lasts.add(mine.isEmpty() ? watchers.get(i).startRevision - 1 : mine.lastKey());
    }
    for (int i = 0; i < watchers.size(); i++) {
      WatchRecorder w = watchers.get(i);
      Map<Long, List<WatchRecorder.Event>> mine = streams.get(i);
      long last = lasts.get(i);
      List<Long> missed = new ArrayList<>();
      for (long rev : reference.keySet()) {
        if (rev >= w.startRevision && rev <= last && !mine.containsKey(rev)) {
          missed.add(rev);
        }
      }
      for (long rev : history.ackedWrites().keySet()) {
        if (rev >= w.startRevision && rev <= last && !mine.containsKey(rev)) {
          missed.add(rev);
        }
      }
      if (!missed.isEmpty()) {
        anomalies.add(
            w.name
                + ": gap, revisions "
                + missed.stream().distinct().sorted().limit(20).toList()
                + " missing between "
                + w.startRevision
                + " and "
                + last
                + " (errors seen by the watcher: "
                + w.errors()
                + ")");
      }
    }
    long covered = lasts.stream().mapToLong(Long::longValue).max().orElse(0);
    long from = watchers.stream().mapToLong(w -> w.startRevision).min().orElse(1);
    for (Map.Entry<Long, List<History.Write>> e : history.ackedWrites().entrySet()) {
      long rev = e.getKey();
      if (rev < from || rev > covered) {
        continue;
      }
      List<WatchRecorder.Event> events = reference.getOrDefault(rev, List.of());
      for (History.Write wr : e.getValue()) {
        boolean found =
            events.stream()
                .anyMatch(
                    ev ->
                        ev.key().equals(wr.key())
                            && java.util.Objects.equals(ev.value(), wr.value()));
        if (!found) {
          anomalies.add(
              "acknowledged write "
                  + wr
                  + " at revision "
                  + rev
                  + " is not in the watch streams there: "
                  + events);
        }
      }
    }
  }

  /**
   * Each lease left to expire ended no earlier than its TTL after its last keep-alive, and, while
   * no fault touched the leader, not much later ({@link LeaseExpiry}).
   */
  static void checkLeases(
      Fault fault,
      List<LeaseExpiry> expiries,
      List<long[]> faultWindows,
      long origin,
      List<String> anomalies) {
    for (LeaseExpiry e : expiries) {
      anomalies.addAll(
          e.check(
              origin,
              (from, to) ->
                  fault.touchesLeader()
                      && faultWindows.stream().anyMatch(w -> w[0] <= to && w[1] >= from)));
    }
  }

  /** Every member's HashKV at the final revision, once each has applied it, is the same. */
  static void checkHashes(ProcessCluster cluster, long rev, List<String> anomalies)
      throws Exception {
    long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(60);
    List<String> hashes = new ArrayList<>();
    for (int i = 0; i < cluster.size(); i++) {
      StatusResponse s = cluster.status(i);
      while ((s == null || s.getHeader().getRevision() < rev) && System.nanoTime() < deadline) {
        TimeUnit.MILLISECONDS.sleep(100);
        s = cluster.status(i);
      }
      try {
        HashKVResponse h = cluster.hashKV(i, rev);
        hashes.add(
            cluster.node(i).name
                + " hash="
                + Integer.toUnsignedString(h.getHash())
                + " compactRevision="
                + h.getCompacted());
      } catch (Exception e) {
        anomalies.add("HashKV of " + cluster.node(i).name + " at " + rev + " failed: " + e);
        return;
      }
    }
    if (hashes.stream().map(h -> h.substring(h.indexOf(' '))).distinct().count() != 1) {
      anomalies.add("HashKV differs at revision " + rev + ": " + hashes);
    }
  }

  /** A file of checker operations, one a line, that a regression test can read back. */
  static final class HistoryFile {
    private HistoryFile() {}

    static void write(Path file, List<Op> ops) throws IOException {
      List<String> lines = new ArrayList<>();
      for (Op op : ops) {
        lines.add(
            String.join(
                "\t",
                Integer.toString(op.client()),
                op.kind().name(),
                op.key(),
                String.valueOf(op.value()),
                String.valueOf(op.expected()),
                String.valueOf(op.output()),
                Long.toString(op.called()),
                Long.toString(op.returned())));
      }
      Files.write(file, lines);
    }

    static List<Op> read(Path file) throws IOException {
      List<Op> ops = new ArrayList<>();
      for (String line : Files.readAllLines(file)) {
        String[] f = line.split("\t");
        ops.add(
            new Op(
                Integer.parseInt(f[0]),
                Op.Kind.valueOf(f[1]),
                f[2],
                nul(f[3]),
                nul(f[4]),
                nul(f[5]),
                Long.parseLong(f[6]),
                Long.parseLong(f[7])));
      }
      return ops;
    }

    private static String nul(String s) {
      return s.equals("null") ? null : s;
    }
  }
}
