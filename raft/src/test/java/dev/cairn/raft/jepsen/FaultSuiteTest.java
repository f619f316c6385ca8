package dev.cairn.raft.jepsen;

import static org.assertj.core.api.Assertions.assertThat;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.stream.IntStream;
import java.util.stream.Stream;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.Arguments;
import org.junit.jupiter.params.provider.MethodSource;

/**
 * The fault-injection suite: each row is a scenario run on three member processes under load, then
 * checked for linearizability, lost writes, watch guarantees and equal hashes (see {@link
 * FaultRun}).
 *
 * <p>Short profile (the default, part of the build, about 4–5 minutes): four scenarios of 45 s of
 * load each (kill leader, kill all, pause leader, partition leader). Long profile: every scenario,
 * 120 s of load each (override with {@code -Dcairn.faults.seconds=N}):
 *
 * <pre>
 *   mvn -B -q -pl raft -am test -Dtest=FaultSuiteTest -Dsurefire.failIfNoSpecifiedTests=false \
 *       -Dcairn.faults=long
 * </pre>
 *
 * {@code -Dcairn.faults.only=KILL_LEADER,PARTITION_LEADER} runs only those scenarios, and {@code
 * -Dcairn.faults.repeat=10} runs each chosen scenario that many times (each run with its own seed).
 * Both print a summary table: scenario, fault rounds, operations checked (with the unknown and
 * failed invocations), watch events checked, watch stream errors (each one a resume by jetcd),
 * compactions, leases checked for expiry by TTL, the checker's verdict, anomalies, seconds.
 */
class FaultSuiteTest {
  private static final boolean LONG = "long".equals(System.getProperty("cairn.faults"));
  private static final List<FaultRun.Result> RESULTS = new ArrayList<>();

  @TempDir Path dir;

  static Stream<Arguments> scenarios() {
    int repeat = Integer.getInteger("cairn.faults.repeat", 1);
    List<Fault> faults = faults().toList();
    return IntStream.range(0, repeat)
        .boxed()
        .flatMap(run -> faults.stream().map(f -> Arguments.of(f, run)));
  }

  private static Stream<Fault> faults() {
    String only = System.getProperty("cairn.faults.only");
    if (only != null && !only.isBlank()) {
      return Stream.of(only.split(",")).map(String::trim).map(Fault::valueOf);
    }
    return LONG
        ? Stream.of(Fault.values())
        // KILL_FOLLOWER runs in the long profile only, to keep CI's time; its watch gap (a delete
        // at the compacted revision lost,
        // raft/src/test/resources/jepsen/kill-follower-watch-gap.txt)
        // is fixed
        : Stream.of(Fault.KILL_LEADER, Fault.KILL_ALL, Fault.PAUSE_LEADER, Fault.PARTITION_LEADER);
  }

  static Duration load() {
    return Duration.ofSeconds(Long.getLong("cairn.faults.seconds", LONG ? 120 : 45));
  }

  @ParameterizedTest(name = "{0} run {1}")
  @MethodSource("scenarios")
  void keepsEtcdsPromisesUnder(Fault fault, int run) throws Exception {
    FaultRun.Result r;
    try {
      r = FaultRun.run(fault, load(), dir, 20261122L + fault.ordinal() + 1000L * run);
    } catch (AssertionError | Exception e) {
      keep(fault, run);
      throw e;
    }
    synchronized (RESULTS) {
      RESULTS.add(r);
    }
    System.out.println(row(r));
    if (!r.anomalies().isEmpty() || Boolean.getBoolean("cairn.faults.keep")) {
      keep(fault, run);
    }
    r.anomalies().forEach(a -> System.out.println("  ANOMALY " + a));
    assertThat(r.rounds()).as("fault rounds").isGreaterThanOrEqualTo(1);
    assertThat(r.opsChecked()).as("operations checked").isGreaterThan(100);
    assertThat(r.watchEvents()).as("watch events checked").isGreaterThan(100);
    assertThat(r.linearizability()).as("linearizability").isEqualTo("OK");
    assertThat(r.anomalies()).as("anomalies (history in " + r.history() + ")").isEmpty();
  }

  @AfterAll
  static void summary() {
    StringBuilder s = new StringBuilder();
    s.append(
        String.format(
            "%n%-17s %6s %8s %8s %8s %8s %8s %6s %6s %-13s %9s %7s%n",
            "scenario",
            "rounds",
            "ops",
            "unknown",
            "failed",
            "watchEv",
            "watchErr",
            "compct",
            "leases",
            "linearizable",
            "anomalies",
            "secs"));
    RESULTS.forEach(r -> s.append(row(r)).append('\n'));
    System.out.println(s);
  }

  /**
   * Copies the history and the member logs to target/fault-runs/SCENARIO (SCENARIO-N for a repeat)
   * for a closer look.
   */
  private void keep(Fault fault, int run) throws IOException {
    Path to = Path.of("target", "fault-runs", fault.name() + (run == 0 ? "" : "-" + run));
    Files.createDirectories(to);
    try (Stream<Path> files = Files.list(dir)) {
      for (Path f : files.filter(Files::isRegularFile).toList()) {
        Files.copy(f, to.resolve(f.getFileName()), StandardCopyOption.REPLACE_EXISTING);
      }
    }
    System.out.println("  kept the history and member logs in " + to.toAbsolutePath());
  }

  static String row(FaultRun.Result r) {
    return String.format(
        "%-17s %6d %8d %8d %8d %8d %8d %6d %6d %-13s %9d %7d",
        r.fault(),
        r.rounds(),
        r.opsChecked(),
        r.unknown(),
        r.failed(),
        r.watchEvents(),
        r.watchErrors(),
        r.compactions(),
        r.leases(),
        r.linearizability(),
        r.anomalies().size(),
        r.took().toSeconds());
  }
}
