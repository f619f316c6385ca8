package dev.cairn.store;

import java.util.Arrays;
import java.util.HexFormat;

/**
 * Byte-string helpers for etcd's key space: keys compare as unsigned bytes, and a range is {@code
 * [key, rangeEnd)} with two special ends.
 *
 * <pre>
 *   rangeEnd empty      → the single key {@code key}
 *   rangeEnd = "\0"     → every key ≥ key
 *   otherwise           → key ≤ k &lt; rangeEnd
 * </pre>
 */
public final class Keys {
  /** The {@code range_end} that means "every key from {@code key} on". */
  public static final byte[] ALL_FROM = {0};

  private static final byte[] EMPTY = new byte[0];

  private Keys() {}

  public static int compare(byte[] a, byte[] b) {
    return Arrays.compareUnsigned(a, b);
  }

  /**
   * The range end that selects every key starting with {@code prefix} ("\0" for an empty prefix).
   */
  public static byte[] prefixEnd(byte[] prefix) {
    for (int i = prefix.length - 1; i >= 0; i--) {
      if (prefix[i] != (byte) 0xff) {
        byte[] end = Arrays.copyOf(prefix, i + 1);
        end[i]++;
        return end;
      }
    }
    return ALL_FROM.clone();
  }

  public static boolean isSingleKey(byte[] rangeEnd) {
    return rangeEnd == null || rangeEnd.length == 0;
  }

  public static boolean isOpenEnded(byte[] rangeEnd) {
    return rangeEnd != null && rangeEnd.length == 1 && rangeEnd[0] == 0;
  }

  /** Whether {@code k} lies in the range {@code [key, rangeEnd)} with etcd's special ends. */
  public static boolean inRange(byte[] k, byte[] key, byte[] rangeEnd) {
    if (isSingleKey(rangeEnd)) {
      return Arrays.equals(k, key);
    }
    if (compare(k, key) < 0) {
      return false;
    }
    return isOpenEnded(rangeEnd) || compare(k, rangeEnd) < 0;
  }

  /** Whether two ranges share a key. */
  public static boolean overlaps(byte[] k1, byte[] e1, byte[] k2, byte[] e2) {
    byte[] end1 = isSingleKey(e1) ? successor(k1) : e1;
    byte[] end2 = isSingleKey(e2) ? successor(k2) : e2;
    boolean firstEndsBeforeSecond = !isOpenEnded(end1) && compare(end1, k2) <= 0;
    boolean secondEndsBeforeFirst = !isOpenEnded(end2) && compare(end2, k1) <= 0;
    return !firstEndsBeforeSecond && !secondEndsBeforeFirst;
  }

  /** The smallest key greater than {@code key}: {@code key + "\0"}. */
  public static byte[] successor(byte[] key) {
    return Arrays.copyOf(key, key.length + 1);
  }

  static byte[] orEmpty(byte[] b) {
    return b == null ? EMPTY : b;
  }

  /** Printable form for messages and {@code toString}: UTF-8 when printable, hex otherwise. */
  public static String show(byte[] b) {
    if (b == null) {
      return "null";
    }
    for (byte x : b) {
      if (x < 0x20 || x > 0x7e) {
        return "0x" + HexFormat.of().formatHex(b);
      }
    }
    return new String(b, java.nio.charset.StandardCharsets.US_ASCII);
  }
}
