package dev.cairn.store;

import java.nio.ByteBuffer;
import java.util.ArrayDeque;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.LinkedBlockingQueue;

/**
 * Delivers committed changes to watchers, in the manner of etcd's watchable store.
 *
 * <p>A watcher is either <b>synced</b> — it has every revision up to the last notified one queued
 * or delivered, and the writer hands it new events directly — or <b>catching up</b>: the delivery
 * thread reads its history from storage, a chunk at a time, until it reaches the last notified
 * revision, and then (under {@link #lock}, so no revision slips between) makes it synced. A synced
 * watcher whose queue is full is demoted to catching up instead of growing its queue: the writer
 * never blocks and memory stays bounded, however slow the consumer.
 *
 * <pre>
 *   revisions:   ... 40 41 42 | 43 44 45 (notified)
 *   watcher from 41:  reads 41..42 from storage → reads 43..45 → synced → live from 46
 *   synced watcher with a full queue at 46: demoted, next = 46 → catches up from storage
 * </pre>
 *
 * <p>Lock order: {@link #lock} before a watcher's monitor. Listeners are called from the single
 * delivery thread with no lock held.
 */
final class WatchHub implements AutoCloseable {
  record Chunk(List<Event> events, long through) {}

  private final RocksMvccStore store;
  private final int queueLimit;
  private final Object lock = new Object();

  /** Watchers of one key, by key. */
  private final Map<ByteBuffer, Set<W>> keyWatchers = new HashMap<>();

  /**
   * Watchers of a prefix (the common case: every Kubernetes watch is one), by prefix: an event on
   * key k is matched by looking up each of k's prefixes, so the cost of a write does not grow with
   * the number of prefix watchers.
   */
  private final Map<ByteBuffer, Set<W>> prefixWatchers = new HashMap<>();

  /** Every other range; these are scanned for each event. */
  private final Set<W> rangeWatchers = new LinkedHashSet<>();

  private long notified;
  private final LinkedBlockingQueue<W> ready = new LinkedBlockingQueue<>();
  private final Thread dispatcher;
  private volatile boolean closed;

  WatchHub(RocksMvccStore store, int queueLimit, long revision) {
    this.store = store;
    this.queueLimit = Math.max(1, queueLimit);
    this.notified = revision;
    this.dispatcher = new Thread(this::dispatch, "cairn-watch");
    dispatcher.setDaemon(true);
    dispatcher.start();
  }

  Watcher watch(WatchRequest request, WatchListener listener) {
    W w = new W(request, listener);
    synchronized (lock) {
      long start = request.startRevision();
      long compacted = store.compactRevision();
      if (start > 0 && start < compacted) {
        w.compactedAt = compacted;
        schedule(w);
      } else if (start <= 0 || start > notified) {
        w.minRevision = Math.max(start, notified + 1);
        w.synced = true;
        register(w);
      } else {
        w.next = start;
        schedule(w);
      }
    }
    return w;
  }

  /** Called by the writer after each commit, in revision order. */
  void notify(List<Event> events, long revision) {
    synchronized (lock) {
      if (!events.isEmpty()
          && (!keyWatchers.isEmpty() || !prefixWatchers.isEmpty() || !rangeWatchers.isEmpty())) {
        Map<W, List<Event>> matched = new LinkedHashMap<>();
        for (Event e : events) {
          byte[] key = e.kv().key();
          Set<W> exact = keyWatchers.get(ByteBuffer.wrap(key));
          if (exact != null) {
            for (W w : exact) {
              w.match(e, matched);
            }
          }
          if (!prefixWatchers.isEmpty()) {
            for (int n = 0; n <= key.length; n++) {
              Set<W> byPrefix = prefixWatchers.get(ByteBuffer.wrap(key, 0, n));
              if (byPrefix != null) {
                for (W w : byPrefix) {
                  w.match(e, matched);
                }
              }
            }
          }
          for (W w : rangeWatchers) {
            w.match(e, matched);
          }
        }
        for (Map.Entry<W, List<Event>> m : matched.entrySet()) {
          W w = m.getKey();
          if (!w.offer(m.getValue())) {
            unregister(w);
            w.synced = false;
            w.next = Math.max(notified + 1, w.minRevision);
          }
          schedule(w);
        }
      }
      notified = revision;
    }
  }

  /** Which index holds a watcher: by key, by prefix, or the scanned set (null). */
  private Map<ByteBuffer, Set<W>> index(W w) {
    byte[] key = w.request.key();
    byte[] end = w.request.rangeEnd();
    if (Keys.isSingleKey(end)) {
      return keyWatchers;
    }
    if (key.length > 0 && !Keys.isOpenEnded(end) && Arrays.equals(end, Keys.prefixEnd(key))) {
      return prefixWatchers;
    }
    return null;
  }

  private void register(W w) {
    Map<ByteBuffer, Set<W>> index = index(w);
    if (index == null) {
      rangeWatchers.add(w);
    } else {
      index.computeIfAbsent(ByteBuffer.wrap(w.request.key()), k -> new LinkedHashSet<>()).add(w);
    }
  }

