package dev.cairn.ops;

import io.etcd.jetcd.Client;
import io.etcd.jetcd.cluster.Member;
import io.etcd.jetcd.cluster.MemberAddResponse;
import java.net.URI;
import java.util.List;
import java.util.Map;
import java.util.concurrent.Callable;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Option;
import picocli.CommandLine.Parameters;

/** {@code cairn member list|add|remove|promote}. Member ids print in hex, as etcdctl does. */
@Command(
    name = "member",
    description = "List and change cluster membership.",
    subcommands = {
      MemberCommand.ListMembers.class,
      MemberCommand.Add.class,
      MemberCommand.Remove.class,
      MemberCommand.Promote.class
    })
final class MemberCommand {

  static Map<String, Object> memberRow(Member m) {
    return Output.row(
        "id", Long.toHexString(m.getId()),
        "name", m.getName(),
        "peer_urls", String.join(",", m.getPeerURIs().stream().map(URI::toString).toList()),
        "client_urls", String.join(",", m.getClientURIs().stream().map(URI::toString).toList()),
        "learner", m.isLearner());
  }

  @Command(name = "list", description = "List members.")
  static final class ListMembers implements Callable<Integer> {
    @Mixin ClientOptions client;

    @Override
    public Integer call() throws Exception {
      try (Client c = client.connect()) {
        List<Map<String, Object>> rows =
            client.await(c.getClusterClient().listMember()).getMembers().stream()
                .map(MemberCommand::memberRow)
                .toList();
        client.out().rows(rows);
      }
      return 0;
    }
  }

  @Command(name = "add", description = "Add a member by its peer URLs.")
  static final class Add implements Callable<Integer> {
    @Mixin ClientOptions client;

    @Parameters(index = "0", description = "The new member's name (used in the printed flags).")
    String name;

    @Option(names = "--peer-urls", required = true, split = ",")
    List<URI> peerUrls;

    @Option(names = "--learner", description = "Add as a non-voting learner.")
    boolean learner;

    @Override
    public Integer call() throws Exception {
      try (Client c = client.connect()) {
        MemberAddResponse r = client.await(c.getClusterClient().addMember(peerUrls, learner));
        client.out().object(memberRow(r.getMember()));
      }
      return 0;
    }
  }

  @Command(name = "remove", description = "Remove a member by id (hex).")
  static final class Remove implements Callable<Integer> {
    @Mixin ClientOptions client;

    @Parameters(index = "0")
    String id;

    @Override
    public Integer call() throws Exception {
      try (Client c = client.connect()) {
        client.await(c.getClusterClient().removeMember(Long.parseUnsignedLong(id, 16)));
        client.out().object(Output.row("id", id, "removed", true));
      }
      return 0;
    }
  }

  @Command(name = "promote", description = "Promote a learner (hex id) to a voting member.")
  static final class Promote implements Callable<Integer> {
    @Mixin ClientOptions client;

    @Parameters(index = "0")
    String id;

    @Override
    public Integer call() throws Exception {
      try (Client c = client.connect()) {
        client.await(c.getClusterClient().promoteMember(Long.parseUnsignedLong(id, 16)));
        client.out().object(Output.row("id", id, "promoted", true));
      }
      return 0;
    }
  }
}
