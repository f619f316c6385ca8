package dev.cairn.store;

import java.nio.charset.StandardCharsets;

/** Short spellings for test data: keys and values are ASCII strings. */
final class Bytes {
  private Bytes() {}

  static byte[] b(String s) {
    return s == null ? null : s.getBytes(StandardCharsets.UTF_8);
  }

  static String s(byte[] b) {
    return b == null ? null : new String(b, StandardCharsets.UTF_8);
  }

  /** A range end written as in the tables: "" single key, "\0" every key from key, else itself. */
  static byte[] end(String e) {
    if (e == null || e.isEmpty()) {
      return null;
    }
    if (e.equals("\\0")) {
      return Keys.ALL_FROM.clone();
    }
    return b(e);
  }

  static RangeRequest range(String key, String end) {
    return RangeRequest.range(b(key), end(end));
  }

  /** Every option of a range request, without the builder methods. */
  static RangeRequest range(
      String key,
      String end,
      long limit,
      long rev,
      RangeRequest.SortOrder order,
      RangeRequest.SortTarget target,
      boolean keysOnly,
      boolean countOnly) {
    return new RangeRequest(
        b(key), end(end), limit, rev, order, target, keysOnly, countOnly, 0, 0, 0, 0);
  }

  static Command.Put put(String k, String v) {
    return Command.Put.of(b(k), b(v));
  }

  static Command.DeleteRange del(String k) {
    return Command.DeleteRange.of(b(k));
  }

  static Command.DeleteRange del(String k, String end) {
    return Command.DeleteRange.range(b(k), end(end));
  }
}
