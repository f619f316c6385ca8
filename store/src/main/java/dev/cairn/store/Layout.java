package dev.cairn.store;

import java.nio.ByteBuffer;
import java.util.Arrays;

/**
 * How the engine lays its state out in RocksDB. The key index lives on disk, not on the heap.
 *
 * <pre>
 * column family   key                                        value
 * ─────────────   ────────────────────────────────────────   ───────────────────────────────────
 * kv              esc(userKey) · ~main · ~sub                flags · create · version · lease · value
 * revs            main · sub                                 flags · userKey
 * leases          leaseId                                    ttl · remainingTtl
 * lease_keys      leaseId · userKey                          (empty)
 * default (meta)  "revision" "compact" "compact_done"        8-byte big-endian longs
 *                 "applied" "lease_seq"
 *                 "alarm/" · type · memberId                (empty)   one per active alarm
 * </pre>
 *
 * <p>{@code esc} escapes each 0x00 byte of the key as 0x00 0xFF and ends the key with 0x00 0x01, so
 * that every version of one key sorts together and keys sort in etcd's (unsigned byte) order. The
 * revision is stored inverted ({@code Long.MAX_VALUE - main}), so a key's versions run newest
 * first: the latest version at or below revision r is the first entry at or after {@code esc(k) ·
 * ~r}.
 *
 * <pre>
 *   put a@2, put a@5, del a@7, put b@6   →   kv:  a·~7(tombstone)  a·~5  a·~2  b·~6
 *   read a at 6 → seek a·~6 → a@5;   read a at 8 → a@7 is a tombstone → absent
 * </pre>
 */
final class Layout {
  static final byte FLAG_PUT = 0;
  static final byte FLAG_TOMBSTONE = 1;

  static final int REVISION_SUFFIX = 16;
  static final int KV_HEADER = 1 + 8 + 8 + 8;

  static final byte[] META_REVISION = bytes("revision");
  static final byte[] META_COMPACT = bytes("compact");
  static final byte[] META_COMPACT_DONE = bytes("compact_done");
  static final byte[] META_APPLIED = bytes("applied");
  static final byte[] META_LEASE_SEQ = bytes("lease_seq");
  static final byte[] META_ALARM_PREFIX = bytes("alarm/");

  private Layout() {}

  private static byte[] bytes(String s) {
    return s.getBytes(java.nio.charset.StandardCharsets.US_ASCII);
  }

  /** The escaped, terminated form of a user key: the prefix shared by all its versions. */
  static byte[] group(byte[] key) {
    int zeros = 0;
    for (byte b : key) {
      if (b == 0) {
        zeros++;
      }
    }
    byte[] out = new byte[key.length + zeros + 2];
    int j = 0;
    for (byte b : key) {
      out[j++] = b;
      if (b == 0) {
        out[j++] = (byte) 0xff;
      }
    }
    out[j++] = 0;
    out[j] = 1;
    return out;
  }

  /** The smallest byte string after every entry of {@code group}. */
  static byte[] groupEnd(byte[] group) {
    byte[] end = group.clone();
    end[end.length - 1] = 2;
    return end;
  }

  /** The exclusive upper bound on kv entries for a range end (null for an open end). */
  static byte[] upperBound(byte[] key, byte[] rangeEnd) {
    if (Keys.isSingleKey(rangeEnd)) {
      return groupEnd(group(key));
    }
    if (Keys.isOpenEnded(rangeEnd)) {
      return null;
    }
    return group(rangeEnd);
  }

  static byte[] kvKey(byte[] group, long main, long sub) {
    return ByteBuffer.allocate(group.length + REVISION_SUFFIX)
        .put(group)
        .putLong(Long.MAX_VALUE - main)
        .putLong(Long.MAX_VALUE - sub)
        .array();
  }

  /** Where the versions of {@code group} at or below {@code main} start. */
  static byte[] seekAtOrBelow(byte[] group, long main) {
    return kvKey(group, main, Long.MAX_VALUE);
  }

  static int groupLength(byte[] kvKey) {
    return kvKey.length - REVISION_SUFFIX;
  }

