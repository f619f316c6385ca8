package dev.cairn.store;

import java.util.List;

/**
 * Receives one watcher's events. Calls come from the hub's delivery thread, never two at once for
 * the same watcher, and must not block.
 */
public interface WatchListener {

  /**
   * Events of one or more whole revisions, in revision order, each exactly once.
   *
   * @return false when the consumer is full: these events are taken, but the hub sends no more
   *     until {@link Watcher#resume()}; meanwhile later events wait in storage, not in memory
   */
  boolean onEvents(List<Event> events);

  /**
   * Answers {@link Watcher#requestProgress()}: every event of this watcher at or below {@code
   * revision} has been passed to {@link #onEvents} already. Delivered in order with the events.
   */
  default void onProgress(long revision) {}

  /** The revisions this watcher needs were compacted away; the watcher is closed. */
  void onCompacted(long compactRevision);
}
