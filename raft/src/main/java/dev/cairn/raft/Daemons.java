package dev.cairn.raft;

import java.util.concurrent.Executors;
import java.util.concurrent.ScheduledExecutorService;

/** The member's background timers: one named daemon thread each, so none keeps the JVM alive. */
final class Daemons {
  private Daemons() {}

  /** A single-thread scheduler whose thread is a daemon called {@code name}. */
  static ScheduledExecutorService scheduler(String name) {
    return Executors.newSingleThreadScheduledExecutor(
        r -> {
          Thread t = new Thread(r, name);
          t.setDaemon(true);
          return t;
        });
  }
}
