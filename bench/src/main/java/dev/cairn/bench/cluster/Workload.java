package dev.cairn.bench.cluster;

import java.util.Arrays;
import java.util.Locale;

/** What a load run does with each request. */
public enum Workload {
  /** Put a key (random or sequential in the key space) with a fixed-size value. */
  PUT,
  /** Read one key; linearizable unless the spec asks for serializable reads. */
  RANGE,
  /** A transaction that compares a key's version and puts it. */
  TXN_PUT,
  /** Reads and puts in the spec's read ratio. */
  MIXED,
  /** Put → event delivered to a watcher on the same key space: the latency of delivery. */
  WATCH_LATENCY,
  /** N watchers on one key; each put's delivery to every watcher is one operation. */
  WATCH_FANOUT,
  /** Renew leases with keep-alive requests. */
  LEASE_KEEPALIVE;

  /** The name on the command line: {@code txn-put}, {@code watch-latency}, ... */
  public String cliName() {
    return name().toLowerCase(Locale.ROOT).replace('_', '-');
  }

  public static Workload parse(String s) {
    for (Workload w : values()) {
      if (w.cliName().equals(s) || w.name().equalsIgnoreCase(s)) {
        return w;
      }
    }
    throw new IllegalArgumentException(
        "unknown workload '"
            + s
            + "'; one of "
            + Arrays.stream(values()).map(Workload::cliName).toList());
  }
}
