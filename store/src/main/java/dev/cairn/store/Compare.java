package dev.cairn.store;

import java.util.Arrays;

/**
 * A transaction guard, as etcd's {@code Compare}: every key in {@code [key, rangeEnd)} must satisfy
 * {@code target result operand}. Over a missing key the fields read as zero, except that a VALUE
 * comparison on a missing key is always false (etcd cannot tell "missing" from "empty").
 */
public record Compare(
    byte[] key, byte[] rangeEnd, Target target, Result result, long number, byte[] value) {

  public enum Target {
    VERSION,
    CREATE,
    MOD,
    VALUE,
    LEASE
  }

  public enum Result {
    EQUAL,
    GREATER,
    LESS,
    NOT_EQUAL
  }

  public Compare {
    key = Keys.orEmpty(key);
    rangeEnd = Keys.orEmpty(rangeEnd);
    value = Keys.orEmpty(value);
  }

  public static Compare version(byte[] key, Result r, long version) {
    return new Compare(key, null, Target.VERSION, r, version, null);
  }

  public static Compare createRevision(byte[] key, Result r, long rev) {
    return new Compare(key, null, Target.CREATE, r, rev, null);
  }

  public static Compare modRevision(byte[] key, Result r, long rev) {
    return new Compare(key, null, Target.MOD, r, rev, null);
  }

  public static Compare lease(byte[] key, Result r, long lease) {
    return new Compare(key, null, Target.LEASE, r, lease, null);
  }

  public static Compare value(byte[] key, Result r, byte[] value) {
    return new Compare(key, null, Target.VALUE, r, 0, value);
  }

  /** The same comparison over every key in {@code [key, rangeEnd)}. */
  public Compare overRange(byte[] end) {
    return new Compare(key, end, target, result, number, value);
  }

  /** Whether one key's version (or a missing key, as {@code null}) satisfies this comparison. */
  boolean test(KeyValue kv) {
    int c;
    if (target == Target.VALUE) {
      if (kv == null) {
        return false;
      }
      c = Integer.signum(Arrays.compareUnsigned(kv.value(), value));
    } else {
      long actual =
          kv == null
              ? 0
              : switch (target) {
                case VERSION -> kv.version();
                case CREATE -> kv.createRevision();
                case MOD -> kv.modRevision();
                case LEASE -> kv.lease();
                case VALUE -> throw new AssertionError();
              };
      c = Long.compare(actual, number);
    }
    return switch (result) {
      case EQUAL -> c == 0;
      case NOT_EQUAL -> c != 0;
      case GREATER -> c > 0;
      case LESS -> c < 0;
    };
  }

  @Override
  public boolean equals(Object o) {
    return o instanceof Compare c
        && target == c.target
        && result == c.result
        && number == c.number
        && Arrays.equals(key, c.key)
        && Arrays.equals(rangeEnd, c.rangeEnd)
        && Arrays.equals(value, c.value);
  }

  @Override
  public int hashCode() {
    return Arrays.hashCode(key) * 31 + target.hashCode() * 7 + result.hashCode();
  }
}