  static boolean sameGroup(byte[] kvKey, byte[] group) {
    return kvKey.length == group.length + REVISION_SUFFIX
        && Arrays.equals(kvKey, 0, group.length, group, 0, group.length);
  }

  static long mainOf(byte[] kvKey) {
    return Long.MAX_VALUE - ByteBuffer.wrap(kvKey, kvKey.length - 16, 8).getLong();
  }

  static long subOf(byte[] kvKey) {
    return Long.MAX_VALUE - ByteBuffer.wrap(kvKey, kvKey.length - 8, 8).getLong();
  }

  /** The user key of a kv entry, unescaped. */
  static byte[] userKey(byte[] kvKey) {
    int n = groupLength(kvKey) - 2;
    byte[] out = new byte[n];
    int j = 0;
    for (int i = 0; i < n; i++) {
      byte b = kvKey[i];
      out[j++] = b;
      if (b == 0) {
        i++; // skip the 0xFF escape
      }
    }
    return j == n ? out : Arrays.copyOf(out, j);
  }

  static byte[] kvValue(KeyValue kv) {
    byte[] v = kv.value();
    return ByteBuffer.allocate(KV_HEADER + v.length)
        .put(FLAG_PUT)
        .putLong(kv.createRevision())
        .putLong(kv.version())
        .putLong(kv.lease())
        .put(v)
        .array();
  }

  static byte[] tombstoneValue() {
    return new byte[] {FLAG_TOMBSTONE};
  }

  static boolean isTombstone(byte[] kvValue) {
    return kvValue[0] == FLAG_TOMBSTONE;
  }

  /** Decodes a put entry; null for a tombstone. */
  static KeyValue decode(byte[] userKey, long modRevision, byte[] v) {
    if (isTombstone(v)) {
      return null;
    }
    ByteBuffer b = ByteBuffer.wrap(v, 1, KV_HEADER - 1);
    long create = b.getLong();
    long version = b.getLong();
    long lease = b.getLong();
    return new KeyValue(
        userKey, create, modRevision, version, Arrays.copyOfRange(v, KV_HEADER, v.length), lease);
  }

  static byte[] revValue(byte flag, byte[] userKey) {
    byte[] out = new byte[userKey.length + 1];
    out[0] = flag;
    System.arraycopy(userKey, 0, out, 1, userKey.length);
    return out;
  }

  static byte[] revKeyOf(byte[] revValue) {
    return Arrays.copyOfRange(revValue, 1, revValue.length);
  }

  static byte[] leaseKey(long id) {
    return ByteBuffer.allocate(8).putLong(id).array();
  }

  static byte[] leaseValue(Lease lease) {
    return ByteBuffer.allocate(16).putLong(lease.ttl()).putLong(lease.remainingTtl()).array();
  }

  static Lease decodeLease(byte[] key, byte[] value) {
    ByteBuffer v = ByteBuffer.wrap(value);
    return new Lease(ByteBuffer.wrap(key).getLong(), v.getLong(), v.getLong());
  }

  static byte[] leaseKeyEntry(long id, byte[] userKey) {
    return ByteBuffer.allocate(8 + userKey.length).putLong(id).put(userKey).array();
  }

  static byte[] alarmKey(Alarm alarm) {
    byte[] a = alarm.toBytes();
    byte[] out = Arrays.copyOf(META_ALARM_PREFIX, META_ALARM_PREFIX.length + a.length);
    System.arraycopy(a, 0, out, META_ALARM_PREFIX.length, a.length);
    return out;
  }

  static boolean isAlarmKey(byte[] metaKey) {
    return metaKey.length > META_ALARM_PREFIX.length
        && Arrays.equals(
            metaKey, 0, META_ALARM_PREFIX.length, META_ALARM_PREFIX, 0, META_ALARM_PREFIX.length);
  }

  static Alarm alarmOf(byte[] metaKey) {
    return Alarm.fromBytes(metaKey, META_ALARM_PREFIX.length);
  }

  static byte[] longBytes(long v) {
    return ByteBuffer.allocate(8).putLong(v).array();
  }

  static long longOf(byte[] b, long orElse) {
    return b == null ? orElse : ByteBuffer.wrap(b).getLong();
  }
}
