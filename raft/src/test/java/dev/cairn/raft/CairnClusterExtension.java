package dev.cairn.raft;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Comparator;
import java.util.function.UnaryOperator;
import java.util.stream.Stream;
import org.junit.jupiter.api.extension.AfterAllCallback;
import org.junit.jupiter.api.extension.BeforeAllCallback;
import org.junit.jupiter.api.extension.ExtensionContext;

/**
 * A Cairn cluster for a test class: started before the first test, stopped (and its directories
 * deleted) after the last.
 *
 * <pre>
 *   &#64;RegisterExtension static final CairnClusterExtension CLUSTER = CairnClusterExtension.withNodes(3);
 * </pre>
 */
public final class CairnClusterExtension implements BeforeAllCallback, AfterAllCallback {
  private final int size;
  private final UnaryOperator<NodeConfig> tuning;
  private Path root;
  private CairnCluster cluster;

  private CairnClusterExtension(int size, UnaryOperator<NodeConfig> tuning) {
    this.size = size;
    this.tuning = tuning;
  }

  public static CairnClusterExtension withNodes(int size) {
    return new CairnClusterExtension(size, c -> c);
  }

  public CairnClusterExtension tuned(UnaryOperator<NodeConfig> t) {
    return new CairnClusterExtension(size, t);
  }

  public CairnCluster cluster() {
    return cluster;
  }

  @Override
  public void beforeAll(ExtensionContext context) {
    root = CairnCluster.tempDir("cairn-cluster");
    cluster = CairnCluster.start(size, root, tuning);
  }

  @Override
  public void afterAll(ExtensionContext context) throws Exception {
    if (cluster != null) {
      cluster.close();
    }
    deleteTree(root);
  }

  static void deleteTree(Path dir) throws java.io.IOException {
    if (dir == null || !Files.exists(dir)) {
      return;
    }
    try (Stream<Path> walk = Files.walk(dir)) {
      walk.sorted(Comparator.reverseOrder()).forEach(p -> p.toFile().delete());
    }
  }
}
