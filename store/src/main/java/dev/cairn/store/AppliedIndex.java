package dev.cairn.store;

/**
 * The last log entry whose effects the store holds, written atomically with those effects, so a
 * replica that restarts re-applies exactly the entries after it.
 */
public record AppliedIndex(long term, long index) {
  public static final AppliedIndex NONE = new AppliedIndex(0, -1);
}
