package dev.cairn.raft;

import static java.nio.charset.StandardCharsets.UTF_8;
import static org.assertj.core.api.Assertions.assertThat;

import io.etcd.jetcd.ByteSequence;
import io.etcd.jetcd.Client;
import io.etcd.jetcd.Watch;
import io.etcd.jetcd.options.WatchOption;
import io.etcd.jetcd.watch.WatchEvent;
import java.time.Duration;
import java.util.List;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;

/**
 * A member that stops ends its watch streams as etcd's does, with UNAVAILABLE ("etcdserver: server
 * stopped"), so that a client of several members resumes its watches on another one and misses
 * nothing. (gRPC's own shutdown resets the streams, which jetcd takes as a final CANCELLED.)
 */
class WatchOnStoppedMemberTest {
  @RegisterExtension
  static final CairnClusterExtension CLUSTER = CairnClusterExtension.withNodes(3);

  static ByteSequence b(String s) {
    return ByteSequence.from(s, UTF_8);
  }

  @Test
  void aWatchOnAStoppedMemberResumesOnAnotherWithoutLosingEvents() throws Exception {
    CairnCluster c = CLUSTER.cluster();
    c.awaitLeader(Duration.ofSeconds(30));
    Client client = c.client();
    List<String> values = new CopyOnWriteArrayList<>();
    List<Throwable> errors = new CopyOnWriteArrayList<>();
    // from the next revision, not "from now": the put below may apply before the watch is set up
    long next =
        client.getKVClient().get(b("/stop/k")).get(10, TimeUnit.SECONDS).getHeader().getRevision()
            + 1;
    Watch.Watcher watcher =
        client
            .getWatchClient()
            .watch(
                b("/stop/k"),
                WatchOption.builder().withRevision(next).build(),
                r -> {
                  for (WatchEvent e : r.getEvents()) {
                    values.add(e.getKeyValue().getValue().toString(UTF_8));
                  }
                },
                errors::add);
    client.getKVClient().put(b("/stop/k"), b("before")).get(10, TimeUnit.SECONDS);
    assertThat(Await.until(Duration.ofSeconds(20), () -> values.contains("before"))).isTrue();
    int serving = -1;
    for (int i = 0; i < c.size(); i++) {
      if (c.node(i).watches().openStreams() > 0) {
        serving = i;
      }
    }
    assertThat(serving).as("the member holding the watch stream").isNotNegative();

    c.stopNode(serving);
    Client other = c.client((serving + 1) % c.size());
    Await.retrying(
        Duration.ofSeconds(30),
        e -> true,
        () -> other.getKVClient().put(b("/stop/k"), b("after")).get(5, TimeUnit.SECONDS));

    assertThat(Await.until(Duration.ofSeconds(30), () -> values.contains("after")))
        .as("the event written after the member stopped reached the watch (errors: %s)", errors)
        .isTrue();
    assertThat(values).containsExactly("before", "after");
    // jetcd tells the watcher why its stream ended, and resumes it
    assertThat(errors).extracting(Throwable::getMessage).containsOnly("etcdserver: server stopped");
    watcher.close();
  }
}