  private void unregister(W w) {
    Map<ByteBuffer, Set<W>> index = index(w);
    if (index == null) {
      rangeWatchers.remove(w);
      return;
    }
    ByteBuffer k = ByteBuffer.wrap(w.request.key());
    Set<W> set = index.get(k);
    if (set != null && set.remove(w) && set.isEmpty()) {
      index.remove(k);
    }
  }

  private void schedule(W w) {
    synchronized (w) {
      if (w.scheduled || w.closed) {
        return;
      }
      w.scheduled = true;
    }
    ready.add(w);
  }

  private void dispatch() {
    while (!closed) {
      W w;
      try {
        w = ready.take();
      } catch (InterruptedException e) {
        return;
      }
      synchronized (w) {
        w.scheduled = false;
      }
      try {
        deliver(w);
      } catch (RuntimeException e) {
        if (closed) {
          return;
        }
        w.close(); // a failing listener loses its watch, never the hub
      }
    }
  }

  private void deliver(W w) {
    if (w.closed) {
      return;
    }
    if (w.compactedAt > 0) {
      w.close();
      w.listener.onCompacted(w.compactedAt);
      return;
    }
    List<Event> batch;
    synchronized (w) {
      if (w.paused) {
        return;
      }
      batch = w.drain();
      w.inFlight = !batch.isEmpty();
    }
    if (!batch.isEmpty()) {
      boolean more = w.listener.onEvents(batch);
      synchronized (w) {
        w.inFlight = false;
        if (!more && !w.resumedInFlight) {
          w.paused = true;
          return;
        }
        w.resumedInFlight = false;
      }
    }
    if (!w.synced) {
      catchUp(w);
      return;
    }
    long progress = -1;
    synchronized (lock) {
      synchronized (w) {
        if (w.progressRequested && w.synced && w.pending.isEmpty()) {
          w.progressRequested = false;
          progress = notified;
        }
      }
    }
    if (progress >= 0) {
      w.listener.onProgress(progress);
    }
  }

  private void catchUp(W w) {
    long from;
    long to;
    synchronized (lock) {
      to = notified;
      from = w.next;
      if (from > to) {
        if (!w.closed) {
          w.synced = true;
          register(w);
        }
      }
    }
    // decided under the lock, not by reading w.synced again: once registered, the writer may
    // demote the watcher (synced = false, next moved on) at any moment, and catching up from
    // here would then rewind next and deliver the events it queued meanwhile a second time
    if (from > to) {
      schedule(w); // once more as a synced watcher, so a pending progress request is answered
      return;
    }
    Chunk chunk = store.history(w.request, from, to, queueLimit);
    long compacted = store.compactRevision();
    if (from < compacted) {
      w.compactedAt = compacted; // history below the compacted revision may be incomplete
    } else {
      synchronized (w) {
        w.pending.addAll(chunk.events());
      }
      w.next = chunk.through() + 1;
    }
    schedule(w);
  }

  @Override
  public void close() {
    closed = true;
    dispatcher.interrupt();
    try {
      dispatcher.join(10_000);
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
    }
  }

  /** One watcher's state; see the class comment for synced and catching up. */
  private final class W implements Watcher {
    final WatchRequest request;
    final WatchListener listener;
    final ArrayDeque<Event> pending = new ArrayDeque<>();

    /** Events below this revision are not for this watcher (a watch from a future revision). */
    long minRevision;

    /** While catching up: the first revision not yet read from storage. */
    volatile long next;

    volatile boolean synced;
    volatile long compactedAt;
    boolean scheduled;
    boolean paused;

    /** A delivery is with the listener: a resume() meanwhile must not be lost. */
    boolean inFlight;

    boolean resumedInFlight;
    boolean progressRequested;
    volatile boolean closed;

    W(WatchRequest request, WatchListener listener) {
      this.request = request;
      this.listener = listener;
    }

    void match(Event e, Map<W, List<Event>> matched) {
      if (e.revision() >= minRevision && request.matches(e)) {
        matched
            .computeIfAbsent(this, x -> new ArrayList<>())
            .add(request.prevKv() ? e : e.withoutPrevKv());
      }
    }

    /** Queues whole revisions' events; false if the queue is full (an empty queue takes any). */
    synchronized boolean offer(List<Event> events) {
      if (!pending.isEmpty() && pending.size() + events.size() > queueLimit) {
        return false;
      }
      pending.addAll(events);
      return true;
    }

    synchronized List<Event> drain() {
      List<Event> out = new ArrayList<>(pending);
      pending.clear();
      return out;
    }

    @Override
    public boolean isSynced() {
      return synced;
    }

    @Override
    public long nextRevision() {
      if (synced) {
        synchronized (lock) {
          return synced ? notified + 1 : next;
        }
      }
      return next;
    }

    @Override
    public void requestProgress() {
      synchronized (this) {
        progressRequested = true;
      }
      schedule(this);
    }

    @Override
    public void resume() {
      synchronized (this) {
        if (!paused) {
          // the listener may have said "full" and be resumed before the hub saw its answer
          resumedInFlight = inFlight;
          return;
        }
        paused = false;
      }
      schedule(this);
    }

    @Override
    public void close() {
      synchronized (lock) {
        closed = true;
        unregister(this);
      }
    }
  }
}
