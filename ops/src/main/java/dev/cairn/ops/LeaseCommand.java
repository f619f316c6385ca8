package dev.cairn.ops;

import static dev.cairn.ops.ClientOptions.text;

import io.etcd.jetcd.Client;
import io.etcd.jetcd.lease.LeaseGrantResponse;
import io.etcd.jetcd.lease.LeaseKeepAliveResponse;
import io.etcd.jetcd.lease.LeaseTimeToLiveResponse;
import io.etcd.jetcd.options.LeaseOption;
import io.grpc.stub.StreamObserver;
import java.net.URI;
import java.util.List;
import java.util.Map;
import java.util.concurrent.Callable;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.atomic.AtomicReference;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Option;
import picocli.CommandLine.Parameters;

/**
 * {@code cairn lease grant|revoke|keep-alive|ttl|list}. Lease ids print in hex, as etcdctl does.
 */
@Command(
    name = "lease",
    description = "Grant, renew and revoke leases.",
    subcommands = {
      LeaseCommand.Grant.class,
      LeaseCommand.Revoke.class,
      LeaseCommand.KeepAlive.class,
      LeaseCommand.Ttl.class,
      LeaseCommand.ListLeases.class
    })
final class LeaseCommand {

  static long parseId(String id) {
    try {
      return Long.parseUnsignedLong(id.startsWith("0x") ? id.substring(2) : id, 16);
    } catch (NumberFormatException e) {
      throw new IllegalArgumentException(
          "'" + id + "' is not a lease id (hex, as 'lease grant' prints)");
    }
  }

  static String hex(long id) {
    return Long.toHexString(id);
  }

  @Command(name = "grant", description = "Grant a lease of TTL seconds.")
  static final class Grant implements Callable<Integer> {
    @Mixin ClientOptions client;

    @Parameters(index = "0", description = "Time-to-live in seconds.")
    long ttl;

    @Override
    public Integer call() throws Exception {
      if (ttl <= 0) {
        throw new IllegalArgumentException("TTL must be positive, not " + ttl);
      }
      try (Client c = client.connect()) {
        LeaseGrantResponse r = client.await(c.getLeaseClient().grant(ttl));
        client.out().object(Output.row("id", hex(r.getID()), "ttl", r.getTTL()));
      }
      return 0;
    }
  }

  @Command(name = "revoke", description = "Revoke a lease and delete its keys.")
  static final class Revoke implements Callable<Integer> {
    @Mixin ClientOptions client;

    @Parameters(index = "0")
    String id;

    @Override
    public Integer call() throws Exception {
      try (Client c = client.connect()) {
        client.await(c.getLeaseClient().revoke(parseId(id)));
        client.out().object(Output.row("id", id, "revoked", true));
      }
      return 0;
    }
  }

  @Command(name = "keep-alive", description = "Keep a lease alive until interrupted.")
  static final class KeepAlive implements Callable<Integer> {
    @Mixin ClientOptions client;

    @Parameters(index = "0")
    String id;

    @Option(names = "--once", description = "Renew once and exit.")
    boolean once;

    @Override
    public Integer call() throws Exception {
      long lease = parseId(id);
      try (Client c = client.connect()) {
        if (once) {
          LeaseKeepAliveResponse r = client.await(c.getLeaseClient().keepAliveOnce(lease));
          client.out().object(Output.row("id", hex(r.getID()), "ttl", r.getTTL()));
          return 0;
        }
        CountDownLatch done = new CountDownLatch(1);
        AtomicReference<Throwable> failure = new AtomicReference<>();
        Output out = client.out();
        try (var k =
            c.getLeaseClient()
                .keepAlive(
                    lease,
                    new StreamObserver<>() {
                      @Override
                      public void onNext(LeaseKeepAliveResponse r) {
                        try {
                          out.object(Output.row("id", hex(r.getID()), "ttl", r.getTTL()));
                        } catch (Exception e) {
                          failure.set(e);
                        }
                      }

                      @Override
                      public void onError(Throwable t) {
                        failure.set(t);
                        done.countDown();
                      }

                      @Override
                      public void onCompleted() {
                        done.countDown();
                      }
                    })) {
          done.await();
        }
        if (failure.get() != null) {
          System.err.println("error: " + failure.get().getMessage());
          return 1;
        }
      }
      return 0;
    }
  }

  @Command(name = "ttl", description = "Show a lease's remaining time, and with --keys its keys.")
  static final class Ttl implements Callable<Integer> {
    @Mixin ClientOptions client;

    @Parameters(index = "0")
    String id;

    @Option(names = "--keys")
    boolean keys;

    @Override
    public Integer call() throws Exception {
      try (Client c = client.connect()) {
        LeaseOption o =
            keys ? LeaseOption.builder().withAttachedKeys().build() : LeaseOption.DEFAULT;
        LeaseTimeToLiveResponse r = client.await(c.getLeaseClient().timeToLive(parseId(id), o));
        if (r.getTTL() == -1) {
          throw new IllegalStateException("lease " + id + " not found (expired or revoked)");
        }
        Map<String, Object> row =
            Output.row(
                "id",
                hex(r.getID()),
                "granted_ttl",
                r.getGrantedTTL(),
                "remaining_ttl",
                r.getTTL());
        if (keys) {
          row.put("keys", String.join(",", r.getKeys().stream().map(ClientOptions::text).toList()));
        }
        client.out().object(row);
      }
      return 0;
    }
  }

  @Command(name = "list", description = "List live leases.")
  static final class ListLeases implements Callable<Integer> {
    @Mixin ClientOptions client;

    @Override
    public Integer call() throws Exception {
      {
        // jetcd has no Leases call: ask the first endpoint directly over gRPC
        URI e = URI.create(client.endpoints().get(0));
        io.grpc.ManagedChannel ch =
            io.grpc.netty.NettyChannelBuilder.forAddress(e.getHost(), e.getPort())
                .usePlaintext()
                .build();
        List<Map<String, Object>> rows;
        try {
          rows =
              dev.cairn.raft.LeaseLeases.decodeIds(
                      io.grpc.stub.ClientCalls.blockingUnaryCall(
                          ch,
                          dev.cairn.raft.LeaseLeases.METHOD,
                          io.grpc.CallOptions.DEFAULT.withDeadlineAfter(
                              client.timeout.toMillis(),
                              java.util.concurrent.TimeUnit.MILLISECONDS),
                          new byte[0]))
                  .stream()
                  .map(id -> Output.row("id", hex(id)))
                  .toList();
        } finally {
          ch.shutdownNow();
        }
        client.out().rows(rows);
      }
      return 0;
    }
  }

  static String keyText(io.etcd.jetcd.ByteSequence b) {
    return text(b);
  }
}
