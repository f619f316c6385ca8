package dev.cairn.store;

/** A registered watch. Closing it stops delivery. */
public interface Watcher extends AutoCloseable {

  /** Whether the watcher has every committed revision delivered or queued (not catching up). */
  boolean isSynced();

  /** The first revision not yet delivered or queued for delivery. */
  long nextRevision();

  /** Lets delivery continue after {@link WatchListener#onEvents} returned false. */
  void resume();

  @Override
  void close();
}
