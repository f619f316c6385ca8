package dev.cairn.store;

/** A registered watch. Closing it stops delivery. */
public interface Watcher extends AutoCloseable {

  /** Whether the watcher has every committed revision delivered or queued (not catching up). */
  boolean isSynced();

  /** The first revision not yet delivered or queued for delivery. */
  long nextRevision();

  /**
   * Asks for a {@link WatchListener#onProgress} call once this watcher is synced and has nothing
   * queued, so a client can learn how far its view reaches when no events arrive (etcd's progress
   * notification). A watcher that is catching up answers when it has caught up.
   */
  void requestProgress();

  /** Lets delivery continue after {@link WatchListener#onEvents} returned false. */
  void resume();

  @Override
  void close();
}
