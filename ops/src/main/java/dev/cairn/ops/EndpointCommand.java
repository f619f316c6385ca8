package dev.cairn.ops;

import io.etcd.jetcd.ByteSequence;
import io.etcd.jetcd.Client;
import io.etcd.jetcd.cluster.Member;
import io.etcd.jetcd.maintenance.StatusResponse;
import io.etcd.jetcd.options.GetOption;
import java.net.URI;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.Callable;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Option;

/** {@code cairn endpoint status|health [--cluster]}, as etcdctl's. */
@Command(
    name = "endpoint",
    description = "Status and health of endpoints.",
    subcommands = {EndpointCommand.Status.class, EndpointCommand.Health.class})
final class EndpointCommand {

  /** The given endpoints, or with {@code --cluster} every member's client URLs. */
  static List<String> targets(ClientOptions client, Client c, boolean cluster) throws Exception {
    if (!cluster) {
      return client.endpoints();
    }
    List<String> out = new ArrayList<>();
    for (Member m : client.await(c.getClusterClient().listMember()).getMembers()) {
      m.getClientURIs().stream().map(URI::toString).forEach(out::add);
    }
    return out;
  }

  @Command(name = "status", description = "Version, size, leader, revision and term of endpoints.")
  static final class Status implements Callable<Integer> {
    @Mixin ClientOptions client;

    @Option(names = "--cluster", description = "Every member, from the member list.")
    boolean cluster;

    @Override
    public Integer call() throws Exception {
      List<Map<String, Object>> rows = new ArrayList<>();
      int failed = 0;
      try (Client c = client.connect()) {
        for (String e : targets(client, c, cluster)) {
          try {
            StatusResponse s = client.await(c.getMaintenanceClient().statusMember(e));
            rows.add(
                Output.row(
                    "endpoint", e,
                    "id", Long.toHexString(s.getHeader().getMemberId()),
                    "version", s.getVersion(),
                    "db_size", s.getDbSize(),
                    "is_leader", s.getLeader() == s.getHeader().getMemberId(),
                    "raft_term", s.getRaftTerm(),
                    "raft_index", s.getRaftIndex(),
                    "revision", s.getHeader().getRevision(),
                    "is_learner", s.isLearner(),
                    "errors",
                        String.join(", ", s.getErrorList().stream().map(String::strip).toList())));
          } catch (Exception ex) {
            failed++;
            System.err.println("error: " + e + ": " + ex.getMessage());
          }
        }
      }
      client.out().rows(rows);
      return failed == 0 ? 0 : 1;
    }
  }

  @Command(name = "health", description = "Whether endpoints serve a linearizable read.")
  static final class Health implements Callable<Integer> {
    @Mixin ClientOptions client;

    @Option(names = "--cluster", description = "Every member, from the member list.")
    boolean cluster;

    @Override
    public Integer call() throws Exception {
      List<Map<String, Object>> rows = new ArrayList<>();
      int failed = 0;
      List<String> targets;
      try (Client c = client.connect()) {
        targets = targets(client, c, cluster);
      }
      for (String e : targets) {
        long start = System.nanoTime();
        try (Client one = Client.builder().endpoints(e).build()) {
          // etcdctl's probe: a linearizable range on key "health" (any answer means healthy)
          client.await(
              one.getKVClient().get(ByteSequence.from("health".getBytes()), GetOption.DEFAULT));
          rows.add(
              Output.row(
                  "endpoint",
                  e,
                  "health",
                  true,
                  "took",
                  String.format("%.1fms", (System.nanoTime() - start) / 1e6),
                  "error",
                  ""));
        } catch (Exception ex) {
          failed++;
          rows.add(
              Output.row("endpoint", e, "health", false, "took", "", "error", ex.getMessage()));
        }
      }
      client.out().rows(rows);
      return failed == 0 ? 0 : 1;
    }
  }
}
