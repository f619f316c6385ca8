package dev.cairn.ops;

import dev.cairn.store.AppliedIndex;
import dev.cairn.store.ApplyBatch;
import dev.cairn.store.MvccStore;
import dev.cairn.store.StoreConfig;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.SplittableRandom;
import java.util.concurrent.Callable;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;

/**
 * {@code cairn bench snapshot}: how long backup and restore take for a store of a given size. It
 * builds the store with the engine directly (incompressible values), starts one node on it, then
 * times {@code cairn snapshot save} (stream, fsync, verify, inspect) and {@code cairn snapshot
 * restore} (verify, unpack, prepare) as a user would run them.
 */
@Command(
    name = "snapshot",
    description = "Time snapshot save and restore of a store of --size bytes.")
final class SnapshotBenchCommand implements Callable<Integer> {
  @Option(
      names = "--size",
      defaultValue = "1073741824",
      description = "Store size in bytes (default: 1 GiB).")
  long size;

  @Option(names = "--value-size", defaultValue = "16384", description = "Bytes per value.")
  int valueSize;

  @Option(names = "--dir", description = "Where the temporary stores go (default: the temp dir).")
  Path parent;

  @Override
  public Integer call() throws Exception {
    Path dir =
        parent == null
            ? Files.createTempDirectory("cairn-snapshot-bench")
            : Files.createTempDirectory(parent, "cairn-snapshot-bench");
    LocalCluster node = new LocalCluster(dir.resolve("source"), 1, Ports.freeBase(1));
    try {
      long t0 = System.nanoTime();
      long keys = fill(node.members().get(0).dataDir().resolve("store"));
      double fillSeconds = (System.nanoTime() - t0) / 1e9;
      node.start();
      UpCommand.awaitLeader(node, Duration.ofSeconds(120));

      Path file = dir.resolve("backup.db");
      long s0 = System.nanoTime();
      Cli save =
          Cli.run(
              "snapshot",
              "save",
              file.toString(),
              "--no-progress",
              "-o",
              "json",
              "--endpoints",
              node.endpoints());
      double saveSeconds = (System.nanoTime() - s0) / 1e9;
      System.err.print(save.err);
      if (save.exit != 0) {
        System.err.println("error: snapshot save failed: " + save.err);
        return 1;
      }
      node.stop(Duration.ofSeconds(10));

      Path target = dir.resolve("restored");
      long r0 = System.nanoTime();
      Cli restore =
          Cli.run(
              "snapshot",
              "restore",
              file.toString(),
              "--name",
              "n1",
              "--data-dir",
              target.toString(),
              "--initial-cluster",
              "n1=http://127.0.0.1:2380",
              "-o",
              "json");
      double restoreSeconds = (System.nanoTime() - r0) / 1e9;
      if (restore.exit != 0) {
        System.err.println("error: snapshot restore failed: " + restore.err);
        return 1;
      }
      long bytes = Files.size(file);
      double mib = bytes / (1024.0 * 1024.0);
      System.out.println(
          "| store | keys | snapshot file | save (s) | save MiB/s | restore (s) | restore MiB/s |");
      System.out.println("|---|--:|--:|--:|--:|--:|--:|");
      System.out.printf(
          java.util.Locale.ROOT,
          "| %.0f MiB of %d-byte values (built in %.0f s) | %d | %.0f MiB | %.1f | %.0f | %.1f | %.0f |%n",
          size / (1024.0 * 1024.0),
          valueSize,
          fillSeconds,
          keys,
          mib,
          saveSeconds,
          mib / saveSeconds,
          restoreSeconds,
          mib / restoreSeconds);
      return 0;
    } finally {
      node.stop(Duration.ofSeconds(10));
      dev.cairn.store.Checkpoint.deleteTree(dir);
    }
  }

  /** Writes keys of incompressible values until the store holds {@code size} bytes. */
  private long fill(Path storeDir) {
    SplittableRandom random = new SplittableRandom(42);
    long keys = 0;
    try (MvccStore store = MvccStore.open(StoreConfig.defaults(storeDir))) {
      while (true) {
        try (ApplyBatch batch = store.newBatch()) {
          for (int i = 0; i < 64; i++) {
            byte[] value = new byte[valueSize];
            random.nextBytes(value);
            batch.apply(
                dev.cairn.store.Command.Put.of(
                    String.format("bench/%012d", keys++).getBytes(), value));
          }
          batch.commit(AppliedIndex.NONE);
        }
        if (keys % 4096 == 0) {
          store.flush();
          if (store.sizeBytes() >= size) {
            break;
          }
        }
      }
      store.flush();
      store.prepareRestore(0, false); // a new cluster's log starts empty
    }
    return keys;
  }

  /** Runs a cairn command in this process and captures its output. */
  private record Cli(int exit, String out, String err) {
    static Cli run(String... args) {
      java.io.PrintStream oldOut = System.out;
      java.io.PrintStream oldErr = System.err;
      var out = new java.io.ByteArrayOutputStream();
      var err = new java.io.ByteArrayOutputStream();
      try {
        System.setOut(new java.io.PrintStream(out, true));
        System.setErr(new java.io.PrintStream(err, true));
        int exit = Cairn.run(args);
        return new Cli(exit, out.toString(), err.toString());
      } finally {
        System.setOut(oldOut);
        System.setErr(oldErr);
      }
    }
  }
}
