package dev.cairn.store;

/**
 * One change, as a watcher sees it. For a delete, {@code kv} carries only the key and the deleting
 * revision as {@code modRevision}, as etcd does. {@code prevKv} is the version before the change,
 * or null if the key did not exist.
 */
public record Event(Type type, KeyValue kv, KeyValue prevKv) {
  public enum Type {
    PUT,
    DELETE
  }

  public long revision() {
    return kv.modRevision();
  }

  public Event withoutPrevKv() {
    return prevKv == null ? this : new Event(type, kv, null);
  }
}
