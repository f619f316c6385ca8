package dev.cairn.raft.jepsen;

import static java.nio.charset.StandardCharsets.UTF_8;

import dev.cairn.raft.CairnCluster;
import io.etcd.jetcd.ByteSequence;
import io.etcd.jetcd.Client;
import io.etcd.jetcd.maintenance.HashKVResponse;
import io.etcd.jetcd.maintenance.StatusResponse;
import java.io.IOException;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.TimeUnit;
import java.util.stream.Collectors;

/**
 * Three (or more) Cairn members as OS processes on free localhost ports, each behind a {@link
 * PeerProxy} on its Raft port, with the faults the suite injects: kill -9, SIGSTOP/SIGCONT, the
 * leader cut off from the followers, a member removed and added back.
 *
 * <pre>
 *   client ──► n1:clientPort          n2 ──► proxy1 ──► n1:peerPort
 *                                     n3 ──► proxy1 ──► n1:peerPort   (n1 advertises proxy1)
 * </pre>
 */
final class ProcessCluster implements AutoCloseable {
  private final List<NodeProcess> nodes = new ArrayList<>();
  private final List<PeerProxy> proxies = new ArrayList<>();
  private final Client admin;

  /** Kills the members if the test JVM itself is stopped before {@link #close}. */
  private final Thread killOnExit = new Thread(this::killAll, "kill-cairn-members");

  ProcessCluster(Path root, int size) throws IOException {
    for (int i = 0; i < size; i++) {
      nodes.add(
          new NodeProcess(
              "n" + (i + 1),
              root,
              CairnCluster.freePort(),
              CairnCluster.freePort(),
              CairnCluster.freePort()));
    }
    Runtime.getRuntime().addShutdownHook(killOnExit);
    try {
      for (NodeProcess n : nodes) {
        proxies.add(new PeerProxy(n.proxyPort, n.peerPort, this::pids));
      }
      for (NodeProcess n : nodes) {
        n.start(initialCluster(), "new");
      }
      admin = client();
    } catch (RuntimeException | IOException e) {
      close();
      throw e;
    }
  }

  int size() {
    return nodes.size();
  }

  NodeProcess node(int i) {
    return nodes.get(i);
  }

  List<Long> pids() {
    return nodes.stream().map(NodeProcess::pid).filter(p -> p > 0).toList();
  }

  String initialCluster() {
    return nodes.stream().map(n -> n.name + "=" + n.peerUrl()).collect(Collectors.joining(","));
  }

  String[] endpoints() {
    return nodes.stream().map(NodeProcess::endpoint).toArray(String[]::new);
  }

  /** A client of every member. The caller closes it. */
  Client client() {
    return Client.builder()
        .endpoints(endpoints())
        .connectTimeout(Duration.ofSeconds(2))
        .keepaliveTime(Duration.ofSeconds(5))
        .keepaliveTimeout(Duration.ofSeconds(3))
        .build();
  }

  /** A client of one member only. The caller closes it. */
  Client client(int i) {
    return Client.builder()
        .endpoints(nodes.get(i).endpoint())
        .connectTimeout(Duration.ofSeconds(2))
        .keepaliveTime(Duration.ofSeconds(5))
        .keepaliveTimeout(Duration.ofSeconds(3))
        .build();
  }

  /** Maintenance.Status of one member, or null if it does not answer within a second. */
  StatusResponse status(int i) {
    try {
      return admin
          .getMaintenanceClient()
          .statusMember(nodes.get(i).endpoint())
          .get(1, TimeUnit.SECONDS);
    } catch (Exception e) {
      return null;
    }
  }

  /**
   * Waits until the running members in {@code among} agree on a leader among them that answers as
   * leader itself; returns its index.
   */
  int awaitLeader(Set<Integer> among, Duration timeout) throws InterruptedException {
    long end = System.nanoTime() + timeout.toNanos();
    String seen = "";
    while (System.nanoTime() < end) {
      Map<Long, Integer> ids = new LinkedHashMap<>();
      StringBuilder views = new StringBuilder();
      Set<Long> leaders = new HashSet<>();
      boolean all = true;
      for (int i : among) {
        StatusResponse s = status(i);
        if (s == null) {
          all = false;
          continue;
        }
        ids.put(s.getHeader().getMemberId(), i);
        leaders.add(s.getLeader());
        views
            .append(nodes.get(i).name)
            .append(" sees leader ")
            .append(Long.toHexString(s.getLeader()))
            .append("; ");
      }
      seen = views.toString() + "members " + ids.keySet().stream().map(Long::toHexString).toList();
      if (all && leaders.size() == 1) {
        Integer leader = ids.get(leaders.iterator().next());
        if (leader != null) {
          return leader;
        }
      }
      TimeUnit.MILLISECONDS.sleep(100);
    }
    throw new AssertionError("no leader among " + among + " within " + timeout + ": " + seen);
  }

  int awaitLeader(Duration timeout) throws InterruptedException {
    return awaitLeader(all(), timeout);
  }

  Set<Integer> all() {
    Set<Integer> s = new java.util.TreeSet<>();
    for (int i = 0; i < nodes.size(); i++) {
      s.add(i);
    }
    return s;
  }

