package dev.cairn.ops;

import static dev.cairn.ops.ClientOptions.bytes;
import static dev.cairn.ops.ClientOptions.text;

import io.etcd.jetcd.ByteSequence;
import io.etcd.jetcd.Client;
import io.etcd.jetcd.KeyValue;
import io.etcd.jetcd.kv.DeleteResponse;
import io.etcd.jetcd.kv.GetResponse;
import io.etcd.jetcd.kv.PutResponse;
import io.etcd.jetcd.kv.TxnResponse;
import io.etcd.jetcd.options.DeleteOption;
import io.etcd.jetcd.options.GetOption;
import io.etcd.jetcd.options.PutOption;
import io.etcd.jetcd.options.WatchOption;
import io.etcd.jetcd.watch.WatchEvent;
import java.io.BufferedReader;
import java.io.InputStreamReader;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.Callable;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.AtomicReference;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Option;
import picocli.CommandLine.Parameters;

/** {@code cairn kv put|get|del|watch|txn}: the key-value API, as etcdctl offers it. */
@Command(
    name = "kv",
    description = "Read and write keys.",
    subcommands = {
      KvCommand.Put.class,
      KvCommand.Get.class,
      KvCommand.Del.class,
      KvCommand.WatchKeys.class,
      KvCommand.Txn.class
    })
final class KvCommand {

  static Map<String, Object> kvRow(KeyValue kv) {
    return Output.row(
        "key", text(kv.getKey()),
        "value", text(kv.getValue()),
        "create_revision", kv.getCreateRevision(),
        "mod_revision", kv.getModRevision(),
        "version", kv.getVersion(),
        "lease", kv.getLease());
  }

  static List<Map<String, Object>> kvRows(List<KeyValue> kvs) {
    return kvs.stream().map(KvCommand::kvRow).toList();
  }

  @Command(name = "put", description = "Put KEY = VALUE.")
  static final class Put implements Callable<Integer> {
    @Mixin ClientOptions client;

    @Parameters(index = "0")
    String key;

    @Parameters(index = "1")
    String value;

    @Option(names = "--lease", description = "Attach to this lease (hex id, as etcdctl prints).")
    String lease;

    @Option(names = "--prev-kv", description = "Print the previous version.")
    boolean prevKv;

    @Override
    public Integer call() throws Exception {
      try (Client c = client.connect()) {
        PutOption.Builder o = PutOption.builder();
        if (lease != null) {
          o.withLeaseId(LeaseCommand.parseId(lease));
        }
        if (prevKv) {
          o.withPrevKV();
        }
        PutResponse r = client.await(c.getKVClient().put(bytes(key), bytes(value), o.build()));
        Map<String, Object> row = Output.row("revision", r.getHeader().getRevision());
        if (prevKv && r.hasPrevKv()) {
          row.put("prev_value", text(r.getPrevKv().getValue()));
        }
        client.out().object(row);
      }
      return 0;
    }
  }

  @Command(name = "get", description = "Get a key, a range or a prefix.")
  static final class Get implements Callable<Integer> {
    @Mixin ClientOptions client;

    @Parameters(index = "0")
    String key;

    @Parameters(index = "1", arity = "0..1", description = "Range end (exclusive).")
    String rangeEnd;

    @Option(names = "--prefix")
    boolean prefix;

    @Option(names = "--from-key", description = "Every key ≥ KEY.")
    boolean fromKey;

    @Option(names = "--rev", defaultValue = "0")
    long rev;

    @Option(names = "--limit", defaultValue = "0")
    long limit;

    @Option(names = "--keys-only")
    boolean keysOnly;

    @Option(names = "--count-only")
    boolean countOnly;

    @Option(
        names = "--consistency",
        defaultValue = "l",
        description = "l (linearizable) or s (serializable).")
    String consistency;

    @Override
    public Integer call() throws Exception {
      GetOption.Builder o =
          GetOption.builder()
              .withRevision(rev)
              .withLimit(limit)
              .withKeysOnly(keysOnly)
              .withCountOnly(countOnly)
              .withSerializable(consistency.equals("s"));
      if (prefix) {
        o.isPrefix(true);
      } else if (fromKey) {
        o.withRange(ByteSequence.from(new byte[] {0}));
      } else if (rangeEnd != null) {
        o.withRange(bytes(rangeEnd));
      }
      try (Client c = client.connect()) {
        GetResponse r = client.await(c.getKVClient().get(bytes(key), o.build()));
        if (countOnly) {
          client.out().object(Output.row("count", r.getCount()));
        } else {
          client.out().rows(kvRows(r.getKvs()));
        }
      }
      return 0;
    }
  }

  @Command(name = "del", description = "Delete a key, a range or a prefix.")
  static final class Del implements Callable<Integer> {
    @Mixin ClientOptions client;

    @Parameters(index = "0")
    String key;

