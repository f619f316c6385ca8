package dev.cairn.store;

import java.util.Arrays;
import java.util.Objects;

/**
 * One version of a key, as etcd's {@code mvccpb.KeyValue}: {@code version} counts the puts since
 * the key was (re)created, {@code lease} is 0 when none is attached.
 */
public record KeyValue(
    byte[] key, long createRevision, long modRevision, long version, byte[] value, long lease) {

  public KeyValue {
    Objects.requireNonNull(key, "key");
    value = Keys.orEmpty(value);
  }

  /** The same version without its value (a {@code keys_only} read). */
  public KeyValue withoutValue() {
    return new KeyValue(key, createRevision, modRevision, version, null, lease);
  }

  @Override
  public boolean equals(Object o) {
    return o instanceof KeyValue kv
        && createRevision == kv.createRevision
        && modRevision == kv.modRevision
        && version == kv.version
        && lease == kv.lease
        && Arrays.equals(key, kv.key)
        && Arrays.equals(value, kv.value);
  }

  @Override
  public int hashCode() {
    return Objects.hash(
        Arrays.hashCode(key), createRevision, modRevision, version, Arrays.hashCode(value), lease);
  }

  @Override
  public String toString() {
    return Keys.show(key)
        + "{create="
        + createRevision
        + ", mod="
        + modRevision
        + ", version="
        + version
        + ", lease="
        + lease
        + ", value="
        + Keys.show(value)
        + "}";
  }
}
