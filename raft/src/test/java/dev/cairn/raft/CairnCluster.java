package dev.cairn.raft;

import io.etcd.jetcd.Client;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.net.InetSocketAddress;
import java.net.ServerSocket;
import java.net.URI;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.function.UnaryOperator;

/** Real Cairn members on free localhost ports, each with its own data directory. */
public final class CairnCluster implements AutoCloseable {
  private final List<NodeConfig> configs = new ArrayList<>();
  private final List<CairnNode> nodes = new ArrayList<>();
  private final Path root;
  private final UnaryOperator<NodeConfig> tuning;
  private final List<Client> clients = new ArrayList<>();

  private CairnCluster(int size, Path root, UnaryOperator<NodeConfig> tuning) {
    this.root = root;
    this.tuning = tuning;
    Map<String, URI> cluster = new LinkedHashMap<>();
    List<URI> clientUrls = new ArrayList<>();
    for (int i = 0; i < size; i++) {
      cluster.put("n" + i, URI.create("http://127.0.0.1:" + freePort()));
      clientUrls.add(URI.create("http://127.0.0.1:" + freePort()));
    }
    for (int i = 0; i < size; i++) {
      String name = "n" + i;
      configs.add(
          tuning.apply(
              NodeConfig.of(
                      name,
                      root.resolve(name),
                      clientUrls.get(i),
                      cluster.get(name),
                      cluster,
                      "new")
                  .withElectionTimeout(Duration.ofMillis(600), Duration.ofMillis(1200))));
    }
    for (int i = 0; i < size; i++) {
      nodes.add(null);
    }
  }

  public static CairnCluster start(int size, Path root) {
    return start(size, root, c -> c);
  }

  public static CairnCluster start(int size, Path root, UnaryOperator<NodeConfig> tuning) {
    CairnCluster c = new CairnCluster(size, root, tuning);
    try {
      for (int i = 0; i < size; i++) {
        c.startNode(i);
      }
    } catch (RuntimeException e) {
      c.close();
      throw e;
    }
    return c;
  }

  public int size() {
    return nodes.size();
  }

  public CairnNode node(int i) {
    return nodes.get(i);
  }

  public URI peerUrl(int i) {
    return configs.get(i).advertisePeerUrls().get(0);
  }

  /**
   * Prepares one more member that joins the running cluster ({@code --initial-cluster-state
   * existing}); start it with {@link #startNode} after adding it with MemberAdd.
   */
  public int prepareJoiningMember() {
    int i = nodes.size();
    String name = "n" + i;
    Map<String, URI> cluster = new LinkedHashMap<>();
    for (NodeConfig c : configs) {
      cluster.put(c.name(), c.advertisePeerUrls().get(0));
    }
    URI peer = URI.create("http://127.0.0.1:" + freePort());
    cluster.put(name, peer);
    configs.add(
        tuning.apply(
            NodeConfig.of(
                    name,
                    root.resolve(name),
                    URI.create("http://127.0.0.1:" + freePort()),
                    peer,
                    cluster,
                    "existing")
                .withElectionTimeout(Duration.ofMillis(600), Duration.ofMillis(1200))));
    nodes.add(null);
    return i;
  }

  /**
   * etcd's flags that run member {@code i} as its own process ({@code NodeMain}), for a member
   * prepared with {@link #prepareJoiningMember} and not started here.
   */
  public List<String> nodeMainFlags(int i) {
    NodeConfig c = configs.get(i);
    StringBuilder cluster = new StringBuilder();
    c.initialCluster()
        .forEach((n, u) -> cluster.append(cluster.length() == 0 ? "" : ",").append(n + "=" + u));
    return List.of(
        "--name", c.name(),
        "--data-dir", c.dataDir().toString(),
        "--listen-client-urls", c.listenClientUrls().get(0).toString(),
        "--advertise-client-urls", c.advertiseClientUrls().get(0).toString(),
        "--listen-peer-urls", c.listenPeerUrls().get(0).toString(),
        "--initial-advertise-peer-urls", c.advertisePeerUrls().get(0).toString(),
        "--initial-cluster", cluster.toString(),
        "--initial-cluster-state", c.clusterState(),
        "--initial-cluster-token", c.clusterToken());
  }

  /**
   * Whether member {@code i} has a Raft configuration from the log (not the one it started with)
   * that names it (in any role).
   */
  public boolean inOwnConfiguration(int i) {
    return nodes.get(i).division().getRaftConf().getLogEntryIndex() >= 0 && inConfigurationOf(i, i);
  }

  /** Whether member {@code i}'s Raft configuration names member {@code j} (in any role). */
  public boolean inConfigurationOf(int i, int j) {
    return ConfigurationDriver.role(nodes.get(i).division().getRaftConf(), nodes.get(j).peerId())
        != null;
  }

