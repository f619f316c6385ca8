package dev.cairn.bench.engine;

import org.HdrHistogram.Histogram;

/**
 * One line of the result table: what ran, how much of it was measured, its rate and, when the
 * workload has one, its latency distribution (nanoseconds).
 */
record ResultRow(
    String workload,
    String setup,
    long measured,
    String unit,
    double perSecond,
    Histogram latency,
    String notes) {

  static Histogram histogram() {
    return new Histogram(3_600_000_000_000L, 3);
  }
}
