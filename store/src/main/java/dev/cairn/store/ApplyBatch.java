package dev.cairn.store;

/**
 * Commands applied together and committed in one atomic write. Later commands see the effects of
 * earlier ones; a refused command leaves no trace in the batch. Nothing is visible to readers or
 * watchers until {@link #commit}. Only one batch is open at a time: opening one waits for the
 * previous one to close.
 */
public interface ApplyBatch extends AutoCloseable {

  /**
   * Applies one command.
   *
   * @throws StoreException if the command is refused; the batch is then as it was before the call
   */
  Result apply(Command command);

  /** Number of commands applied so far. */
  int size();

  /**
   * Writes everything applied so far, together with the log position it came from, then publishes
   * it to readers and watchers.
   */
  void commit(AppliedIndex applied);

  /** Discards what was not committed and releases the store's writer lock. */
  @Override
  void close();
}