  /** The life cycle state of member {@code i}'s Raft division (RUNNING, CLOSED, ...). */
  public String raftLifeCycle(int i) {
    return nodes.get(i).division().getInfo().getLifeCycleState().name();
  }

  /** The role Ratis runs member {@code i} in (FOLLOWER, LISTENER, LEADER, CANDIDATE). */
  public String raftRole(int i) {
    return nodes.get(i).division().getInfo().getCurrentRole().name();
  }

  public String endpoint(int i) {
    return configs.get(i).listenClientUrls().get(0).toString();
  }

  public void startNode(int i) {
    try {
      nodes.set(i, CairnNode.start(configs.get(i)));
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    }
  }

  public void stopNode(int i) {
    if (nodes.get(i) != null) {
      nodes.get(i).close();
      nodes.set(i, null);
    }
  }

  /** A client of one member only. */
  public Client client(int i) {
    Client c = Client.builder().endpoints(endpoint(i)).build();
    clients.add(c);
    return c;
  }

  /** A client of every member. */
  public Client client() {
    String[] eps = new String[nodes.size()];
    for (int i = 0; i < eps.length; i++) {
      eps[i] = endpoint(i);
    }
    Client c = Client.builder().endpoints(eps).build();
    clients.add(c);
    return c;
  }

  /** Member {@code i}'s compacted revision (reads below it fail). */
  public long compactRevision(int i) {
    return nodes.get(i).store().compactRevision();
  }

  /** Waits until member {@code i} has physically removed what its compaction removes. */
  public void awaitPhysicalCompaction(int i, Duration timeout) throws Exception {
    nodes
        .get(i)
        .store()
        .compaction()
        .get(timeout.toMillis(), java.util.concurrent.TimeUnit.MILLISECONDS);
  }

  /**
   * The remaining TTL, in seconds, that member {@code i}'s store last checkpointed for a lease (0:
   * none recorded, the full TTL applies; -1: no such lease).
   */
  public long checkpointedRemainingTtl(int i, long leaseId) {
    return nodes.get(i).store().lease(leaseId).map(dev.cairn.store.Lease::remainingTtl).orElse(-1L);
  }

  /** Waits until a running member is leader; returns its index. */
  public int awaitLeader(Duration timeout) throws InterruptedException {
    int[] leader = {-1};
    boolean found;
    try {
      found = Await.until(timeout, () -> (leader[0] = readyLeader()) >= 0);
    } catch (InterruptedException | RuntimeException e) {
      throw e;
    } catch (Exception e) {
      throw new IllegalStateException(e);
    }
    if (!found) {
      throw new AssertionError("no leader within " + timeout);
    }
    return leader[0];
  }

  /** The index of a running member that leads and is ready, or -1. */
  private int readyLeader() {
    for (int i = 0; i < nodes.size(); i++) {
      try {
        if (nodes.get(i) != null && nodes.get(i).isReadyLeader()) {
          return i;
        }
      } catch (RuntimeException e) {
        // starting or stopping
      }
    }
    return -1;
  }

  @Override
  public void close() {
    for (Client c : clients) {
      try {
        c.close();
      } catch (RuntimeException e) {
        // closing anyway
      }
    }
    clients.clear();
    for (int i = 0; i < nodes.size(); i++) {
      stopNode(i);
    }
  }

  /**
   * A localhost port free now, below the kernel's ephemeral range (32768 and up on Linux). A port
   * the kernel hands out for {@code bind(0)} comes from that range, which is also where outgoing
   * connections get their local ports: one of the many client connections a cluster test opens
   * could take it before the member binds it ("Failed to bind", seen once in a local run).
   */
  public static int freePort() {
    for (int attempt = 0; attempt < 1000; attempt++) {
      // in turn from a random start: never one an earlier caller may not have bound yet
      int port = FIRST_PORT + Math.floorMod(NEXT_PORT.getAndIncrement(), PORT_COUNT);
      try (ServerSocket s = new ServerSocket()) {
        s.setReuseAddress(true);
        s.bind(new InetSocketAddress("127.0.0.1", port));
        return port;
      } catch (IOException taken) {
        // try another
      }
    }
    throw new UncheckedIOException(
        new IOException("no free port in " + FIRST_PORT + "-" + (FIRST_PORT + PORT_COUNT - 1)));
  }

  private static final int FIRST_PORT = 20_000;
  private static final int PORT_COUNT = 12_000;
  private static final java.util.concurrent.atomic.AtomicInteger NEXT_PORT =
      new java.util.concurrent.atomic.AtomicInteger(new java.util.Random().nextInt(PORT_COUNT));

  static Path tempDir(String prefix) {
    try {
      return Files.createTempDirectory(prefix);
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    }
  }
}