  /** Waits until every member answers a linearizable read through its own endpoint. */
  void awaitServing(Duration timeout) throws InterruptedException {
    long end = System.nanoTime() + timeout.toNanos();
    for (int i = 0; i < nodes.size(); i++) {
      try (Client c = client(i)) {
        while (true) {
          try {
            c.getKVClient().get(ByteSequence.from("health", UTF_8)).get(2, TimeUnit.SECONDS);
            break;
          } catch (Exception e) {
            if (System.nanoTime() > end) {
              throw new AssertionError(nodes.get(i) + " not serving within " + timeout, e);
            }
            TimeUnit.MILLISECONDS.sleep(200);
          }
        }
      }
    }
  }

  void kill(int i) {
    nodes.get(i).kill();
  }

  void restart(int i) {
    nodes.get(i).start(initialCluster(), "new");
  }

  void pause(int i) {
    nodes.get(i).pause();
  }

  void resume(int i) {
    nodes.get(i).resume();
  }

  /** Cuts member i off from every other member, both ways; clients still reach it. */
  void isolate(int i) {
    long pid = nodes.get(i).pid();
    for (int j = 0; j < nodes.size(); j++) {
      if (j == i) {
        proxies.get(j).isolateTarget(true);
      } else {
        proxies.get(j).dropFrom(Set.of(pid));
      }
    }
  }

  void heal() {
    proxies.forEach(PeerProxy::heal);
  }

  long unknownProxyOrigins() {
    return proxies.stream().mapToLong(PeerProxy::unknownOrigins).sum();
  }

  /**
   * Removes member i with MemberRemove (asked of another member), kills it, wipes its data, adds it
   * back with MemberAdd and starts it with {@code --initial-cluster-state existing}; returns once
   * it serves again.
   */
  void replaceMember(int i, Duration timeout) throws Exception {
    long end = System.nanoTime() + timeout.toNanos();
    int via = (i + 1) % nodes.size();
    long id = removeMember(i, via, end);
    addMember(i, via, end);
    nodes.get(i).start(initialCluster(), "existing");
    awaitJoined(i, id, (i + 2) % nodes.size(), end);
  }

  /** MemberRemove of member i asked of member {@code via}, then kill -9 and wipe; its id. */
  long removeMember(int i, int via, long deadline) throws Exception {
    StatusResponse s = null;
    while (s == null && System.nanoTime() < deadline) {
      s = status(i);
    }
    if (s == null) {
      throw new AssertionError(nodes.get(i) + " does not answer Status");
    }
    long id = s.getHeader().getMemberId();
    try (Client c = client(via)) {
      retry(() -> c.getClusterClient().removeMember(id).get(5, TimeUnit.SECONDS), deadline);
    }
    nodes.get(i).kill();
    nodes.get(i).wipe();
    return id;
  }

  /** MemberAdd of member i's peer URL asked of member {@code via} (i is not started). */
  void addMember(int i, int via, long deadline) throws Exception {
    try (Client c = client(via)) {
      retry(
          () ->
              c.getClusterClient()
                  .addMember(List.of(java.net.URI.create(nodes.get(i).peerUrl())), false)
                  .get(5, TimeUnit.SECONDS),
          deadline);
    }
  }

  /** Starts a member added with MemberAdd: {@code --initial-cluster-state existing}. */
  void startJoining(int i) {
    nodes.get(i).start(initialCluster(), "existing");
  }

  /**
   * Waits until member i (id) is in the configuration as a third member sees it (not the one that
   * took the MemberAdd, which also lists adds still pending) and serves a linearizable read.
   */
  void awaitJoined(int i, long id, int witness, long deadline) throws Exception {
    try (Client w = client(witness);
        Client joined = client(i)) {
      String last = "";
      while (System.nanoTime() < deadline) {
        try {
          var members = w.getClusterClient().listMember().get(2, TimeUnit.SECONDS).getMembers();
          last =
              members.stream()
                  .map(m -> m.getName() + ":" + Long.toHexString(m.getId()))
                  .toList()
                  .toString();
          if (members.stream().anyMatch(m -> m.getId() == id)) {
            joined.getKVClient().get(ByteSequence.from("health", UTF_8)).get(2, TimeUnit.SECONDS);
            return;
          }
        } catch (Exception e) {
          last = e.toString();
        }
        TimeUnit.MILLISECONDS.sleep(200);
      }
      throw new AssertionError(
          "MemberAdd of "
              + nodes.get(i).name
              + " ("
              + Long.toHexString(id)
              + ") was acknowledged, but it is not a serving member as "
              + nodes.get(witness).name
              + " sees it: "
              + last);
    }
  }

  interface Call {
    Object call() throws Exception;
  }

  static Object retry(Call c, long deadline) throws Exception {
    while (true) {
      try {
        return c.call();
      } catch (Exception e) {
        if (System.nanoTime() > deadline) {
          throw e;
        }
        TimeUnit.MILLISECONDS.sleep(300);
      }
    }
  }

  /** HashKV of member i at revision rev. */
  HashKVResponse hashKV(int i, long rev) throws Exception {
    return admin
        .getMaintenanceClient()
        .hashKV(nodes.get(i).endpoint(), rev)
        .get(10, TimeUnit.SECONDS);
  }

  @Override
  public void close() {
    if (admin != null) {
      admin.close();
    }
    killAll();
    proxies.forEach(PeerProxy::close);
    try {
      Runtime.getRuntime().removeShutdownHook(killOnExit);
    } catch (IllegalStateException e) {
      // the JVM is shutting down: the hook runs anyway
    }
  }

  private void killAll() {
    for (NodeProcess n : nodes) {
      try {
        n.kill();
      } catch (RuntimeException e) {
        // stop the others anyway
      }
    }
  }
}
