package dev.cairn.ops;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.stream.Stream;

/**
 * What a cluster's server processes spent between two moments: CPU time, and the number of times
 * their threads were switched out (Linux's voluntary and involuntary context switches of every
 * thread, from {@code /proc/<pid>/task/<tid>/status}; -1 where there is no {@code /proc}). Taken
 * around a benchmark run, it says what each request cost the servers, whatever else the machine did
 * meanwhile (bench/README.md, cluster finding 12).
 */
record ServerCost(long cpuNanos, long contextSwitches) {

  /** The totals so far of these processes (those that have ended count nothing). */
  static ServerCost of(List<Process> processes) {
    long cpu = 0;
    long switches = 0;
    for (Process p : processes) {
      cpu += p.info().totalCpuDuration().map(Duration::toNanos).orElse(0L);
      long s = contextSwitches(p.pid());
      switches = s < 0 || switches < 0 ? -1 : switches + s;
    }
    return new ServerCost(cpu, switches);
  }

  /** What was spent since {@code before}. */
  ServerCost since(ServerCost before) {
    return new ServerCost(
        cpuNanos - before.cpuNanos,
        contextSwitches < 0 || before.contextSwitches < 0
            ? -1
            // threads that ended meanwhile take their counts with them
            : Math.max(0, contextSwitches - before.contextSwitches));
  }

  /** Milliseconds of server CPU per request. */
  double cpuMillisPer(long requests) {
    return requests <= 0 ? 0 : cpuNanos / 1e6 / requests;
  }

  /** Context switches per request; negative when not known. */
  double switchesPer(long requests) {
    return contextSwitches < 0 || requests <= 0 ? -1 : (double) contextSwitches / requests;
  }

  /** A process's context switches over all its threads; -1 without {@code /proc}. */
  static long contextSwitches(long pid) {
    Path tasks = Path.of("/proc", Long.toString(pid), "task");
    if (!Files.isDirectory(tasks)) {
      return -1;
    }
    long total = 0;
    try (Stream<Path> threads = Files.list(tasks)) {
      for (Path t : (Iterable<Path>) threads::iterator) {
        total += threadSwitches(t.resolve("status"));
      }
    } catch (IOException e) {
      return -1;
    }
    return total;
  }

  private static long threadSwitches(Path status) {
    long n = 0;
    try {
      for (String line : Files.readAllLines(status)) {
        if (line.startsWith("voluntary_ctxt_switches:")
            || line.startsWith("nonvoluntary_ctxt_switches:")) {
          n += Long.parseLong(line.substring(line.indexOf(':') + 1).trim());
        }
      }
    } catch (IOException | NumberFormatException threadEnded) {
      // a thread that ended between the listing and the read counts nothing
    }
    return n;
  }
}
