package dev.cairn.bench.engine;

import java.lang.management.ManagementFactory;
import java.lang.management.OperatingSystemMXBean;
import java.lang.management.ThreadMXBean;

/**
 * CPU time of the measuring thread, beside wall-clock time: on a machine shared with other work,
 * wall-clock rates fall when other processes take the cores, while the thread's own CPU per
 * operation shows what the engine costs.
 */
final class CpuClock {
  private static final ThreadMXBean THREADS = ManagementFactory.getThreadMXBean();
  private static final OperatingSystemMXBean OS = ManagementFactory.getOperatingSystemMXBean();

  private CpuClock() {}

  /** Nanoseconds of CPU the current thread has used. */
  static long thread() {
    return THREADS.getCurrentThreadCpuTime();
  }

  /** The system's one-minute load average (runnable threads, all processes). */
  static double loadAverage() {
    return OS.getSystemLoadAverage();
  }
}
