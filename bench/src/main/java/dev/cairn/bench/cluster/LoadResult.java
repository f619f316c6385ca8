package dev.cairn.bench.cluster;

import java.util.Map;
import org.HdrHistogram.Histogram;

/**
 * What a load run measured. Latencies are in microseconds; {@code perSecond} counts completed
 * operations in each second of the measured run; {@code cpuShare} is the CPU the benchmark process
 * itself used, as a share of the machine (1.0 = every core busy), so a reader can tell when the
 * client, not the server, was the limit.
 */
public record LoadResult(
    LoadSpec spec,
    long ops,
    double seconds,
    Histogram latencyMicros,
    Map<String, Long> errors,
    long[] perSecond,
    double cpuShare) {

  public double throughput() {
    return seconds <= 0 ? 0 : ops / seconds;
  }

  public double percentileMillis(double p) {
    return latencyMicros.getTotalCount() == 0 ? 0 : latencyMicros.getValueAtPercentile(p) / 1000.0;
  }

  public double maxMillis() {
    return latencyMicros.getMaxValue() / 1000.0;
  }

  public long errorCount() {
    return errors.values().stream().mapToLong(Long::longValue).sum();
  }
}