    @Parameters(index = "1", arity = "0..1")
    String rangeEnd;

    @Option(names = "--prefix")
    boolean prefix;

    @Option(names = "--from-key")
    boolean fromKey;

    @Option(names = "--prev-kv")
    boolean prevKv;

    @Override
    public Integer call() throws Exception {
      DeleteOption.Builder o = DeleteOption.builder().withPrevKV(prevKv);
      if (prefix) {
        o.isPrefix(true);
      } else if (fromKey) {
        o.withRange(ByteSequence.from(new byte[] {0}));
      } else if (rangeEnd != null) {
        o.withRange(bytes(rangeEnd));
      }
      try (Client c = client.connect()) {
        DeleteResponse r = client.await(c.getKVClient().delete(bytes(key), o.build()));
        if (prevKv) {
          client.out().rows(kvRows(r.getPrevKvs()));
        } else {
          client.out().object(Output.row("deleted", r.getDeleted()));
        }
      }
      return 0;
    }
  }

  @Command(name = "watch", description = "Print changes to a key or prefix as they happen.")
  static final class WatchKeys implements Callable<Integer> {
    @Mixin ClientOptions client;

    @Parameters(index = "0")
    String key;

    @Option(names = "--prefix")
    boolean prefix;

    @Option(names = "--rev", defaultValue = "0", description = "Start from this revision.")
    long rev;

    @Option(names = "--prev-kv")
    boolean prevKv;

    @Option(names = "--count", defaultValue = "0", description = "Exit after this many events.")
    int count;

    @Override
    public Integer call() throws Exception {
      WatchOption o =
          WatchOption.builder().isPrefix(prefix).withRevision(rev).withPrevKV(prevKv).build();
      CountDownLatch finished = new CountDownLatch(1);
      AtomicInteger seen = new AtomicInteger();
      AtomicReference<Throwable> failure = new AtomicReference<>();
      Output out = client.out();
      try (Client c = client.connect();
          var w =
              c.getWatchClient()
                  .watch(
                      bytes(key),
                      o,
                      response -> {
                        for (WatchEvent e : response.getEvents()) {
                          try {
                            Map<String, Object> row = kvRow(e.getKeyValue());
                            row.put("type", e.getEventType().name());
                            out.object(row);
                            System.out.flush();
                          } catch (Exception ex) {
                            failure.set(ex);
                          }
                          if (count > 0 && seen.incrementAndGet() >= count) {
                            finished.countDown();
                          }
                        }
                      },
                      error -> {
                        failure.set(error);
                        finished.countDown();
                      })) {
        finished.await();
      }
      if (failure.get() != null) {
        System.err.println("error: " + failure.get().getMessage());
        return 1;
      }
      return 0;
    }
  }

  /**
   * Reads a transaction from standard input in etcdctl's format: compares, a blank line, the
   * success requests, a blank line, the failure requests.
   *
   * <pre>
   *   mod("k") = "0"
   *
   *   put k "created"
   *
   *   get k
   * </pre>
   */
  @Command(name = "txn", description = "Run a transaction read from standard input.")
  static final class Txn implements Callable<Integer> {
    @Mixin ClientOptions client;

    @Override
    public Integer call() throws Exception {
      List<List<String>> sections = new ArrayList<>(List.of(new ArrayList<>()));
      try (BufferedReader in =
          new BufferedReader(new InputStreamReader(System.in, StandardCharsets.UTF_8))) {
        for (String line; (line = in.readLine()) != null; ) {
          if (line.isBlank()) {
            sections.add(new ArrayList<>());
          } else {
            sections.get(sections.size() - 1).add(line.trim());
          }
        }
      }
      while (sections.size() < 3) {
        sections.add(new ArrayList<>());
      }
      TxnParser p = new TxnParser();
      try (Client c = client.connect()) {
        TxnResponse r =
            client.await(
                c.getKVClient()
                    .txn()
                    .If(p.compares(sections.get(0)))
                    .Then(p.ops(sections.get(1)))
                    .Else(p.ops(sections.get(2)))
                    .commit());
        List<Map<String, Object>> rows = new ArrayList<>();
        rows.add(Output.row("result", r.isSucceeded() ? "SUCCESS" : "FAILURE", "detail", ""));
        for (PutResponse put : r.getPutResponses()) {
          rows.add(
              Output.row("result", "put", "detail", "revision " + put.getHeader().getRevision()));
        }
        for (DeleteResponse del : r.getDeleteResponses()) {
          rows.add(Output.row("result", "del", "detail", "deleted " + del.getDeleted()));
        }
        for (GetResponse get : r.getGetResponses()) {
          for (KeyValue kv : get.getKvs()) {
            rows.add(
                Output.row(
                    "result", "get", "detail", text(kv.getKey()) + "=" + text(kv.getValue())));
          }
        }
        client.out().rows(rows);
      }
      return 0;
    }
  }
}
