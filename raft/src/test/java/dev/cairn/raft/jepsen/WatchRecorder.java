package dev.cairn.raft.jepsen;

import static java.nio.charset.StandardCharsets.UTF_8;

import io.etcd.jetcd.Client;
import io.etcd.jetcd.Watch;
import io.etcd.jetcd.common.exception.CompactedException;
import io.etcd.jetcd.options.WatchOption;
import io.etcd.jetcd.watch.WatchEvent;
import io.etcd.jetcd.watch.WatchResponse;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.LocalTime;
import java.util.ArrayList;
import java.util.List;
import java.util.TreeMap;
import java.util.concurrent.TimeUnit;

/**
 * A watcher on the workload's key prefix through one member only, from a given revision, that keeps
 * every response as delivered. jetcd re-creates the watch itself after the member dies and comes
 * back (from the last delivered revision + 1): the checks then show what it delivered across the
 * kill.
 */
final class WatchRecorder implements AutoCloseable {
  /** One event as delivered: revision, key, and the value put (null: a delete). */
  record Event(long revision, String key, String value) {
    @Override
    public String toString() {
      return "@" + revision + " " + key + (value == null ? " deleted" : "=" + value);
    }
  }

  final String name;
  final long startRevision;
  private final Client client;
  private final Watch.Watcher watcher;
  private final List<List<Event>> responses = new ArrayList<>();

  /** What happened to the stream, in order, with the time: each response and each error. */
  private final List<String> timeline = new ArrayList<>();

  private long errors;
  private long compactedAt = -1;
  private boolean completed;

  WatchRecorder(String name, Client client, long startRevision) {
    this.name = name;
    this.client = client;
    this.startRevision = startRevision;
    this.watcher =
        client
            .getWatchClient()
            .watch(
                Workload.b(Workload.PREFIX),
                WatchOption.builder().isPrefix(true).withRevision(startRevision).build(),
                Watch.listener(this::onNext, this::onError, this::onCompleted));
  }

  /** A stream recorded elsewhere (tests): no client, responses given by {@link #delivered}. */
  WatchRecorder(String name, long startRevision) {
    this.name = name;
    this.client = null;
    this.startRevision = startRevision;
    this.watcher = null;
  }

  /** One response as delivered, in order. */
  synchronized WatchRecorder delivered(Event... events) {
    responses.add(List.of(events));
    notifyAll();
    return this;
  }

  private synchronized void onNext(WatchResponse r) {
    List<Event> events = new ArrayList<>();
    for (WatchEvent e : r.getEvents()) {
      events.add(
          new Event(
              e.getKeyValue().getModRevision(),
              e.getKeyValue().getKey().toString(UTF_8),
              e.getEventType() == WatchEvent.EventType.DELETE
                  ? null
                  : e.getKeyValue().getValue().toString(UTF_8)));
    }
    if (!events.isEmpty()) {
      responses.add(events);
      timeline.add(
          LocalTime.now()
              + "\tresponse\t"
              + r.getHeader().getRevision()
              + "\t"
              + events.get(0).revision()
              + "\t"
              + events.get(events.size() - 1).revision()
              + "\t"
              + events.size());
      notifyAll();
    }
  }

  private synchronized void onError(Throwable t) {
    errors++;
    timeline.add(LocalTime.now() + "\terror\t" + t);
    if (t instanceof CompactedException c) {
      compactedAt = c.getCompactedRevision();
    }
    notifyAll();
  }

  private synchronized void onCompleted() {
    completed = true;
    notifyAll();
  }

  synchronized long lastRevision() {
    return responses.isEmpty()
        ? startRevision - 1
        : responses
            .get(responses.size() - 1)
            .get(responses.get(responses.size() - 1).size() - 1)
            .revision();
  }

  /** The watch was canceled because its resume revision was compacted (-1: it was not). */
  synchronized long compactedAt() {
    return compactedAt;
  }

  synchronized long errors() {
    return errors;
  }

  synchronized boolean ended() {
    return completed || compactedAt >= 0;
  }

  synchronized List<List<Event>> responses() {
    return List.copyOf(responses);
  }

  synchronized int eventCount() {
    return responses.stream().mapToInt(List::size).sum();
  }

  /** Waits until an event at revision ≥ rev is delivered, the watch ends, or the deadline. */
  synchronized boolean awaitRevision(long rev, long deadlineNanos) throws InterruptedException {
    while (lastRevision() < rev && !ended()) {
      long left = deadlineNanos - System.nanoTime();
      if (left <= 0) {
        return false;
      }
      TimeUnit.NANOSECONDS.timedWait(this, left);
    }
    return lastRevision() >= rev;
  }

  /**
   * Checks one stream on its own: revisions increase from response to response, a revision's events
   * come in one response (atomic), and no event is delivered twice. Returns the events by revision,
   * from one snapshot of the stream.
   */
  TreeMap<Long, List<Event>> checkOrder(List<String> anomalies) {
    TreeMap<Long, List<Event>> byRev = new TreeMap<>();
    long last = startRevision - 1;
    List<List<Event>> rs = responses();
    for (int i = 0; i < rs.size(); i++) {
      List<Event> resp = rs.get(i);
      long prevInResp = -1;
      for (Event e : resp) {
        if (e.revision() < prevInResp) {
          anomalies.add(name + ": events out of order within a response: " + resp);
        }
        prevInResp = e.revision();
        if (e.revision() <= last) {
          boolean dup = byRev.getOrDefault(e.revision(), List.of()).contains(e);
          anomalies.add(
              name
                  + (dup ? ": duplicate event " : ": event out of order ")
                  + e
                  + " after revision "
                  + last
                  + (dup ? "" : " (revision split across responses or reordered)"));
          continue;
        }
        List<Event> at = byRev.computeIfAbsent(e.revision(), r -> new ArrayList<>());
        if (at.stream().anyMatch(x -> x.key().equals(e.key()))) {
          anomalies.add(name + ": two events for one key at one revision: " + e);
        }
        at.add(e);
      }
      last = Math.max(last, resp.get(resp.size() - 1).revision());
    }
    return byRev;
  }

  /**
   * Writes the stream's timeline (time, response, header revision, first and last event revision,
   * events; or time, error) for a look at a failed run; the run keeps it beside the member logs.
   */
  void writeTimeline(Path file) throws IOException {
    List<String> lines;
    synchronized (this) {
      lines = new ArrayList<>(timeline);
    }
    Files.write(file, lines);
  }

  @Override
  public void close() {
    if (watcher == null) {
      return;
    }
    try {
      watcher.close();
    } finally {
      client.close();
    }
  }
}
