package dev.cairn.bench.engine;

import dev.cairn.store.MvccStore;
import dev.cairn.store.StoreConfig;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Comparator;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import java.util.stream.Stream;

/**
 * An engine in a fresh temporary directory that is deleted on close, or at JVM exit if the run is
 * interrupted first.
 */
final class TempStore implements AutoCloseable {
  private static final Set<Path> LIVE = ConcurrentHashMap.newKeySet();

  static {
    Runtime.getRuntime()
        .addShutdownHook(new Thread(() -> LIVE.forEach(TempStore::deleteTree), "bench-cleanup"));
  }

  final Path dir;
  final MvccStore store;

  private TempStore(Path dir, MvccStore store) {
    this.dir = dir;
    this.store = store;
  }

  static TempStore open(BenchOptions options, String name) {
    return open(options, name, c -> c);
  }

  /** A store whose configuration {@code tweak} adjusts (a knob under comparison). */
  static TempStore open(
      BenchOptions options, String name, java.util.function.UnaryOperator<StoreConfig> tweak) {
    try {
      Files.createDirectories(options.dir());
      Path dir = Files.createTempDirectory(options.dir(), "cairn-bench-" + name + "-");
      LIVE.add(dir);
      StoreConfig config = StoreConfig.defaults(dir).withWriteAheadLog(options.writeAheadLog());
      if (options.blockCacheBytes() > 0) {
        config = config.withMemory(options.blockCacheBytes(), config.writeBufferBytes());
      }
      return new TempStore(dir, MvccStore.open(tweak.apply(config)));
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    }
  }

  @Override
  public void close() {
    try {
      store.close();
    } finally {
      deleteTree(dir);
      LIVE.remove(dir);
    }
  }

  private static void deleteTree(Path dir) {
    if (!Files.exists(dir)) {
      return;
    }
    try (Stream<Path> files = Files.walk(dir)) {
      files.sorted(Comparator.reverseOrder()).forEach(p -> p.toFile().delete());
    } catch (IOException e) {
      System.err.println("could not delete " + dir + ": " + e.getMessage());
    }
  }
}
