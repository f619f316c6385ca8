package dev.cairn.store;

import static org.assertj.core.api.Assertions.assertThat;

import java.io.BufferedReader;
import java.io.InputStreamReader;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;

/**
 * Kill -9 in the middle of applying, reopen, re-apply the tail after the applied index, and end
 * identical to a store that never crashed: same data at every sampled revision, same revision,
 * compaction, leases, applied index and hash.
 *
 * <pre>
 *   child:  apply 1..N ─────────── SIGKILL at ~k1     (WAL off: unflushed batches are lost)
 *   child:  reopen → applied j ≤ k1, apply j+1.. ───── SIGKILL at ~k2
 *   test:   reopen → applied m, apply m+1..N   ==   reference that applied 1..N without a crash
 * </pre>
 */
class CrashTest {
  static final long LAST = 6000;

  @TempDir Path dir;

  static StoreConfig config(Path dir, boolean wal, boolean smallMemtables) {
    StoreConfig c = StoreConfig.defaults(dir).withWriteAheadLog(wal);
    return smallMemtables ? c.withMemory(8L << 20, 256L << 10) : c;
  }

  @ParameterizedTest(name = "wal {0}, small memtables {1}, flush every {2}")
  @CsvSource({
    // the default: no WAL, the applied index says where to resume
    "false, false, 0",
    "false, false, 600",
    // memtables flushed by RocksDB itself, at moments the engine does not choose
    "false, true, 0",
    // WAL on: everything committed before the kill survives it
    "true, false, 0"
  })
  void reapplyingTheTailAfterACrashEndsInTheSameState(boolean wal, boolean small, long flushEvery)
      throws Exception {
    Path db = dir.resolve("crashed");
    long lastReported = 0;
    long lastFlushed = 0;
    for (long killAt : new long[] {1500, 3500}) {
      Report r = runAndKill(db, wal, small, flushEvery, killAt);
      assertThat(r.done()).as("killed in the middle of the stream").isFalse();
      lastReported = r.applied;
      lastFlushed = Math.max(lastFlushed, r.flushed);
      try (MvccStore reopened = MvccStore.open(config(db, wal, small))) {
        long applied = reopened.appliedIndex().index();
        System.out.printf(
            "crash (wal %s, small %s): killed after %d (flushed %d), reopened at %d%n",
            wal, small, r.applied(), r.flushed(), applied);
        if (!wal && !small && flushEvery == 0) {
          assertThat(applied)
              .as("without WAL the unflushed tail is lost, so the re-apply path is exercised")
              .isLessThan(r.applied());
        }
        assertThat(applied)
            .as("never ahead of what was applied")
            .isLessThanOrEqualTo(r.maxApplied());
        if (lastFlushed > 0) {
          assertThat(applied).as("flushed batches survive").isGreaterThanOrEqualTo(lastFlushed);
        }
        if (wal) {
          assertThat(applied)
              .as("with the WAL every committed batch survives a process kill")
              .isGreaterThanOrEqualTo(lastReported);
        }
      }
    }

    try (MvccStore crashed = MvccStore.open(config(db, wal, small));
        MvccStore reference = MvccStore.open(config(dir.resolve("reference"), wal, small))) {
      for (long i = crashed.appliedIndex().index() + 1; i <= LAST; i++) {
        CommandStream.apply(crashed, i);
      }
      for (long i = 1; i <= LAST; i++) {
        CommandStream.apply(reference, i);
      }
      crashed.compaction().get(60, TimeUnit.SECONDS);
      reference.compaction().get(60, TimeUnit.SECONDS);

      assertThat(crashed.revision()).isEqualTo(reference.revision());
      assertThat(crashed.compactRevision()).isEqualTo(reference.compactRevision());
      assertThat(crashed.appliedIndex()).isEqualTo(new AppliedIndex(1, LAST));
      assertThat(crashed.leases()).isEqualTo(reference.leases());
      long from = Math.max(1, reference.compactRevision());
      for (long rev = from;
          rev <= reference.revision();
          rev += Math.max(1, (reference.revision() - from) / 25)) {
        RangeRequest all = RangeRequest.range(Keys.ALL_FROM, Keys.ALL_FROM).atRevision(rev);
        assertThat(crashed.range(all)).as("everything at %d", rev).isEqualTo(reference.range(all));
      }
      assertThat(crashed.range(RangeRequest.range(Keys.ALL_FROM, Keys.ALL_FROM)))
          .isEqualTo(reference.range(RangeRequest.range(Keys.ALL_FROM, Keys.ALL_FROM)));
      assertThat(crashed.hash(0)).isEqualTo(reference.hash(0));
      assertThat(crashed.hash(reference.revision() - 10))
          .isEqualTo(reference.hash(reference.revision() - 10));
    }
  }

  record Report(long applied, long flushed, boolean done) {
    long maxApplied() {
      return done ? LAST : applied + 20_000;
    }
  }

  /** Runs the worker until it reports batch {@code killAt} (or finishes), then SIGKILLs it. */
  static Report runAndKill(Path db, boolean wal, boolean small, long flushEvery, long killAt)
      throws Exception {
    String java = Path.of(System.getProperty("java.home"), "bin", "java").toString();
    Process p =
        new ProcessBuilder(
                java,
                "-Xmx256m",
                "-cp",
                System.getProperty("java.class.path"),
                CrashWorker.class.getName(),
                db.toString(),
                wal ? "wal" : "nowal",
                small ? "small" : "default",
                Long.toString(LAST),
                Long.toString(flushEvery))
            .redirectErrorStream(true)
            .start();
    long applied = 0;
    long flushed = 0;
    boolean done = false;
    try (BufferedReader out =
        new BufferedReader(new InputStreamReader(p.getInputStream(), StandardCharsets.UTF_8))) {
      String line;
      while ((line = out.readLine()) != null) {
        if (line.startsWith("applied ")) {
          applied = Long.parseLong(line.substring(8));
        } else if (line.startsWith("flushed ")) {
          flushed = Long.parseLong(line.substring(8));
        } else if (line.equals("done")) {
          done = true;
        } else if (!line.startsWith("resumed ")) {
          System.err.println("worker: " + line);
        }
        if (applied >= killAt || done) {
          break;
        }
      }
      p.destroyForcibly();
      assertThat(p.waitFor(30, TimeUnit.SECONDS)).isTrue();
    } finally {
      p.destroyForcibly();
    }
    return new Report(applied, flushed, done);
  }
}
