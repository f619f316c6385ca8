package dev.cairn.raft.fault;

import static java.nio.charset.StandardCharsets.UTF_8;
import static org.assertj.core.api.Assertions.assertThat;

import dev.cairn.raft.Await;
import dev.cairn.raft.CairnCluster;
import io.etcd.jetcd.ByteSequence;
import io.etcd.jetcd.Client;
import io.etcd.jetcd.KV;
import io.etcd.jetcd.Watch;
import io.etcd.jetcd.options.WatchOption;
import io.etcd.jetcd.watch.WatchEvent;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.TimeUnit;
import java.util.stream.LongStream;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * A jetcd watch on one member resumes, after that member was down, at the revision after the last
 * one it delivered (jetcd's rule). When the cluster compacted to exactly that revision meanwhile,
 * and that revision deleted a key, the watch must still deliver the delete. The compactor used to
 * remove a tombstone at the compaction revision itself, as etcd did before its issue 18089, and the
 * resumed watch then skipped exactly that one revision: the signature of the gap FaultRun's watcher
 * on a restarted follower showed (kill-follower-watch-gap.txt).
 *
 * <pre>
 *   watch on f delivered 1..h │ f down │ h+1: del /resume/a │ h+2..last: puts │ compact at h+1 │ f up
 *   resumed at h+1  →  del /resume/a @h+1, put … @last
 * </pre>
 *
 * The member is stopped in process, which cancels its streams (CANCELLED, a status on which jetcd
 * gives a watch up rather than resuming it, unlike the UNAVAILABLE a kill -9 gives): the test makes
 * the resume itself, from the last delivered revision + 1 as jetcd does, once the member has
 * physically compacted, so that the check does not depend on timing.
 */
class WatchResumeAtCompactionTest {
  private static final String PREFIX = "/resume/";

  @TempDir Path dir;

  @Test
  void aWatchResumedAtTheCompactedRevisionSeesTheDeleteThere() throws Exception {
    try (CairnCluster c = CairnCluster.start(3, dir)) {
      int leader = c.awaitLeader(Duration.ofSeconds(20));
      int member = LeaderFailoverTest.otherThan(leader, 3)[0];
      KV kv = c.client(leader).getKVClient();
      Client onMember = c.client(member);
      List<WatchEvent> before = new CopyOnWriteArrayList<>();
      long h = 0;
      try (Watch.Watcher watcher =
          onMember
              .getWatchClient()
              .watch(
                  b(PREFIX),
                  WatchOption.builder().isPrefix(true).withRevision(1).build(),
                  Watch.listener(r -> before.addAll(r.getEvents())))) {
        for (String k : List.of("a", "b", "c", "a")) {
          h = put(kv, k);
        }
        long head = h;
        assertThat(Await.until(Duration.ofSeconds(20), () -> last(before) == head))
            .as("the watch on the member delivered up to %d", head)
            .isTrue();
        c.stopNode(member);
      }
      long resumeAt = last(before) + 1;

      long deleted = kv.delete(b(PREFIX + "a")).get(10, TimeUnit.SECONDS).getHeader().getRevision();
      assertThat(deleted).isEqualTo(resumeAt);
      long last = 0;
      for (String k : List.of("b", "c", "d")) {
        last = put(kv, k);
      }
      kv.compact(deleted).get(10, TimeUnit.SECONDS);
      c.startNode(member);
      long end = last;
      assertThat(
              Await.until(
                  Duration.ofSeconds(30),
                  () -> c.node(member).revision() == end && c.compactRevision(member) == deleted))
          .as("the member applied the writes and the compaction it missed")
          .isTrue();
      c.awaitPhysicalCompaction(member, Duration.ofSeconds(30));

      List<WatchEvent> resumed = new CopyOnWriteArrayList<>();
      try (Watch.Watcher again =
          onMember
              .getWatchClient()
              .watch(
                  b(PREFIX),
                  WatchOption.builder().isPrefix(true).withRevision(resumeAt).build(),
                  Watch.listener(r -> resumed.addAll(r.getEvents())))) {
        assertThat(Await.until(Duration.ofSeconds(60), () -> last(resumed) >= end))
            .as("the resumed watch reached %d: %s", end, revisions(resumed))
            .isTrue();
      }
      assertThat(revisions(resumed))
          .as("revisions delivered from the compacted revision %d", deleted)
          .containsExactlyElementsOf(LongStream.rangeClosed(deleted, end).boxed().toList());
      assertThat(resumed.get(0).getEventType()).isEqualTo(WatchEvent.EventType.DELETE);
      assertThat(resumed.get(0).getKeyValue().getKey()).isEqualTo(b(PREFIX + "a"));
    }
  }

  private static long put(KV kv, String key) throws Exception {
    return kv.put(b(PREFIX + key), b("v")).get(10, TimeUnit.SECONDS).getHeader().getRevision();
  }

  private static long last(List<WatchEvent> events) {
    return events.isEmpty() ? 0 : events.get(events.size() - 1).getKeyValue().getModRevision();
  }

  private static List<Long> revisions(List<WatchEvent> events) {
    List<Long> out = new ArrayList<>();
    for (WatchEvent e : events) {
      out.add(e.getKeyValue().getModRevision());
    }
    return out;
  }

  private static ByteSequence b(String s) {
    return ByteSequence.from(s, UTF_8);
  }
}
