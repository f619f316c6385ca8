package dev.cairn.ops;

import io.etcd.jetcd.Client;
import io.etcd.jetcd.options.CompactOption;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.Callable;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Option;
import picocli.CommandLine.Parameters;

/** The maintenance commands: {@code compaction}, {@code defrag}, {@code move-leader}. */
final class MaintenanceCommands {
  private MaintenanceCommands() {}

  @Command(name = "compaction", description = "Discard history before REVISION.")
  static final class Compaction implements Callable<Integer> {
    @Mixin ClientOptions client;

    @Parameters(index = "0")
    long revision;

    @Option(names = "--physical", description = "Wait until the history is removed from disk.")
    boolean physical;

    @Override
    public Integer call() throws Exception {
      try (Client c = client.connect()) {
        client.await(
            c.getKVClient()
                .compact(revision, CompactOption.builder().withCompactPhysical(physical).build()));
        client.out().object(Output.row("compacted", revision));
      }
      return 0;
    }
  }

  @Command(name = "defrag", description = "Reclaim disk space on endpoints.")
  static final class Defrag implements Callable<Integer> {
    @Mixin ClientOptions client;

    @Option(names = "--cluster", description = "Every member, from the member list.")
    boolean cluster;

    @Override
    public Integer call() throws Exception {
      List<Map<String, Object>> rows = new ArrayList<>();
      try (Client c = client.connect()) {
        for (String e : EndpointCommand.targets(client, c, cluster)) {
          client.await(c.getMaintenanceClient().defragmentMember(e));
          rows.add(Output.row("endpoint", e, "defragmented", true));
        }
      }
      client.out().rows(rows);
      return 0;
    }
  }

  @Command(name = "move-leader", description = "Hand leadership to the member with this hex id.")
  static final class MoveLeader implements Callable<Integer> {
    @Mixin ClientOptions client;

    @Parameters(index = "0")
    String id;

    @Override
    public Integer call() throws Exception {
      try (Client c = client.connect()) {
        client.await(c.getMaintenanceClient().moveLeader(Long.parseUnsignedLong(id, 16)));
        client.out().object(Output.row("leader", id));
      }
      return 0;
    }
  }
}
