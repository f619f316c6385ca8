package dev.cairn.store;

/**
 * What a watcher wants: changes to {@code [key, rangeEnd)} from {@code startRevision} on (0: from
 * the next revision), with or without previous versions, optionally without puts or deletes.
 */
public record WatchRequest(
    byte[] key,
    byte[] rangeEnd,
    long startRevision,
    boolean prevKv,
    boolean noPut,
    boolean noDelete) {

  public WatchRequest {
    key = Keys.orEmpty(key);
    rangeEnd = Keys.orEmpty(rangeEnd);
  }

  public static WatchRequest key(byte[] key, long startRevision) {
    return new WatchRequest(key, null, startRevision, false, false, false);
  }

  /** Every key starting with {@code prefix}; the empty prefix is every key. */
  public static WatchRequest prefix(byte[] prefix, long startRevision) {
    byte[] key = prefix.length == 0 ? Keys.ALL_FROM : prefix;
    return new WatchRequest(key, Keys.prefixEnd(prefix), startRevision, false, false, false);
  }

  public WatchRequest withPrevKv() {
    return new WatchRequest(key, rangeEnd, startRevision, true, noPut, noDelete);
  }

  public WatchRequest filtered(boolean dropPuts, boolean dropDeletes) {
    return new WatchRequest(key, rangeEnd, startRevision, prevKv, dropPuts, dropDeletes);
  }

  boolean matches(Event e) {
    if (e.type() == Event.Type.PUT ? noPut : noDelete) {
      return false;
    }
    return Keys.inRange(e.kv().key(), key, rangeEnd);
  }
}
