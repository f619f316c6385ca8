package dev.cairn.store;

import java.nio.file.Path;

/**
 * The child process of {@link CrashTest}: opens the store, applies the stream from its applied
 * index on, and reports progress on stdout ("applied i", "flushed i") until it is killed.
 *
 * <p>Arguments: directory, "wal" or "nowal", "small" or "default" memtables, last batch, flush
 * interval (0: never).
 */
public final class CrashWorker {
  private CrashWorker() {}

  public static void main(String[] args) throws Exception {
    StoreConfig config =
        CrashTest.config(Path.of(args[0]), args[1].equals("wal"), args[2].equals("small"));
    long last = Long.parseLong(args[3]);
    long flushEvery = Long.parseLong(args[4]);
    MvccStore store = MvccStore.open(config);
    long from = store.appliedIndex().index() + 1;
    System.out.println("resumed " + from);
    for (long i = Math.max(1, from); i <= last; i++) {
      CommandStream.apply(store, i);
      if (flushEvery > 0 && i % flushEvery == 0) {
        store.flush();
        System.out.println("flushed " + i);
      }
      if (i % 20 == 0) {
        System.out.println("applied " + i);
      }
    }
    System.out.println("done");
    System.out.flush();
    Thread.sleep(Long.MAX_VALUE); // wait to be killed: the test never lets the store close cleanly
  }
}
